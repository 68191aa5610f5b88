"""HTML to an A4 PDF with the headless Chromium already on the machine (Debian's ``chromium``,
the browser the tests drive), offline: the page fetches nothing, and every host name is
mapped to nowhere besides.

Page size, margins, the running header and the page numbers come from the page's own
``@page`` rules (CSS margin boxes, Chromium 131 and later), so the browser's own header
(title, date, local file path) is never printed. Which browser: ``KG_CHROMIUM`` when set,
else the first of :data:`BROWSERS` on the ``PATH``."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from kg.errors import KgError

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
INSTALL_HINT = "install Debian's chromium and a CJK font (sudo apt-get install chromium fonts-wqy-microhei)"


class PdfUnavailable(KgError):
    """No PDF could be made on this machine (no browser, or the browser failed)."""


def find_chromium() -> str | None:
    """The Chromium to print with: ``KG_CHROMIUM``, else the first browser on the PATH."""
    chosen = os.environ.get("KG_CHROMIUM")
    if chosen:
        return chosen if os.path.isfile(chosen) and os.access(chosen, os.X_OK) else None
    return next((path for path in map(shutil.which, BROWSERS) if path), None)


def print_to_pdf(html: Path, pdf: Path, timeout: float = 120.0) -> Path:
    """Print the local HTML file ``html`` to ``pdf`` with headless Chromium; raises
    :class:`PdfUnavailable` with the reason when there is no browser or it made no PDF."""
    browser = find_chromium()
    if browser is None:
        where = f"KG_CHROMIUM={os.environ['KG_CHROMIUM']} is not an executable file" if os.environ.get(
            "KG_CHROMIUM") else "Chromium was not found on the PATH"
        raise PdfUnavailable(f"report.pdf not written: {where}; {INSTALL_HINT}")
    html, pdf = Path(html).resolve(), Path(pdf).resolve()
    # the browser's profile outside the report folder, so nothing it leaves is swapped in with it
    with tempfile.TemporaryDirectory(prefix="kg-chromium-", ignore_cleanup_errors=True) as profile:
        command = [
            browser, "--headless", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
            # kg's own script-free page, every host unreachable: the sandbox, which cannot start
            # as root or in many containers, adds nothing here
            "--no-sandbox", "--disable-extensions", "--disable-sync", "--disable-background-networking",
            "--disable-component-update", "--host-resolver-rules=MAP * ~NOTFOUND", f"--user-data-dir={profile}",
            "--no-pdf-header-footer", f"--print-to-pdf={pdf}", html.as_uri()]
        try:
            process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL, start_new_session=True)
        except OSError as exc:
            raise PdfUnavailable(f"report.pdf not written: cannot start {browser}: {exc}") from exc
        try:
            output, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise PdfUnavailable(f"report.pdf not written: {browser} did not finish within {timeout:g} s") from None
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
    if process.returncode != 0 or not pdf.is_file() or pdf.read_bytes()[:5] != b"%PDF-":
        tail = " ".join(output.decode("utf-8", "replace").strip().splitlines()[-3:])
        pdf.unlink(missing_ok=True)
        raise PdfUnavailable(f"report.pdf not written: {browser} exited with {process.returncode}"
                             + (f" ({tail})" if tail else ""))
    return pdf
