"""Drop-ins for the economic complexity packages economists use: swap one import, get the same
numbers from sharecube's kernels.

- ``from ecomplexity import ecomplexity, proximity`` (py-ecomplexity, Harvard Growth Lab) ->
  ``from sharecube.compat import ecomplexity, proximity``: the same arguments, the same
  columns in the same layout.
- ``import economic_complexity as ec`` (Datawheel, the OEC's) ->
  ``from sharecube.compat import economic_complexity as ec``: ``ec.rca``, ``ec.complexity``,
  ``ec.proximity``, ``ec.relatedness``, ``ec.distance``, ``ec.opportunity_gain`` and ``ec.pgi``
  on pivoted DataFrames.

What they do not (yet) offer says so in a one-line error naming the argument: ``ecomplexity``'s
``presence_test="rpop"``/``"both"``, ``continuous=True``, ``proximity_edgelist`` and ``knn``.
``ecomplexity``'s log-supermodularity check (a printed percentage) is not run. Conventions are
those of :mod:`sharecube.complexity`; where a year has a country with zero diversity or a product
with zero ubiquity, ``ecomplexity`` makes every ECI of the year NaN, these give NaN only to those.
"""

from __future__ import annotations

import warnings
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd

from sharecube._contracts import pack_rows
from sharecube.complexity import _proximity, _reflections, _slice, _standardize, default_policy
from sharecube.indicators import rca as _rca

__all__ = ["ecomplexity", "economic_complexity", "proximity"]

_KEYS = ("time", "loc", "prod", "val")


def _clean(data: Any, cols_input: Any, val_errors_flag: str) -> pd.DataFrame:
    """``data`` with the columns time, loc, prod, val; values numeric (NaN -> 0, warned), the
    first of duplicated rows kept (warned), as ``ecomplexity`` cleans them."""
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
    frame = data.rename(columns={v: k for k, v in cols_input.items()})[list(_KEYS)]
    frame = frame.assign(val=pd.to_numeric(frame["val"], errors=val_errors_flag))
    frame = frame.set_index(["time", "loc", "prod"])
    if frame["val"].isna().any():
        warnings.warn("NaN value(s) present, coercing to zero(es)", stacklevel=3)
        frame["val"] = frame["val"].fillna(0)
    dups = frame.index.duplicated()
    if dups.any():
        warnings.warn("Duplicate values exist, keeping the first occurrence", stacklevel=3)
        frame = frame[~dups]
    return frame


def _year(frame: pd.DataFrame, t: Any) -> pd.DataFrame:
    """Year ``t`` as a full (loc, prod) grid, locations and products with a zero total left
    out (``ecomplexity``'s ``create_full_df``)."""
    data_t = frame.loc[t].copy()
    by_loc = data_t.groupby(level="loc")["val"].sum()
    by_prod = data_t.groupby(level="prod")["val"].sum()
    locs = by_loc.index[by_loc != 0]
    prods = by_prod.index[by_prod != 0]
    data_t = data_t.reset_index()
    data_t = data_t[data_t["loc"].isin(locs) & data_t["prod"].isin(prods)]
    full = pd.MultiIndex.from_product(
        [locs.sort_values(), prods.sort_values()], names=["loc", "prod"]
    )
    return data_t.set_index(["loc", "prod"]).reindex(full, fill_value=0)


def _presence(x: np.ndarray, presence_test: str, threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """(rca, mcp) of one year as ``ecomplexity`` gives them."""
    if presence_test == "manual":
        return x, x
    r = _rca(x, 0, 1, dtype=np.float64)
    return r, np.where(np.nan_to_num(r) >= threshold, 1, 0)


def _unsupported(**given: Any) -> None:
    for name, (value, ok) in given.items():
        if not ok:
            raise NotImplementedError(
                f"{name}={value!r} is not supported by sharecube.compat yet (use ecomplexity)"
            )


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
    coi, cog and rca added, year by year (see the module's notes for what differs)."""
    _unsupported(
        presence_test=(presence_test, presence_test in ("rca", "manual")),
        continuous=(continuous, not continuous),
        proximity_edgelist=(proximity_edgelist, proximity_edgelist is None),
        knn=(knn, knn is None),
    )
    frame = _clean(data, cols_input, val_errors_flag)
    opts = {"method": "eigenvector", "iterations": 20, "asymmetric": bool(asymmetric)}
    pol = default_policy()
    parts = []
    for t in frame.index.unique("time"):
        if verbose:
            print(t)
        data_t = _year(frame, t)
        c, p = (len(level) for level in data_t.index.levels)
        x = data_t["val"].to_numpy(dtype=np.float64).reshape(c, p)
        if presence_test == "manual" and not np.isin(x, (0.0, 1.0)).all():
            raise ValueError(f"year {t}: presence_test='manual' needs val to hold only 0 and 1")
        r, m = _presence(x, presence_test, rca_mcp_threshold)
        mf = m.astype(np.float64)
        div, ubi = mf.sum(axis=1), mf.sum(axis=0)
        if (div == 0).any() or (ubi == 0).any():
            warnings.warn(
                f"Year {t}: Diversity or ubiquity is 0, so ECI and PCI will be nan", stacklevel=2
            )
        res = _slice(mf, opts, {"eci", "pci", "density", "coi", "cog"}, f"year {t}", pol)
        out = data_t.reset_index()
        out["time"] = t
        out = out.assign(
            diversity=np.repeat(div, p),
            ubiquity=np.tile(ubi, c),
            mcp=m.ravel(),
            eci=np.repeat(res["eci"], p),
            pci=np.tile(res["pci"], c),
            density=res["density"].ravel(),
            coi=np.repeat(res["coi"], p),
            cog=res["cog"].ravel(),
            rca=r.ravel(),
        )
        parts.append(out)
    output = pd.concat(parts).rename(columns=cols_input)
    return output.merge(data, how="outer", on=list(cols_input.values()))


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
    _unsupported(
        presence_test=(presence_test, presence_test in ("rca", "manual")),
        continuous=(continuous, not continuous),
    )
    frame = _clean(data, cols_input, val_errors_flag)
    parts = []
    for t in frame.index.unique("time"):
        print(t)
        data_t = _year(frame, t)
        locs, prods = data_t.index.levels
        x = data_t["val"].to_numpy(dtype=np.float64).reshape(len(locs), len(prods))
        m = _presence(x, presence_test, rca_mcp_threshold)[1].astype(np.float64)
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
