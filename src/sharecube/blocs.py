"""Blocs: named groups of countries, with the years each member belonged.

A bloc is a name and its members; each member may carry the first and the last year of its
membership (the EU grew from 6 to 28 members and lost one; OECD accessions run from 1961 to
2021). :meth:`Blocs.membership` turns blocs into the boolean country x bloc matrices that
:func:`sharecube.share_sums` takes, one per year where membership changed.

Blocs come from a dict (``{"EU": ["DEU", "FRA", ...]}``), from a table
(:meth:`Blocs.from_table`: one row per bloc and member, optional first and last year columns;
or a wide boolean country x bloc table) or by name from the built-in set
(:meth:`Blocs.builtin`, names in :func:`builtin_names`). The built-in table is built offline
from the CC0 ``countrygroups`` package, with an override table for its known errors and the
accession years; see ``data/README.md`` and ``tools/build_blocs.py``.

Country codes are checked: a member that is not among the data's countries is reported (see
:meth:`Blocs.absent`), and a code that is neither in the data nor an ISO 3166 alpha-3 code is
an error, since it is almost always a typo.
"""

from __future__ import annotations

import csv
import functools
import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["Blocs", "Member", "as_blocs", "builtin_names", "country_names"]


@dataclass(frozen=True)
class Member:
    """One country's membership of a bloc: from ``first_year`` to ``last_year`` inclusive.

    None means no limit on that side.
    """

    country: str
    first_year: int | None = None
    last_year: int | None = None

    def active(self, year: int) -> bool:
        return (self.first_year is None or self.first_year <= year) and (
            self.last_year is None or year <= self.last_year
        )


def _read_csv(name: str) -> list[dict[str, str]]:
    text = resources.files("sharecube").joinpath(f"data/{name}").read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@functools.cache
def country_names() -> dict[str, str]:
    """ISO 3166 alpha-3 code -> short English name, for every code the bloc table knows."""
    return {r["iso3"]: r["name"] for r in _read_csv("countries.csv")}


@functools.cache
def _builtin_table() -> dict[str, tuple[Member, ...]]:
    table: dict[str, list[Member]] = {}
    for r in _read_csv("blocs.csv"):
        first = int(r["first_year"]) if r["first_year"] else None
        last = int(r["last_year"]) if r["last_year"] else None
        table.setdefault(r["bloc"], []).append(Member(r["country"], first, last))
    return {k: tuple(v) for k, v in table.items()}


def builtin_names() -> list[str]:
    """Names of the built-in blocs (EU, OECD, G7, G20, BRICS, ASEAN, continents, ...)."""
    return list(_builtin_table())


def _year(value: Any, what: str) -> int | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    try:
        if isinstance(value, str):
            if not value.strip():
                return None
            return int(value)
        if float(value) != int(value):
            raise ValueError
        return int(value)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"{what} must be a whole year or empty, got {value!r}") from None


def _member(bloc: str, item: Any) -> Member:
    if isinstance(item, Member):
        return item
    if isinstance(item, str):
        if not item:
            raise ValueError(f"bloc {bloc!r} has an empty country code")
        return Member(item)
    if isinstance(item, tuple) and len(item) == 3:
        code, first, last = item
        m = Member(str(code), _year(first, "first year"), _year(last, "last year"))
        if m.first_year is not None and m.last_year is not None and m.first_year > m.last_year:
            raise ValueError(
                f"bloc {bloc!r}: member {code!r} has first year {first} after last year {last}"
            )
        return m
    raise TypeError(
        f"bloc {bloc!r}: a member must be a country code (str) or a tuple "
        f"(code, first_year, last_year), got {item!r}"
    )


def _check_periods(bloc: str, members: tuple[Member, ...]) -> None:
    """A country may be listed once per period of membership (it left and joined again), but
    its periods may not overlap."""
    periods: dict[str, list[Member]] = {}
    for m in members:
        periods.setdefault(m.country, []).append(m)
    for code, ms in periods.items():
        if len(ms) == 1:
            continue
        spans = sorted(
            (
                -math.inf if m.first_year is None else m.first_year,
                math.inf if m.last_year is None else m.last_year,
            )
            for m in ms
        )
        for (_, end), (start, _) in itertools.pairwise(spans):
            if start <= end:
                raise ValueError(
                    f"bloc {bloc!r} lists country {code!r} twice in overlapping periods; list it "
                    "once per period of membership, e.g. (code, 1973, 2019) and (code, 2024, None)"
                )


