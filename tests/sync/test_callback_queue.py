"""The client's callback queue (c104test.sync.callback_queue): order, the bound, bounded waits."""

from __future__ import annotations

import logging
import threading

import pytest

from c104test.sync import callback_queue
from c104test.sync.callback_queue import THREAD, CallbackQueue


def test_callbacks_run_in_order_in_one_thread_that_ends_when_the_queue_is_empty(monkeypatch: pytest.MonkeyPatch) -> None:
    # the thread lingers for the next burst: 1 s rather than 0.2 s, so that this test's own thread,
    # kept from a CPU under load, still finds it between drain() and the next submit()
    monkeypatch.setattr(callback_queue, "LINGER", 1.0)
    queue = CallbackQueue()
    seen: list[tuple[int, str]] = []
    for i in range(200):
        queue.submit(lambda i=i: seen.append((i, threading.current_thread().name)), f"job {i}")
    assert queue.drain(5)
    assert seen == [(i, THREAD) for i in range(200)]
    thread = queue._thread
    assert thread is not None  # it waits LINGER s for the next burst: no new thread for each
    queue.submit(lambda: seen.append((200, threading.current_thread().name)), "job 200")
    assert queue.drain(5) and queue._thread is thread and seen[-1] == (200, THREAD)
    thread.join(callback_queue.LINGER + 2)  # then it ends by itself
    assert not thread.is_alive() and queue._thread is None
    queue.submit(lambda: seen.append((201, threading.current_thread().name)), "job 201")  # a new one
    assert queue.close(5)  # Client.stop(): all run, and the thread ends now
    assert seen[-1] == (201, THREAD) and queue._thread is None


def test_beyond_the_bound_callbacks_are_dropped_counted_and_named(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(callback_queue, "_LIMIT", 5)
    queue = CallbackQueue()
    release = threading.Event()
    seen: list[int] = []
    with caplog.at_level(logging.WARNING, logger="c104test.callbacks"):
        queue.submit(lambda: release.wait(5), "blocker")
        started = threading.Event()
        queue.submit(started.set, "started")
        for _ in range(500):  # at most 5 s
            if queue.running is not None and queue.running[0] == "blocker":
                break
            release.wait(0.01)
        assert queue.running is not None and queue.running[0] == "blocker"
        for i in range(7):
            queue.submit(lambda i=i: seen.append(i), f"on_receive_raw #{i}")
        assert queue.dropped == 3  # "started" and four of these wait
        release.set()
        assert queue.drain(5)
    assert started.is_set() and seen == [0, 1, 2, 3]  # in order; the later ones dropped
    messages = [r.getMessage() for r in caplog.records]
    assert any("running: blocker" in m and "on_receive_raw #4 and the later ones are dropped" in m for m in messages)
    assert "3 client callbacks were dropped: more than 5 waited for c104test-client-callbacks" in messages
    assert queue.dropped == 0


def test_drain_waits_a_bounded_time_and_names_the_callback_that_blocks(caplog: pytest.LogCaptureFixture) -> None:
    queue = CallbackQueue()
    release = threading.Event()
    queue.submit(lambda: release.wait(5), "on_receive_raw stuck (127.0.0.1:2404)")
    try:
        with caplog.at_level(logging.WARNING, logger="c104test.callbacks"):
            assert queue.drain(0.2) is False
        assert any("on_receive_raw stuck" in r.getMessage() for r in caplog.records)
    finally:
        release.set()
    assert queue.drain(5)


def test_drain_from_a_queued_callback_returns_at_once() -> None:
    queue = CallbackQueue()
    results: list[bool] = []
    queue.submit(lambda: results.append(queue.drain(5)), "drains itself")
    assert queue.drain(5)
    assert results == [False]
