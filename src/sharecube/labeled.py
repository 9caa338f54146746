"""The ``.sharecube`` accessor: every computation with dimension names instead of axes.

Importing this module (``import sharecube.labeled``; :mod:`sharecube` does it for you when
xarray is already imported) registers the accessor on ``xarray.DataArray`` and
``xarray.Dataset``::

    da.sharecube.shares("country")
    da.sharecube.share_sums("country", ["EU", "ASEAN"])        # a "bloc" dimension
    da.sharecube.rca("country", "sector")
    ds.sharecube.hhi("country")                                # every variable with that dim

numpy-backed arrays go straight to the kernels as views (any dimension order, no transpose
copy); dask-backed arrays (``xr.open_zarr``, ``.chunk()``) give lazy results computed chunk by
chunk by the same kernels, with any chunking, the reduced dimensions included (see
:mod:`sharecube._dask`).
Keyword arguments (``skipna``, ``zero_total``, ``dtype``, ``backend``, ``threads``) are those
of the numpy-level functions.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from sharecube import _frontends as _f
from sharecube.blocs import as_blocs

__all__ = ["ShareCubeAccessor", "ShareCubeDatasetAccessor", "group_sums", "share_sums"]


def _dims(da: xr.DataArray, dims: Any, name: str) -> list[Hashable]:
    seq = [dims] if isinstance(dims, str) or not isinstance(dims, Sequence) else list(dims)
    if not seq:
        raise ValueError(f"{name} must name at least one dimension")
    for d in seq:
        if d not in da.dims:
            raise ValueError(f"{name}: no dimension {d!r}; dimensions are {list(da.dims)}")
    if len(set(seq)) != len(seq):
        raise ValueError(f"{name} repeats a dimension: {seq}")
    return seq


def _coords_for(da: xr.DataArray, dims: Sequence[Hashable]) -> dict[Hashable, Any]:
    keep = set(dims)
    return {k: v for k, v in da.coords.items() if set(v.dims) <= keep}


def _apply(
    da: xr.DataArray,
    func: Callable[..., Any],
    core: list[Hashable],
    out_core: list[Hashable],
    out_coords: dict[Hashable, Any],
    name: str | None,
) -> xr.DataArray:
    """``func(data, axes)`` with the ``core`` dims reduced, or replaced by ``out_core`` where
    the first of them was. ``data`` is the numpy or dask array itself (no transpose, no copy).
    """
    rest = [d for d in da.dims if d not in core]
    axes = tuple(da.get_axis_num(d) for d in core)
    data = func(da.data, axes)
    first = min(axes) if axes else len(rest)
    order = rest[:first] + out_core + rest[first:]
    coords = _coords_for(da, rest)
    coords.update(out_coords)
    return xr.DataArray(data, dims=order, coords=coords, name=name)


def _same(
    da: xr.DataArray, dims: list[Hashable], func: Callable[..., Any], name: str | None
) -> xr.DataArray:
    """An elementwise-shaped result (same dims and coords as ``da``)."""
    axes = tuple(da.get_axis_num(d) for d in dims)
    return xr.DataArray(func(da.data, axes), dims=da.dims, coords=da.coords, name=name)


def _group_spec(da: xr.DataArray, dim: Hashable, blocs: Any) -> tuple[Any, list[str]]:
    """Labels from a coordinate along ``dim``, or None (then ``blocs`` are Blocs)."""
    if isinstance(blocs, str) and blocs in da.coords and da[blocs].dims == (dim,):
        codes, uniques = pd.factorize(da[blocs].to_numpy(), use_na_sentinel=True)
        return codes, [str(u) for u in uniques]
    return None, []


def _per_bloc(fn: Callable[..., Any], what: str, doc: str) -> Callable[..., xr.DataArray]:
    """The labeled form of ``fn`` (share sums or sums of groups along an axis) for blocs."""

    def per_bloc(
        da: xr.DataArray,
        dim: Hashable,
        blocs: Any,
        *,
        time: Hashable | None = None,
        year: int | None = None,
        bloc_dim: str = "bloc",
        **kwargs: Any,
    ) -> xr.DataArray:
        return _by_bloc(fn, what, da, dim, blocs, time, year, bloc_dim, **kwargs)

    per_bloc.__name__ = per_bloc.__qualname__ = what
    per_bloc.__doc__ = doc
    return per_bloc


def _by_bloc(
    fn: Callable[..., Any],
    what: str,
    da: xr.DataArray,
    dim: Hashable,
    blocs: Any,
    time: Hashable | None,
    year: int | None,
    bloc_dim: str,
    **kwargs: Any,
) -> xr.DataArray:
    """``fn`` (share sums or sums) of each bloc along ``dim``, membership by year."""
    (dim,) = _dims(da, dim, "dim")
    if bloc_dim in da.dims:
        raise ValueError(f"bloc_dim {bloc_dim!r} is already a dimension of the data")
    labels, names = _group_spec(da, dim, blocs)
    name = f"{da.name}_{what}" if da.name is not None else None
    if labels is not None:
        return _apply(
            da,
            lambda a, ax: fn(a, groups=labels, axis=ax[0], ngroups=len(names), **kwargs),
            [dim],
            [bloc_dim],
            {bloc_dim: names},
            name,
        )
    b = as_blocs(blocs)
    countries = [str(c) for c in da[dim].to_numpy()] if dim in da.coords else None
    if countries is None:
        raise ValueError(f"dimension {dim!r} needs country labels (a coordinate) to place blocs")
    absent = b.check(countries)
    if time is None and b.time_varying and year is None and "year" in da.dims:
        time = "year"
    if b.time_varying and time is None and year is None:
        raise ValueError(
            "these blocs' membership changes over time: pass time= (the year dimension) or "
            "year= (one membership year for all the data)"
        )

    def static(part: xr.DataArray, mat: np.ndarray) -> xr.DataArray:
        return _apply(
            part,
            lambda a, ax: fn(a, groups=mat, axis=ax[0], **kwargs),
            [dim],
            [bloc_dim],
            {bloc_dim: b.names},
            name,
        )

    if time is None or not b.time_varying:
        res = static(
            da, b.membership(countries) if year is None else b.membership(countries, [year])[0]
        )
    else:
        (time,) = _dims(da, time, "time")
        if time == dim:
            raise ValueError("time and dim must be different dimensions")
        years = da[time].to_numpy() if time in da.coords else None
        if years is None:
            raise ValueError(f"time dimension {time!r} needs year labels (a coordinate)")
        mats = b.membership(countries, list(years))
        # one kernel call per run of years with the same membership: slices are views
        parts, start = [], 0
        for t in range(1, len(years) + 1):
            if t == len(years) or not np.array_equal(mats[t], mats[start]):
                parts.append(static(da.isel({time: slice(start, t)}), mats[start]))
                start = t
        res = parts[0] if len(parts) == 1 else xr.concat(parts, dim=time)
    if absent:
        res.attrs["absent_members"] = "; ".join(f"{k}: {', '.join(v)}" for k, v in absent.items())
    return res


share_sums = _per_bloc(
    _f.share_sums,
    "share_sums",
    "Each bloc's share sum along ``dim`` (see :meth:`ShareCubeAccessor.share_sums`).",
)
group_sums = _per_bloc(
    _f.group_sums,
    "group_sums",
    "Each bloc's sum along ``dim`` (see :meth:`ShareCubeAccessor.group_sums`).",
)


def _bloc_method(fn: Callable[..., xr.DataArray], doc: str) -> Callable[..., xr.DataArray]:
    def method(
        self: ShareCubeAccessor,
        dim: Hashable,
        blocs: Any,
        *,
        time: Hashable | None = None,
        year: int | None = None,
        bloc_dim: str = "bloc",
        **kwargs: Any,
    ) -> xr.DataArray:
        return fn(self._obj, dim, blocs, time=time, year=year, bloc_dim=bloc_dim, **kwargs)

    method.__name__ = method.__qualname__ = fn.__name__
    method.__doc__ = doc
    return method


class ShareCubeAccessor:
    """``DataArray.sharecube``: sharecube's functions with dimension names.

    Every method takes the numpy-level keyword arguments (``skipna``, ``zero_total``,
    ``dtype``, ``backend``, ``threads``) and returns a DataArray with coordinates.
    """

    def __init__(self, obj: xr.DataArray) -> None:
        self._obj = obj

    def _name(self, what: str) -> str | None:
        return f"{self._obj.name}_{what}" if self._obj.name is not None else what

    def shares(self, dim: Hashable | Sequence[Hashable], **kwargs: Any) -> xr.DataArray:
        """Each element's share of its total over ``dim`` (one name or several)."""
        dims = _dims(self._obj, dim, "dim")
        return _same(
            self._obj, dims, lambda a, ax: _f.shares(a, axis=ax, **kwargs), self._name("shares")
        )

    share_sums = _bloc_method(
        share_sums,
        """Each bloc's share of the total over ``dim``: a ``bloc`` dimension replaces ``dim``.

        ``blocs``: a :class:`~sharecube.blocs.Blocs`, a dict of bloc name -> member labels, a
        table, built-in bloc name(s) (``"EU"``, ``["EU", "ASEAN"]``), or the name of a
        coordinate along ``dim`` holding one group label per country (disjoint groups).
        Membership that changes over time is applied year by year along ``time`` (default
        ``"year"`` when there is such a dimension); ``year=`` fixes one membership year.
        Members absent from the data are listed in ``attrs["absent_members"]``; codes that are
        neither in the data nor ISO 3166 raise ``ValueError``.
        """,
    )
    group_sums = _bloc_method(
        group_sums,
        """Each bloc's sum over ``dim`` (a bloc's exports, say): the numerators of
        :meth:`share_sums`, with its ``blocs``, ``time`` and ``year``; no ``zero_total``.""",
    )

    def rca(
        self, country: Hashable = "country", sector: Hashable = "sector", **kwargs: Any
    ) -> xr.DataArray:
        """Balassa revealed comparative advantage; same dims as the data."""
        c, s = _dims(self._obj, [country, sector], "country/sector")
        da = self._obj
        return _same(
            da,
            [c, s],
            lambda a, ax: _f.rca(a, country_axis=ax[0], sector_axis=ax[1], **kwargs),
            self._name("rca"),
        )

    def _reduce(
        self, fn: Callable[..., Any], what: str, dim: Hashable, **kwargs: Any
    ) -> xr.DataArray:
        dims = _dims(self._obj, dim, "dim")
        return _apply(
            self._obj, lambda a, ax: fn(a, axis=ax[0], **kwargs), dims, [], {}, self._name(what)
        )

    def hhi(self, dim: Hashable = "country", **kwargs: Any) -> xr.DataArray:
        """Herfindahl-Hirschman concentration over ``dim`` (which is removed)."""
        return self._reduce(_f.hhi, "hhi", dim, **kwargs)

    def entropy(self, dim: Hashable = "country", **kwargs: Any) -> xr.DataArray:
        """Shannon entropy of the shares over ``dim`` (which is removed)."""
        return self._reduce(_f.entropy, "entropy", dim, **kwargs)

    def share_change(
        self, dim: Hashable = "country", time: Hashable = "year", *, lag: int = 1, **kwargs: Any
    ) -> xr.DataArray:
        """Change of each share over ``lag`` steps of ``time``; the first ``lag`` are NaN."""
        d, t = _dims(self._obj, [dim, time], "dim/time")
        return _same(
            self._obj,
            [d, t],
            lambda a, ax: _f.share_change(a, axis=ax[0], time_axis=ax[1], lag=lag, **kwargs),
            self._name("share_change"),
        )

    def similarity(
        self,
        country: Hashable = "country",
        sector: Hashable = "sector",
        *,
        partner_dim: str = "partner",
        **kwargs: Any,
    ) -> xr.DataArray:
        """Finger-Kreinin similarity of sector mixes: dims (country, partner, rest...)."""
        c, s = _dims(self._obj, [country, sector], "country/sector")
        da = self._obj
        if partner_dim in da.dims:
            raise ValueError(f"partner_dim {partner_dim!r} is already a dimension of the data")
        ca, sa = da.get_axis_num(c), da.get_axis_num(s)
        data = _f.similarity(da.data, country_axis=ca, sector_axis=sa, **kwargs)
        rest = [x for x in da.dims if x not in (c, s)]
        coords = _coords_for(da, rest)
        if c in da.coords:
            coords[c] = da[c].to_numpy()
            coords[partner_dim] = da[c].to_numpy()
        return xr.DataArray(
            data, dims=[c, partner_dim, *rest], coords=coords, name=self._name("similarity")
        )


