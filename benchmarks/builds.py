"""Builds compared on the same cases, interleaved: two installs, or the instruction sets of one.

    python benchmarks/builds.py --before /path/to/old/venv/bin/python --after .venv/bin/python
    python benchmarks/builds.py --isas
    options: [--rounds 7] [--cube-shape 200,5000,30] [--out FILE.md]

Two installs cannot share one process (one module name), so each round runs one process per
install, back to back (the order alternating between rounds); each process times every case
(the median of three calls after a warm-up call) and prints them. With --isas one process times
each case under every instruction set the CPU runs (``_core._set_isa``), back to back. The
table gives each case's median time per route and the median over rounds of the per-round
ratio to the first install (or the baseline set). These machines drift by 2x within minutes:
read the ratios.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np


def make_cases(shape: tuple[int, ...]) -> dict[str, Callable[[], object]]:
    """The cases: shares and 10-bloc share sums of float64 and float32 on every axis, HHI, RCA,
    and the converted inputs (int32, byte-swapped float64) along the first axis."""
    import sharecube as sc

    rng = np.random.default_rng(0)
    x64 = rng.random(shape)
    x32 = x64.astype(np.float32)
    xi = (x64 * 1000).astype(np.int32)
    xs = x64.astype(">f8")
    o64, o32 = np.empty_like(x64), np.empty_like(x32)
    blocs = [np.arange(n) % 10 for n in shape]
    cases: dict[str, Callable[[], object]] = {}
    for ax in range(len(shape)):
        cases[f"shares-float64-axis{ax}"] = lambda ax=ax: sc.shares(x64, axis=ax, out=o64)
        cases[f"shares-float32-axis{ax}"] = lambda ax=ax: sc.shares(x32, axis=ax, out=o32)
        cases[f"10blocs-float64-axis{ax}"] = lambda ax=ax: sc.share_sums(x64, blocs[ax], axis=ax)
        cases[f"10blocs-float32-axis{ax}"] = lambda ax=ax: sc.share_sums(x32, blocs[ax], axis=ax)
    cases["hhi-float64-axis0"] = lambda: sc.hhi(x64, axis=0)
    cases["rca-float64"] = lambda: sc.rca(x64, 0, 1)
    cases["shares-int32-axis0"] = lambda: sc.shares(xi, axis=0)
    cases["shares-float64-byteswapped-axis0"] = lambda: sc.shares(xs, axis=0)
    return cases


def time_case(f: Callable[[], object]) -> float:
    """The median of three calls after a warm-up call."""
    f()
    ts = []
    for _ in range(3):
        t = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t)
    return sorted(ts)[1]


def child(shape: tuple[int, ...]) -> None:
    """Run by each install's interpreter: prints {case: seconds} as JSON."""
    import sharecube as sc

    out = {name: time_case(f) for name, f in make_cases(shape).items()}
    info = {"isa": sc._core.isa() if "cpp" in sc.backends() else "none"}
    print(json.dumps({"times": out, "info": info}))


def run_child(python: str, shape: str) -> dict:
    cmd = [python, __file__, "--child", "--cube-shape", shape]
    res = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if res.returncode != 0:
        sys.exit(f"compare_builds: {python} failed: {res.stderr.strip().splitlines()[-1:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def table(title: str, runs: dict[str, list[dict[str, float]]], base: str) -> str:
    """Median ms per route and the median per-round ratio of each route to ``base``."""
    names = list(runs)
    lines = [title, "", "| case | " + " | ".join(f"{n} ms" for n in names) + " | "
             + " | ".join(f"{n} / {base}" for n in names if n != base) + " |",
             "|---" * (1 + 2 * len(names) - 1) + "|"]  # fmt: skip
    for c in runs[base][0]:
        cells = [f"{statistics.median(r[c] for r in runs[n]) * 1e3:.2f}" for n in names]
        for n in names:
            if n != base:
                pairs = zip(runs[n], runs[base], strict=True)
                cells.append(f"{statistics.median(a[c] / b[c] for a, b in pairs):.2f}")
        lines.append(f"| {c} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def compare_installs(args: argparse.Namespace) -> str:
    runs: dict[str, list[dict[str, float]]] = {args.label_before: [], args.label_after: []}
    pythons = {args.label_before: args.before, args.label_after: args.after}
    isa = ""
    for r in range(args.rounds):
        order = list(pythons) if r % 2 == 0 else list(pythons)[::-1]
        for name in order:
            res = run_child(pythons[name], args.cube_shape)
            runs[name].append(res["times"])
            isa = res["info"]["isa"]
        print(f"round {r + 1}/{args.rounds} done", file=sys.stderr)
    title = (
        f"Two installs, cube {args.cube_shape}, {args.rounds} interleaved rounds, "
        f"{platform.machine()} ({isa} kernels), {time.strftime('%Y-%m-%d')}: median ms per "
        "install, and the median of the per-round ratios (below 1: faster)."
    )
    return table(title, runs, args.label_before)


def compare_isas(args: argparse.Namespace) -> str:
    """Every instruction set this CPU runs, in one process, interleaved case by case."""
    from sharecube import _core

    isas = list(_core.supported_isas())
    shape = tuple(int(n) for n in args.cube_shape.split(","))
    cases = make_cases(shape)
    runs: dict[str, list[dict[str, float]]] = {i: [] for i in isas}
    try:
        for r in range(args.rounds):
            for i in isas:
                runs[i].append({})
            for name, f in cases.items():
                for i in isas if r % 2 == 0 else isas[::-1]:
                    _core._set_isa(i)
                    runs[i][-1][name] = time_case(f)
            print(f"round {r + 1}/{args.rounds} done", file=sys.stderr)
    finally:
        _core._set_isa(isas[0])
    title = (
        f"Instruction sets, cube {args.cube_shape}, {args.rounds} interleaved rounds, "
        f"{platform.machine()}, {time.strftime('%Y-%m-%d')}: median ms per set, and the "
        f"median of the per-round ratios to {isas[-1]} (below 1: faster)."
    )
    return table(title, runs, isas[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", help="python of the install to compare against")
    ap.add_argument("--after", help="python of the install under test")
    ap.add_argument("--isas", action="store_true", help="compare this install's instruction sets")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--cube-shape", default="200,5000,30")
    ap.add_argument("--out", type=Path, help="write the table here (Markdown)")
    ap.add_argument("--label-before", default="before")
    ap.add_argument("--label-after", default="after")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child(tuple(int(n) for n in args.cube_shape.split(",")))
        return 0
    if args.isas:
        text = compare_isas(args)
    elif args.before and args.after:
        text = compare_installs(args)
    else:
        ap.error("give --before and --after (two installs), or --isas")
    print(text)
    if args.out:
        args.out.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
