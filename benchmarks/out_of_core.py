"""Out of core: a cube larger than this machine's memory, on disk as zarr, through sharecube.

    python benchmarks/out_of_core.py                       # 200 x 200 x 5000 x 38 float32, 30 GB
    python benchmarks/out_of_core.py --shape 200,200,500,38 --dir /tmp/ooc   # a quick try

Writes a bilateral-trade-like cube (exporter x importer x product x year) as an uncompressed
zarr store, then with dask's threaded scheduler:

1. reads the whole store once (the floor: a plain read, summed by numpy);
2. computes 5 overlapping blocs' share sums along the exporters and writes them to zarr;
3. computes every exporter's share and writes the 30 GB result to zarr;

and reports each step's time, its throughput against the plain read, and the peak resident
memory of the process during the step (sampled every 50 ms from /proc). The stores are removed
at the end, also on failure. Not part of the test run.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


class PeakRSS:
    """Peak resident memory while the block runs, sampled in a background thread."""

    def __enter__(self) -> PeakRSS:
        self.peak = rss_bytes()
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, rss_bytes())

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._t.join()
        self.peak = max(self.peak, rss_bytes())


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--shape", default="200,200,5000,38")
    p.add_argument("--chunks", default="200,25,200,38", help="zarr and dask chunks")
    p.add_argument("--dir", default=None, help="where the stores go (default: a temp folder)")
    p.add_argument("--threads", type=int, default=None, help="dask threads (default: cores)")
    p.add_argument("--skip-shares", action="store_true", help="only the bloc share sums")
    args = p.parse_args(argv)

    import dask
    import dask.array as da
    import zarr

    import sharecube as sc

    shape = tuple(int(v) for v in args.shape.split(","))
    chunks = tuple(int(v) for v in args.chunks.split(","))
    nbytes = int(np.prod(shape)) * 4
    parent = Path(args.dir) if args.dir else Path(tempfile.gettempdir())
    parent.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(parent).free
    need = nbytes * (1 if args.skip_shares else 2) + nbytes // 10
    mem = int(open("/proc/meminfo").read().split()[1]) * 1024
    print(
        f"cube {shape} float32: {nbytes / 1e9:.1f} GB uncompressed; memory {mem / 1e9:.1f} GB; "
        f"free disk at {parent}: {free / 1e9:.1f} GB, needed {need / 1e9:.1f} GB"
    )
    if free < need:
        print(
            "not enough free disk for this run: give --dir elsewhere, a smaller --shape, or "
            "--skip-shares",
            file=sys.stderr,
        )
        return 2
    root = Path(tempfile.mkdtemp(dir=parent, prefix="sharecube-ooc-"))
    rows = []
    try:
        dask.config.set(scheduler="threads", num_workers=args.threads)
        src = str(root / "cube.zarr")
        rng = da.random.default_rng(0)
        x = rng.random(shape, dtype=np.float32, chunks=chunks)
        t0 = time.perf_counter()
        with PeakRSS() as m:
            da.to_zarr(x, src, compressors=None, zarr_format=2)
        rows.append(("write the cube (random)", time.perf_counter() - t0, nbytes, m.peak))

        x = da.from_zarr(src)
        t0 = time.perf_counter()
        with PeakRSS() as m:
            total = x.sum(dtype=np.float64).compute()
        read = time.perf_counter() - t0
        rows.append(("plain read (numpy sum)", read, nbytes, m.peak))

        member = np.zeros((shape[0], 5), dtype=bool)
        for k, n in enumerate((27, 38, 20, 10, 5)):
            member[np.random.default_rng(k).choice(shape[0], n, replace=False), k] = True
        t0 = time.perf_counter()
        with PeakRSS() as m:
            blocs = sc.share_sums(x, member, axis=0)
            da.to_zarr(blocs, str(root / "blocs.zarr"), compressors=None, zarr_format=2)
        rows.append(("bloc share sums -> zarr", time.perf_counter() - t0, nbytes, m.peak))
        check = zarr.open_array(str(root / "blocs.zarr"), mode="r")[:, 0, 0, 0]
        want = sc.share_sums(np.asarray(x[:, 0, 0, 0]), member, axis=0)
        assert np.allclose(check, want, rtol=1e-6), (check, want)

        if not args.skip_shares:
            t0 = time.perf_counter()
            with PeakRSS() as m:
                s = sc.shares(x, axis=0)
                da.to_zarr(s, str(root / "shares.zarr"), compressors=None, zarr_format=2)
            rows.append(
                (
                    f"shares -> zarr ({nbytes / 1e9:.0f} GB out)",
                    time.perf_counter() - t0,
                    nbytes,
                    m.peak,
                )
            )
            got = zarr.open_array(str(root / "shares.zarr"), mode="r")[:, 1, 2, 3]
            assert np.allclose(got, sc.shares(np.asarray(x[:, 1, 2, 3]), 0), rtol=1e-6)
    finally:
        shutil.rmtree(root, ignore_errors=True)

    print(f"\n(total of the cube: {total:.6g}; stores removed)\n")
    print("| step | time s | GB/s read | vs plain read | peak RSS GB |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, t, nb, peak in rows:
        print(f"| {name} | {t:.1f} | {nb / t / 1e9:.2f} | {read / t:.2f}x | {peak / 1e9:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
