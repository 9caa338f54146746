"""Economic complexity: sharecube against ecomplexity and economic-complexity, and alone on a
full-size cube. Writes benchmarks/COMPLEXITY.md (the table is the script's, not typed).

    python -m pip install -e ".[test]"
    python benchmarks/complexity.py              # about 6 minutes on 2 cores
    python benchmarks/complexity.py --quick      # smaller panels, to try it

Part 1, panels every package finishes, from small to the product count users hold (5,000; with
2 years, as ecomplexity takes minutes a year there): the routes run back to back in each round
(interleaved, so that the machine's drift hits them alike) and the speed-up is the median of the
per-round ratios. ``ecomplexity``: its ``ecomplexity()`` on the long table (ECI, PCI, density,
COI, COG; log-supermodularity check off) against ``sharecube.compat.ecomplexity`` on the same
table (the same columns, pandas reshaping included) and against
``sharecube.complexity.indices`` on the cube (the same numbers, no table).
``economic-complexity``: its ``rca`` and ``complexity`` (20 reflections) year by year on pivoted
tables against ``sharecube.complexity.indices(method="reflections")``, and the floor both
share: the 38 matrix-vector products of 20 reflections alone (numpy's BLAS on a float M, the
presence matrix made beforehand, outside the timing).

Part 2, sharecube alone on a (200, 5000, 30) cube: ECI and PCI for every year, then with
proximity, density, COI and COG; wall time and the peak of numpy's allocations (tracemalloc).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import platform
import statistics
import time
import tracemalloc
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import sharecube as sc
from sharecube import compat
from sharecube.complexity import indices

HERE = Path(__file__).parent


def cube(c: int, p: int, t: int, seed: int = 0) -> np.ndarray:
    """Exports-like data: log-normal values, about half the cells zero."""
    rng = np.random.default_rng(seed)
    return rng.lognormal(0, 2, (c, p, t)) * (rng.random((c, p, t)) < 0.5)


def long_table(x: np.ndarray) -> pd.DataFrame:
    c, p, t = x.shape
    idx = pd.MultiIndex.from_product([range(t), range(c), range(p)], names=["y", "l", "k"])
    return pd.DataFrame({"v": x.transpose(2, 0, 1).ravel()}, index=idx).reset_index()


def quiet(fn: Callable[[], Any]) -> Any:
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        return fn()


def interleaved(routes: dict[str, Callable[[], Any]], rounds: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {k: [] for k in routes}
    for _ in range(rounds):
        for name, fn in routes.items():
            t0 = time.perf_counter()
            quiet(fn)
            times[name].append(time.perf_counter() - t0)
    return times


def part1(shape: tuple[int, int, int], rounds: int) -> list[str]:
    import ecomplexity as ecx
    import economic_complexity as ec

    x = cube(*shape)
    df = long_table(x)
    cols = {"time": "y", "loc": "l", "prod": "k", "val": "v"}
    tables = [pd.DataFrame(x[:, :, t]) for t in range(shape[2])]
    present = [(np.nan_to_num(sc.rca(x[:, :, t])) >= 1).astype(float) for t in range(shape[2])]

    def oec() -> None:
        for tbl in tables:
            ec.complexity(ec.rca(tbl), iterations=20)

    def floor() -> None:
        for m in present:
            mt, kc0, kp0 = m.T.copy(), m.sum(axis=1), m.sum(axis=0)
            kc, kp = kc0, kp0
            for i in range(1, 20):
                kc, kp = (m @ kp / kc0 if i < 19 else kc), mt @ kc / kp0

    routes = {
        "ecomplexity": lambda: ecx.ecomplexity(
            df, cols, check_logsupermodularity=False, verbose=False
        ),
        "sharecube.compat.ecomplexity": lambda: compat.ecomplexity(df, cols, verbose=False),
        "sharecube indices": lambda: indices(x, want=("eci", "pci", "density", "coi", "cog")),
        "economic-complexity": oec,
        "sharecube reflections": lambda: indices(
            x, want=("eci", "pci"), method="reflections", iterations=20
        ),
        "BLAS floor of the reflections": floor,
    }
    t = interleaved(routes, rounds)
    rows = [
        "",
        f"Panel {shape[0]} countries x {shape[1]} products x {shape[2]} years, {rounds} "
        f"round{'s' if rounds > 1 else ''}.",
        "",
        "| route | median s | sharecube's speed-up (median of per-round ratios) |",
        "|---|---|---|",
    ]
    pairs = {
        "ecomplexity": ("sharecube.compat.ecomplexity", "sharecube indices"),
        "economic-complexity": ("sharecube reflections", "BLAS floor of the reflections"),
    }
    for ref, ours in pairs.items():
        rows.append(f"| {ref} | {statistics.median(t[ref]):.3f} | |")
        for route in ours:
            ratio = statistics.median(a / b for a, b in zip(t[ref], t[route], strict=True))
            rows.append(f"| {route} | {statistics.median(t[route]):.3f} | {ratio:.0f}x |")
    return rows


def part2(shape: tuple[int, int, int]) -> list[str]:
    x = cube(*shape, seed=1)
    rows = [
        "",
        f"Cube {shape[0]} countries x {shape[1]} products x {shape[2]} years (float64, "
        f"{x.nbytes / 2**20:.0f} MiB), one run each.",
        "",
        "| what | s | peak MiB (numpy's allocations) |",
        "|---|---|---|",
    ]
    for label, want in (
        ("ECI and PCI, every year", ("eci", "pci")),
        ("with proximity, density, COI and COG", ("eci", "pci", "density", "coi", "cog")),
    ):
        tracemalloc.start()
        t0 = time.perf_counter()
        quiet(lambda w=want: indices(x, want=w))
        dt = time.perf_counter() - t0
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        rows.append(f"| {label} | {dt:.1f} | {peak:.0f} |")
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small panels (a trial run)")
    args = ap.parse_args()
    panels = (
        [((40, 150, 3), 3), ((60, 400, 2), 2)]
        if args.quick
        else [((120, 800, 5), 5), ((200, 1240, 3), 3), ((200, 5000, 2), 2)]
    )
    big = (60, 800, 4) if args.quick else (200, 5000, 30)
    head = [
        "# Economic complexity: sharecube, ecomplexity and economic-complexity",
        "",
        "Written by `python benchmarks/complexity.py` (see its docstring for the routes). "
        f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
        f"numpy {np.__version__}, sharecube {sc.__version__}, {time.strftime('%Y-%m-%d')}.",
        "",
    ]
    rows = head[:-1]
    for shape, rounds in panels:
        rows += part1(shape, rounds)
    rows += part2(big)
    text = "\n".join(rows) + "\n"
    print(text)
    if not args.quick:
        (HERE / "COMPLEXITY.md").write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
