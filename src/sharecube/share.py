"""Shares of the world and bloc share sums: the two core computations."""

from __future__ import annotations

import math
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from sharecube import _dispatch as d
from sharecube import _extreme
from sharecube._arith import divide
from sharecube._contracts import Axis, Groups, Options, Policy, SumOptions
from sharecube._declare import Grouped, Totals, declare

if TYPE_CHECKING:
    from typing_extensions import Unpack

_ACCURACY = """
    Notes
    -----
    Accuracy: every total and group sum is accumulated in float64 with compensated (TwoSum)
    summation in the cpp and numba backends, so on finite data spanning many orders of
    magnitude it is within an ulp or two of the exactly rounded sum (``math.fsum``), and every
    share is ``value / total`` rounded once (IEEE division). float32 results from float32 data
    are summed in plain float64 instead: its error, at most n * 2**-53 of the sum of
    magnitudes, is far below float32's resolution, so the shares are the exact quotient
    rounded to float32 (to within an ulp where a quotient lies next to a rounding tie). The
    numpy backend is the reference definition and uses numpy's own (pairwise) sums.
"""


def _fast(
    x: Any,
    axis: Any,
    skipna: Any,
    zero_total: Any,
    dtype: Any,
    out: Any,
    backend: Any,
    threads: Any,
) -> NDArray[Any] | None:
    """The common call on a small array is bound by Python overhead: the checks of the general
    path, inlined, and the C++ kernel called directly; None for any other call."""
    if (
        dtype is None
        and threads is None
        and skipna is True
        and (backend is None or (type(backend) is str and backend == "cpp"))
        and type(zero_total) is str
        and zero_total == "nan"
    ):
        # shares(x, axis[, out]): the arrays' checks, a new result and the kernel in one C++ call
        core = d.fast_core() if backend is None else d.cpp_core()
        if core is not None:
            r = core.shares_new(x, axis, out, 0)
            if r is not None:
                return r
    if _plain(x, axis, skipna, zero_total, dtype, backend, threads):
        # the same with threads= given
        core = d.fast_core() if backend is None else d.cpp_core()
        if core is not None:
            r = core.shares_new(x, axis, out, min(threads or 0, d.available_cores()))
            if r is not None:
                return r
        return _fast_shares(x, axis, out, backend, threads)
    if backend == "numba" and _plain(x, axis, skipna, zero_total, dtype, None, threads):
        return _fast_numba(x, axis, out, threads)
    return None


def _fast_numba(x: NDArray[Any], axis: int, out: Any, threads: int | None) -> NDArray[Any] | None:
    """shares(x, axis, out=out, backend="numba") for a C-contiguous float array and default
    policies, or None to take the general path (any other case, numba missing, a total that
    was not finite: the general path computes it again, scaled)."""
    ndim = x.ndim
    if x.dtype not in _FAST_DTYPES or not x.flags.c_contiguous or not -ndim <= axis < ndim:
        return None
    numba_backend = d.numba_module()
    if x.size == 0 or numba_backend is None:
        return None
    out = _out_for(out, x, x.shape, contiguous=True)
    if out is None:
        return None
    nthreads = min(threads or 0, d.available_cores())
    if numba_backend.shares_along(x, axis % ndim, out, nthreads):  # type: ignore[attr-defined]
        return None
    return out


def _plain(
    x: Any, axis: Any, skipna: Any, zero_total: Any, dtype: Any, backend: Any, threads: Any
) -> bool:
    """The calls the shortcuts take: an ndarray, one int axis, the default policies and the
    C++ backend (or the default one)."""
    return (
        type(x) is np.ndarray
        and type(axis) is int
        and dtype is None
        and (backend is None or backend == "cpp")
        and (threads is None or (type(threads) is int and threads > 0))
        and skipna is True
        and type(zero_total) is str
        and zero_total == "nan"
    )


def _shares(
    arr: NDArray[Any], pol: Policy, axes: tuple[int, ...], opts: dict[str, Any], out: Any
) -> NDArray[Any]:
    target, result = d.prepare_out(out, arr.shape, pol.dtype, arr, inplace_ok=True)
    _shares_into(arr, target, axes, pol)
    return result()


def _divide_block(
    xb: NDArray[Any], tb: NDArray[np.float64], *, axes: Any, opts: Any, policy: Policy
) -> NDArray[np.float64]:
    """Shares of a block from its totals."""
    return divide(xb, tb, policy.fill, policy.skipna)


