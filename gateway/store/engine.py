"""Engines, sessions and schema migrations for SQLite (embedded) and PostgreSQL."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from gateway.core.errors import StoreUnavailable
from gateway.store import writer_queue

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def normalise_url(url: str) -> str:
    """Accept the usual ``postgres://`` spellings and use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _sqlite_engine(url: str, *, immediate: bool, path: str) -> Engine:
    connect_args: dict[str, Any] = {"timeout": 30, "check_same_thread": False}
    if immediate:  # writers queue on a file lock (gateway/store/writer_queue.py)
        connect_args["factory"] = writer_queue.connection_class(path)
    engine = create_engine(url, connect_args=connect_args, hide_parameters=True)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" hook below issue BEGIN itself.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        # Writers take the write lock up front, so two writers never deadlock on an
        # upgrade from a read lock (SQLITE_BUSY_SNAPSHOT); readers stay concurrent.
        if not immediate:
            conn.exec_driver_sql("BEGIN")
            return
        raw = conn.connection.dbapi_connection
        writer_queue.queue_for_write(raw)
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            writer_queue.leave_queue(raw)
            raise

    return engine


class _Work:
    """The session of an open unit of work, lent to the stores' blocks one at a time."""

    def __init__(self, db: Database, session: Session):
        self.db = db
        self.session = session
        self.depth = 0

    @contextmanager
    def block(self) -> Iterator[Session]:
        # Each store call used to get a fresh session; the outermost block of a call starts
        # with an empty identity map again, so no ORM object loaded earlier in the unit
        # hides what Core statements changed since. (A writing block's changes are flushed
        # when its savepoint is released; what a reading block changed is dropped, as a
        # closed session dropped it.)
        if self.depth == 0:
            self.session.expunge_all()
        self.depth += 1
        try:
            yield self.session
        finally:
            self.depth -= 1


_work: ContextVar[_Work | None] = ContextVar("optin_unit_of_work", default=None)


@contextmanager
def _available() -> Iterator[None]:
    """The driver's operational errors (connection lost, locked past the timeout, disk
    full) as the core's StoreUnavailable; "from None": driver messages may quote rows."""
    try:
        yield
    except (OperationalError, sqlite3.OperationalError):  # the latter: writer_queue's wait
        raise StoreUnavailable() from None


class Database:
    """A read engine and a write engine (the same one on PostgreSQL)."""

    def __init__(self, url: str, *, echo: bool = False):
        self.url = normalise_url(url)
        if self.url.startswith("sqlite"):
            if ":memory:" in self.url or self.url in ("sqlite://", "sqlite:///"):
                raise ValueError("use a SQLite file, not :memory: (several connections share it)")
            path = self.url.split("///", 1)[-1]
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            self.read_engine = _sqlite_engine(self.url, immediate=False, path=path)
            self.write_engine = _sqlite_engine(self.url, immediate=True, path=path)
        else:
            # hide_parameters: error messages never quote the values (numbers, names).
            self.read_engine = create_engine(self.url, echo=echo, pool_pre_ping=True,
                                             hide_parameters=True)
            self.write_engine = self.read_engine
        self._read = sessionmaker(self.read_engine, expire_on_commit=False)
        self._write = sessionmaker(self.write_engine, expire_on_commit=False)
        self.on_dispose: list[Callable[[], None]] = []  # flush buffers before closing

    @property
    def dialect(self) -> str:
        return self.write_engine.dialect.name

    @contextmanager
    def reading(self) -> Iterator[Session]:
        with _available():
            yield from self._reading()

    def _reading(self) -> Iterator[Session]:
        work = self._own_work()
        if work is not None:
            with work.block() as session:  # inside a unit of work: see its writes
                yield session
            return
        with self._read() as session:
            yield session

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """One transaction: committed on success, rolled back on any error. Inside a
        :meth:`unit_of_work`, a savepoint of it instead (a store's own retry after a
        unique-key race still works), committed with the unit."""
        with _available():
            yield from self._writing()

    def _writing(self) -> Iterator[Session]:
        work = self._own_work()
        if work is not None:
            with work.block() as session, session.begin_nested():
                yield session
            return
        with self._write() as session, session.begin():
            yield session

    def _own_work(self) -> _Work | None:
        work = _work.get()
        return work if work is not None and work.db is self else None

    def in_unit_of_work(self) -> bool:
        return self._own_work() is not None

    @contextmanager
    def unit_of_work(self) -> Iterator[None]:
        """One transaction around several stores' reads and writes: everything a use case
        writes commits together or not at all (a message's dedupe row, its consent event,
        the conversation step and the reply in the outbox). Nested units join the outer."""
        if self.in_unit_of_work():
            yield
            return
        with _available(), self._write() as session, session.begin():
            token = _work.set(_Work(self, session))
            try:
                yield
            finally:
                _work.reset(token)

    def upgrade(self) -> None:
        """Bring the schema to the newest revision (what ``init-db`` runs)."""
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        cfg.attributes["connection_url"] = self.url
        with self.write_engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "heads")

    def dispose(self) -> None:
        for callback in self.on_dispose:
            callback()
        self.on_dispose.clear()
        self.read_engine.dispose()
        if self.write_engine is not self.read_engine:
            self.write_engine.dispose()


def make_revision(message: str, rev_id: str) -> None:
    """Developers: autogenerate an Alembic revision from the models, on a scratch SQLite."""
    import tempfile

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite:///{tmp}/scratch.db")
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "heads")
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.revision(cfg, message=message, autogenerate=True, rev_id=rev_id)
        engine.dispose()
