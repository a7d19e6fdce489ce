"""Print an HTML report to PDF with headless Chromium (the report's own A4 print style).

The PDF is the browser's print of the same file a reviewer opens, so it has the same content:
the summary first, then one page (or more) per project, each starting on a new sheet. Chromium
is found as the browser tests find it (``$SITING_CHROMIUM``, else ``chromium``,
``chromium-browser``, ``google-chrome`` on the ``PATH``); it runs with networking features off
and a throw-away profile, and the report needs nothing from the network.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from layers.errors import InputError

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
"""Browser commands looked for on the ``PATH``."""
TIMEOUT_S = 600
"""Longest a print may take [s]."""


def find_chromium() -> Path:
    """The Chromium (or Chrome) executable to print with.

    Raises
    ------
    InputError
        None found, with how to install one.
    """
    given = os.environ.get("SITING_CHROMIUM", "").strip()
    if given:
        if Path(given).is_file() and os.access(given, os.X_OK):
            return Path(given)
        raise InputError(f"SITING_CHROMIUM={given} is not an executable file; point it at "
                         "Chromium or unset it / SITING_CHROMIUM 不是可执行文件")
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return Path(found)
    raise InputError("--pdf needs Chromium (or Chrome) to print the report, and none was found: "
                     "install it (Debian/Ubuntu: apt-get install chromium; `make test` does) or "
                     "set SITING_CHROMIUM to its path; without --pdf, print report.html from a "
                     "browser / 生成 PDF 需要 Chromium：请安装（apt-get install chromium）或设置 "
                     "SITING_CHROMIUM")


def print_pdf(html: str | Path, pdf: str | Path, chromium: Path | None = None,
              timeout_s: float = TIMEOUT_S) -> Path:
    """Print ``html`` to ``pdf`` with headless Chromium (A4 from the page's ``@page`` rule, no
    browser header or footer).

    Parameters
    ----------
    html, pdf : path
        The report to print and the PDF to write.
    chromium : Path, optional
        Default :func:`find_chromium`.
    timeout_s : float
        Longest the print may take [s].

    Returns
    -------
    Path
        ``pdf``.

    Raises
    ------
    RuntimeError
        Chromium failed or wrote nothing (its last output lines are in the message).
    """
    html, pdf = Path(html).resolve(), Path(pdf).resolve()
    exe = chromium or find_chromium()
    with tempfile.TemporaryDirectory(prefix="siting-chromium-") as profile:
        args = [str(exe), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-extensions", "--no-first-run",
                "--disable-default-apps", "--mute-audio", f"--user-data-dir={profile}",
                "--no-pdf-header-footer", "--run-all-compositor-stages-before-draw",
                f"--print-to-pdf={pdf}", html.as_uri()]
        try:
            done = subprocess.run(args, capture_output=True, text=True, timeout=timeout_s,
                                  check=False)
        except subprocess.TimeoutExpired:
            raise RuntimeError(f"Chromium did not finish printing {html.name} within "
                               f"{timeout_s:g} s") from None
    if not pdf.is_file() or pdf.stat().st_size == 0:
        tail = "\n".join((done.stderr or done.stdout or "").strip().splitlines()[-5:])
        raise RuntimeError(f"Chromium could not print {html.name} (exit code "
                           f"{done.returncode}): {tail}")
    return pdf
