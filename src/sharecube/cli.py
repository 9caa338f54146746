"""The ``sharecube`` command: demo, analyze, shares, share-sums, bench.

Errors print one line (``sharecube: error: ...``) and exit with status 1 (2 for a wrong
command line); ``--debug`` shows the traceback instead. Output files and folders are written
whole or not at all (see :mod:`sharecube._io`); inputs are only read.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from functools import partial
from pathlib import Path
from typing import Any

import sharecube

EXAMPLES = {
    "demo": """examples:
  sharecube demo                      # report in ./sharecube-demo/
  sharecube demo -o out --overwrite   # into ./out/, replacing it""",
    "analyze": """examples:
  sharecube analyze exports.csv patents.parquet gdp.csv -o report/
      one file per pillar, named after the file (or NAME=FILE: value_chain=exports.csv)
  sharecube analyze all.csv --pillar-column pillar --weights value_chain=2,market=1
  sharecube analyze exports.csv --country reporter --sector hs6 --year yr --value usd \\
      --blocs EU,ASEAN,BRICS --years 2010-2020

input: long tables, one row per country (, sector) and year, UTF-8 CSV or Parquet.""",
    "shares": """examples:
  sharecube shares exports.csv > shares.csv
  sharecube shares exports.csv -o shares.parquet --country reporter --value usd""",
    "share-sums": """examples:
  sharecube share-sums exports.csv --blocs EU,ASEAN,BRICS -o blocs.csv
  sharecube share-sums exports.csv --blocs-file my_blocs.csv   # bloc,country[,first_year,...]""",
    "bench": """examples:
  sharecube bench                      # 200 x 5000 x 30 float64
  sharecube bench --shape 100,1000,20 --repeat 7 --threads 1""",
}


@contextmanager
def _quiet_warnings(quiet: bool) -> Iterator[None]:
    """--quiet prints nothing on success, warnings of the libraries included."""
    import warnings

    def one_line(message: Any, category: Any, *_args: Any, **_kw: Any) -> None:
        print(f"sharecube: warning: {message}", file=sys.stderr)

    with warnings.catch_warnings():
        warnings.showwarning = one_line  # restored on leaving: catch_warnings saves it
        # sharecube's own warnings (countries lacking a pillar, ...) are told, never raised
        warnings.filterwarnings("default", module=r"sharecube(\.|$)")
        if quiet:
            warnings.simplefilter("ignore")
        yield


class CommandError(Exception):
    """A one-line error for the user."""


# ---- output helpers ------------------------------------------------------------------------


