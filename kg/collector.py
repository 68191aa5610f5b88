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
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """Pause the cyclic collector inside a ``with`` block or a function it decorates
    (``@paused()``), and turn it back on after, if it was on: nested pauses leave it off
    until the outermost ends. Cycles made meanwhile are collected once it is back on."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()
