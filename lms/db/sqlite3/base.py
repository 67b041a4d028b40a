"""SQLite whose writers queue on a file lock instead of in SQLite's busy handler.

Every transaction takes SQLite's write lock when it begins (transaction_mode IMMEDIATE). A
second worker that finds it taken is put to sleep by SQLite's busy handler for 1, 2, 5,
10, … ms before it looks again, so under load writers sleep long after the lock is free.
Here a transaction first takes an exclusive lock on `<database file>.writers`, which the
kernel hands to the next waiter as soon as it is released, and then begins; its commit or
rollback releases it. In-memory databases (the test suite's) need no queue.
"""

import fcntl

from django.db.backends.sqlite3 import base


class DatabaseWrapper(base.DatabaseWrapper):
    _writers_file = None
    _holds_writers_lock = False

    def _start_transaction_under_autocommit(self):
        if not self.is_in_memory_db():
            if self._writers_file is None:
                self._writers_file = open(f"{self.settings_dict['NAME']}.writers", "ab")  # noqa: SIM115
            fcntl.flock(self._writers_file, fcntl.LOCK_EX)
            self._holds_writers_lock = True
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._release_writers_lock()
            raise

    def _commit(self):
        try:
            super()._commit()
        finally:
            self._release_writers_lock()

    def _rollback(self):
        try:
            super()._rollback()
        finally:
            self._release_writers_lock()

    def _close(self):
        try:
            super()._close()
        finally:
            self._release_writers_lock()
            if self._writers_file is not None:
                self._writers_file.close()
                self._writers_file = None

    def _release_writers_lock(self):
        if self._holds_writers_lock:
            fcntl.flock(self._writers_file, fcntl.LOCK_UN)
            self._holds_writers_lock = False
