"""The import's reading side: the file in chunks, normalised in order, by worker processes
when the file is large (phone parsing dominates the cost; the ledger's hash chain must be
written by one process in order)."""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from gateway.imports.bulk_rows import BulkRow
from gateway.imports.rows import RowReader
from gateway.imports.worker import (
    Bad,
    JobContext,
    LinkRequest,
    Preparer,
    init_worker,
    unmarshal,
    work,
)

WORKER_STALL = 300.0  # seconds without an answer from a worker chunk: something is wrong


def in_chunks(rows: Iterator[tuple[int, list[str]]], size: int
               ) -> Iterator[list[tuple[int, list[str]]]]:
    """``rows`` in lists of ``size`` (the last one shorter): the tasks sent to workers."""
    batch: list[tuple[int, list[str]]] = []
    for item in rows:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


@contextmanager
def collector_paused() -> Iterator[None]:
    """The writer holds a transaction's worth of fresh rows at a time; without cycles among
    them, the cyclic collector's repeated scans are pure cost (measured: a third of the
    writing process's CPU). Restored afterwards; the import is bounded."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def prepared(ctx: JobContext, reader: RowReader, chunks: Iterator[list[tuple[int, list[str]]]],
             workers: int, clock: Callable[[], datetime]
             ) -> Generator[tuple[list[BulkRow], list[Bad], list[LinkRequest], int, int],
                            None, None]:
    """Normalised chunks in file order: (good rows, bad rows, links, rows read, the file's
    byte position after them). With workers, a few chunks are in flight at once."""
    pool = None
    local = None
    if workers > 0:
        mp = multiprocessing.get_context("spawn")
        pool = mp.Pool(workers, initializer=init_worker, initargs=(ctx, os.getpid()))
    else:
        local = Preparer(ctx)
    pending: deque[tuple[Any, int, int]] = deque()
    in_flight = 2 * workers  # chunks queued per pool: workers keep going during commits
    try:
        for chunk in chunks:
            at_bytes = reader.bytes_read
            if pool is None:
                assert local is not None
                yield (*local.run(chunk, clock()), len(chunk), at_bytes)
                continue
            pending.append((pool.apply_async(work, (chunk, clock())), len(chunk),
                            at_bytes))
            while len(pending) > in_flight:
                result, count, at = pending.popleft()
                yield (*unmarshal(_result(result)), count, at)
        while pending:
            result, count, at = pending.popleft()
            yield (*unmarshal(_result(result)), count, at)
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()


def _result(result: Any) -> bytes:
    """A worker's answer. A pool whose workers die at start keeps replacing them and never
    answers: give up after WORKER_STALL seconds rather than wait for ever."""
    waited = 0.0
    while not result.ready():
        result.wait(1.0)
        waited += 1.0
        if waited >= WORKER_STALL and not result.ready():
            raise RuntimeError(f"no answer from the import worker processes in {waited:.0f} s")
    value: bytes = result.get()
    return value
