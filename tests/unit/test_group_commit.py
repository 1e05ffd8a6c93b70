"""GroupCommit on its own: who gathers, who waits, and who hears what."""

from __future__ import annotations

import threading
import time
from collections.abc import Hashable, Sequence

import pytest

from gateway.store.group_commit import GroupCommit


class Recorder:
    """A run_batch that remembers its batches; the first one waits for a go."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.first_started = threading.Event()
        self.go = threading.Event()
        self.go.set()

    def __call__(self, key: Hashable, items: Sequence[int]) -> list[int | BaseException]:
        self.batches.append(list(items))
        if len(self.batches) == 1:
            self.first_started.set()
            self.go.wait(5)
        return [ValueError(f"bad {i}") if i < 0 else i * 10 for i in items]


def _submit_all(gc: GroupCommit, items: list[int], key: Hashable = "b"
                ) -> dict[int, int | BaseException]:
    results: dict[int, int | BaseException] = {}

    def one(i: int) -> None:
        try:
            results[i] = gc.submit(key, i)
        except BaseException as exc:  # noqa: BLE001 - the test looks at it
            results[i] = exc

    threads = [threading.Thread(target=one, args=(i,)) for i in items]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert not any(t.is_alive() for t in threads), "a caller never got its answer"
    return results


def test_writers_arriving_during_a_batch_share_the_next_one() -> None:
    run = Recorder()
    run.go.clear()
    gc: GroupCommit[int, int] = GroupCommit(run)
    first = threading.Thread(target=gc.submit, args=("b", 0))
    first.start()
    assert run.first_started.wait(5)
    # While the first batch runs, nine more arrive; then the first one ends.
    late: dict[int, int | BaseException] = {}
    waiter = threading.Thread(target=lambda: late.update(_submit_all(gc, list(range(1, 10)))))
    waiter.start()
    deadline = time.monotonic() + 5
    while len(gc._queues.get("b", ())) < 9 and time.monotonic() < deadline:
        time.sleep(0.001)
    run.go.set()
    first.join(5)
    waiter.join(10)
    assert run.batches[0] == [0]
    assert sorted(run.batches[1]) == list(range(1, 10))  # one transaction for all nine
    assert late == {i: i * 10 for i in range(1, 10)}


def test_each_caller_gets_its_own_outcome_and_a_bad_item_costs_no_other() -> None:
    run = Recorder()
    gc: GroupCommit[int, int] = GroupCommit(run)
    results = _submit_all(gc, [-3, 1, 2, -1, 4] * 4)
    for i, outcome in results.items():
        if i < 0:
            assert isinstance(outcome, ValueError) and str(outcome) == f"bad {i}"
        else:
            assert outcome == i * 10


def test_a_failing_batch_reaches_its_callers_and_the_next_batch_still_runs() -> None:
    calls: list[list[int]] = []

    def run(key: Hashable, items: Sequence[int]) -> list[int | BaseException]:
        calls.append(list(items))
        if len(calls) == 1:
            raise ConnectionError("database went away")
        return [i for i in items]

    gc: GroupCommit[int, int] = GroupCommit(run)
    with pytest.raises(ConnectionError):
        gc.submit("b", 1)
    assert gc.submit("b", 2) == 2
    assert gc._queues == {} and gc._running == set()  # nothing left behind


def test_many_writers_on_several_keys_all_answered_and_batches_bounded() -> None:
    seen: list[tuple[Hashable, int]] = []
    lock = threading.Lock()

    def run(key: Hashable, items: Sequence[int]) -> list[int | BaseException]:
        with lock:
            seen.append((key, len(items)))
        time.sleep(0.002)  # a transaction takes a while: the others queue meanwhile
        return [i + 1 for i in items]

    gc: GroupCommit[int, int] = GroupCommit(run, max_batch=5)
    results: dict[int, int | BaseException] = {}
    threads = [threading.Thread(target=lambda k=k: results.update(
        _submit_all(gc, list(range(k * 100, k * 100 + 40)), key=k))) for k in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert results == {i: i + 1 for k in range(3) for i in range(k * 100, k * 100 + 40)}
    assert max(size for _key, size in seen) <= 5
    assert any(size > 1 for _key, size in seen)
    assert sum(size for _key, size in seen) == 120


def test_the_gathering_window_is_waited_only_while_the_chain_is_busy() -> None:
    window = 0.3
    run = Recorder()
    gc: GroupCommit[int, int] = GroupCommit(run, window=window)

    def timed(item: int) -> float:
        started = time.monotonic()
        assert gc.submit("b", item) == item * 10
        return time.monotonic() - started

    assert timed(1) < window / 2  # idle: a lone write goes at once
    run.go.clear()
    run.batches.clear()
    run.first_started.clear()
    first = threading.Thread(target=gc.submit, args=("b", 2))
    first.start()
    assert run.first_started.wait(5)
    late = threading.Thread(target=lambda: _submit_all(gc, [3, 4, 5]))
    late.start()
    while len(gc._queues.get("b", ())) < 3:
        time.sleep(0.001)
    run.go.set()
    first.join(5)
    late.join(5)
    assert sorted(run.batches[1]) == [3, 4, 5]  # busy: the last batch held three
    assert timed(6) >= window  # so the next leader waits for company
    assert timed(7) < window / 2  # it came alone: idle again, no wait


@pytest.mark.parametrize(("raw", "expected"), [(None, 1.0), ("0", 0.0), ("2.5", 2.5)])
def test_the_window_is_a_setting(raw: str | None, expected: float) -> None:
    from gateway.core.config import Settings

    settings = Settings.load({"DATABASE_URL": "sqlite:////tmp/x.db", "SECRET_KEY": "s",
                              "SUBJECT_KEY": "k", "GROUP_COMMIT_WINDOW_MS": raw})
    assert settings.group_commit_window_ms == expected


@pytest.mark.parametrize("raw", ["-1", "51", "soon"])
def test_a_wrong_window_stops_start_up(raw: str) -> None:
    from gateway.core.config import ConfigError, Settings

    with pytest.raises(ConfigError, match="GROUP_COMMIT_WINDOW_MS"):
        Settings.load({"DATABASE_URL": "sqlite:////tmp/x.db", "SECRET_KEY": "s",
                       "SUBJECT_KEY": "k", "GROUP_COMMIT_WINDOW_MS": raw})