@declare(
    roles=("axis",),
    many=True,
    dims=(("dim", None),),
    result="same",
    compute=_shares,
    fast=_fast,
    split=Totals(over=(("axis",),), finish=_divide_block),
)
def shares(x: ArrayLike, axis: Axis = 0, **options: Unpack[Options]) -> NDArray[np.floating[Any]]:
    """Each element's share of its slice total: ``x / sum(x, axis)``.

    For a country x sector x year cube and ``axis=0`` this is every country's share of the
    world in each sector and year: ``s[i, k, t] = x[i, k, t] / sum_j x[j, k, t]``.

    Parameters
    ----------
    x : array_like
        float64, float32, integer or bool data of any shape and memory layout (C, Fortran,
        strided, transposed, read-only, either byte order), read without copying.
    axis : int, tuple of ints or None
        The axis (or axes) summed for the total; None sums over all axes. Negative values count
        from the end.
    skipna : bool
        True: NaN is missing data, left out of every total; its own share is NaN.
        False: a NaN anywhere in a slice makes the whole slice NaN.
    zero_total : {"nan", "zero"}
        The share where a slice total is 0 (an empty slice too). No warning is raised.
        Negative values are allowed; infinities follow IEEE arithmetic.
    dtype : float32 or float64, optional
        The result's dtype. Default: float32 for float32 input, else float64 (or ``out``'s).
    out : ndarray, optional
        Where to write the result, of x's shape and the result dtype; may be ``x`` itself.
    backend : {"cpp", "numba", "numpy"}, optional
        Default: ``$SHARECUBE_BACKEND`` (read once per process), else the fastest available
        (see ``backends()``).
    threads : int, optional
        Cap on the threads used; default every core this process may run on. The result is
        bit-for-bit the same for any number of threads.

    Returns
    -------
    ndarray of x's shape.
    {accuracy}
    Examples
    --------
    >>> import sharecube as sc
    >>> sc.shares([[1.0, 2.0], [3.0, 6.0]], axis=0)
    array([[0.25, 0.25],
           [0.75, 0.75]])
    """


def _shares_into(
    arr: NDArray[Any],
    target: NDArray[Any],
    axes: tuple[int, ...],
    pol: Policy,
    flagged: bool | None = None,
) -> None:
    """The backend's shares, with the slices whose total overflowed computed again scaled.

    ``flagged``: the kernel has run already and returned this (the per-call fast path, which
    never writes in place)."""
    inplace = np.may_share_memory(arr, target)
    found = None
    if flagged is None:
        # in place, the kernel overwrites the data: slices that could overflow are copied first
        if inplace and _extreme.is_float64(arr):
            found = _extreme.scaled_slices(arr, axes, pol.skipna)
        flagged = pol.impl.shares(arr, target, axes, pol)
    if not flagged or not _extreme.is_float64(arr):
        return
    if found is None and not inplace:
        found = _extreme.scaled_slices(arr, axes, pol.skipna)
    if found is None:
        return
    mask, sub, _ = found
    res = np.empty(sub.shape, dtype=target.dtype)
    pol.impl.shares(sub, res, tuple(range(1, sub.ndim)), pol)
    _extreme.put(target, axes, mask, res)


_FAST_DTYPES = {
    np.dtype(np.float64): np.dtype(np.float64),
    np.dtype(np.float32): np.dtype(np.float32),
}
_NAN = float("nan")
_F64 = np.dtype(np.float64)


def _may_overlap(a: NDArray[Any], b: NDArray[Any]) -> bool:
    # Two arrays that each own their memory cannot overlap; only views need the bounds check.
    if a.base is None and b.base is None:
        return False
    return bool(np.may_share_memory(a, b))


def _out_for(
    out: Any, x: NDArray[Any], shape: tuple[int, ...], contiguous: bool = False
) -> NDArray[Any] | None:
    """The array a shortcut writes to: a new one, or ``out`` where it is a plain match (x's
    dtype, ``shape``, writeable, aligned, C-contiguous with ``contiguous``, no zero stride,
    neither x itself nor overlapping it); None leaves the call to the general path, which
    checks ``out`` and handles in place (an overflow's rescue needs x as it was)."""
    if out is None:
        return np.empty(shape, dtype=x.dtype)
    if (
        type(out) is np.ndarray
        and out.shape == shape
        and out.dtype == x.dtype
        and out.flags.writeable
        and out.flags.aligned
        and (out.flags.c_contiguous or not contiguous)
        and out is not x
        and 0 not in out.strides
        and not _may_overlap(out, x)
    ):
        return out
    return None