class Blocs(Mapping[str, tuple[Member, ...]]):
    """An ordered set of named blocs; a read-only mapping of bloc name -> members.

    Parameters
    ----------
    blocs : mapping of str to iterable
        Bloc name -> members; a member is a country code or a tuple
        ``(code, first_year, last_year)`` with None for no limit.

    Examples
    --------
    >>> from sharecube.blocs import Blocs
    >>> b = Blocs({"EU": ["DEU", "FRA", ("GBR", 1973, 2019)], "G7": ["USA", "DEU"]})
    >>> b.members("EU", 2020)
    ['DEU', 'FRA']
    >>> b.membership(["DEU", "GBR", "USA"], years=[2019, 2020]).astype(int)[:, :, 0]
    array([[1, 1, 0],
           [0, 1, 0]])
    """

    def __init__(self, blocs: Mapping[str, Iterable[Any]] | None = None) -> None:
        self._blocs: dict[str, tuple[Member, ...]] = {}
        if blocs is None:
            return
        if not isinstance(blocs, Mapping):
            raise TypeError(f"blocs must be a mapping of bloc name -> members, got {blocs!r}")
        for name, members in blocs.items():
            if not isinstance(name, str) or not name:
                raise TypeError(f"a bloc name must be a non-empty str, got {name!r}")
            if isinstance(members, str) or not isinstance(members, Iterable):
                raise TypeError(
                    f"bloc {name!r}: members must be a list of country codes, got {members!r}"
                )
            ms = tuple(_member(name, m) for m in members)
            if not ms:
                raise ValueError(f"bloc {name!r} has no members")
            _check_periods(name, ms)
            self._blocs[name] = ms

    # -- constructors -------------------------------------------------------------------
    @classmethod
    def builtin(cls, *names: str) -> Blocs:
        """Built-in blocs by name (all of them if no name is given); see :func:`builtin_names`."""
        table = _builtin_table()
        if not names:
            names = tuple(table)
        unknown = [n for n in names if n not in table]
        if unknown:
            raise ValueError(f"unknown bloc name(s) {unknown}; built-in blocs: {', '.join(table)}")
        return cls({n: table[n] for n in names})

    @classmethod
    def from_table(
        cls,
        table: Any,
        *,
        bloc: str = "bloc",
        country: str = "country",
        first_year: str | None = "first_year",
        last_year: str | None = "last_year",
    ) -> Blocs:
        """Blocs from a table.

        A long table (pandas DataFrame or a mapping of column name -> values) has one row per
        bloc and member, with the columns named by ``bloc`` and ``country`` and, if present,
        ``first_year`` and ``last_year`` (empty or NaN: no limit). A wide table is a DataFrame
        of booleans indexed by country with one column per bloc.
        """
        cols = _columns(table)
        if bloc not in cols and country not in cols and _is_wide(table):
            return cls(
                {
                    str(name): [str(c) for c in table.index[np.asarray(table[name], dtype=bool)]]
                    for name in table.columns
                }
            )
        for name in (bloc, country):
            if name not in cols:
                raise ValueError(f"bloc table has no column {name!r}; its columns: {list(cols)}")
        b, c = list(cols[bloc]), list(cols[country])
        n = len(b)
        f = list(cols[first_year]) if first_year and first_year in cols else [None] * n
        last = list(cols[last_year]) if last_year and last_year in cols else [None] * n
        out: dict[str, list[Any]] = {}
        for i in range(n):  # one row per membership: a few thousand at most
            if not isinstance(c[i], str):
                raise ValueError(f"bloc table row {i}: country {c[i]!r} is not a code")
            out.setdefault(str(b[i]), []).append((c[i], f[i], last[i]))
        return cls(out)

    # -- mapping ------------------------------------------------------------------------
    def __getitem__(self, name: str) -> tuple[Member, ...]:
        try:
            return self._blocs[name]
        except KeyError:
            raise KeyError(f"no bloc {name!r}; blocs: {list(self._blocs)}") from None

    def __iter__(self) -> Any:
        return iter(self._blocs)

    def __len__(self) -> int:
        return len(self._blocs)

    def __repr__(self) -> str:
        return f"Blocs({', '.join(f'{k}: {len(v)}' for k, v in self._blocs.items())})"

    def __or__(self, other: Blocs) -> Blocs:
        if not isinstance(other, Blocs):
            return NotImplemented
        return Blocs({**self._blocs, **other._blocs})

    @property
    def names(self) -> list[str]:
        return list(self._blocs)

    @property
    def time_varying(self) -> bool:
        """Whether any member has a first or last year."""
        return any(
            m.first_year is not None or m.last_year is not None
            for ms in self._blocs.values()
            for m in ms
        )

    def members(self, bloc: str, year: int | None = None) -> list[str]:
        """The bloc's members (in ``year``, if given)."""
        found = [m.country for m in self[bloc] if year is None or m.active(int(year))]
        return list(dict.fromkeys(found))  # a country listed for several periods: once

    # -- checks and matrices --------------------------------------------------------------
    def absent(self, countries: Iterable[Any]) -> dict[str, list[str]]:
        """Members of each bloc that are not among ``countries`` (blocs with none left out)."""
        have = {str(c) for c in countries}
        out = {}
        for name, ms in self._blocs.items():
            miss = [m.country for m in ms if m.country not in have]
            if miss:
                out[name] = miss
        return out

    def check(self, countries: Iterable[Any]) -> dict[str, list[str]]:
        """Raise for codes that are neither among ``countries`` nor ISO 3166 alpha-3 codes.

        Returns :meth:`absent` (valid codes that the data simply does not have).
        """
        absent = self.absent(countries)
        known = country_names()
        bad = {b: [c for c in cs if c not in known] for b, cs in absent.items()}
        bad = {b: cs for b, cs in bad.items() if cs}
        if bad:
            listing = "; ".join(f"{b}: {', '.join(cs)}" for b, cs in bad.items())
            raise ValueError(
                f"unknown country codes in blocs (not in the data, not ISO 3166 alpha-3): {listing}"
            )
        return absent

    def membership(
        self, countries: Sequence[Any], years: Sequence[Any] | None = None
    ) -> NDArray[np.bool_]:
        """Boolean membership, country x bloc; with ``years``, year x country x bloc.

        Unknown codes raise (see :meth:`check`); members absent from ``countries`` are left out.
        """
        self.check(countries)
        index = {str(c): i for i, c in enumerate(countries)}
        if len(index) != len(countries):
            raise ValueError("countries has duplicate labels")
        yrs = None if years is None else [_as_year(y) for y in years]
        shape = (
            (len(countries), len(self)) if yrs is None else (len(yrs), len(countries), len(self))
        )
        mat = np.zeros(shape, dtype=bool)
        for k, ms in enumerate(self._blocs.values()):
            for m in ms:
                i = index.get(m.country)
                if i is None:
                    continue
                if yrs is None:
                    mat[i, k] = True
                else:  # |=: a country may have several periods of membership
                    mat[:, i, k] |= np.array([m.active(y) for y in yrs], dtype=bool)
        return mat