class ShareCubeDatasetAccessor:
    """``Dataset.sharecube``: each method applied to every variable that has the dims."""

    def __init__(self, obj: xr.Dataset) -> None:
        self._obj = obj

    def _map(self, method: str, needs: list[Hashable], *args: Any, **kwargs: Any) -> xr.Dataset:
        out = {}
        for k, v in self._obj.data_vars.items():
            if all(d in v.dims for d in needs):
                out[k] = getattr(v.sharecube, method)(*args, **kwargs).rename(k)
        if not out:
            raise ValueError(f"no variable of the Dataset has the dimension(s) {needs}")
        return xr.Dataset(out)

    def shares(self, dim: Hashable | Sequence[Hashable], **kw: Any) -> xr.Dataset:
        dims: list[Hashable] = [dim] if isinstance(dim, str) else list(dim)  # type: ignore[call-overload]
        return self._map("shares", dims, dim, **kw)

    def share_sums(self, dim: Hashable, blocs: Any, **kw: Any) -> xr.Dataset:
        return self._map("share_sums", [dim], dim, blocs, **kw)

    def group_sums(self, dim: Hashable, blocs: Any, **kw: Any) -> xr.Dataset:
        return self._map("group_sums", [dim], dim, blocs, **kw)

    def similarity(
        self, country: Hashable = "country", sector: Hashable = "sector", **kw: Any
    ) -> xr.Dataset:
        return self._map("similarity", [country, sector], country, sector, **kw)

    def rca(
        self, country: Hashable = "country", sector: Hashable = "sector", **kw: Any
    ) -> xr.Dataset:
        return self._map("rca", [country, sector], country, sector, **kw)

    def hhi(self, dim: Hashable = "country", **kw: Any) -> xr.Dataset:
        return self._map("hhi", [dim], dim, **kw)

    def entropy(self, dim: Hashable = "country", **kw: Any) -> xr.Dataset:
        return self._map("entropy", [dim], dim, **kw)

    def share_change(
        self, dim: Hashable = "country", time: Hashable = "year", **kw: Any
    ) -> xr.Dataset:
        return self._map("share_change", [dim, time], dim, time, **kw)


def _register() -> None:
    import warnings

    with warnings.catch_warnings():
        # re-registering (importlib.reload) warns; the accessor is the same class
        warnings.simplefilter("ignore")
        xr.register_dataarray_accessor("sharecube")(ShareCubeAccessor)
        xr.register_dataset_accessor("sharecube")(ShareCubeDatasetAccessor)


_register()