def _fast_shares(
    x: NDArray[Any], axis: int, out: Any, backend: str | None, threads: int | None
) -> NDArray[Any] | None:
    """shares(x, axis, out=out) for an aligned float ndarray with the C++ backend and default
    policies, or None to take the general path (any other case, an ``out`` that is not a plain
    match for x, or that overlaps x other than as x itself)."""
    if x.dtype not in _FAST_DTYPES:
        return None
    ndim = x.ndim
    if not x.flags.aligned or not -ndim <= axis < ndim:
        return None
    core = d.fast_core() if backend is None else d.cpp_core()
    if core is None:
        return None
    out = _out_for(out, x, x.shape)
    if out is None:
        return None
    nthreads = min(threads or 0, d.available_cores())
    if core.shares(x, out, 1 << (axis % ndim), True, _NAN, nthreads) and x.dtype == _F64:
        cpp = d.resolve_backend("cpp")
        pol = Policy(True, "nan", _NAN, x.dtype, nthreads, cpp, backend)
        _shares_into(x, out, (axis % ndim,), pol, flagged=True)
    return out


def _grouped(
    arr: NDArray[Any],
    pol: Policy,
    axes: tuple[int, ...],
    opts: dict[str, Any],
    out: Any,
    *,
    raw: bool,
) -> NDArray[np.floating[Any]]:
    groups, ngroups = opts["groups"], opts["ngroups"]
    spec: Groups | None = None
    if groups is None:
        shape = d.removed_shape(arr.shape, axes)
    else:
        spec = d.normalize_groups(groups, arr.shape[axes[0]], ngroups, axes[0])
        shape = d.grouped_shape(arr.shape, axes[0], spec.count)
    d.check_result_size(shape, pol.dtype, "ngroups" if ngroups is not None else "groups")
    target, result = d.prepare_out(out, shape, pol.dtype, arr, inplace_ok=False)
    if spec is not None and spec.count > _COMPACT_ABOVE:
        _sparse_groups(arr, target, axes[0], spec, pol, raw)
    else:
        _group_sums_into(arr, target, axes, spec, pol, raw)
    return result()


def _fast_groups(
    x: Any,
    groups: Any,
    axis: Any,
    ngroups: Any,
    skipna: Any,
    zero_total: Any,
    dtype: Any,
    out: Any,
    backend: Any,
    threads: Any,
) -> NDArray[Any] | None:
    """share_sums(x, groups, axis) of a float ndarray by a labels array or membership matrix
    with the C++ backend and default policies: the general path's checks, inlined, and the
    kernel called directly (a small call is bound by Python overhead); None for any other
    call, and where a sum overflowed (the general path computes it again, scaled, into
    ``out`` too)."""
    if not (
        _plain(x, axis, skipna, zero_total, dtype, backend, threads)
        and type(groups) is np.ndarray
        and ngroups is None
        and x.dtype in _FAST_DTYPES
        and x.flags.aligned
        and -x.ndim <= axis < x.ndim
    ):
        return None
    core = d.fast_core() if backend is None else d.cpp_core()
    if core is None:
        return None
    ax = axis % x.ndim
    spec = d.normalize_groups(groups, x.shape[ax], None, ax)  # reused for the same groups
    if not 0 < spec.count <= _COMPACT_ABOVE:
        return None
    shape = d.grouped_shape(x.shape, ax, spec.count)
    if math.prod(shape) * x.dtype.itemsize >= d.CHECK_ABOVE:
        return None  # large: the general path checks it against the memory
    res = _out_for(out, x, shape)
    if res is None:
        return None
    cptr, cidx = spec.by_group
    nthreads = min(threads or 0, d.available_cores())
    g = spec.count
    if core.share_sums(
        x, res, 0, ax, spec.ptr, spec.idx, cptr, cidx, g, True, _NAN, nthreads, False
    ):
        return None
    return res


def _grouped_declaration(raw: bool, fast: Any = None) -> Any:
    """The declaration of :func:`share_sums` (``raw``: :func:`group_sums`)."""
    return declare(
        roles=("axis",),
        many=True,
        dims=(("dim", None),),
        result="group",
        compute=partial(_grouped, raw=raw),
        fast=fast,
        split=Grouped(raw=raw),
    )


# The kernels keep a few KB of sums per group and thread: many groups without members (a
# large ``ngroups``) are left out of the kernel call, so that its scratch follows the members.
_COMPACT_ABOVE = 64


def _sparse_groups(
    arr: NDArray[Any], target: NDArray[Any], ax: int, spec: Groups, pol: Policy, raw: bool
) -> None:
    used = np.unique(spec.idx)
    if spec.count <= 2 * (len(used) + 1):
        _group_sums_into(arr, target, (ax,), spec, pol, raw)
        return
    # the groups with members, then one empty group standing for all the others
    where = np.full(spec.count, len(used), dtype=np.int64)
    where[used] = np.arange(len(used))
    small = Groups(spec.ptr, where[spec.idx], len(used) + 1)
    part = np.empty(d.grouped_shape(arr.shape, ax, small.count), dtype=target.dtype)
    _group_sums_into(arr, part, (ax,), small, pol, raw)
    np.take(part, where, axis=ax, out=target)


