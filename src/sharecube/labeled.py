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

import inspect
import re
import warnings
from collections.abc import Callable, Hashable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from sharecube import _frontends as _f
from sharecube._declare import Declaration
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
        out = _apply(
            part,
            lambda a, ax: fn(a, groups=mat, axis=ax[0], **kwargs),
            [dim],
            [bloc_dim],
            {bloc_dim: b.names},
            name,
        )
        # a bloc with no member in the data in these years (before it existed, say) has no
        # share and no sum: missing, not 0
        exists = xr.DataArray(np.asarray(mat).any(axis=0), dims=[bloc_dim])
        return out if bool(exists.all()) else out.where(exists)

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
_PER_BLOC = {"share_sums": share_sums, "group_sums": group_sums}

_BLOC_DOC = """
        ``blocs``: a :class:`~sharecube.blocs.Blocs`, a dict of bloc name -> member labels, a
        table, built-in bloc name(s) (``"EU"``, ``["EU", "ASEAN"]``), or the name of a
        coordinate along ``dim`` holding one group label per country (disjoint groups).
        Membership that changes over time is applied year by year along ``time`` (default
        ``"year"`` when there is such a dimension); ``year=`` fixes one membership year.
        Members absent from the data are listed in ``attrs["absent_members"]``; codes that are
        neither in the data nor ISO 3166 raise ``ValueError``.
"""

_P = inspect.Parameter


def _signature(decl: Declaration) -> inspect.Signature:
    """The accessor method's signature: its dimension names (with their defaults), then the
    extras of its kind, then ``**kwargs`` (the numpy-level keyword arguments)."""
    params = [_P("self", _P.POSITIONAL_OR_KEYWORD)]
    params += [
        _P(n, _P.POSITIONAL_OR_KEYWORD, default=_P.empty if v is None else v) for n, v in decl.dims
    ]
    if decl.result == "group":
        params.append(_P("blocs", _P.POSITIONAL_OR_KEYWORD))
        params += [_P(n, _P.KEYWORD_ONLY, default=v) for n, v in _BLOC_EXTRAS]
    if decl.result == "pairs":
        params.append(_P("partner_dim", _P.KEYWORD_ONLY, default="partner"))
    return inspect.Signature([*params, _P("kwargs", _P.VAR_KEYWORD)])


_BLOC_EXTRAS = (("time", None), ("year", None), ("bloc_dim", "bloc"))


