"""SQLite writers queue on a file lock beside the database (gateway/store/writer_queue.py):
held from BEGIN IMMEDIATE to commit or rollback, never longer, and writers of several
processes all get through."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from gateway.store.engine import Database

ROOT = Path(__file__).resolve().parents[2]


def lock_is_free(path: Path) -> bool:
    fd = os.open(str(path) + "-writer.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)


@pytest.fixture
def db(tmp_path: Path) -> Database:
    database = Database(f"sqlite:///{tmp_path / 'q.db'}")
    with database.write_engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
    return database


def test_the_lock_is_held_only_inside_a_write_transaction(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "q.db"
    assert lock_is_free(path)
    with db.writing() as s:
        s.execute(text("INSERT INTO t VALUES (1)"))
        assert not lock_is_free(path)
    assert lock_is_free(path)  # committed: released
    with pytest.raises(RuntimeError), db.writing() as s:
        s.execute(text("INSERT INTO t VALUES (2)"))
        raise RuntimeError
    assert lock_is_free(path)  # rolled back: released
    with db.reading() as s:
        assert lock_is_free(path)  # readers never queue
        assert s.execute(text("SELECT count(*) FROM t")).scalar() == 1


WRITER = """
import sys
sys.path.insert(0, {root!r})
from sqlalchemy import text
from gateway.store.engine import Database
db = Database({url!r})
for n in range(200):
    with db.writing() as s:
        s.execute(text("INSERT INTO t VALUES (:n)"), {{"n": n}})
"""


def test_writers_of_several_processes_all_get_through(db: Database, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'q.db'}"
    procs = [subprocess.Popen([sys.executable, "-c", WRITER.format(root=str(ROOT), url=url)])
             for _ in range(4)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0, 0]
    with db.reading() as s:
        assert s.execute(text("SELECT count(*) FROM t")).scalar() == 800
    assert lock_is_free(tmp_path / "q.db")
