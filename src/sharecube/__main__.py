"""``python -m sharecube``: a worked example on the bundled sample cube."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import numpy as np

import sharecube
from sharecube import datasets


def _demo() -> None:
    cube = datasets.load_sample()
    x, countries, sectors, years = cube.values, cube.countries, cube.sectors, cube.years
    np.set_printoptions(precision=4, suppress=True)
    print(f"sharecube {sharecube.__version__}, backends here: {', '.join(sharecube.backends())}")
    print(f"Sample cube: {len(countries)} countries x {len(sectors)} sectors x {len(years)} years")
    print(f"({cube.description})\n")

    s = sharecube.shares(x, axis=0)
    last = len(years) - 1
    print(f"World shares by country and sector, {years[last]}:")
    print("      " + "".join(f"{name:>12}" for name in sectors))
    for i, c in enumerate(countries):
        print(f"{c:<6}" + "".join(f"{v:12.4f}" for v in s[i, :, last]))
    total = s.sum(axis=0)
    print(f"(shares add up to 1 in every sector and year: {np.allclose(total, 1.0)})\n")

    blocs = cube.blocs
    member = np.array([[c in blocs[b] for b in blocs] for c in countries], dtype=bool)
    bs = sharecube.share_sums(x, groups=member, axis=0)
    print(f"Bloc share sums (blocs overlap), {years[last]}:")
    print("      " + "".join(f"{name:>12}" for name in sectors))
    for k, b in enumerate(blocs):
        print(f"{b:<6}" + "".join(f"{v:12.4f}" for v in bs[k, :, last]))

    h = sharecube.hhi(x, axis=0)
    print(f"\nConcentration across countries (HHI), {years[0]} -> {years[last]}:")
    for k, name in enumerate(sectors):
        print(f"{name:<12}{h[k, 0]:8.4f} -> {h[k, last]:.4f}")

    r = sharecube.rca(x, country_axis=0, sector_axis=1)
    print(f"\nRevealed comparative advantage (RCA > 1: specialised), {years[last]}:")
    print("      " + "".join(f"{name:>12}" for name in sectors))
    for i, c in enumerate(countries):
        print(f"{c:<6}" + "".join(f"{v:12.2f}" for v in r[i, :, last]))

    print(f"\nShare of all sectors together (axis=(0, 1)), {years[0]} -> {years[last]}:")
    whole = sharecube.shares(x, axis=(0, 1)).sum(axis=1)
    for i, c in enumerate(countries):
        print(f"{c:<6}{whole[i, 0]:8.4f} -> {whole[i, last]:.4f}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="sharecube",
        description="Country shares and bloc share sums over country x sector x year cubes.",
    )
    parser.add_argument("--version", action="version", version=sharecube.__version__)
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("demo", help="print shares and bloc share sums of the bundled sample cube")
    args = parser.parse_args(argv)
    if args.command in (None, "demo"):
        _demo()
    return 0


if __name__ == "__main__":
    sys.exit(main())
