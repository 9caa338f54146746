"""The bilateral indicators out of core: a trade cube larger than memory, as zarr, through dask.

    python benchmarks/bilateral.py                        # 200 x 200 x 5000 x 30 float32, 24 GB
    python benchmarks/bilateral.py --shape 200,200,500,30 # a quick try

Writes an exporter x importer x product x year cube (float32, 20% of the flows non-zero, the
rest 0 as in trade data) as an uncompressed zarr store chunked year by year, then, with dask's
threaded scheduler, for each indicator: the time, its ratio to a plain read of the store (a
numpy sum of every chunk), and the peak resident memory of the process during the step
(sampled every 50 ms). Indicators whose result has the cube's shape write it to a zarr store
(float32); the others (country x country x year) are computed in memory. Every indicator reads
one year at a time (the exporter, importer and product axes whole: 800 MB in float32), so the
memory is bounded by a few years' blocks whatever the number of years. The stores are removed
at the end, also on failure. Writes ``benchmarks/BILATERAL.md``; not part of the test run.
"""

from __future__ import annotations

import argparse
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from out_of_core import PeakRSS

OUT = Path(__file__).resolve().parent / "BILATERAL.md"
TITLE = """# Bilateral indicators out of core

Written by `benchmarks/bilateral.py`, a section per cube shape. Each step reads the zarr store
a year at a time (exporter, importer and product axes whole: 200 x 200 x 5000 float32 is
800 MB), so the peak memory depends on the size of one year, not on the number of years.
"""


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--shape", default="200,200,5000,30")
    p.add_argument("--dir", default=None, help="where the stores go (default: a temp folder)")
    p.add_argument("--threads", type=int, default=None, help="dask threads (default: cores)")
    p.add_argument("--no-write", action="store_true", help="leave out the cube-shaped results")
    args = p.parse_args(argv)

    import dask
    import dask.array as da
    import zarr

    import sharecube as sc

    shape = tuple(int(v) for v in args.shape.split(","))
    c, _, k, t = shape
    nbytes = int(np.prod(shape)) * 4
    parent = Path(args.dir) if args.dir else Path(tempfile.gettempdir())
    free = shutil.disk_usage(parent).free
    mem = int(open("/proc/meminfo").read().split()[1]) * 1024
    need = nbytes * (1 if args.no_write else 2) + nbytes // 10
    print(
        f"cube {shape} float32: {nbytes / 1e9:.1f} GB; memory {mem / 1e9:.1f} GB; free disk "
        f"{free / 1e9:.1f} GB, needed {need / 1e9:.1f} GB",
        flush=True,
    )
    if free < need:
        print("not enough free disk: --dir elsewhere, a smaller --shape or --no-write")
        return 2
    root = Path(tempfile.mkdtemp(dir=parent, prefix="sharecube-bilateral-"))
    rows: list[tuple[str, float, float]] = []
    pk = max(1, min(k, (200 << 20) // (c * c * 4)))  # chunks of ~200 MB, one year each
    try:
        dask.config.set(scheduler="threads", num_workers=args.threads)
        src = str(root / "trade.zarr")
        rng = da.random.default_rng(0)
        u = rng.random(shape, dtype=np.float32, chunks=(c, c, pk, 1))
        x = da.where(u < 0.2, u * 1000, np.float32(0))
        t0 = time.perf_counter()
        with PeakRSS() as m:
            da.to_zarr(x, src, compressors=None, zarr_format=2)
        rows.append(("write the cube", time.perf_counter() - t0, m.peak))
        print(rows[-1], flush=True)

        store = da.from_zarr(src)
        cube = store.rechunk({0: -1, 1: -1, 2: -1})  # a year at a time, every role axis whole
        t0 = time.perf_counter()
        with PeakRSS() as m:
            total = store.sum(dtype=np.float64).compute()
        read = time.perf_counter() - t0
        rows.append(("plain read (numpy sum)", read, m.peak))
        print(rows[-1], flush=True)

        pairs = {
            "trade intensity (TII)": sc.trade_intensity,
            "complementarity (TCI)": sc.complementarity,
            "Grubel-Lloyd over products": sc.intra_industry_total,
            "trade competitiveness (TC)": sc.trade_balance,
            "market share, all products": sc.market_share_total,
        }
        results = {}
        for name, fn in pairs.items():
            t0 = time.perf_counter()
            with PeakRSS() as m:
                results[name] = fn(cube).compute()
            rows.append((name, time.perf_counter() - t0, m.peak))
            print(rows[-1], flush=True)
        if not args.no_write:
            same = {
                "market share per product -> zarr": lambda a: sc.shares(a, 0, dtype=np.float32),
                "bilateral RCA -> zarr": lambda a: sc.rca(a, 0, 2, dtype=np.float32),
                "Grubel-Lloyd per product -> zarr": lambda a: sc.intra_industry(
                    a, dtype=np.float32
                ),
            }
            for i, (name, fn) in enumerate(same.items()):
                dest = root / f"out{i}.zarr"
                t0 = time.perf_counter()
                with PeakRSS() as m:
                    da.to_zarr(fn(cube), str(dest), compressors=None, zarr_format=2)
                rows.append((name, time.perf_counter() - t0, m.peak))
                print(rows[-1], flush=True)
                shutil.rmtree(dest)
        # spot check: the last year in memory equals the out-of-core result
        last = np.asarray(store[:, :, :, t - 1 :])
        np.testing.assert_array_equal(
            results["trade intensity (TII)"][..., -1:], sc.trade_intensity(last)
        )
        del last
    finally:
        shutil.rmtree(root, ignore_errors=True)

    head = f"## {shape[0]} x {shape[1]} x {shape[2]} x {shape[3]}"
    lines = [
        head,
        "",
        f"`python benchmarks/bilateral.py --shape {args.shape}` on {platform.machine()}, "
        f"{_cores()} cores, {mem / 2**30:.1f} GiB memory; sharecube {sc.__version__}, dask "
        f"{dask.__version__}, zarr {zarr.__version__}, {time.strftime('%Y-%m-%d')}. One run each.",
        "",
        f"{shape[0]} exporters x {shape[1]} importers x {shape[2]} products x {shape[3]} years, "
        f"float32, {nbytes / 2**30:.1f} GiB on disk (uncompressed zarr, year by year), "
        f"{nbytes / mem:.2f}x this machine's memory; every indicator reads it a year at a time. "
        f"Total of the cube: {total:.6g}.",
        "",
        "| step | s | vs plain read | peak RSS GiB |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name, sec, peak in rows:
        lines.append(f"| {name} | {sec:.1f} | {sec / read:.2f}x | {peak / 2**30:.2f} |")
    section = "\n".join(lines) + "\n"
    # one section per cube shape: this run's replaces the same shape's, the others stay
    old = OUT.read_text(encoding="utf-8") if OUT.exists() else TITLE
    parts = old.split("\n## ")
    kept = [parts[0].rstrip() + "\n"] + [
        "## " + p.rstrip() + "\n" for p in parts[1:] if not ("## " + p).startswith(head + "\n")
    ]
    OUT.write_text("\n".join([*kept, section]), encoding="utf-8")
    print(section)
    return 0


def _cores() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


if __name__ == "__main__":
    sys.exit(main())
