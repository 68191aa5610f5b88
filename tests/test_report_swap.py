"""The report folder swap: `kg report` killed at the worst moment of replacing a previous
report leaves a complete report folder, and a later run removes what the killed one left
(its own hidden folders only)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from kg.outputs.report.folder import REPORT_FILES
from kg.store.build import build
from tests.conftest import MINI

# `kg report`, killed (SIGKILL) right after it first moves the report folder away, or right
# before it removes a hidden folder beside the report: the two moments a swap can be caught in.
KILLED_RUN = """
import os, shutil, signal, sys
target = os.path.abspath(sys.argv[1])
prefix = "." + os.path.basename(target) + "."
real_replace, real_rename, real_rmtree = os.replace, os.rename, shutil.rmtree

def kill():
    os.kill(os.getpid(), signal.SIGKILL)

def replace(src, dst, *args, **kwargs):
    real_replace(src, dst, *args, **kwargs)
    if os.path.abspath(src) == target:
        kill()

def rename(src, dst, *args, **kwargs):
    real_rename(src, dst, *args, **kwargs)
    if os.path.abspath(src) == target:
        kill()

def rmtree(path, *args, **kwargs):
    if os.path.basename(str(path)).startswith(prefix):
        kill()
    return real_rmtree(path, *args, **kwargs)

os.replace, os.rename, shutil.rmtree = replace, rename, rmtree
if os.environ.get("NO_EXCHANGE"):  # a system without renameat2: the swap takes two renames
    import kg.outputs.report.folder
    kg.outputs.report.folder._exchange = lambda a, b: False
sys.argv = ["kg", "report", "-o", target, *sys.argv[2:]]
from kg.cli import main
main()
"""


def report(output: Path, out: Path, killed: bool = False, exchange: bool = True) -> subprocess.CompletedProcess:
    args = ["--data", str(MINI), "--build-dir", str(out), "--lang", "en"]
    command = ([sys.executable, "-c", KILLED_RUN, str(output), *args] if killed
               else [sys.executable, "-m", "kg", "report", "-o", str(output), *args])
    env = {**os.environ, **({} if exchange else {"NO_EXCHANGE": "1"})}
    return subprocess.run(command, capture_output=True, text=True, timeout=600, env=env)


def files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def complete_report(output: Path, out: Path) -> list[str]:
    """A first, whole report in ``output``: its files (every report file; report.pdf only
    where Chromium is installed, as a user's machine may lack it)."""
    assert report(output, out).returncode == 0
    written = files(output)
    assert set(REPORT_FILES) - {"report.pdf"} <= set(written) <= set(REPORT_FILES), written
    return written


def hidden(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.parent.iterdir() if p.name.startswith(f".{folder.name}."))


def test_a_kill_during_the_swap_leaves_a_report_and_the_next_run_cleans_up(tmp_path):
    out = tmp_path / "build"
    build(MINI, out)
    output = tmp_path / "report"
    complete = complete_report(output, out)
    mine = tmp_path / ".report.old-mine"  # a user's folder with a name like kg's: never touched
    mine.mkdir()
    (mine / "keep.txt").write_text("mine", encoding="utf-8")
    killed = report(output, out, killed=True)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert output.is_dir() and files(output) == complete, hidden(output)
    again = report(output, out)
    assert again.returncode == 0, again.stderr
    assert hidden(output) == [mine.name]  # the killed run's leftovers are gone, the user's folder stays
    assert (mine / "keep.txt").read_text(encoding="utf-8") == "mine"
    assert files(output) == complete


def test_without_an_exchange_the_next_run_still_cleans_up(tmp_path):
    """Where the swap takes two renames, a kill between them leaves the old report in a hidden
    folder beside; the next run writes the report and removes that folder."""
    out = tmp_path / "build"
    build(MINI, out)
    output = tmp_path / "report"
    complete = complete_report(output, out)
    killed = report(output, out, killed=True, exchange=False)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert hidden(output)  # caught between the renames
    again = report(output, out)
    assert again.returncode == 0, again.stderr
    assert hidden(output) == []
    assert files(output) == complete
