"""Argument checking, backend choice and output handling, decided once per call.

Every public function goes through here: it validates and normalises what the user gave
(array, axis, groups, policies, dtype, ``out``, ``threads``, ``backend``), picks the backend and
hands the kernels arrays they can read as they are. Kernels never validate user input, and
nothing here loops over elements.
"""

from __future__ import annotations

import importlib
import importlib.util
import operator
import os
import threading
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any, cast

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from sharecube._contracts import Axis, Backend, BackendName, Groups, ZeroTotal

__all__ = ["Axis", "Backend", "BackendName", "Groups", "ZeroTotal"]  # and the functions below

BACKEND_ORDER: tuple[BackendName, ...] = ("cpp", "numba", "numpy")
_BACKEND_MODULES = {
    "cpp": "sharecube._cpp",
    "numba": "sharecube._numba",
    "numpy": "sharecube._reference",
}
_loaded: dict[str, Backend | None] = {}

if TYPE_CHECKING:  # mypy checks that each backend module implements the Backend protocol
    from sharecube import _cpp, _numba, _reference

    _IMPLEMENTATIONS: tuple[Backend, ...] = (_cpp, _numba, _reference)
_load_lock = threading.Lock()

_F32 = np.dtype(np.float32)
_F64 = np.dtype(np.float64)


# ---------------------------------------------------------------------------------------------
# backends


def _load_backend(name: str) -> Backend | None:
    """Import a backend module once; None if it cannot be used here."""
    if name in _loaded:
        return _loaded[name]
    with _load_lock:
        if name not in _loaded:
            module: Backend | None
            try:
                module = cast(Backend, importlib.import_module(_BACKEND_MODULES[name]))
            except ImportError:
                module = None
            _loaded[name] = module
    return _loaded[name]


def _maybe_available(name: str) -> bool:
    # numba takes a second to import: backends() answers from what is installed, and the
    # import itself happens on first use.
    if name == "numba" and name not in _loaded:
        return importlib.util.find_spec("numba") is not None
    return _load_backend(name) is not None


def backends() -> tuple[BackendName, ...]:
    """The backends usable in this process, fastest first: a subset of ("cpp", "numba", "numpy")."""
    return tuple(name for name in BACKEND_ORDER if _maybe_available(name))


_default: Backend | None = None  # resolved default backend (None until first use)


def reload_environment() -> None:
    """Read $SHARECUBE_BACKEND again (it is read once, on first use, to keep calls cheap)."""
    global _default, _fast_core
    _default = None
    _fast_core = False


_fast_core: Any = False  # not yet known
_cpp_core: Any = False  # not yet known


def fast_core() -> ModuleType | None:
    """The compiled module when the C++ backend is the default (for the per-call fast paths)."""
    global _fast_core
    if _fast_core is False:
        impl = _default if _default is not None else _default_backend()
        if impl.__name__ == "sharecube._cpp":
            from sharecube import _core

            _fast_core = _core
        else:
            _fast_core = None
    return _fast_core  # type: ignore[no-any-return,unused-ignore]


def numba_module() -> Backend | None:
    """The numba backend's module where numba is installed (for the per-call fast path)."""
    return _load_backend("numba")


def cpp_core() -> ModuleType | None:
    """The compiled module, or None where it is not built (backend="cpp" fast paths)."""
    global _cpp_core
    if _cpp_core is False:
        if _load_backend("cpp") is None:
            _cpp_core = None
        else:
            from sharecube import _core

            _cpp_core = _core
    return _cpp_core  # type: ignore[no-any-return,unused-ignore]


def _default_backend() -> Backend:
    global _default
    if _default is None:
        env = os.environ.get("SHARECUBE_BACKEND")
        if env:
            _default = resolve_backend(env, source="SHARECUBE_BACKEND")
        else:
            _default = next(m for m in map(_load_backend, BACKEND_ORDER) if m is not None)
    return _default


def resolve_backend(backend: str | None, source: str = "backend") -> Backend:
    """The module implementing `backend`; None means $SHARECUBE_BACKEND, else the fastest one."""
    if backend is None:
        return _default_backend()
    if not isinstance(backend, str) or backend not in _BACKEND_MODULES:
        raise ValueError(
            f"{source} must be one of {', '.join(map(repr, BACKEND_ORDER))} or None, "
            f"got {backend!r}"
        )
    module = _load_backend(backend)
    if module is None:
        why = "numba is not installed" if backend == "numba" else "the C++ extension is not built"
        raise ValueError(f"{source}={backend!r} is not available here: {why}")
    return module


