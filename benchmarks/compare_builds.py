"""Two installs of sharecube timed on the same cases, interleaved: is one build slower?

    python benchmarks/compare_builds.py --before /path/to/old/venv/bin/python \\
        --after .venv/bin/python [--rounds 7] [--cube-shape 200,5000,30] [--out BUILDS.md]

Two builds cannot share one process (one module name), so each round runs one process per
install, back to back (the order alternating between rounds); each process times every case
(the median of three calls after a warm-up call) and prints them. The table gives each case's
median time per build and the median over rounds of the per-round ratio after / before (below
1: the after build is faster). These machines drift by 2x within minutes: read the ratios.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

# Run in each install's interpreter: times every case, prints {case: seconds} as JSON.
CHILD = r"""
import json, sys, time
import numpy as np
import sharecube as sc
shape = tuple(int(n) for n in sys.argv[1].split(","))
rng = np.random.default_rng(0)
x64 = rng.random(shape)
x32 = x64.astype(np.float32)
xi = (x64 * 1000).astype(np.int32)
xs = x64.astype(">f8")
o64, o32 = np.empty_like(x64), np.empty_like(x32)
blocs = [np.arange(n) % 10 for n in shape]
cases = {}
for ax in range(3):
    cases[f"shares-float64-axis{ax}"] = lambda ax=ax: sc.shares(x64, axis=ax, out=o64)
    cases[f"shares-float32-axis{ax}"] = lambda ax=ax: sc.shares(x32, axis=ax, out=o32)
    cases[f"10blocs-float64-axis{ax}"] = lambda ax=ax: sc.share_sums(x64, blocs[ax], axis=ax)
    cases[f"10blocs-float32-axis{ax}"] = lambda ax=ax: sc.share_sums(x32, blocs[ax], axis=ax)
cases["hhi-float64-axis0"] = lambda: sc.hhi(x64, axis=0)
cases["rca-float64"] = lambda: sc.rca(x64, 0, 1)
cases["shares-int32-axis0"] = lambda: sc.shares(xi, axis=0)
cases["shares-float64-byteswapped-axis0"] = lambda: sc.shares(xs, axis=0)
out = {}
for name, f in cases.items():
    f()
    ts = []
    for _ in range(3):
        t = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t)
    out[name] = sorted(ts)[1]
info = {"isa": sc._core.isa() if hasattr(sc, "_core") else "none", "version": sc.__version__}
print(json.dumps({"times": out, "info": info}))
"""


def run_child(python: str, shape: str) -> dict:
    res = subprocess.run([python, "-c", CHILD, shape], capture_output=True, text=True, check=False)
    if res.returncode != 0:
        sys.exit(f"compare_builds: {python} failed: {res.stderr.strip().splitlines()[-1:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", required=True, help="python of the install to compare against")
    ap.add_argument("--after", required=True, help="python of the install under test")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--cube-shape", default="200,5000,30")
    ap.add_argument("--out", type=Path, help="write the table here (Markdown)")
    ap.add_argument("--label-before", default="before")
    ap.add_argument("--label-after", default="after")
    args = ap.parse_args(argv)

    runs: dict[str, list[dict]] = {"before": [], "after": []}
    for r in range(args.rounds):
        order = ["before", "after"] if r % 2 == 0 else ["after", "before"]
        for which in order:
            runs[which].append(run_child(getattr(args, which), args.cube_shape))
        print(f"round {r + 1}/{args.rounds} done", file=sys.stderr)

    cases = list(runs["before"][0]["times"])
    lines = [
        f"Cube {args.cube_shape}, {args.rounds} interleaved rounds, {platform.machine()} "
        f"({runs['after'][0]['info']['isa']} kernels), {time.strftime('%Y-%m-%d')}. "
        f"`{args.label_before}` and `{args.label_after}`: median ms per build; "
        "`after / before`: median of the per-round ratios (below 1: faster).",
        "",
        f"| case | {args.label_before} ms | {args.label_after} ms | after / before |",
        "|---|---|---|---|",
    ]
    for c in cases:
        b = [run["times"][c] for run in runs["before"]]
        a = [run["times"][c] for run in runs["after"]]
        ratio = statistics.median(x / y for x, y in zip(a, b, strict=True))
        lines.append(
            f"| {c} | {statistics.median(b) * 1e3:.1f} | {statistics.median(a) * 1e3:.1f} "
            f"| {ratio:.2f} |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        args.out.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
