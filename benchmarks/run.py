"""Run the benchmarks and print one table: per case, each route's median time, its ratio to
the bandwidth floor, its speed-up over idiomatic numpy and over numpy's best route (all
measured in the same run), and the peak memory of one call. Then thread scaling and the numba
backend's first call in a fresh process (compiled functions cached on disk).

    python benchmarks/run.py [--cube-shape 200,5000,30] [-k filter] [--markdown]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from collections import defaultdict


def _cpu() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _numba_first_call(block_scipy: bool = False) -> str:
    """Seconds from the start of a fresh process to the end of its first shares and share_sums
    calls on the numba backend, with the compiled kernels already cached on disk. numba imports
    scipy.linalg (to look for BLAS) when it first compiles or loads a function wherever scipy is
    installed; block_scipy times the same process as on a machine without scipy."""
    code = (
        ("import sys; sys.modules['scipy'] = None\n" if block_scipy else "")
        + "import time; t = time.perf_counter()\n"
        "import numpy as np, sharecube as sc\n"
        "x = np.ones((3, 4))\n"
        "sc.shares(x, backend='numba'); sc.share_sums(x, [0, 1, 0], backend='numba')\n"
        "print(f'{time.perf_counter() - t:.3f}')\n"
    )
    times = [
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout.strip()
        for _ in range(3)
    ]
    return ", ".join(f"{t} s" for t in times)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--cube-shape", default="200,5000,30")
    parser.add_argument("-k", default=None, help="pytest -k expression")
    parser.add_argument("--json", default=None, help="keep pytest-benchmark's JSON here")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    args = parser.parse_args()
    here = os.path.dirname(os.path.abspath(__file__))
    path = args.json or os.path.join(tempfile.mkdtemp(), "bench.json")
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        os.path.join(here, "test_bench_core.py"),
        os.path.join(here, "test_bench_indicators.py"),
        "-q",
        "-p",
        "no:cacheprovider",
        f"--cube-shape={args.cube_shape}",
        f"--benchmark-json={path}",
        "--benchmark-quiet",
        "--rootdir",
        here,
        "-o",
        "python_files=test_*.py",
        "-W",
        "ignore",
    ]
    if args.k:
        cmd += ["-k", args.k]
    subprocess.run(cmd, check=True, cwd=here)
    with open(path) as f:
        data = json.load(f)
    by_case: dict = defaultdict(dict)
    for b in data["benchmarks"]:
        info = b["extra_info"]
        by_case[info["case"]][info["route"]] = (b["stats"]["median"], info["peak_mb"])

    import sharecube

    try:
        from sharecube import _core

        isa = _core.isa()
    except ImportError:
        isa = "-"
    print(
        f"\n{_cpu()}, {os.cpu_count()} cores; sharecube {sharecube.__version__}, kernels {isa}; "
        f"cube {args.cube_shape}; medians"
    )
    sep = " | " if args.markdown else " "
    head = ["case", "route", "median ms", "x floor", "vs numpy", "vs best", "peak MB"]
    widths = [28, 12, 10, 8, 9, 8, 8]
    if args.markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + "|".join("---" for _ in head) + "|")
    else:
        print(
            sep.join(
                h.rjust(w) if i > 1 else h.ljust(w)
                for i, (h, w) in enumerate(zip(head, widths, strict=True))
            )
        )
    nan = float("nan")
    for case, routes in by_case.items():
        base = routes.get("numpy", (nan,))[0]
        best = routes.get("numpy-best", (nan,))[0]
        fl = routes.get("floor", (nan,))[0]
        for route, (median, peak) in sorted(routes.items(), key=lambda kv: kv[1][0]):
            unit = 1e6 if median < 1e-3 else 1e3
            cells = [
                case,
                route,
                f"{median * unit:.3f}{' us' if unit == 1e6 else ''}",
                f"{median / fl:.2f}",
                f"{base / median:.1f}x",
                f"{best / median:.1f}x",
                f"{peak:.1f}",
            ]
            if args.markdown:
                print("| " + " | ".join(cells) + " |")
            else:
                print(
                    sep.join(
                        c.rjust(w) if i > 1 else c.ljust(w)
                        for i, (c, w) in enumerate(zip(cells, widths, strict=True))
                    )
                )
        if not args.markdown:
            print()
    print("\nthread scaling (cpp, 1 thread / all threads):")
    for case, routes in by_case.items():
        if "cpp-1thread" in routes and "cpp" in routes:
            print(f"  {case:<28} {routes['cpp-1thread'][0] / routes['cpp'][0]:.2f}x")
    if "numba" in sharecube.backends():
        print(f"\nnumba: first call in a fresh process, cache warm: {_numba_first_call()}")
        print(f"  the same without scipy (as if not installed): {_numba_first_call(True)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
