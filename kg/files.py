"""Writing files whole, and marking the folders kg makes so that it removes only its own."""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from kg.errors import KgError


def write_atomic(path: Path, data: bytes) -> None:
    """Write a file so that it is either complete or not there at all; a file system that
    refuses (full, read-only, no permission) is a KgError naming the file."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    except OSError as exc:
        raise KgError(f"cannot write {path}: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; a report is meant to be shared
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise KgError(f"cannot write {path}: {exc.strerror or exc}") from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise



@contextmanager
def claimed(folder: Path, mark: str, text: str) -> Iterator[None]:
    """Put kg's mark ``mark`` (a file holding ``text``) in ``folder`` and hold its lock while
    the block runs: a later run finds the folder in use and leaves it alone; once the run is
    over (or killed: the lock goes with the process), it is a leftover of kg's
    (:func:`remove_leftovers`)."""
    fd = os.open(Path(folder) / mark, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # before the text: a folder whose mark holds it is never unlocked and new
        os.write(fd, (text + "\n").encode("utf-8"))
        yield
    finally:
        os.close(fd)


def remove_leftovers(folders: Iterable[Path], mark: str, text: str) -> list[Path]:
    """Remove those of ``folders`` that a finished or killed run of kg left: real folders
    (not links) holding the mark ``mark`` with ``text``, whose lock no live run holds. Return
    them; anything else is left alone."""
    removed = []
    for path in folders:
        if path.is_symlink() or not path.is_dir():
            continue
        try:
            fd = os.open(path / mark, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        except OSError:
            continue
        try:
            if os.read(fd, 4096).decode("utf-8", "replace").strip() != text:
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                continue  # a run in progress holds it
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
        finally:
            os.close(fd)
    return removed
