"""Regenerate the report screenshots under ``docs/`` with headless Chromium.

- ``docs/report.png``: the top of the demo report (``sharecube demo``), shown in the README;
- ``docs/report-gaps.png``: the whole report on ``tests/gappy_panel.py`` (gaps, two score
  pillars, a world row, a bloc from 2004, 33 years), the page checked by eye.

    apt-get install chromium        # Debian's package
    python tools/screenshots.py
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))


def shoot(html: Path, out: Path, size: tuple[int, int], scale: float) -> None:
    from PIL import Image

    browser = next(
        (b for b in ("chromium", "chromium-browser", "google-chrome") if shutil.which(b)), None
    )
    if browser is None:
        raise SystemExit("no Chromium: apt-get install chromium")
    raw = out.with_suffix(".raw.png")
    subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            f"--window-size={size[0]},{size[1]}",
            f"--screenshot={raw}",
            html.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    img = Image.open(raw).convert("RGB")
    raw.unlink()
    # the page ends before the window does: crop the empty background below it
    px = np.asarray(img).astype(int)
    used = np.flatnonzero(np.abs(px - px[-1, -1]).sum(axis=(1, 2)) > 0)
    if used.size:
        img = img.crop((0, 0, img.width, min(img.height, int(used.max()) + 30)))
    if scale != 1:
        img = img.resize((round(img.width * scale), round(img.height * scale)), Image.LANCZOS)
    img.quantize(256).save(out, optimize=True)
    print(f"{out.relative_to(ROOT)}: {img.width} x {img.height}", file=sys.stderr)


def main() -> None:
    import gappy_panel

    from sharecube import cli

    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        assert cli.main(["demo", "-o", str(t / "demo"), "-q"]) == 0
        shoot(t / "demo" / "report.html", ROOT / "docs" / "report.png", (1200, 1500), 0.75)
        args = gappy_panel.write(t / "in")
        assert cli.main(["analyze", *args, "-o", str(t / "gaps"), "-q"]) == 0
        shoot(t / "gaps" / "report.html", ROOT / "docs" / "report-gaps.png", (1200, 15000), 0.75)


if __name__ == "__main__":
    main()
