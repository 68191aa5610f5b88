"""Progress of long work (a build, a report), told to whoever listens.

The stages say what they are doing with :func:`step`; nothing is shown unless a listener
is set (:func:`listen`): the command line sets one that writes to a terminal and stays quiet
when its output is piped or written to a file.

>>> seen = []
>>> with listen(seen.append):
...     step("reading the tables")
>>> seen
['reading the tables']
>>> step("nobody listens")  # no listener: nothing happens
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

_listeners: list[Callable[[str], None]] = []


def step(text: str) -> None:
    """Say what long work is doing now."""
    for listener in list(_listeners):
        listener(text)


@contextmanager
def listen(listener: Callable[[str], None]) -> Iterator[None]:
    """Send every :func:`step` to ``listener`` while the block runs."""
    _listeners.append(listener)
    try:
        yield
    finally:
        _listeners.remove(listener)
