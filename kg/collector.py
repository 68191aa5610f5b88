"""Python's cyclic garbage collector, paused while kg makes or reads a large graph.

kg's tables, mapping and analyses make millions of small lists, dicts and strings that live
until their step ends and form no reference cycles worth collecting meanwhile: reference
counting frees them. With the collector on, each full collection walks every object alive,
and the more objects live the more work each one is, so the time grows faster than the data:
at 1M triples the collector took about a quarter of ``kg gaps``, at 5M a third
(benchmarks/NOTES.md).

>>> import gc
>>> with paused():
...     gc.isenabled()
False
>>> gc.isenabled()
True
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0  # pauses open now, in any thread
_was_on = False  # whether the collector was on when the first of them began


@contextmanager
def paused() -> Iterator[None]:
    """Pause the cyclic collector inside a ``with`` block or a function it decorates
    (``@paused()``), and turn it back on when the last pause open in any thread ends, if it
    was on before the first began: nested pauses, and pauses in several threads at once,
    leave it as they found it. Cycles made meanwhile are collected once it is back on."""
    global _depth, _was_on
    with _lock:
        if _depth == 0:
            _was_on = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_on:
                gc.enable()