# ---------------------------------------------------------------------------------------------
# arguments


_NATIVE_FAST = frozenset(np.dtype(t) for t in (np.float64, np.float32, np.int64, np.int32))


_ENGINES: dict[str, Callable[[str], Callable[..., Any]]] = {}


def register_engine(kind: str, find: Callable[[str], Callable[..., Any]]) -> None:
    """Installs, from above (:mod:`sharecube._frontends`), the function that gives by name the
    implementation for arrays of ``kind`` ("dask"): the in-memory front ends route such arrays
    through :func:`engine` without importing their engine."""
    _ENGINES[kind] = find


def engine(kind: str, name: str) -> Callable[..., Any]:
    """The entry point ``name`` of the engine for arrays of ``kind``. The declared functions
    call ``engine("dask", "apply")(declaration, arguments)`` (:func:`sharecube._declare.route`),
    the call's arguments by name."""
    return _ENGINES[kind](name)


def is_dask(x: Any) -> bool:
    """Whether ``x`` is a dask array (checked without importing dask)."""
    return type(x).__module__.startswith("dask.")


def as_input(x: ArrayLike, name: str = "x") -> NDArray[Any]:
    """x as an ndarray the kernels can read directly (no copy unless it is unaligned)."""
    if type(x) is np.ndarray and x.dtype in _NATIVE_FAST and x.flags.aligned:
        return x  # the common case, fast
    if isinstance(x, np.ma.MaskedArray):
        return _unmasked(x, name)
    try:
        arr = np.asarray(x)
    except (ValueError, TypeError) as e:
        raise ValueError(f"{name} cannot be read as an array: {first_line(e)}") from None
    dt = arr.dtype
    if dt.kind not in "fiub" or dt.fields is not None or dt.itemsize > 8:
        raise TypeError(
            f"{name} has dtype {dt}; sharecube works on float64, float32, integer and bool data"
        )
    if dt.kind == "f" and dt.itemsize == 2:
        arr = arr.astype(_F32)  # no float16 kernels: widen (a copy), as numpy's sum would
    elif not arr.flags.aligned:
        arr = arr.copy()
    return arr


def _unmasked(x: np.ma.MaskedArray[Any, Any], name: str) -> NDArray[Any]:
    """A masked array's data with its masked entries as NaN: missing, as NaN is everywhere."""
    data = as_input(np.ma.getdata(x), name)
    mask = np.ma.getmaskarray(x)
    if not mask.any():
        return data
    ftype = _F32 if data.dtype.kind == "f" and data.dtype.itemsize == 4 else _F64
    filled = data.astype(ftype.newbyteorder("="))
    filled[mask] = np.nan
    return filled


def first_line(e: BaseException, limit: int = 200) -> str:
    """An exception's message as one short line, for messages that quote another library."""
    text = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


def as_int(value: Any, what: str, shown: Any = None) -> int:
    """``value`` as an int (an integer type, not a bool), else ``TypeError("{what}, got ...")``
    showing ``shown`` (default ``value``)."""
    if not isinstance(value, (bool, np.bool_)):
        try:
            return operator.index(value)
        except TypeError:
            pass
    raise TypeError(f"{what}, got {value if shown is None else shown!r}")


def normalize_axes(axis: Any, ndim: int, name: str = "axis") -> tuple[int, ...]:
    """Sorted non-negative axes; None means every axis."""
    if type(axis) is int and -ndim <= axis < ndim:  # the common case, fast
        return (axis % ndim,)
    if axis is None:
        return tuple(range(ndim))
    items = axis if isinstance(axis, tuple) else (axis,)
    result = []
    for item in items:
        a = as_int(item, f"{name} must be an int, a tuple of ints or None", axis)
        if not -ndim <= a < ndim:
            raise np.exceptions.AxisError(
                f"{name}={a} is out of bounds for an array of {ndim} dimension(s)"
            )
        result.append(a % ndim)
    if len(set(result)) != len(result):
        raise ValueError(f"{name}={axis!r} repeats an axis")
    return tuple(sorted(result))