def _as_year(y: Any) -> int:
    if isinstance(y, np.datetime64):
        return int(y.astype("datetime64[Y]").astype(np.int64)) + 1970
    if hasattr(y, "year"):
        return int(y.year)
    try:
        if float(y) != int(y):
            raise ValueError
        return int(y)
    except (TypeError, ValueError):
        raise ValueError(f"year labels must be whole years or dates, got {y!r}") from None


def _columns(table: Any) -> Mapping[str, Any]:
    if isinstance(table, Mapping):
        return table
    if hasattr(table, "columns") and hasattr(table, "__getitem__"):
        return {str(c): table[c] for c in table.columns}
    raise TypeError(f"a bloc table must be a pandas DataFrame or a mapping, got {type(table)}")


def _is_wide(table: Any) -> bool:
    return hasattr(table, "dtypes") and all(getattr(t, "kind", "") == "b" for t in table.dtypes)


def as_blocs(spec: Any) -> Blocs:
    """Blocs from what users pass: a Blocs, a dict, a table, a built-in name or list of names."""
    if isinstance(spec, Blocs):
        return spec
    if isinstance(spec, str):
        return Blocs.builtin(spec)
    if isinstance(spec, Mapping):
        return Blocs(spec)
    if hasattr(spec, "columns"):
        return Blocs.from_table(spec)
    if isinstance(spec, Sequence) and spec and all(isinstance(s, str) for s in spec):
        return Blocs.builtin(*spec)
    raise TypeError(
        "blocs must be a Blocs, a dict of bloc name -> members, a table, or built-in bloc "
        f"name(s), got {type(spec).__name__}"
    )