def _bind(
    sig: inspect.Signature, obj: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A method call's arguments by name (defaults applied, ``self`` left out) and the keyword
    arguments it passes on."""
    bound = sig.bind(obj, *args, **kwargs)
    bound.apply_defaults()
    a = dict(bound.arguments)
    del a["self"]
    return a, a.pop("kwargs")


def _summary(decl: Declaration) -> str:
    return (decl.func.__doc__ or "").strip().splitlines()[0]


def _dataarray_method(decl: Declaration) -> Callable[..., xr.DataArray]:
    sig = _signature(decl)
    names = [n for n, _ in decl.dims]

    def method(self: ShareCubeAccessor, *args: Any, **kwargs: Any) -> xr.DataArray:
        a, kw = _bind(sig, self, args, kwargs)
        return _labeled(decl, self._obj, [a[n] for n in names], a, kw)

    method.__signature__ = sig  # type: ignore[attr-defined]
    method.__name__ = method.__qualname__ = decl.name
    what = ", ".join(f"``{n}``" for n in names)
    method.__doc__ = (
        f"{_summary(decl)}\n\n        With dimension names ({what}) for the axes of "
        f":func:`sharecube.{decl.name}`, whose keyword arguments it takes.\n"
        + (_BLOC_DOC if decl.result == "group" else "")
    )
    return method


def _named_slice(message: str, da: xr.DataArray, rest: list[Hashable]) -> str:
    """``slice r: ...`` (r counting the slices of the other dims in order) with their labels:
    ``year=2003: ...``."""
    found = re.match(r"slice (\d+): (.*)", message, re.DOTALL)
    if found is None or not rest:
        return message
    at = np.unravel_index(int(found[1]), [da.sizes[dim] for dim in rest])
    where = ", ".join(
        f"{dim}={da[dim].values[i] if dim in da.coords else i}"
        for dim, i in zip(rest, at, strict=True)
    )
    return f"{where}: {found[2]}"


def _labeled(
    decl: Declaration, da: xr.DataArray, dims: list[Any], a: dict[str, Any], kw: dict[str, Any]
) -> xr.DataArray:
    """The function of ``decl`` on DataArray ``da`` with dimension names ``dims``."""
    fn = decl.func
    name = f"{da.name}_{decl.name}" if da.name is not None else decl.name
    label = "/".join(n for n, _ in decl.dims)
    if decl.result == "group":
        extras = {n: a[n] for n, _ in _BLOC_EXTRAS}
        return _PER_BLOC[decl.name](da, dims[0], a["blocs"], **extras, **kw)
    ds = _dims(da, dims[0] if decl.many else dims, label)

    def call(data: Any, ax: tuple[int, ...]) -> Any:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            res = fn(data, **decl.role_args(ax), **kw)
        rest = [dim for dim in da.dims if dim not in ds]
        for w in caught:  # "slice r: ..." from a function that runs slice by slice, named
            warnings.warn(_named_slice(str(w.message), da, rest), w.category, stacklevel=5)
        return res

    if decl.result == "same":
        return _same(da, ds, call, name)
    if decl.result == "reduce":
        gone = [dim for dim, r in zip(ds, decl.roles, strict=True) if r not in decl.keeps]
        axes = tuple(da.get_axis_num(dim) for dim in ds)
        kept = [dim for dim in da.dims if dim not in gone]
        coords = _coords_for(da, kept)
        return xr.DataArray(call(da.data, axes), dims=kept, coords=coords, name=name)
    partner = a["partner_dim"]
    if partner in da.dims:
        raise ValueError(f"partner_dim {partner!r} is already a dimension of the data")
    c = ds[decl.pair]
    data = call(da.data, tuple(da.get_axis_num(x) for x in ds))
    rest = [x for x in da.dims if x not in ds]
    coords = _coords_for(da, rest)
    if c in da.coords:
        coords[c] = da[c].to_numpy()
        coords[partner] = da[c].to_numpy()
    return xr.DataArray(data, dims=[c, partner, *rest], coords=coords, name=name)


def _dataset_method(decl: Declaration) -> Callable[..., xr.Dataset]:
    sig = _signature(decl)
    names = [n for n, _ in decl.dims]

    def method(self: ShareCubeDatasetAccessor, *args: Any, **kwargs: Any) -> xr.Dataset:
        a, kw = _bind(sig, self, args, kwargs)
        needs: list[Hashable] = []
        for n in names:
            v = a[n]
            needs += [v] if isinstance(v, str) or not isinstance(v, Sequence) else list(v)
        return self._map(decl.name, needs, **a, **kw)

    method.__signature__ = sig  # type: ignore[attr-defined]
    method.__name__ = method.__qualname__ = decl.name
    method.__doc__ = f"{_summary(decl)}\n\n        For every variable that has the dimensions."
    return method


class ShareCubeAccessor:
    """``DataArray.sharecube``: sharecube's functions with dimension names.

    Every method takes the numpy-level keyword arguments (``skipna``, ``zero_total``,
    ``dtype``, ``backend``, ``threads``) and returns a DataArray with coordinates.
    """

    def __init__(self, obj: xr.DataArray) -> None:
        self._obj = obj

    def __getattr__(self, name: str) -> Any:
        return _late(self, name, _dataarray_method)


class ShareCubeDatasetAccessor:
    """``Dataset.sharecube``: each method applied to every variable that has the dims."""

    def __init__(self, obj: xr.Dataset) -> None:
        self._obj = obj

    def __getattr__(self, name: str) -> Any:
        return _late(self, name, _dataset_method)

    def _map(self, method: str, needs: list[Hashable], **kwargs: Any) -> xr.Dataset:
        out = {}
        for k, v in self._obj.data_vars.items():
            if all(d in v.dims for d in needs):
                out[k] = getattr(v.sharecube, method)(**kwargs).rename(k)
        if not out:
            raise ValueError(f"no variable of the Dataset has the dimension(s) {needs}")
        return xr.Dataset(out)


def _late(accessor: Any, name: str, make: Callable[[Declaration], Any]) -> Any:
    """The method of a function declared after this module was imported (installed on the
    class then, like the others)."""
    decl = _f.DECLARATIONS.get(name)
    if decl is None or name.startswith("_"):
        raise AttributeError(f"{type(accessor).__name__!r} object has no attribute {name!r}")
    setattr(type(accessor), name, make(decl))
    return getattr(accessor, name)


# the methods, one of each kind per declared function
for _decl in _f.DECLARATIONS.values():
    setattr(ShareCubeAccessor, _decl.name, _dataarray_method(_decl))
    setattr(ShareCubeDatasetAccessor, _decl.name, _dataset_method(_decl))


def _register() -> None:
    import warnings

    with warnings.catch_warnings():
        # re-registering (importlib.reload) warns; the accessor is the same class
        warnings.simplefilter("ignore")
        xr.register_dataarray_accessor("sharecube")(ShareCubeAccessor)
        xr.register_dataset_accessor("sharecube")(ShareCubeDatasetAccessor)


_register()
