"""How fast the command line reads a long table into its cube, and with how much memory.

    python benchmarks/cli_read.py [--dir DIR] [--countries 200 --sectors 5000 --years 45]
                                  [--markdown benchmarks/CLI.md]

Writes (once, into DIR, default a temporary folder) a long country,sector,year,value table of
countries x sectors x years rows (the default: 45 million rows, about 1 GB of CSV) as .csv,
.csv.gz and .parquet. Then, each in a fresh process, it times reading each file into the dense
cube the way ``sharecube shares`` does (read, check, build the cube) and the whole
``sharecube shares FILE -o OUT.parquet`` command, with the process's peak resident memory
(``ru_maxrss``, the interpreter and its imports included). Status lines compare the CSV read
with the targets: 15 s and 3x the file's size.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile

READ = """
import resource, sys, time
t = time.perf_counter()
from sharecube import cli
args = cli.build_parser().parse_args(["shares", sys.argv[1]])
cube = cli._read_cube(args.file, args)[None]
dt = time.perf_counter() - t
print(dt, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
"""
COMMAND = """
import resource, sys, time
t = time.perf_counter()
from sharecube import cli
assert cli.main(sys.argv[1:]) == 0
dt = time.perf_counter() - t
print(dt, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
"""


def _cpu() -> str:
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from run import _cpu as cpu  # the benchmarks' own folder

    return cpu()


def make(folder: str, nc: int, ns: int, ny: int) -> dict[str, str]:
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    from sharecube.blocs import country_names

    paths = {k: os.path.join(folder, f"long-{nc}x{ns}x{ny}.{k}") for k in ("csv", "csv.gz")}
    paths["parquet"] = os.path.join(folder, f"long-{nc}x{ns}x{ny}.parquet")
    if all(os.path.exists(p) for p in paths.values()):
        return paths
    codes = sorted(country_names())[:nc]
    rng = np.random.default_rng(0)
    sectors = np.array([f"S{k:04d}" for k in range(ns)])
    years = np.arange(1980, 1980 + ny)
    schema = pa.schema(
        [("country", pa.string()), ("sector", pa.string()), ("year", pa.int64()),
         ("value", pa.float64())]
    )  # fmt: skip
    opts = pcsv.WriteOptions(quoting_style="none")
    with (
        pcsv.CSVWriter(paths["csv"], schema, write_options=opts) as w,
        pq.ParquetWriter(paths["parquet"], schema) as pw,
    ):
        for c in codes:
            t = pa.table(
                {
                    "country": np.repeat(c, ns * ny),
                    "sector": np.repeat(sectors, ny),
                    "year": np.tile(years, ns),
                    "value": np.round(rng.lognormal(6, 2, ns * ny), 2),  # dollars and cents
                },
                schema=schema,
            )
            w.write(t)
            pw.write_table(t)
    subprocess.run(f"gzip -c -1 {paths['csv']} > {paths['csv.gz']}", shell=True, check=True)
    return paths


def run(code: str, *args: str) -> tuple[float, int]:
    """Seconds and peak resident bytes (ru_maxrss: the interpreter and its imports included)
    of a fresh process running ``code``, as it measures them itself."""
    p = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True)
    if p.returncode:
        raise SystemExit(f"{' '.join(args)} failed:\n{p.stderr[-2000:]}")
    secs, peak = p.stdout.split()[-2:]
    return float(secs), int(peak)


def main() -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--dir", default=None)
    ap.add_argument("--countries", type=int, default=200)
    ap.add_argument("--sectors", type=int, default=5000)
    ap.add_argument("--years", type=int, default=45)
    ap.add_argument("--markdown", default=None, help="also write the table to this file")
    a = ap.parse_args()
    folder = a.dir or tempfile.mkdtemp()
    os.makedirs(folder, exist_ok=True)
    paths = make(folder, a.countries, a.sectors, a.years)
    rows = []
    for kind in ("csv", "csv.gz", "parquet"):
        secs, peak = run(READ, paths[kind])
        out = os.path.join(folder, "out.parquet")
        dt_all, peak_all = run(COMMAND, "shares", paths[kind], "-o", out, "--overwrite", "-q")
        rows.append((kind, os.path.getsize(paths[kind]), secs, peak, dt_all, peak_all))
    csv_size = os.path.getsize(paths["csv"])
    lines = [
        f"{_cpu()}, {os.cpu_count()} cores; "
        f"{a.countries} x {a.sectors} x {a.years} = {a.countries * a.sectors * a.years:,} rows; "
        f"CSV {csv_size / 1e9:.2f} GB",
        "",
        "| input | file MB | read s | read peak GB | peak / CSV size | `shares -o x.parquet` s "
        "| its peak GB |",
        "|---|---|---|---|---|---|---|",
    ]
    for kind, size, secs, peak, dt_all, peak_all in rows:
        lines.append(
            f"| {kind} | {size / 1e6:,.0f} | {secs:.1f} | {peak / 1e9:.2f} | "
            f"{peak / csv_size:.1f}x | {dt_all:.1f} | {peak_all / 1e9:.2f} |"
        )
    csv_row = next(r for r in rows if r[0] == "csv")
    lines += [
        "",
        f"- CSV read within 15 s: {'met' if csv_row[2] <= 15 else 'missed'} ({csv_row[2]:.1f} s)",
        f"- CSV read within 3x the file's size in peak memory: "
        f"{'met' if csv_row[3] <= 3 * csv_size else 'missed'} ({csv_row[3] / csv_size:.1f}x)",
    ]
    text = "\n".join(lines)
    print(text)
    if a.markdown:
        with open(a.markdown, "w") as f:
            f.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