class Out:
    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.stdout_started = False  # a table is being written to standard output

    def say(self, msg: str = "") -> None:
        if not self.quiet:
            print(msg)

    @contextmanager
    def progress(self, total: int, what: str) -> Iterator[Callable[[str], None]]:
        """A rich progress bar on a terminal; silent with --quiet or when piped."""
        interactive = sys.stderr.isatty() and not self.quiet
        if not interactive:
            yield lambda _msg: None
            return
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
            transient=True,
        ) as bar:
            task = bar.add_task(what, total=total)

            def step(msg: str) -> None:
                bar.update(task, advance=1, description=f"{what}: {msg}")

            yield step

    @contextmanager
    def reading(self, path: str) -> Iterator[Callable[[int, int], None] | None]:
        """A rich bar of the file's bytes read, advancing while a long table is read; None
        (no bar) with --quiet or when standard error is not a terminal."""
        if not sys.stderr.isatty() or self.quiet:
            yield None
            return
        from rich.progress import (
            BarColumn,
            DownloadColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TransferSpeedColumn,
        )

        columns = (BarColumn(), DownloadColumn(), TransferSpeedColumn(), TimeElapsedColumn())
        with Progress(TextColumn("reading {task.description}"), *columns, transient=True) as bar:
            task = bar.add_task(Path(path).name, total=None)

            def advance(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            yield advance


# ---- argument helpers ----------------------------------------------------------------------


def _weights(text: str | None) -> dict[str, float] | None:
    if not text:
        return None
    out = {}
    for part in text.split(","):
        name, sep, val = part.partition("=")
        if not sep or not name.strip():
            raise CommandError(f"--weights: expected NAME=NUMBER pairs, got {part!r}")
        if name.strip() in out:
            raise CommandError(f"--weights: {name.strip()!r} is given twice")
        try:
            out[name.strip()] = float(val)
        except ValueError:
            raise CommandError(f"--weights: {val!r} is not a number (in {part!r})") from None
    return out


def _choices(
    values: Sequence[str] | None, option: str, allowed: tuple[str, ...]
) -> dict[str, str] | None:
    """``--kind policy=score`` (repeatable, or comma separated) -> {"policy": "score"}."""
    if not values:
        return None
    out: dict[str, str] = {}
    for text in values:
        for part in text.split(","):
            name, sep, val = (x.strip() for x in part.partition("="))
            if not sep or not name:
                raise CommandError(f"{option}: expected PILLAR={'|'.join(allowed)}, got {part!r}")
            if val not in allowed:
                raise CommandError(
                    f"{option}: {val!r} for {name!r} is not one of {', '.join(allowed)}"
                )
            if name in out:
                raise CommandError(f"{option}: {name!r} is given twice")
            out[name] = val
    return out


def _world_tables(args: argparse.Namespace) -> Any:
    """--world PILLAR=FILE (long: year[,sector],value) -> the model's world= argument."""
    specs = getattr(args, "world", None) or []
    if not specs:
        return args.world_label or None
    from sharecube import _io
    from sharecube.tidy import from_long

    out = {}
    for spec in specs:
        name, sep, path = spec.partition("=")
        if not sep or not name or not path:
            raise CommandError(f"--world: expected PILLAR=FILE, got {spec!r}")
        year, value = args.year, args.value
        df = _io.read_long(path, keys=[year], value=value, sep=_sep(args.sep), year=year)
        df = df.groupby(year, sort=True)[value].sum(min_count=1).reset_index()
        out[name] = from_long(df, dims=[year], value=value).rename({year: "year"})
    return out


def _sep(text: str | None) -> str | None:
    """--sep: one character; the two characters \\t mean a tab."""
    if text is None:
        return None
    sep = "\t" if text in ("\\t", "tab") else text
    if len(sep) != 1 or sep in '\r\n"':
        raise CommandError(f"--sep: expected one character such as ';' or '\\t', got {text!r}")
    return sep


def _roles(args: argparse.Namespace, pillar_col: str | None) -> None:
    """Each column plays one role: --country value (say) is refused, naming both options."""
    roles = {"--country": args.country, "--year": args.year, "--value": args.value}
    if getattr(args, "sector", None) is not None:
        roles["--sector"] = args.sector
    if pillar_col:
        roles["--pillar-column"] = pillar_col
    seen: dict[str, str] = {}
    for opt, col in roles.items():
        if col in seen:
            raise CommandError(f"{seen[col]} and {opt} both name the column {col!r}")
        seen[col] = opt


def _cube_guard(path: str, df: Any, dims: list[str], command: str) -> None:
    """The dense cube has one cell per combination of labels, however few rows the file has:
    its real size (and what the command builds from it) is checked against the memory."""
    from sharecube._dispatch import available_memory

    sizes = [int(df[d].nunique()) for d in dims]
    cells = 1
    for n in sizes:
        cells *= n
    # the cube, the results and the long tables written, per cell (measured: shares about 97
    # bytes, share-sums 15, analyze 133); the model adds a country x country matrix a year
    need = cells * _BYTES_PER_CELL[command]
    if command == "analyze":
        need += sizes[0] * sizes[0] * sizes[-1] * 16
    avail = available_memory()
    if avail and need > avail:
        shape = " x ".join(f"{n:,} {d}" for n, d in zip(sizes, dims, strict=True))
        raise CommandError(
            f"{path}: {len(df):,} rows make a dense cube of {shape} = {cells:,} cells, which "
            f"needs about {need / 1e9:.1f} GB, more than the {avail / 1e9:.1f} GB available; "
            "keep fewer labels (--years, or filter the file), or build a zarr cube and use "
            "sharecube with dask"
        )


_BYTES_PER_CELL = {"shares": 112, "share-sums": 32, "analyze": 160}


def _years(text: str | None) -> tuple[int, int] | None:
    if not text:
        return None
    a, sep, b = text.partition("-")
    try:
        lo, hi = int(a), int(b if sep else a)
    except ValueError:
        raise CommandError(f"--years: expected YEAR or FIRST-LAST, got {text!r}") from None
    if lo > hi:
        raise CommandError(f"--years: first year {lo} is after last year {hi}")
    return lo, hi


def _blocs(args: argparse.Namespace) -> Any:
    from sharecube.blocs import Blocs, builtin_names

    if getattr(args, "blocs_file", None):
        from sharecube import _io

        df = _io._read_frame(Path(args.blocs_file), None)
        try:
            return Blocs.from_table(df)
        except (ValueError, TypeError) as e:
            raise CommandError(f"{args.blocs_file}: {e}") from None
    if getattr(args, "blocs", None):
        names = [b.strip() for b in args.blocs.split(",") if b.strip()]
        unknown = [b for b in names if b not in builtin_names()]
        if unknown:
            raise CommandError(
                f"--blocs: unknown bloc {unknown[0]!r}; built-in blocs: "
                f"{', '.join(builtin_names())} (or --blocs-file for your own)"
            )
        return Blocs.builtin(*names)
    return None


def _add_columns(p: argparse.ArgumentParser, sector: bool = True) -> None:
    g = p.add_argument_group("columns of the input")
    g.add_argument("--country", default="country", help="country column (default: country)")
    if sector:
        g.add_argument(
            "--sector",
            default="sector",
            help="sector column, if the file has one (default: sector)",
        )
    g.add_argument("--year", default="year", help="year column (default: year)")
    g.add_argument("--value", default="value", help="value column (default: value)")
    g.add_argument("--sep", default=None, help="CSV delimiter (default: ',' or tab for .tsv)")
    g.add_argument(
        "--country-codes",
        choices=["iso3", "any"],
        default="iso3",
        help="check country labels are ISO 3166 alpha-3 codes (default) or accept any",
    )
    g.add_argument(
        "--duplicates",
        choices=["raise", "sum"],
        default="raise",
        help="repeated rows for one country/sector/year: refuse (default) or add up",
    )
    g.add_argument(
        "--missing",
        choices=["nan", "zero"],
        default="nan",
        help="combinations absent from the file: missing (default) or zero",
    )


def _read_cube(path: str, args: argparse.Namespace, pillar_col: str | None = None) -> Any:
    """A long file -> {pillar or None: DataArray}."""
    import numpy as np

    from sharecube import _io
    from sharecube.tidy import from_long

    _roles(args, pillar_col)
    keys = [args.country, args.year]
    optional = [args.sector] + ([pillar_col] if pillar_col else [])
    if pillar_col:
        keys = [pillar_col, *keys]
    with Out(getattr(args, "quiet", False)).reading(path) as progress:
        df = _io.read_long(
            path,
            keys=keys,
            value=args.value,
            optional=optional,
            sep=_sep(args.sep),
            year=args.year,
            iso3=args.country if args.country_codes == "iso3" else None,
            also=[args.world_label] if getattr(args, "world_label", None) else [],
            progress=progress,
        )
    yrs = _years(getattr(args, "years", None))
    if yrs is not None:
        df = df[(df[args.year] >= yrs[0]) & (df[args.year] <= yrs[1])]
        if df.empty:
            raise CommandError(f"{path}: no rows in the years {yrs[0]}-{yrs[1]}")
    fill = 0.0 if args.missing == "zero" else np.nan
    groups = [(None, df)] if not pillar_col else list(df.groupby(pillar_col, sort=False))
    out = {}
    for name, part in groups:
        dims = [args.country] + ([args.sector] if args.sector in part.columns else []) + [args.year]
        if args.sector in part.columns:
            empty = part[args.sector].isna().to_numpy()
            if empty.all():
                dims.remove(args.sector)
            elif empty.any():
                line = int(part.index[empty][0]) + 2
                raise CommandError(f"{path}, column {args.sector!r}, line {line}: empty label")
        _cube_guard(path, part, dims, args.command)
        try:
            out[name] = from_long(
                part, dims=dims, value=args.value, duplicates=args.duplicates, fill=fill
            )
        except ValueError as e:
            if args.duplicates == "raise":
                _no_repeats(path, part, dims)  # a repeated row: named with both its lines
            raise CommandError(f"{path}: {e}") from None
    return out


def _no_repeats(path: str, df: Any, dims: list[str]) -> None:
    """A second row for one combination is refused with both line numbers."""
    from sharecube._io import show

    again = df.duplicated(subset=dims, keep="first").to_numpy()
    if not again.any():
        return
    pos = int(again.argmax())
    row = df.iloc[pos]
    same = (df[dims] == row[dims]).all(axis=1).to_numpy()
    first = int(same.argmax())
    where = ", ".join(
        f"{d} {show(row[d].item() if hasattr(row[d], 'item') else row[d])}" for d in dims
    )
    raise CommandError(
        f"{path}, line {int(df.index[pos]) + 2}: a second row for {where} (the first is on line "
        f"{int(df.index[first]) + 2}); pass --duplicates sum to add such rows up"
    )


def _rename(da: Any, args: argparse.Namespace) -> Any:
    names = {args.country: "country", args.year: "year"}
    if getattr(args, "sector", None) in da.dims:
        names[args.sector] = "sector"
    return da.rename({k: v for k, v in names.items() if k != v})


# ---- commands ------------------------------------------------------------------------------


def _inputs(args: argparse.Namespace) -> list[str]:
    """Every file the command reads: outputs may not be, hold or lie inside any of them."""
    files = [f.partition("=")[2] or f for f in getattr(args, "files", [])]
    files += [f for f in (getattr(args, "file", None), getattr(args, "blocs_file", None)) if f]
    files += list(getattr(args, "bilateral", None) or [])
    files += [f.partition("=")[2] for f in getattr(args, "world", None) or []]
    files += [f for f in [getattr(args, "baci_codes", None)] if f]
    return files


def _bilateral(args: argparse.Namespace) -> Any:
    """--bilateral FILE ...: BACI or UN Comtrade bulk files -> the trade cube."""
    files = getattr(args, "bilateral", None) or []
    if not files:
        return None
    from sharecube import tradedata

    fmt = args.bilateral_format
    if fmt == "auto":
        head = tradedata._header(Path(files[0]))
        fmt = "baci" if {"t", "i", "j", "k"} <= set(head) else "comtrade"
    if fmt == "baci":
        return tradedata.read_baci(files, args.baci_codes)
    return tradedata.read_comtrade(files)


def _check_output(args: argparse.Namespace, folder: bool) -> None:
    from sharecube import _io

    if folder or args.output != "-":
        _io.guard_output(args.output, _inputs(args), folder=folder)


def _command_line(args: argparse.Namespace) -> str:
    """The command as typed, with every path reduced to its file name (no local paths)."""
    import shlex

    words = []
    for w in args.argv:
        # --output=PATH, NAME=PATH and PATH: the part after the first "=" may be a path
        head, eq, tail = w.partition("=")
        prefix, target = (head + eq, tail) if eq else ("", w)
        if os.sep in target or (os.altsep and os.altsep in target):
            w = prefix + Path(target).name
        words.append(w)
    return "sharecube " + " ".join(shlex.quote(w) for w in words)


def _run_model(
    pillars: dict[str, Any],
    args: argparse.Namespace,
    out: Out,
    info: Any,
    folder: Path,
    world: Any = None,
) -> Any:
    from sharecube import _io
    from sharecube.cooperation import cooperation_model
    from sharecube.report import write_report

    staged = _io.StagedFolder(folder, overwrite=args.overwrite)  # fails now if it exists
    formats = [f.strip() for f in args.format.split(",")]
    bad = [f for f in formats if f not in ("html", "md")]
    if bad:
        raise CommandError(f"--format: unknown format {bad[0]!r}; use html, md or html,md")
    with out.progress(4, "sharecube") as step:
        step("model")
        try:
            res = cooperation_model(
                pillars,
                weights=_weights(args.weights),
                normalize=args.normalize,
                kinds=_choices(args.kind, "--kind", ("quantity", "score")),
                direction=_choices(args.direction, "--direction", ("higher", "lower")),
                aggregate=args.aggregate,
                missing=args.missing_pillar,
                world=world if world is not None else _world_tables(args),
                blocs=_blocs(args),
                year=args.analysis_year,
                partners=args.partners,
                draws=args.draws,
                seed=args.seed,
                bilateral=_bilateral(args),
                complexity=args.complexity,
            )
        except (ValueError, TypeError) as e:
            raise CommandError(str(e)) from None
        with staged as tmp:
            write_report(res, tmp, info, formats, progress=step)
    return res


def cmd_demo(args: argparse.Namespace, out: Out) -> None:
    from sharecube import datasets
    from sharecube.report import ReportInfo

    pillars = datasets.load_cooperation()
    sources = {
        "value_chain": "OICA via the R package stevedata (mvprod)",
        "market": "World Bank GDP per capita x population (R packages stevedata, gt)",
        "policy": "Human Freedom Index, area 4 (Cato & Fraser Institutes; R package openintro)",
    }
    info = ReportInfo(
        title="Country standing in vehicle production, GDP and trade freedom, 2010-2016 "
        "(bundled demo panel)",
        sources=sources,
        note="The bundled panel (sharecube.datasets, described in its data README). Vehicle "
        "shares are of OICA's world total; GDP shares of the 53 countries in the panel. "
        "Brazil's vehicle series was dropped after a check against the source's World row "
        "(it disagrees with OICA's published figures), so Brazil has no composite. The policy "
        "pillar is a 0-10 score: it gets no shares, sums or RCA, its blocs get their members' "
        "mean, and the pillars are min-max normalised per year before they are combined.",
        inputs=["the bundled panel"],
        command=_command_line(args),
    )
    _check_output(args, folder=True)
    folder = Path(args.output)
    t0 = time.perf_counter()
    res = _run_model(pillars, args, out, info, folder, world=datasets.load_cooperation_world())
    out.say(
        f"sharecube {sharecube.__version__}: cooperation model on the bundled panel "
        f"({res.composite.sizes['country']} countries, 2010-2016, "
        f"{', '.join(pillars)}) in {time.perf_counter() - t0:.1f} s"
    )
    _print_top(res, out)
    out.say(f"\nreport: {folder / 'report.html'} (and report.md, charts/, tables/)")


def _print_top(res: Any, out: Out, n: int = 5) -> None:
    from sharecube.report import ranking_table

    out.say(f"\ncomposite ranking, {res.year}:")
    for r in ranking_table(res).head(n).itertuples():
        rank = "-" if r.rank != r.rank else int(r.rank)  # no rank: no composite that year
        out.say(f"  {rank:>3}  {r.country}  {r.name:<24} {r.composite:8.4f}")


def cmd_analyze(args: argparse.Namespace, out: Out) -> None:
    from sharecube import _io
    from sharecube.report import ReportInfo

    _check_output(args, folder=True)
    _io.StagedFolder(args.output, overwrite=args.overwrite)  # an existing output: refused now
    pillars: dict[str, Any] = {}
    for spec in args.files:
        name, sep, path = spec.partition("=")
        if not sep:
            path, name = spec, Path(spec).stem
        if args.pillar_column:
            cubes = _read_cube(path, args, args.pillar_column)
            for k, v in cubes.items():
                if str(k) in pillars:
                    raise CommandError(f"{path}: pillar {k!r} given twice")
                pillars[str(k)] = _rename(v.rename(str(k)), args)
        else:
            if name in pillars:
                raise CommandError(f"{path}: pillar {name!r} given twice; name files NAME=FILE")
            pillars[name] = _rename(_read_cube(path, args)[None].rename(name), args)
    names = [Path(spec.partition("=")[2] or spec).name for spec in args.files]
    info = ReportInfo(
        title=args.title,
        sources=dict(zip(pillars, names, strict=False)) if not args.pillar_column else None,
        inputs=names,
        command=_command_line(args),
    )
    res = _run_model(pillars, args, out, info, Path(args.output))
    _print_top(res, out)
    main = "report.html" if "html" in args.format else "report.md"
    out.say(f"\nreport: {Path(args.output) / main}")


def cmd_shares(args: argparse.Namespace, out: Out) -> None:
    from sharecube.tidy import to_long

    _check_output(args, folder=False)
    da = _read_cube(args.file, args)[None]
    import sharecube.labeled  # noqa: F401

    res = da.sharecube.shares(args.country, zero_total=args.zero_total).rename("share")
    _write(to_long(res, dropna=False), args, out)


def _write(table: Any, args: argparse.Namespace, out: Out) -> None:
    from sharecube import _io

    out.stdout_started = args.output == "-"
    _io.write_table(table, args.output, overwrite=args.overwrite, stdout=sys.stdout)


def cmd_share_sums(args: argparse.Namespace, out: Out) -> None:
    from sharecube.tidy import to_long

    _check_output(args, folder=False)
    blocs = _blocs(args)
    if blocs is None:
        raise CommandError("share-sums needs --blocs NAMES or --blocs-file FILE")
    da = _read_cube(args.file, args)[None]
    import sharecube.labeled  # noqa: F401

    try:
        res = da.sharecube.share_sums(
            args.country, blocs, time=args.year, zero_total=args.zero_total
        ).rename("share_sum")
    except ValueError as e:
        raise CommandError(f"{args.file}: {e}") from None
    _write(to_long(res), args, out)


def cmd_bench(args: argparse.Namespace, out: Out) -> None:
    import numpy as np

    # numba's OpenMP workers spin after each call and would take a core from the route timed
    # next (the C++ backend's threads wait for it): told to sleep when idle, unless set already
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

    try:
        shape = tuple(int(n) for n in args.shape.split(","))
    except ValueError:
        raise CommandError(f"--shape: expected comma-separated sizes, got {args.shape!r}") from None
    if len(shape) < 2 or min(shape) < 1:
        raise CommandError(f"--shape: need at least 2 sizes >= 1, got {args.shape!r}")
    nbytes = int(np.prod(shape)) * 8
    if nbytes > 8 * 2**30:
        raise CommandError(f"--shape: {nbytes / 2**30:.1f} GiB is too large for a benchmark")
    repeat = args.repeat
    if repeat < 1:
        raise CommandError(f"--repeat: expected a whole number >= 1, got {repeat}")
    from sharecube._dispatch import normalize_threads

    try:
        threads = None if args.threads is None else normalize_threads(args.threads)
    except (TypeError, ValueError) as e:
        raise CommandError(f"--threads: {e}") from None
    x = np.random.default_rng(0).lognormal(size=shape)
    res = np.empty_like(x)
    groups = np.arange(shape[0]) % 10

    def np_best() -> None:
        np.divide(x, x.sum(0, keepdims=True), out=res)

    def np_groups() -> Any:
        tot = x.sum(0)
        return np.stack([x[groups == g].sum(0) / tot for g in range(10)])

    routes: list[tuple[str, str, Callable[[], Any]]] = [
        ("shares", "numpy x / x.sum(0)", lambda: x / x.sum(0, keepdims=True)),
        ("shares", "numpy, out=", np_best),
    ]
    for name in sharecube.backends():
        shares = partial(sharecube.shares, x, 0, out=res, backend=name, threads=threads)
        routes.append(("shares", f"sharecube {name}", shares))
    routes.append(("share_sums", "numpy loop over 10 blocs", np_groups))
    for name in sharecube.backends():
        sums = partial(sharecube.share_sums, x, groups, 0, backend=name, threads=threads)
        routes.append(("share_sums", f"sharecube {name}", sums))
    for route in routes:
        route[2]()  # compiled (numba), outputs touched
    # Interleaved: each round runs every route once, back to back (starting one further each
    # round), so that a shared machine's drift hits every route alike; a route's speed-up is
    # the median over the rounds of that round's ratio.
    times: list[list[float]] = [[] for _ in routes]
    for r in range(repeat):
        for i in [(r + k) % len(routes) for k in range(len(routes))]:
            t0 = time.perf_counter()
            routes[i][2]()
            times[i].append(time.perf_counter() - t0)
    base = {
        kind: i
        for i, (kind, label, _fn) in enumerate(routes)
        if label.startswith(("numpy x", "numpy loop"))
    }
    out.say(
        f"sharecube {sharecube.__version__} bench: shape {shape} float64 "
        f"({nbytes / 2**20:.0f} MiB), {repeat} interleaved rounds, threads {threads or 'all'}"
    )
    out.say(f"{'computation':<12} {'route':<28} {'median ms':>10} {'vs numpy':>9}")
    for i, (kind, label, _fn) in enumerate(routes):
        ref = times[base[kind]]
        ratio = float(np.median([u / t for u, t in zip(ref, times[i], strict=True)]))
        out.say(f"{kind:<12} {label:<28} {np.median(times[i]) * 1e3:>10.2f} {ratio:>8.1f}x")


# ---- parser --------------------------------------------------------------------------------


def version_line() -> str:
    """The version and the backends this install has, fastest first."""
    names = sharecube.backends()
    line = f"sharecube {sharecube.__version__} (backends: {', '.join(names)})"
    if "cpp" not in names:
        line += "; the C++ backend is not built here: see the README to get it"
    return line


class _Version(argparse.Action):
    def __call__(self, parser: Any, namespace: Any, values: Any, option: Any = None) -> None:
        print(version_line())
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sharecube",
        description="Country shares, bloc share sums and the cooperation model over country x "
        "sector x year data.",
        epilog="run 'sharecube COMMAND --help' for a command's options and examples",
    )
    parser.add_argument(
        "--version", action=_Version, nargs=0, help="show the version and backends, then exit"
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--quiet", "-q", action="store_true", help="print nothing on success")
    common.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, help_: str) -> argparse.ArgumentParser:
        return sub.add_parser(
            name,
            help=help_,
            description=help_,
            parents=[common],
            epilog=EXAMPLES[name],
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )

    def model_options(p: argparse.ArgumentParser, default_out: str) -> None:
        g = p.add_argument_group("model and report")
        g.add_argument(
            "-o",
            "--output",
            default=default_out,
            help=f"report folder, created whole (default: {default_out})",
        )
        g.add_argument("--overwrite", action="store_true", help="replace an existing folder")
        g.add_argument("--weights", help="pillar weights, e.g. value_chain=2,market=1")
        g.add_argument(
            "--normalize",
            choices=["auto", "shares", "minmax", "zscore", "none"],
            default="auto",
            help="how pillars are made comparable (default auto: shares when every pillar is a "
            "quantity, else minmax)",
        )
        g.add_argument(
            "--kind",
            action="append",
            metavar="PILLAR=KIND",
            help="quantity (default: shares, sums, RCA apply) or score (an index or rate: "
            "none of them), e.g. --kind policy=score",
        )
        g.add_argument(
            "--direction",
            action="append",
            metavar="PILLAR=DIR",
            help="higher (default) or lower is better, e.g. --direction tariffs=lower",
        )
        g.add_argument(
            "--aggregate",
            choices=["arithmetic", "geometric"],
            default="arithmetic",
            help="weighted mean of the normalised pillars (default: arithmetic)",
        )
        g.add_argument(
            "--missing-pillar",
            choices=["drop", "available", "fail"],
            default="drop",
            help="a country lacking a pillar in a year: left out of the composite and listed "
            "(default), composite of the pillars it has (weights re-scaled, flagged), or stop",
        )
        g.add_argument(
            "--world-label",
            default="WLD",
            help="country label of a world-total row, taken out of the countries (default: WLD)",
        )
        g.add_argument(
            "--world",
            action="append",
            metavar="PILLAR=FILE",
            help="world totals of a quantity pillar: a long table of year[,sector],value",
        )
        g.add_argument(
            "--draws",
            type=int,
            default=1000,
            help="Monte Carlo draws of weights for the rank sensitivity (default 1000; 0: off)",
        )
        g.add_argument("--seed", type=int, default=0, help="seed of those draws (default: 0)")
        g.add_argument(
            "--bilateral",
            nargs="+",
            metavar="FILE",
            help="bilateral trade (BACI or UN Comtrade bulk CSV): partners from trade",
        )
        g.add_argument(
            "--bilateral-format",
            choices=["auto", "baci", "comtrade"],
            default="auto",
            help="format of --bilateral (default: told by the columns)",
        )
        g.add_argument("--baci-codes", metavar="FILE", help="BACI's country_codes_V*.csv")
        g.add_argument(
            "--complexity",
            nargs="?",
            const=True,
            default=None,
            metavar="PILLAR",
            help="economic complexity (ECI, opportunities, product space) of a quantity pillar "
            "with sectors (default: the first)",
        )
        g.add_argument("--blocs", help="built-in blocs, comma separated (e.g. EU,ASEAN,BRICS)")
        g.add_argument("--blocs-file", help="your blocs: CSV bloc,country[,first_year,last_year]")
        g.add_argument(
            "--analysis-year",
            type=int,
            default=None,
            help="year for strengths and partners (default: the last)",
        )
        g.add_argument("--partners", type=int, default=3, help="partners per country")
        g.add_argument("--format", default="html,md", help="report formats (default: html,md)")

    p = add("demo", "run the cooperation model on the bundled real data and write the report")
    model_options(p, "sharecube-demo")
    p.set_defaults(func=cmd_demo, blocs="EU,OECD,G20,BRICS,ASEAN,Mercosur,USMCA")

    p = add("analyze", "run the cooperation model on your long CSV/Parquet files")
    p.add_argument(
        "files",
        nargs="+",
        metavar="FILE",
        help="one file per pillar (NAME=FILE to name it) or one with --pillar-column",
    )
    p.add_argument("--pillar-column", help="column naming each row's pillar")
    p.add_argument("--years", help="keep these years: YEAR or FIRST-LAST")
    p.add_argument("--title", default=None, help="report title (default: names the pillars)")
    model_options(p, "sharecube-report")
    _add_columns(p)
    p.set_defaults(func=cmd_analyze)

    for name, func, help_ in [
        ("shares", cmd_shares, "each country's share of the world, long table in and out"),
        ("share-sums", cmd_share_sums, "each bloc's share of the world, long table in and out"),
    ]:
        p = add(name, help_)
        p.add_argument("file", metavar="FILE", help="long CSV or Parquet")
        p.add_argument(
            "-o",
            "--output",
            default="-",
            help="output .csv/.tsv/.parquet, written whole (default: CSV to stdout)",
        )
        p.add_argument("--overwrite", action="store_true", help="replace an existing file")
        p.add_argument(
            "--zero-total",
            choices=["nan", "zero"],
            default="nan",
            help="the share where the world total is 0",
        )
        if name == "share-sums":
            p.add_argument("--blocs", help="built-in blocs, comma separated")
            p.add_argument("--blocs-file", help="CSV bloc,country[,first_year,last_year]")
        p.add_argument("--years", help="keep these years: YEAR or FIRST-LAST")
        _add_columns(p)
        p.set_defaults(func=func)

    p = add("bench", "time sharecube's backends against numpy on this machine")
    p.add_argument("--shape", default="200,5000,30", help="cube shape (default: 200,5000,30)")
    p.add_argument(
        "--repeat", type=int, default=9, help="rounds, each running every route once (default: 9)"
    )
    p.add_argument("--threads", type=int, default=None, help="threads (default: all cores)")
    p.set_defaults(func=cmd_bench)
    return parser


