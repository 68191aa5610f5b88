"""kg.collector.paused: the cyclic collector off inside, back as it was after, whatever the nesting,
the exceptions and the threads."""

from __future__ import annotations

import gc
import sys
import threading

import pytest

from kg.collector import paused


@pytest.fixture(autouse=True)
def collector_on():
    gc.enable()
    yield
    gc.enable()


def test_nested_pauses_and_an_exception_leave_it_on():
    with paused():
        with paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer pause is still open
    assert gc.isenabled()
    with pytest.raises(ValueError), paused():
        raise ValueError("inside")
    assert gc.isenabled()


def test_a_collector_the_caller_turned_off_stays_off():
    gc.disable()
    with paused():
        pass
    assert not gc.isenabled()


def test_pauses_in_several_threads_at_once_leave_it_on():
    @paused()
    def work() -> int:
        return sum(range(50))

    def loop() -> None:
        for _ in range(3000):
            work()

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible, between any two steps
    try:
        for _ in range(5):
            threads = [threading.Thread(target=loop) for _ in range(4)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert gc.isenabled()
    finally:
        sys.setswitchinterval(interval)
