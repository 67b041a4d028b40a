"""SQLite whose writers queue on a file lock instead of in SQLite's busy handler.

Every transaction takes SQLite's write lock when it begins (`transaction_mode = IMMEDIATE` in
settings, with WAL). A second worker that finds it taken is put to sleep by SQLite's busy
handler for 1, 2, 5, 10, … ms before it looks again, so under load writers sleep long after
the lock is free. Here a transaction first takes an exclusive lock on
`<database file>.writers`, which the kernel hands to the next waiter as soon as it is
released, and then begins; the end of the transaction releases it.

Only public methods of Django's connection are overridden: `set_autocommit` (which
`transaction.atomic` calls to begin and, after the commit or rollback, to end the outermost
transaction), `close`, and `connect` (a new connection holds no transaction). In-memory
databases (the test suite's) need no queue. README, "The embedded database", says what it
buys, measured.
"""

import fcntl

from django.db.backends.sqlite3 import base


class WritersQueue:
    """An exclusive lock on `<database>.writers`, held from a transaction's begin to its end."""

    def __init__(self, database_name: str):
        self.path = f"{database_name}.writers"
        self.file = None
        self.held = False

    def acquire(self) -> None:
        if self.file is None:
            self.file = open(self.path, "ab")  # noqa: SIM115  (kept open with the connection)
        fcntl.flock(self.file, fcntl.LOCK_EX)
        self.held = True

    def release(self) -> None:
        if self.held:
            fcntl.flock(self.file, fcntl.LOCK_UN)
            self.held = False

    def close(self) -> None:
        self.release()
        if self.file is not None:
            self.file.close()
            self.file = None


class DatabaseWrapper(base.DatabaseWrapper):
    writers = None

    def _queue(self) -> WritersQueue | None:
        if self.is_in_memory_db():
            return None
        if self.writers is None:
            self.writers = WritersQueue(self.settings_dict["NAME"])
        return self.writers

    def set_autocommit(self, autocommit, force_begin_transaction_with_broken_autocommit=False):
        queue = self._queue()
        if autocommit or queue is None:
            try:
                super().set_autocommit(autocommit, force_begin_transaction_with_broken_autocommit)
            finally:
                if autocommit and queue is not None:
                    queue.release()
            return
        queue.acquire()
        try:
            super().set_autocommit(autocommit, force_begin_transaction_with_broken_autocommit)
        except BaseException:
            queue.release()
            raise

    def connect(self):
        if self.writers is not None:
            self.writers.release()
        super().connect()

    def close(self):
        try:
            super().close()
        finally:
            if self.writers is not None:
                self.writers.close()
