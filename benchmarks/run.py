"""Run the benchmarks and print one table: per case, each route's median time, its speed-up
over idiomatic numpy and over numpy's best route (measured in the same run), and peak memory.

    python benchmarks/run.py [--cube-shape 200,5000,30] [-k filter]
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cube-shape", default="200,5000,30")
    parser.add_argument("-k", default=None, help="pytest -k expression")
    parser.add_argument("--json", default=None, help="keep pytest-benchmark's JSON here")
    args = parser.parse_args()
    here = os.path.dirname(os.path.abspath(__file__))
    path = args.json or os.path.join(tempfile.mkdtemp(), "bench.json")
    cmd = [sys.executable, "-m", "pytest", here, "-q", "-p", "no:cacheprovider",
           f"--cube-shape={args.cube_shape}", f"--benchmark-json={path}", "--benchmark-quiet",
           "--rootdir", here, "-o", "python_files=test_*.py", "-W", "ignore"]
    if args.k:
        cmd += ["-k", args.k]
    subprocess.run(cmd, check=True, cwd=here)
    with open(path) as f:
        data = json.load(f)
    by_case: dict = defaultdict(dict)
    for b in data["benchmarks"]:
        info = b["extra_info"]
        by_case[info["case"]][info["route"]] = (b["stats"]["median"], info["peak_mb"])
    print(f"\nmachine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
          f"cube {args.cube_shape}; median of 7 rounds")
    print(f"{'case':<30}{'route':<13}{'median ms':>10}{'vs numpy':>10}{'vs best':>9}{'peak MB':>9}")
    for case, routes in by_case.items():
        base = routes.get("numpy", (float("nan"),))[0]
        best = routes.get("numpy-best", (float("nan"),))[0]
        for route, (median, peak) in sorted(routes.items(), key=lambda kv: kv[1][0]):
            print(f"{case:<30}{route:<13}{median * 1e3:>10.3f}{base / median:>9.1f}x"
                  f"{best / median:>8.1f}x{peak:>9.1f}")
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
