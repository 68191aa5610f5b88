"""Long work says what it is doing on a terminal, and nothing when its output is piped."""

from __future__ import annotations

import os
import pty
import subprocess
import sys

from kg import progress
from tests.conftest import MINI


def run_kg(args: list[str], terminal: bool) -> str:
    """kg's stderr, with stderr a pseudo-terminal (as in a shell) or a pipe (as in a script)."""
    command = [sys.executable, "-m", "kg", *args]
    if not terminal:
        return subprocess.run(command, capture_output=True, text=True, timeout=600).stderr
    master, slave = pty.openpty()
    try:
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=slave)
        os.close(slave)
        chunks = []
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the other end closed
                break
            if not chunk:
                break
            chunks.append(chunk)
        process.wait(timeout=600)
    finally:
        os.close(master)
    return b"".join(chunks).decode("utf-8", "replace")


def test_build_and_report_show_their_steps_on_a_terminal_only(tmp_path):
    build = ["--data", str(MINI), "--build-dir", str(tmp_path / "b")]
    shown = run_kg(["build", "--force", *build], terminal=True)
    assert "build: validating with SHACL" in shown and "build: reading and checking the tables" in shown
    assert "s] build:" in shown  # with the time since the start
    assert "build:" not in run_kg(["build", "--force", *build], terminal=False)
    report = run_kg(["report", "-o", str(tmp_path / "r"), *build], terminal=True)
    for step in ("report: ranking", "report: the page", "report: the workbook", "report: the explorer"):
        assert step in report
    assert "report:" not in run_kg(["report", "-o", str(tmp_path / "r"), *build], terminal=False)


def test_steps_reach_only_a_listener():
    seen: list[str] = []
    progress.step("before")
    with progress.listen(seen.append):
        progress.step("during")
    progress.step("after")
    assert seen == ["during"]