def normalize_axis(axis: Any, ndim: int, name: str = "axis", why: str = "") -> int:
    """One axis (no tuples, no None); ``why`` says why only one is allowed, for the message."""
    if axis is None or isinstance(axis, tuple):
        raise TypeError(f"{name} must be a single int{why}, got {axis!r}")
    return normalize_axes(axis, ndim, name)[0]


def check_flag(value: Any, name: str) -> bool:
    if value is True or value is False:
        return value
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


_FILLS = {"nan": float("nan"), "zero": 0.0}


def fill_value(zero_total: Any) -> float:
    """The share where a total is zero."""
    if isinstance(zero_total, str) and zero_total in _FILLS:
        return _FILLS[zero_total]
    raise ValueError(f"zero_total must be 'nan' or 'zero', got {zero_total!r}")


_cores: int | None = None


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity where the system has one), read once."""
    global _cores
    if _cores is None:
        if hasattr(os, "sched_getaffinity"):
            _cores = max(1, len(os.sched_getaffinity(0)))
        else:
            _cores = max(1, os.cpu_count() or 1)
    return _cores


def normalize_threads(threads: Any) -> int:
    """0 for every core this process may use, else the cap, itself capped at those cores:
    more threads than cores only add start-up cost."""
    if threads is None:
        return 0
    n = as_int(threads, "threads must be a positive int or None")
    if n < 1:
        raise ValueError(f"threads must be a positive int or None, got {n}")
    return min(n, available_cores())


def result_dtype(x_dtype: np.dtype[Any], dtype: DTypeLike | None, out: Any) -> np.dtype[Any]:
    """float32 in gives float32 out; everything else float64, unless dtype or out says so."""
    if dtype is not None:
        try:
            dt = np.dtype(dtype)
        except TypeError:
            raise TypeError(f"dtype must be float32 or float64, got {dtype!r}") from None
        if dt not in (_F32, _F64):
            raise TypeError(f"dtype must be float32 or float64, got {dt}")
        return np.dtype(dt.type)  # native byte order
    if isinstance(out, np.ndarray) and out.dtype in (_F32, _F64) and out.dtype.isnative:
        return out.dtype
    # either byte order; float16 is read as float32
    return _F32 if x_dtype.kind == "f" and x_dtype.itemsize <= 4 else _F64


# Groups of small label arrays and membership matrices, by content: scripts pass the same
# blocs call after call, and building them (with the kernels' by-group index) costs more than
# a share sum of a small cube.
_GROUPS: dict[tuple[Any, ...], Groups] = {}
_GROUPS_MAX, _GROUPS_BYTES = 64, 1 << 16


def normalize_groups(groups: Any, n: int, ngroups: Any, axis: int) -> Groups:
    """Labels (1-D ints, -1 for none) or a (n, G) boolean membership matrix, checked."""
    if not (
        isinstance(groups, np.ndarray)
        and groups.nbytes <= _GROUPS_BYTES
        and groups.dtype.kind in "iub"
        and (ngroups is None or type(ngroups) is int)
    ):
        return _normalize_groups(groups, n, ngroups, axis)
    key = (groups.dtype.str, groups.shape, groups.tobytes(), n, ngroups)
    found = _GROUPS.get(key)
    if found is None:
        found = _normalize_groups(groups, n, ngroups, axis)  # raises for bad groups
        if len(_GROUPS) >= _GROUPS_MAX:
            _GROUPS.pop(next(iter(_GROUPS)), None)  # the oldest
        _GROUPS[key] = found
    return found


def _normalize_groups(groups: Any, n: int, ngroups: Any, axis: int) -> Groups:
    try:
        g = np.asarray(groups)
    except (ValueError, TypeError) as e:
        raise ValueError(f"groups cannot be read as an array: {first_line(e)}") from None
    if ngroups is not None:
        ngroups = as_int(ngroups, "ngroups must be a non-negative int or None")
        if ngroups < 0:
            raise ValueError(f"ngroups must be a non-negative int or None, got {ngroups}")
    if g.ndim == 1:
        if g.dtype.kind not in "iu":
            raise TypeError(
                f"groups as labels must be integers (-1 for no group), got dtype {g.dtype}; "
                "for overlapping blocs pass an (n, G) boolean membership matrix"
            )
        if g.shape[0] != n:
            raise ValueError(f"groups has {g.shape[0]} labels but axis {axis} has length {n}")
        if g.size:
            lo, hi = int(g.min()), int(g.max())
            if lo < -1:
                raise ValueError(f"groups contains label {lo}; labels must be >= -1 (-1: no group)")
        else:
            lo = hi = -1
        if ngroups is None:
            ngroups = hi + 1
        elif hi >= ngroups:
            raise ValueError(f"groups contains label {hi} but ngroups is {ngroups}")
        labels = g.astype(np.int64, copy=False)
        member = labels >= 0
        ptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(member, out=ptr[1:])
        idx = np.ascontiguousarray(labels[member])
        return Groups(ptr, idx, int(ngroups))
    if g.ndim == 2:
        if g.dtype != np.bool_:
            raise TypeError(f"groups as a membership matrix must be boolean, got dtype {g.dtype}")
        if g.shape[0] != n:
            raise ValueError(
                f"groups has shape {g.shape} but axis {axis} has length {n}; "
                f"a membership matrix must be ({n}, G)"
            )
        if ngroups is not None and ngroups != g.shape[1]:
            raise ValueError(f"ngroups is {ngroups} but groups has {g.shape[1]} columns")
        rows, cols = np.nonzero(g)
        ptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=n), out=ptr[1:])
        return Groups(ptr, cols.astype(np.int64), int(g.shape[1]))
    raise ValueError(
        f"groups must be 1-D labels or a 2-D membership matrix, got {g.ndim} dimensions"
    )


# ---------------------------------------------------------------------------------------------
# output


def _same_layout(a: NDArray[Any], b: NDArray[Any]) -> bool:
    return (
        a.__array_interface__["data"][0] == b.__array_interface__["data"][0]
        and a.strides == b.strides
        and a.dtype == b.dtype
    )


def prepare_out(
    out: Any,
    shape: tuple[int, ...],
    dtype: np.dtype[Any],
    x: NDArray[Any],
    inplace_ok: bool,
) -> tuple[NDArray[Any], Callable[[], NDArray[Any]]]:
    """The array the kernel writes to, and a function returning the result.

    A given ``out`` is checked and written directly; where it overlaps ``x`` in a way a
    kernel cannot handle, the result goes to a temporary first and is then copied in.
    """
    if out is None:
        target = np.empty(shape, dtype=dtype)
        return target, lambda: target
    if not isinstance(out, np.ndarray):
        raise TypeError(f"out must be a numpy.ndarray, got {type(out).__name__}")
    if out.shape != shape:
        raise ValueError(f"out has shape {out.shape}, expected {shape}")
    if out.dtype != dtype or not out.dtype.isnative:
        raise TypeError(f"out has dtype {out.dtype}, expected {dtype}")
    if not out.flags.writeable:
        raise ValueError("out is read-only")
    if not out.flags.aligned:
        raise ValueError("out is not aligned")
    if (
        out.size
        and 0 in out.strides
        and any(s == 0 and n > 1 for s, n in zip(out.strides, out.shape, strict=True))
    ):
        raise ValueError("out has a zero stride: several results would land on one element")
    if np.may_share_memory(out, x) and not (inplace_ok and _same_layout(out, x)):
        tmp = np.empty(shape, dtype=dtype)

        def copy_back() -> NDArray[Any]:
            np.copyto(out, tmp)
            return out

        return tmp, copy_back
    return out, lambda: out


def available_memory() -> int | None:
    """Bytes of memory available to a new allocation (Linux), or None where unknown."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


CHECK_ABOVE = 1 << 26  # bytes: larger results are checked against the memory available


def check_result_size(shape: Sequence[int], dtype: np.dtype[Any], name: str) -> None:
    """Refuses, naming the argument that set its size, a result larger than the memory."""
    cells = 1
    for n in shape:
        cells *= int(n)
    need = cells * dtype.itemsize
    if need < CHECK_ABOVE:
        return  # numpy's own MemoryError says enough for a result this size
    avail = available_memory()
    limit = avail if avail is not None else np.iinfo(np.intp).max
    if need > limit:
        raise ValueError(
            f"{name} gives a result of shape {tuple(shape)}: {need / 1e9:.3g} GB, more than the "
            f"{limit / 1e9:.3g} GB of memory available"
        )


def grouped_shape(shape: Sequence[int], axis: int, ngroups: int) -> tuple[int, ...]:
    return (*shape[:axis], ngroups, *shape[axis + 1 :])


def removed_shape(shape: Sequence[int], axes: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(n for d, n in enumerate(shape) if d not in axes)
