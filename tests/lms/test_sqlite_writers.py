"""lms.db.sqlite3: writers of a file database queue on a file lock, released when the
transaction ends (commit or rollback, then autocommit again, as `transaction.atomic` does) or
the connection closes: a waiting writer begins when the one before it ends, however long that
takes, instead of failing with "database is locked" once SQLite's busy timeout runs out."""

import threading

import pytest
from django.db import connection

from lms.db.sqlite3.base import DatabaseWrapper


@pytest.fixture
def open_database(tmp_path, django_db_blocker):
    """Opens connections to one SQLite file, each in the calling thread, as workers do."""
    settings = {
        **connection.settings_dict,
        "ENGINE": "lms.db.sqlite3",
        "NAME": str(tmp_path / "writers.sqlite3"),
        # SQLite gives up after 0.1 s: longer than that, only the queue makes writers wait.
        "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 0.1},
    }
    opened = []

    def open_one(name=None) -> DatabaseWrapper:
        wrapper = DatabaseWrapper({**settings, "NAME": name or settings["NAME"]}, alias="w")
        wrapper.ensure_connection()
        wrapper.inc_thread_sharing()  # closed by this fixture, from the test's thread
        opened.append(wrapper)
        return wrapper

    with django_db_blocker.unblock():  # these are not the test database's connections
        yield open_one
        for wrapper in opened:
            wrapper.close()


def _begin(wrapper) -> None:
    """What `transaction.atomic` does to begin the outermost transaction on SQLite."""
    wrapper.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)


def _end(wrapper, how: str) -> None:
    if how == "close":
        wrapper.close()
        return
    getattr(wrapper, how)()
    wrapper.set_autocommit(True)


@pytest.mark.parametrize("end", ["commit", "rollback", "close"])
def test_a_second_writer_waits_until_the_first_ends(open_database, end):
    first = open_database()
    _begin(first)
    began = threading.Event()

    def second_writer():
        second = open_database()
        _begin(second)
        began.set()
        _end(second, "commit")

    thread = threading.Thread(target=second_writer)
    thread.start()
    assert not began.wait(0.5)  # queued behind the first, past SQLite's timeout
    _end(first, end)
    thread.join(5)
    assert began.is_set()


def test_an_in_memory_database_takes_no_file_lock(open_database):
    wrapper = open_database(":memory:")
    _begin(wrapper)
    assert wrapper.writers is None
    _end(wrapper, "rollback")