class Stopped(KeyboardInterrupt):
    """SIGTERM or SIGHUP: unwinds like Ctrl-C, so that every partial output is removed."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _stop(signum: int, frame: Any) -> None:
    raise Stopped(signum)


@contextmanager
def _signals() -> Iterator[None]:
    """SIGTERM and SIGHUP clean up as Ctrl-C does (only where main runs in the main thread)."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    names = [n for n in ("SIGTERM", "SIGHUP") if hasattr(signal, n)]
    before = {n: signal.signal(getattr(signal, n), _stop) for n in names}
    try:
        yield
    finally:
        for n, handler in before.items():
            signal.signal(getattr(signal, n), handler)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.argv = list(argv) if argv is not None else sys.argv[1:]
    if args.command is None:
        parser.print_usage(sys.stderr)
        print(
            "sharecube: error: a command is required (sharecube --help lists them)", file=sys.stderr
        )
        return 2
    out = Out(args.quiet)
    try:
        with _signals(), _quiet_warnings(args.quiet):
            args.func(args, out)
    except BrokenPipeError:
        # the reader of standard output stopped (| head): not an error; nothing more to say
        with suppress(OSError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        return 0
    except KeyboardInterrupt as e:
        import signal

        signum = e.signum if isinstance(e, Stopped) else int(signal.SIGINT)
        what = (
            "the table on standard output is incomplete"
            if out.stdout_started
            else "nothing was written"
        )
        print(
            f"sharecube: {'interrupted' if signum == signal.SIGINT else 'stopped'}; {what}",
            file=sys.stderr,
        )
        return 128 + signum
    except Exception as e:
        if args.debug:
            raise
        from sharecube._errors import InputError

        known = (CommandError, InputError)
        msg = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        if not isinstance(e, known):
            if isinstance(e, ImportError):
                msg = f"{msg}; the command needs the report extra: pip install 'sharecube[report]'"
            elif not isinstance(e, (ValueError, TypeError, OSError)):
                msg = f"{type(e).__name__}: {msg} (run with --debug for the traceback)"
        print(f"sharecube: error: {msg}", file=sys.stderr)
        return 1
    return 0
