"""Cache backends whose counters keep their window.

Rate limits (django-ratelimit) count with `cache.add(key, 0, window)` then `cache.incr(key)`.
Django's file and database caches implement `incr` as get-then-set with the default
timeout (300 s), so an hour's limit would forget itself after five minutes, and two requests
at once could both read the same count. These `incr`s keep the key's expiry and count under
a lock. Redis and local memory already do both.
"""

import base64
import os
import pickle
import tempfile
import time
import zlib

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.core.cache.backends.filebased import FileBasedCache
from django.core.files import locks
from django.core.files.move import file_move_safe
from django.db import connections, models, router, transaction
from django.utils.timezone import now


class FileCache(FileBasedCache):
    """Django's file cache, with `add` and `incr` atomic across processes (one lock file
    for the folder) and `incr` keeping the key's expiry."""

    lock_name = "counters.lock"  # not *.djcache, so clear() and culling leave it alone

    def _locked(self):
        self._createdir()
        handle = open(os.path.join(self._dir, self.lock_name), "ab")  # noqa: SIM115
        locks.lock(handle, locks.LOCK_EX)
        return handle

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        with self._locked():
            return super().add(key, value, timeout, version)

    def incr(self, key, delta=1, version=None):
        fname = self._key_to_file(key, version)
        with self._locked():
            try:
                with open(fname, "rb") as f:
                    expiry = pickle.load(f)  # noqa: S301 (the cache's own file, as in Django)
                    value = pickle.loads(zlib.decompress(f.read()))  # noqa: S301
            except (FileNotFoundError, EOFError):
                raise ValueError(f"Key '{key}' not found") from None
            if expiry is not None and expiry < time.time():
                self._delete(fname)
                raise ValueError(f"Key '{key}' not found")
            value += delta
            # Written beside it and renamed over it, so a reader never sees half a file.
            fd, tmp_path = tempfile.mkstemp(dir=self._dir)
            try:
                with open(fd, "wb") as f:
                    f.write(pickle.dumps(expiry, self.pickle_protocol))
                    f.write(zlib.compress(pickle.dumps(value, self.pickle_protocol)))
                file_move_safe(tmp_path, fname, allow_overwrite=True)
            finally:
                if os.path.exists(tmp_path):
                    os.remove(tmp_path)
            return value


class DatabaseCache(DjangoDatabaseCache):
    """Django's database cache, with an `incr` that locks the row and keeps its expiry."""

    def incr(self, key, delta=1, version=None):
        stored_key = self.make_and_validate_key(key, version=version)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        quote_name = connection.ops.quote_name
        table = quote_name(self._table)
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        with transaction.atomic(using=db), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {quote_name('value')}, {quote_name('expires')} FROM {table} "  # noqa: S608
                f"WHERE {quote_name('cache_key')} = %s{lock}",
                [stored_key],
            )
            row = cursor.fetchone()
            if row is None or self._expired(row[1], connection):
                raise ValueError(f"Key '{key}' not found")
            stored = connection.ops.process_clob(row[0])
            value = pickle.loads(base64.b64decode(stored.encode())) + delta  # noqa: S301
            pickled = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
            cursor.execute(
                f"UPDATE {table} SET {quote_name('value')} = %s "  # noqa: S608
                f"WHERE {quote_name('cache_key')} = %s",
                [pickled, stored_key],
            )
        return value

    @staticmethod
    def _expired(expires, connection) -> bool:
        expression = models.Expression(output_field=models.DateTimeField())
        for converter in connection.ops.get_db_converters(
            expression
        ) + expression.get_db_converters(connection):
            expires = converter(expires, expression, connection)
        return expires < now()
