"""Enqueueing Celery tasks safely."""

from functools import partial
from uuid import uuid4

from celery import Task
from django.db import transaction


def task_enqueue_on_commit(task: Task, /, **kwargs) -> str:
    """Send `task` with keyword arguments once the current transaction commits.

    A task sent earlier could run before its rows are visible, or for rows that a rollback
    then removes. Returns the task id, known in advance, for looking up the result.
    """
    task_id = str(uuid4())
    transaction.on_commit(partial(task.apply_async, kwargs=kwargs, task_id=task_id))
    return task_id
