"""The report as a person sees it: headless Chromium renders the HTML to a screenshot.

Skipped, with the reason, where Chromium is not installed (``.ci/run`` installs Debian's
``chromium`` when it can). The screenshot is checked to be a real, non-blank page.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

pytest.importorskip("matplotlib")
pytest.importorskip("xarray")

import gappy_panel

from sharecube import cli


def _browser() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def _png_rows(data: bytes) -> tuple[int, int, bytes]:
    """Width, height and the decompressed scanlines of a PNG (no extra library)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height = 8, b"", 0, 0
    while pos < len(data):
        (n,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + n]
        if kind == b"IHDR":
            width, height = struct.unpack(">II", body[:8])
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    return width, height, zlib.decompress(idat)


def screenshot(html: Path, shot: Path, size: tuple[int, int] = (1200, 3000)) -> None:
    """Headless Chromium renders ``html`` into ``shot``; skips where it cannot run here."""
    browser = _browser()
    if browser is None:
        pytest.skip(
            "no Chromium on this machine: apt-get install chromium to check the "
            "report's rendering (the HTML structure is tested in test_cli.py)"
        )
    cmd = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        f"--window-size={size[0]},{size[1]}",
        f"--screenshot={shot}",
        html.as_uri(),
    ]
    try:
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        pytest.skip("Chromium did not finish within 2 minutes on this machine")
    if res.returncode != 0 or not shot.exists():
        # the browser itself cannot run here (sandbox or display limits): say so, do not fail
        tail = (res.stderr or "").strip().splitlines()[-1:] or ["no output"]
        pytest.skip(f"Chromium could not take a screenshot here: {tail[0][:200]}")


def _check_rendered(shot: Path, size: tuple[int, int]) -> None:
    width, height, rows = _png_rows(shot.read_bytes())
    assert (width, height) == size
    # a rendered page has many distinct byte values (text, tables, charts); a blank or error
    # page has a handful
    assert len(set(rows[:: max(1, len(rows) // 200_000)])) > 100


def test_report_renders_in_a_headless_browser(tmp_path: Path) -> None:
    report = tmp_path / "report"
    assert cli.main(["demo", "-o", str(report), "-q"]) == 0
    shot = tmp_path / "shot.png"
    screenshot(report / "report.html", shot)
    _check_rendered(shot, (1200, 3000))


def test_report_on_a_panel_with_gaps_renders(tmp_path: Path) -> None:
    """Gaps, two score pillars (one lower-is-better), a world row, a bloc from 2004 and 33
    years: the page renders whole (the committed docs/report-gaps.png is this page)."""
    args = gappy_panel.write(tmp_path / "in")
    report = tmp_path / "report"
    assert cli.main(["analyze", *args, "-o", str(report), "-q"]) == 0
    shot = tmp_path / "shot.png"
    screenshot(report / "report.html", shot, (1200, 6000))
    _check_rendered(shot, (1200, 6000))