def _group_sums_into(
    arr: NDArray[Any],
    target: NDArray[Any],
    axes: tuple[int, ...],
    spec: Groups | None,
    pol: Policy,
    raw: bool,
) -> None:
    """The backend's group sums, with the slices whose sums overflowed computed again scaled."""
    impl = pol.impl
    if not impl.share_sums(arr, target, axes, spec, pol, raw):
        return
    if not _extreme.is_float64(arr):
        return
    found = _extreme.scaled_slices(arr, axes, pol.skipna)
    if found is None:
        return
    mask, sub, e = found
    red = tuple(range(1, sub.ndim))
    if spec is None:
        res = np.empty(len(sub), dtype=np.float64)
        impl.share_sums(sub, res, red, None, pol, raw)
        _extreme.put(target, (), mask, _extreme.unscale(res, e) if raw else res)
        return
    res = np.empty((len(sub), spec.count), dtype=np.float64)
    impl.share_sums(sub, res, red, spec, pol, raw)
    _extreme.put(target, axes, mask, _extreme.unscale(res, e) if raw else res)


@_grouped_declaration(raw=False, fast=_fast_groups)
def share_sums(
    x: ArrayLike,
    groups: ArrayLike | None = None,
    axis: Axis = 0,
    *,
    ngroups: int | None = None,
    **options: Unpack[Options],
) -> NDArray[np.floating[Any]]:
    """Each group's (bloc's) share of the slice total: ``sum_{i in k} x_i / sum_i x_i``.

    The total over the whole axis and every group's sum come from one pass over ``x``.

    Parameters
    ----------
    x : array_like
        As in :func:`shares`.
    groups : array_like, optional
        - None: the sum of all shares along ``axis`` (1 wherever the total is non-zero and
          finite); ``axis`` (an int, a tuple or None) is removed.
        - 1-D integer labels, one per position along ``axis``: group ``k`` holds the positions
          labelled ``k``; ``-1`` puts a position in no group (it still counts in the total).
        - 2-D boolean membership matrix of shape ``(n, G)``: overlapping blocs (a country in the
          EU, the OECD and the G20 at once).
        With groups, ``axis`` is one int, replaced in place by a group axis of length G.
    ngroups : int, optional
        Number of groups for labels (default: largest label + 1).
    skipna, zero_total, dtype, out, backend, threads
        As in :func:`shares`. A group with no members has share 0.

    Returns
    -------
    ndarray: x's shape with ``axis`` replaced by the group axis (or removed).
    {accuracy}
    Examples
    --------
    >>> import numpy as np, sharecube as sc
    >>> x = np.array([[1.0, 2.0], [3.0, 6.0], [4.0, 2.0]])   # 3 countries x 2 sectors
    >>> sc.share_sums(x, groups=[0, 0, -1], axis=0)              # bloc 0: countries 0 and 1
    array([[0.5, 0.8]])
    >>> sc.share_sums(x, groups=np.array([[1, 0], [1, 1], [0, 1]], dtype=bool))
    array([[0.5  , 0.8  ],
           [0.875, 0.8  ]])
    """


@_grouped_declaration(raw=True)
def group_sums(
    x: ArrayLike,
    groups: ArrayLike | None = None,
    axis: Axis = 0,
    *,
    ngroups: int | None = None,
    **options: Unpack[SumOptions],
) -> NDArray[np.floating[Any]]:
    """Each group's (bloc's) sum along ``axis``: ``sum_{i in k} x_i``; without groups the total.

    The numerators of :func:`share_sums` (a bloc's total exports, say), from the same one-pass
    compensated kernel.

    Parameters
    ----------
    x, groups, axis, ngroups, dtype, out, backend, threads
        As in :func:`share_sums` (there is no ``zero_total``: nothing is divided).
    skipna : bool
        True leaves NaN out of the sums (an all-NaN or empty group sums to 0); False lets NaN
        propagate.

    Returns
    -------
    ndarray: x's shape with ``axis`` replaced by the group axis (or removed).
    {accuracy}
    Examples
    --------
    >>> import numpy as np, sharecube as sc
    >>> x = np.array([[1.0, 2.0], [3.0, 6.0], [4.0, 2.0]])
    >>> sc.group_sums(x, groups=np.array([[1, 0], [1, 1], [0, 1]], dtype=bool))
    array([[4., 8.],
           [7., 8.]])
    >>> sc.group_sums(x)                                       # the totals over axis 0
    array([ 8., 10.])
    """


for _f in (shares, share_sums, group_sums):
    _f.__doc__ = (_f.__doc__ or "").replace("{accuracy}", _ACCURACY)
