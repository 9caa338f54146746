"""Drop-ins for the economic complexity packages economists use: swap one import, get the same
numbers from sharecube's kernels.

- ``from ecomplexity import ecomplexity, proximity`` (py-ecomplexity, Harvard Growth Lab) ->
  ``from sharecube.compat import ecomplexity, proximity``: the same arguments, the same
  columns in the same layout.
- ``import economic_complexity as ec`` (Datawheel, the OEC's) ->
  ``from sharecube.compat import economic_complexity as ec``: ``ec.rca``, ``ec.complexity``,
  ``ec.proximity``, ``ec.relatedness``, ``ec.distance``, ``ec.opportunity_gain`` and ``ec.pgi``
  on pivoted DataFrames.

Every option of ``ecomplexity`` 0.5.3 is taken: ``presence_test`` ``"rca"``, ``"rpop"`` (with
``pop``), ``"both"`` and ``"manual"``; ``continuous``, ``asymmetric``, ``knn`` and
``proximity_edgelist``. Conventions are those of :mod:`sharecube.complexity`. Where the results
differ from ``ecomplexity`` 0.5.3 (PyPI):

- ``knn``: density is the proximity-weighted mean over the k nearest products, as
  ``ecomplexity``'s own repository computes it (0.5.3 sums the unweighted values of the k
  neighbours, a bug fixed upstream after that release); ties at the k-th neighbour are broken
  by product order (scikit-learn's choice among ties is unspecified). The Stata package's
  ``knn()`` keeps every product at least as near as the k-th, ties included, and gives other
  numbers.
- ``presence_test="both"``: a product is present where either test passes (RCA or RPOP), as the
  Stata package's ``rca() rpop()``; 0.5.3 adds the two tests (an M of 0, 1 and 2).
- A location of the data missing from ``pop`` gets a warning naming it (0.5.3: silently NaN RPOP,
  so not present anywhere).
- A year with a country with zero diversity or a product with zero ubiquity: ``ecomplexity``
  makes every ECI and PCI of the year NaN; these give NaN only to those countries and products.
- A NaN value counts as 0 (warned, as ``ecomplexity`` says) and stays NaN in the value column;
  under pandas 3, ``ecomplexity`` 0.5.3's ``fillna(inplace=True)`` on a column no longer writes
  to its table, so its RCA is NaN there.
- ``check_logsupermodularity`` (a printed percentage from a random sample) is not run.

The Stata package (``ecomplexity`` in Stata) standardises ECI, PCI, COI and COG over the rows of
the long table with ``n - 1``: its values are these times ``sqrt((n - 1) / n)``, ``n`` the
number of (location, product) rows of the year; it also tests ``RCA > threshold`` (strictly)
and reads values as float32 when they are stored so.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from pandas.api.extensions import take

from sharecube._contracts import pack_rows
from sharecube.complexity import (
    _correlation_proximity,
    _knn,
    _proximity,
    _reflections,
    _slice,
    _standardize,
    default_policy,
)
from sharecube.indicators import rca as _rca

__all__ = ["ecomplexity", "economic_complexity", "proximity"]

_KEYS = ("time", "loc", "prod", "val")


class _Long(NamedTuple):
    """The long table, cleaned as ``ecomplexity`` cleans it, as codes into sorted labels."""

    labels: tuple[pd.Index, pd.Index, pd.Index]  # time, loc, prod: sorted unique labels
    codes: tuple[np.ndarray, np.ndarray, np.ndarray]  # of each kept row
    val: np.ndarray  # float64, of each kept row (NaN as 0)
    given: np.ndarray  # of each kept row, as given (numeric, its dtype, NaN kept)
    row: np.ndarray  # each kept row's position in data
    simple: bool  # every row kept once, as given (no NaN value or key, no repeated key)


def _clean(data: Any, cols_input: Any, val_errors_flag: str) -> _Long:
    """``data``'s rows with values numeric (NaN -> 0, warned), the first of rows with the same
    keys kept (warned), as ``ecomplexity`` cleans them; rows with a missing key left out."""
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    if not isinstance(cols_input, dict) or set(cols_input) != set(_KEYS):
        raise ValueError(
            "cols_input must map exactly 'time', 'loc', 'prod' and 'val' to column names, "
            f"got {cols_input!r}"
        )
    missing = [c for c in cols_input.values() if c not in data.columns]
    if missing:
        raise ValueError(f"cols_input names columns not in data: {missing}")
    column = data[cols_input["val"]]
    given = pd.to_numeric(column, errors=val_errors_flag)
    simple = given.dtype == column.dtype
    val = given
    if val.isna().any():
        warnings.warn("NaN value(s) present, coercing to zero(es)", stacklevel=3)
        val, simple = val.fillna(0), False
    labels, codes = [], []
    for key in ("time", "loc", "prod"):
        code, uniques = pd.factorize(data[cols_input[key]], sort=True)
        labels.append(pd.Index(uniques))
        codes.append(code)
    row = np.arange(len(data))
    known = (codes[0] >= 0) & (codes[1] >= 0) & (codes[2] >= 0)
    if not known.all():  # a missing key: in no year's grid
        row, simple = row[known], False
        codes = [c[known] for c in codes]
    n_loc, n_prod = len(labels[1]), len(labels[2])
    cell = (codes[0].astype(np.int64) * n_loc + codes[1]) * n_prod + codes[2]
    dense = cell.size and cell.max() < 8 * cell.size  # a count of each cell is cheap
    repeated = np.bincount(cell).max() > 1 if dense else True
    dups = pd.Series(cell).duplicated().to_numpy() if repeated else np.zeros(cell.size, bool)
    if dups.any():
        warnings.warn("Duplicate values exist, keeping the first occurrence", stacklevel=3)
        row, simple = row[~dups], False
        codes = [c[~dups] for c in codes]
    if not row.size:
        raise ValueError("data has no row with a time, a location and a product")
    values = val.to_numpy(dtype=np.float64)[row]
    return _Long(
        (labels[0], labels[1], labels[2]),
        (codes[0], codes[1], codes[2]),
        values,
        given.to_numpy()[row],
        row,
        simple,
    )


class _Year(NamedTuple):
    t: Any  # the year's label
    locs: pd.Index  # kept locations, sorted
    prods: pd.Index  # kept products, sorted
    x: np.ndarray  # (locs, prods) values, 0 where a pair has no row
    shown: np.ndarray  # x.ravel() as given (its dtype, NaN kept): the output's value column
    grid: np.ndarray  # each of the year's rows' position in x.ravel(), -1 if left out


def _years(long: _Long) -> Iterator[_Year]:
    """Each year (in order of first appearance) as a full (loc, prod) grid, locations and
    products with a zero total left out (``ecomplexity``'s ``create_full_df``)."""
    tc, lc, pc = long.codes
    n_loc, n_prod = len(long.labels[1]), len(long.labels[2])
    order = np.argsort(tc, kind="stable")
    bounds = np.searchsorted(tc[order], np.arange(len(long.labels[0]) + 1))
    for code in pd.unique(tc):
        rows = order[bounds[code] : bounds[code + 1]]
        loc, prod, v = lc[rows], pc[rows], long.val[rows]
        kl = np.flatnonzero(np.bincount(loc, weights=v, minlength=n_loc) != 0)
        kp = np.flatnonzero(np.bincount(prod, weights=v, minlength=n_prod) != 0)
        at_l = np.full(n_loc, -1)
        at_l[kl] = np.arange(kl.size)
        at_p = np.full(n_prod, -1)
        at_p[kp] = np.arange(kp.size)
        il, ip = at_l[loc], at_p[prod]
        inside = (il >= 0) & (ip >= 0)
        grid = np.where(inside, il * kp.size + ip, -1)
        x = np.zeros(kl.size * kp.size)
        x[grid[inside]] = v[inside]
        shown = np.zeros(x.size, dtype=long.given.dtype)
        shown[grid[inside]] = long.given[rows][inside]
        t = long.labels[0][code]
        locs, prods = long.labels[1][kl], long.labels[2][kp]
        yield _Year(t, locs, prods, x.reshape(kl.size, kp.size), shown, grid)


def _merge_back(
    parts: list[tuple[Any, dict[str, Any], _Year]],
    long: _Long,
    data: pd.DataFrame,
    cols_input: dict[str, str],
) -> pd.DataFrame:
    """The years' results merged with the data as ``ecomplexity`` does (an outer merge on the
    four key columns, so sorted by them): with every row of data kept once as given, by
    positions; else by pandas' merge."""
    parts = sorted(parts, key=lambda part: part[0])  # by the year's code: the merge's order
    columns = {k: _concat([part[1][k] for part in parts]) for k in parts[0][1]}
    output = pd.DataFrame(columns, copy=False).rename(columns=cols_input)  # no consolidation
    keys = list(cols_input.values())
    extra = [c for c in data.columns if c not in keys]
    fast = (
        long.simple
        and all((part[2].grid >= 0).all() for part in parts)
        and all(output[k].dtype == data[k].dtype for k in keys)
        and not set(extra) & set(output.columns)
    )
    if not fast:
        return output.merge(data, how="outer", on=keys)
    source = np.full(len(output), -1)
    offset = 0
    tc = long.codes[0]
    for code, _, year in parts:
        rows = long.row[tc == code] if len(parts) > 1 else long.row
        source[offset + year.grid] = rows
        offset += year.x.size
    for c in extra:
        output[c] = take(data[c].array, source, allow_fill=True)
    return output


def _concat(pieces: list[Any]) -> Any:
    if isinstance(pieces[0], pd.Index):
        return pieces[0].append(pieces[1:]) if len(pieces) > 1 else pieces[0]
    return np.concatenate(pieces)


_TESTS = ("rca", "rpop", "both", "manual")


def _options(presence_test: Any, pop: Any, cols_input: dict[str, str], knn: Any) -> None:
    """The checks of the options, before any work."""
    if presence_test not in _TESTS:
        raise ValueError(
            f"presence_test must be one of {', '.join(map(repr, _TESTS))}, got {presence_test!r}"
        )
    if presence_test in ("rpop", "both"):
        if not isinstance(pop, pd.DataFrame) or pop.shape[1] != 3:
            raise ValueError(
                f"pop must be a DataFrame of time, location and population (in that order) with "
                f"presence_test={presence_test!r}, got {type(pop).__name__}"
            )
        if cols_input["time"] not in pop.columns:
            raise ValueError(f"pop has no column {cols_input['time']!r} (the data's time column)")
    _knn(knn, "knn")


def _population(pop: pd.DataFrame, time_col: str, t: Any, locs: pd.Index) -> np.ndarray:
    """Each location's population in year ``t`` (NaN where ``pop`` has none, warned)."""
    pop_t = pop[pop[time_col] == t].iloc[:, 1:]
    pop_t.columns = ["loc", "pop"]
    values = pop_t.set_index("loc")["pop"]
    if values.index.duplicated().any():
        raise ValueError(f"pop has more than one population for a location in year {t}")
    found = pd.to_numeric(values, errors="coerce").reindex(locs)
    missing = [str(v) for v in locs[found.isna().to_numpy()]]
    if missing:
        shown = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
        warnings.warn(
            f"year {t}: pop has no population for {len(missing)} location(s) ({shown}); their "
            "RPOP is NaN, so nothing is present there by RPOP",
            stacklevel=4,
        )
    return found.to_numpy(dtype=np.float64)


def _presence(
    x: np.ndarray, test: str, rca_cut: float, rpop_cut: float, pop: np.ndarray | None
) -> dict[str, np.ndarray]:
    """rca, rpop (where computed) and mcp of one year as ``ecomplexity`` gives them."""
    if test == "manual":
        return {"rca": x, "mcp": x}
    out = {"rca": _rca(x, 0, 1, dtype=np.float64)}
    mcp = np.nan_to_num(out["rca"]) >= rca_cut
    if pop is not None:  # presence_test "rpop" or "both"
        with np.errstate(all="ignore"):  # ecomplexity's sums and divisions, in its order
            den = np.nansum(x, axis=0)[None, :] / np.nansum(pop)
            out["rpop"] = (x / pop[:, None]) / den
        by_pop = np.nan_to_num(out["rpop"]) >= rpop_cut
        mcp = by_pop if test == "rpop" else mcp | by_pop
    out["mcp"] = np.where(mcp, 1, 0)
    return out


def _edgelist(edges: Any, prods: pd.Index, t: Any) -> np.ndarray:
    """``proximity_edgelist`` as the year's (P, P) matrix, as ``ecomplexity`` reads it: NaN on
    the diagonal as 1, other NaN (pairs it lacks) as 0, warned."""
    if not isinstance(edges, pd.DataFrame) or not {"prod1", "prod2", "proximity"} <= set(edges):
        raise ValueError(
            "proximity_edgelist must be a DataFrame with columns prod1, prod2 and proximity"
        )
    if set(edges["prod1"].unique()) != set(edges["prod2"].unique()):
        raise ValueError("proximity_edgelist: the products in prod1 and prod2 are not the same")
    if edges.duplicated(["prod1", "prod2"]).any():
        raise ValueError("proximity_edgelist has more than one proximity for a product pair")
    mat = edges.pivot(index="prod1", columns="prod2", values="proximity")
    phi = np.array(mat.reindex(index=prods, columns=prods), dtype=np.float64)  # a copy
    if np.isnan(phi).any():
        check = phi.copy()
        np.fill_diagonal(check, 1)
        off = np.isnan(check).sum() / check.size
        if off > 0:
            warnings.warn(
                f"Year {t}: proximity_edgelist lacks {off:.2%} of the product pairs (off the "
                "diagonal): taken as 0, and the diagonal as 1",
                stacklevel=4,
            )
        else:
            warnings.warn(
                f"Year {t}: proximity_edgelist lacks the diagonal: taken as 1", stacklevel=4
            )
        np.fill_diagonal(phi, 1)
        phi[np.isnan(phi)] = 0
    return phi


def ecomplexity(
    data: pd.DataFrame,
    cols_input: dict[str, str],
    presence_test: str = "rca",
    val_errors_flag: str = "coerce",
    rca_mcp_threshold: float = 1,
    rpop_mcp_threshold: float = 1,
    pop: Any = None,
    continuous: bool = False,
    proximity_edgelist: Any = None,
    asymmetric: bool = False,
    knn: Any = None,
    check_logsupermodularity: Any = True,
    report_logsupermodularity: bool = False,
    verbose: bool = True,
) -> pd.DataFrame:
    """``ecomplexity.ecomplexity``: the data with diversity, ubiquity, mcp, eci, pci, density,
    coi, cog, rca (and rpop with ``presence_test`` ``"rpop"`` or ``"both"``) added, year by year
    (see the module's notes for what differs)."""
    _options(presence_test, pop, cols_input, knn)
    long = _clean(data, cols_input, val_errors_flag)
    opts = {
        "method": "eigenvector",
        "iterations": 20,
        "asymmetric": bool(asymmetric),
        "continuous": bool(continuous),
        "knn": knn,
    }
    pol = default_policy()
    parts = []
    for year in _years(long):
        t, locs, prods, x = year.t, year.locs, year.prods, year.x
        if verbose:
            print(t)
        c, p = x.shape
        if presence_test == "manual" and not np.isin(x, (0.0, 1.0)).all():
            raise ValueError(f"year {t}: presence_test='manual' needs val to hold only 0 and 1")
        people = (
            _population(pop, cols_input["time"], t, locs)
            if presence_test in ("rpop", "both")
            else None
        )
        tested = _presence(x, presence_test, rca_mcp_threshold, rpop_mcp_threshold, people)
        m = tested["mcp"]
        mf = m.astype(np.float64)
        div, ubi = m.sum(axis=1), m.sum(axis=0)  # in M's dtype, as ecomplexity
        if (div == 0).any() or (ubi == 0).any():
            warnings.warn(
                f"Year {t}: Diversity or ubiquity is 0, so ECI and PCI will be nan", stacklevel=2
            )
        # continuous proximity and density from the values tested: RPOP, else RCA (or M)
        r = tested.get("rpop", tested["rca"]) if presence_test == "rpop" else tested["rca"]
        phi = None if proximity_edgelist is None else _edgelist(proximity_edgelist, prods, t)
        want = {"eci", "pci", "density", "coi", "cog"}
        res = _slice(mf, opts, want, f"year {t}", pol, r=r.astype(np.float64), phi=phi)
        code = long.labels[0].get_loc(t)
        out = {
            "loc": locs.repeat(p),
            "prod": prods[np.tile(np.arange(p), c)],
            "val": year.shown,
            "time": long.labels[0][np.full(c * p, code)],
            "diversity": np.repeat(div, p),
            "ubiquity": np.tile(ubi, c),
            "mcp": m.ravel(),
            "eci": np.repeat(res["eci"], p),
            "pci": np.tile(res["pci"], c),
            "density": res["density"].ravel(),
            "coi": np.repeat(res["coi"], p),
            "cog": res["cog"].ravel(),
            "rca": tested["rca"].ravel(),
        }
        if "rpop" in tested:
            out["rpop"] = tested["rpop"].ravel()
        parts.append((code, out, year))
    return _merge_back(parts, long, data, cols_input)


def proximity(
    data: pd.DataFrame,
    cols_input: dict[str, str],
    presence_test: str = "rca",
    val_errors_flag: str = "coerce",
    rca_mcp_threshold: float = 1,
    rpop_mcp_threshold: float = 1,
    pop: Any = None,
    continuous: bool = False,
    asymmetric: bool = False,
) -> pd.DataFrame:
    """``ecomplexity.proximity``: every product pair's proximity, year by year, in its columns
    (time, ``<prod>_1``, ``<prod>_2``, proximity)."""
    _options(presence_test, pop, cols_input, None)
    long = _clean(data, cols_input, val_errors_flag)
    parts = []
    for year in _years(long):
        t, locs, prods, x = year.t, year.locs, year.prods, year.x
        print(t)
        people = (
            _population(pop, cols_input["time"], t, locs)
            if presence_test in ("rpop", "both")
            else None
        )
        tested = _presence(x, presence_test, rca_mcp_threshold, rpop_mcp_threshold, people)
        if continuous:
            r = tested.get("rpop", tested["rca"]) if presence_test == "rpop" else tested["rca"]
            phi = _correlation_proximity(r.astype(np.float64))
        else:
            m = tested["mcp"].astype(np.float64)
            phi = _proximity(m, bool(asymmetric), default_policy())
        pairs = pd.MultiIndex.from_product([prods, prods], names=["prod1", "prod2"])
        parts.append(pd.DataFrame({"proximity": phi.ravel(), "time": t}, index=pairs))
    output = pd.concat(parts).reset_index()
    output = output[["time", "prod1", "prod2", "proximity"]]
    prod = cols_input["prod"]
    return output.rename(
        columns={"prod1": f"{prod}_1", "prod2": f"{prod}_2", "time": cols_input["time"]}
    )


# ---- economic-complexity (Datawheel) -----------------------------------------------------------


def _oec_rca(tbl: pd.DataFrame) -> pd.DataFrame:
    """``economic_complexity.rca``: Balassa RCA of a pivoted table (missing values as 0)."""
    x = tbl.fillna(0).to_numpy(dtype=np.float64)
    return pd.DataFrame(_rca(x, 0, 1), index=tbl.index, columns=tbl.columns)


def _oec_complexity(
    df_rca: pd.DataFrame, *, cutoff: float = 1, drop: bool = True, iterations: int = 20
) -> tuple[pd.Series, pd.Series]:
    """``economic_complexity.complexity``: (ECI, PCI) by the method of reflections."""
    rcas = df_rca.ge(cutoff).astype(int)
    kept = rcas.dropna(how="all").dropna(how="all", axis=1)
    if drop:
        rcas = kept
    m = rcas.to_numpy(dtype=np.float64)
    kc, kp = _reflections(m, iterations)
    return (
        pd.Series(_standardize(kc, 1), index=rcas.index),
        pd.Series(_standardize(kp, 1), index=rcas.columns),
    )


def _oec_proximity(
    df_rca: pd.DataFrame, *, cutoff: float = 1, procedure: str = "max"
) -> pd.DataFrame:
    """``economic_complexity.proximity``: ``C_pq / max(k_p, k_q)`` (or the geometric mean with
    ``procedure="sqrt"``), 0 on the diagonal."""
    if procedure not in ("max", "sqrt"):
        raise ValueError(f"procedure must be 'max' or 'sqrt', got {procedure!r}")
    m = df_rca.ge(cutoff).astype(int).to_numpy(dtype=np.float64)
    if procedure == "max":
        phi = _proximity(m, False, default_policy())
    else:
        pol = default_policy()
        co = pol.impl.co_occurrence(pack_rows(m.T), pol)
        k = np.diag(co)
        with np.errstate(all="ignore"):
            phi = co / np.sqrt(k[:, None] * k[None, :])
    np.fill_diagonal(phi, 0)
    return pd.DataFrame(phi, index=df_rca.columns, columns=df_rca.columns)


def _aligned(labels: pd.Index, other: pd.Index, what: str) -> None:
    """``what`` (proximities, pci) must hold every product of the RCA matrix."""
    missing = [str(v) for v in labels if v not in other]
    if missing:
        shown = ", ".join(missing[:5]) + (" ..." if len(missing) > 5 else "")
        raise ValueError(f"{what} has no entry for {len(missing)} product(s) of df_rca: {shown}")


def _oec_proximities(df_rca: pd.DataFrame, cutoff: float, given: Any) -> pd.DataFrame:
    """The proximities given (checked against df_rca's products, in its order), or computed."""
    if given is None:
        return _oec_proximity(df_rca, cutoff=cutoff)
    _aligned(df_rca.columns, given.index, "proximities")
    _aligned(df_rca.columns, given.columns, "proximities")
    return given.loc[df_rca.columns, df_rca.columns]


def _oec_relatedness(
    df_rca: pd.DataFrame, *, cutoff: float = 1, proximities: pd.DataFrame | None = None
) -> pd.DataFrame:
    """``economic_complexity.relatedness``: ``sum_q M_cq phi_qp / sum_q phi_qp``."""
    proximities = _oec_proximities(df_rca, cutoff, proximities)
    m = df_rca.ge(cutoff).astype(int).to_numpy(dtype=np.float64)
    phi = proximities.to_numpy(dtype=np.float64)
    with np.errstate(all="ignore"):
        dens = (m @ phi) / phi.sum(axis=0)[None, :]
    return pd.DataFrame(dens, index=df_rca.index, columns=proximities.columns)


def _oec_distance(
    df_rca: pd.DataFrame, *, cutoff: float = 1, proximities: pd.DataFrame | None = None
) -> pd.DataFrame:
    """``economic_complexity.distance``: 1 - relatedness."""
    return 1 - _oec_relatedness(df_rca, cutoff=cutoff, proximities=proximities)


def _oec_opportunity_gain(
    df_rca: pd.DataFrame,
    *,
    pci: pd.Series,
    cutoff: float = 1,
    proximities: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """``economic_complexity.opportunity_gain``: for each country and product,
    ``sum_q (1 - M_cq) PCI_q phi_qp / sum_q' phi_q'p - (1 - d_cp) PCI_p`` with ``d`` the
    relatedness of the products the country does not make."""
    proximities = _oec_proximities(df_rca, cutoff, proximities)
    _aligned(df_rca.columns, pci.index, "pci")
    m = df_rca.ge(cutoff).astype(int).to_numpy(dtype=np.float64)
    phi = proximities.to_numpy(dtype=np.float64)
    kp = pci.reindex(df_rca.columns).to_numpy(dtype=np.float64)
    inv = 1.0 - m
    with np.errstate(all="ignore"):
        col = phi.sum(axis=0)[None, :]
        gain = (inv * kp[None, :]) @ (phi / col) - (1.0 - (inv @ phi) / col) * kp[None, :]
    return pd.DataFrame(gain, index=df_rca.index, columns=df_rca.columns)


def _oec_pgi(
    tbl: pd.DataFrame,
    rcas: pd.DataFrame,
    gini: pd.DataFrame,
    *,
    cutoff: float = 1,
    name: str = "pgi",
) -> pd.DataFrame:
    """``economic_complexity.pgi``: the product Gini index, ``sum_c M_cp s_cp G_c /
    sum_c M_cp s_cp`` with ``s_cp`` the product's share in the country's exports, over the
    countries in both ``tbl`` and ``gini`` (sorted)."""
    tbl = tbl.dropna(how="all", axis=1).fillna(value=0)
    measure = gini.fillna(value=0)
    both = sorted(set(tbl.index) & set(measure.index))
    x = tbl.loc[both].to_numpy(dtype=np.float64)
    m = rcas.ge(cutoff).astype(int).loc[both, tbl.columns].to_numpy(dtype=np.float64)
    g = measure.loc[both].to_numpy(dtype=np.float64)[:, 0]
    with np.errstate(all="ignore"):
        ms = m * (x / x.sum(axis=1)[:, None])
        res = (ms.T @ g) / ms.sum(axis=0)
    return pd.DataFrame({name: res}, index=tbl.columns)


economic_complexity = SimpleNamespace(
    rca=_oec_rca,
    complexity=_oec_complexity,
    proximity=_oec_proximity,
    relatedness=_oec_relatedness,
    distance=_oec_distance,
    opportunity_gain=_oec_opportunity_gain,
    pgi=_oec_pgi,
)
"""The functions of the ``economic-complexity`` package of the same names (Datawheel)."""
