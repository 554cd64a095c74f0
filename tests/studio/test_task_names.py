"""Tasks are sent by name (studio.background): every name sent is a task Celery registered,
and no module but a tasks module or a command imports a tasks module."""

import ast
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction

from studio.background import task_enqueue_on_commit, task_get
from studio.celery import app
from studio.models import QueuedTask

APPS = ("studio", "clients", "sessions", "gallery", "workspace")
SENDERS = {"task_enqueue_on_commit", "task_send_now"}


def _modules():
    base = Path(settings.BASE_DIR)
    for name in APPS:
        for path in sorted((base / name).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path.relative_to(base), ast.parse(path.read_text(), filename=str(path))


def _sends():
    """(module, line, first argument) of every call that sends a task."""
    for path, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in SENDERS:
                yield path, node.lineno, node.args[0] if node.args else None


def _may_import_tasks(path: Path) -> bool:
    # Commands and the tasks modules themselves are above the services.
    return path.name == "tasks.py" or "management" in path.parts


def test_every_task_sent_by_name_is_a_registered_task():
    names = []
    for path, line, arg in _sends():
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            names.append((f"{path}:{line}", arg.value))
        else:
            assert _may_import_tasks(path), f"{path}:{line} sends a task not by its name"
    assert len(names) > 25  # the scan found the senders
    missing = [(where, name) for where, name in names if name not in app.tasks]
    assert not missing, missing


def test_only_tasks_modules_and_commands_import_tasks_modules():
    found = [
        f"{path}:{node.lineno}"
        for path, tree in _modules()
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        and (node.module or "").split(".")[-1] == "tasks"
        and not _may_import_tasks(path)
    ]
    assert not found, found


@pytest.mark.django_db
def test_a_name_no_app_registered_fails_before_anything_is_queued():
    with pytest.raises(KeyError), transaction.atomic():
        task_enqueue_on_commit("sessions.tasks.booking_email_sent_task", booking_id=1)
    assert not QueuedTask.objects.exists()


def test_a_name_is_found_however_the_process_started():
    assert task_get("gallery.tasks.photo_process_task").name == "gallery.tasks.photo_process_task"
