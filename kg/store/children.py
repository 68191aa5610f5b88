"""Child processes that end with kg: a query's process, the SPARQL engine of ``kg serve``.

On Linux the kernel sends a child a signal when the thread that started it dies
(``PR_SET_PDEATHSIG``), which covers ``kill -9`` of kg, where no handler runs. The signal
goes when the starting *thread* ends, so children that must outlive a request are started
from a thread that lives as long as kg does (the main thread). Elsewhere nothing is set and
the ordinary clean-ups (signal handlers, ``finally``) are all there is.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int | None = None) -> None:
    """Ask the kernel to kill this process when its parent dies; when ``parent`` (the pid
    the parent had) is no longer the parent, it died already: exit now. Usable as a
    ``preexec_fn`` (it runs in the child before exec, and the setting survives exec)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if parent is not None and os.getppid() != parent:
        os._exit(1)
