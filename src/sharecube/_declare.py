"""Each public array function declared once, as data; the package builds every route from it.

A declaration (:func:`declare`, on a ``def`` that gives the public signature and docstring)
says which arguments are axes (its *roles*), what the result's shape is (the same as the
input's, the role axes removed, a group axis, or pairs of countries), its own options and their
checks, the in-memory computation, and how chunk partials combine when a role axis is split
across dask chunks (:class:`Stats`, :class:`Totals`, :class:`Difference`, :class:`Gather`,
:class:`Grouped`). From it come:

- the numpy-level function (a plain Python function with the full signature: the common
  keyword arguments of :class:`~sharecube._contracts.Options` are added to ``**options``);
- its dask route: one generic engine (:func:`sharecube._dask.apply`) reads the declaration;
- the accessor methods on ``DataArray`` and ``Dataset`` (:mod:`sharecube.labeled`), from the
  dimension names in ``dims``.

Adding an indicator is one declaration and its finishing function, in one file.
"""

from __future__ import annotations

import inspect
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

import numpy as np
from numpy.typing import NDArray

from sharecube import _dispatch as d
from sharecube import _extreme
from sharecube._arith import lagged_difference
from sharecube._contracts import Array, Axes, Policy

F = TypeVar("F", bound=Callable[..., Any])
Result = Literal["same", "reduce", "group", "pairs"]
Stat = dict[str, NDArray[np.float64]]


@dataclass(frozen=True)
class Stats:
    """The result is finished from per-slice statistics over the role's axis: ``want(opts)``
    names them, ``finish(stats, opts, policy, size)`` gives the result; chunks' statistics
    combine by compensated sums. A slice where a statistic overflowed, or one named in ``tiny``
    is so small that it lost precision, is computed again scaled (:mod:`sharecube._extreme`)."""

    want: Callable[[dict[str, Any]], frozenset[str]]
    finish: Callable[[Stat, dict[str, Any], Policy, int], NDArray[np.float64]]
    tiny: tuple[str, ...]


@dataclass(frozen=True)
class Totals:
    """The result is a blockwise pass over the data and totals: one total over the axes of
    each role group in ``over``, then each ``(i, roles)`` of ``then`` a total of total ``i``;
    ``finish(block, *totals, axes=, opts=, policy=)`` gives the float64 block."""

    over: tuple[tuple[str, ...], ...]
    finish: Callable[..., NDArray[np.float64]]
    then: tuple[tuple[int, tuple[str, ...]], ...] = ()


@dataclass(frozen=True)
class Difference:
    """The result is function ``of`` (declared) differenced ``lag`` steps along ``role``."""

    of: str
    role: str


@dataclass(frozen=True)
class Gather:
    """Every role axis is needed whole in one chunk: split ones are rechunked, with a
    ``PerformanceWarning``."""


@dataclass(frozen=True)
class Grouped:
    """Sums of groups along the role axis (``raw``) or their shares of the total."""

    raw: bool


Split = Stats | Totals | Difference | Gather | Grouped


@dataclass
class Declaration:
    """One public array function, as data (see the module's docstring)."""

    name: str
    roles: tuple[str, ...]
    dims: tuple[tuple[str, Any], ...]
    result: Result
    compute: Callable[..., Any] | None
    split: Split
    checks: dict[str, Callable[[Any, str], Any]]
    options: tuple[str, ...]
    many: bool
    signature: inspect.Signature
    keeps: tuple[str, ...] = ()
    pair: int = 0
    func: Callable[..., Any] = field(default=lambda *a, **k: None)

    def removed(self, axes: tuple[int, ...]) -> tuple[int, ...]:
        """The role axes a "reduce" result does not have (all but those of ``keeps``)."""
        return tuple(a for r, a in zip(self.roles, axes, strict=True) if r not in self.keeps)

    def axes(self, a: dict[str, Any], ndim: int) -> tuple[int, ...]:
        """The role axes of call ``a``, checked: each role one axis (all different), or for a
        role taking several (``many``) the sorted tuple of its axes."""
        if self.many:
            (role,) = self.roles
            if self.result == "group" and a["groups"] is not None:
                return (d.normalize_axis(a[role], ndim, why=" when groups are given"),)
            return d.normalize_axes(a[role], ndim, role)
        axes = tuple(d.normalize_axis(a[r], ndim, r) for r in self.roles)
        for i in range(len(axes)):
            for j in range(i + 1, len(axes)):
                if axes[i] == axes[j]:
                    r0, r1 = self.roles[i], self.roles[j]
                    raise ValueError(
                        f"{r0} and {r1} must differ, both are axis {axes[i]} "
                        f"(from {r0}={a[r0]!r}, {r1}={a[r1]!r})"
                    )
        return axes

    def opts(self, a: dict[str, Any]) -> dict[str, Any]:
        """The function's own options of call ``a``, checked."""
        return {k: self.checks[k](a[k], k) if k in self.checks else a[k] for k in self.options}

    def role_args(self, axes: tuple[int, ...]) -> dict[str, Any]:
        """The role arguments that give ``axes`` (for a nested call)."""
        if self.many:
            return {self.roles[0]: axes[0] if len(axes) == 1 else axes}
        return dict(zip(self.roles, axes, strict=True))


DECLARATIONS: dict[str, Declaration] = {}

# The keyword arguments every public array function takes, in their order: name, default,
# annotation. ``zero_total`` only where the function divides by a total.
_POLICY = (
    ("skipna", True, "bool"),
    ("zero_total", "nan", "ZeroTotal"),
    ("dtype", None, "DTypeLike | None"),
    ("out", None, "NDArray[Any] | None"),
    ("backend", None, "str | None"),
    ("threads", None, "int | None"),
)


def policy(x_dtype: np.dtype[Any], a: dict[str, Any], per_chunk: bool = False) -> Policy:
    """The normalised options of call ``a`` on data of ``x_dtype``, checked in their order.
    ``per_chunk``: a dask call, whose chunks run one thread each unless ``threads`` is given
    (dask's scheduler already runs one task per core)."""
    skipna = d.check_flag(a["skipna"], "skipna")
    zero_total = a.get("zero_total", "nan")
    fill = d.fill_value(zero_total)
    dtype = d.result_dtype(x_dtype, a["dtype"], a["out"])
    threads = 1 if per_chunk and a["threads"] is None else d.normalize_threads(a["threads"])
    impl = d.resolve_backend(a["backend"])
    return Policy(skipna, zero_total, fill, dtype, threads, impl, a["backend"])


def policy_args(pol: Policy, decl: Declaration | None = None) -> dict[str, Any]:
    """The keyword arguments that give ``pol`` again (for a nested call, on a chunk say) to
    the function of ``decl`` (default: one that divides)."""
    args = {
        "skipna": pol.skipna,
        "zero_total": pol.zero_total,
        "dtype": pol.dtype,
        "backend": pol.backend,
        "threads": pol.threads or None,  # 0: every core, the default
    }
    if decl is not None and "zero_total" not in decl.signature.parameters:
        del args["zero_total"]
    return args


def route(decl: Declaration, a: dict[str, Any]) -> Any:
    """A call of the public function: dask arrays to their engine, the rest computed here."""
    x = a["x"]
    if d.is_dask(x):
        return d.engine("dask", "apply")(decl, a)
    arr = d.as_input(x)
    pol = policy(arr.dtype, a)
    axes = decl.axes(a, arr.ndim)
    opts = decl.opts(a)
    if decl.compute is not None:
        return decl.compute(arr, pol, axes, opts, a["out"])
    generic = stats_compute if isinstance(decl.split, Stats) else _difference
    return generic(decl, arr, pol, axes, opts, a["out"])


def declare(
    *,
    roles: tuple[str, ...],
    result: Result,
    split: Split,
    compute: Callable[..., Any] | None = None,
    dims: tuple[tuple[str, Any], ...] = (),
    checks: dict[str, Callable[[Any, str], Any]] | None = None,
    many: bool = False,
    fast: Callable[..., Any] | None = None,
    keeps: tuple[str, ...] = (),
    pair: int = 0,
    options: tuple[tuple[str, Any, str], ...] = (),
) -> Callable[[F], F]:
    """Declares the public function whose signature and docstring the decorated ``def`` gives
    (its body is never run), and returns the function built from the declaration.

    ``compute(arr, policy, axes, opts, out)`` is the in-memory computation on checked
    arguments (without it, the generic one of a :class:`Stats` or :class:`Difference` split).
    ``fast(*args)``, where given, is tried first with the call's arguments and returns the
    result or None (a path for small calls bound by Python overhead). ``keeps``: the role axes
    a "reduce" result keeps (default none); ``pair``: the role whose positions a "pairs" result
    pairs (default the first), the others removed. ``options``: keyword options (name, default,
    annotation) that ``**options`` stands for besides the common ones, shared by several
    declarations (their TypedDict gives them to type checkers)."""

    def build(f: F) -> F:
        sig = inspect.signature(f)
        params = [p for p in sig.parameters.values() if p.kind != p.VAR_KEYWORD]
        divides = "SumOptions" not in str(sig.parameters["options"].annotation)
        params += [
            inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, default=v, annotation=t)
            for n, v, t in (*options, *_POLICY)
            if divides or n != "zero_total"
        ]
        full = sig.replace(parameters=params)
        own = tuple(
            p.name
            for p in params
            if p.name != "x" and p.name not in roles and p.name not in _names()
        )
        decl = Declaration(
            f.__name__,
            roles,
            dims,
            result,
            compute,
            split,
            checks or {},
            own,
            many,
            full,
            keeps,
            pair,
        )
        fn = _generate(f, full, decl, fast)
        decl.func = fn
        DECLARATIONS[decl.name] = decl
        return fn  # type: ignore[return-value]

    return build


def _names() -> tuple[str, ...]:
    return tuple(n for n, _, _ in _POLICY)


def _generate(
    f: Callable[..., Any], sig: inspect.Signature, decl: Declaration, fast: Any
) -> Callable[..., Any]:
    """A plain function with signature ``sig`` that passes its arguments on by name (to
    ``fast`` first, where given, then to :func:`route`), compiled in ``f``'s module so that its
    docstring examples belong to that module."""
    names = list(sig.parameters)
    pos = [p.name for p in sig.parameters.values() if p.kind == p.POSITIONAL_OR_KEYWORD]
    kw = [p.name for p in sig.parameters.values() if p.kind == p.KEYWORD_ONLY]
    head = ", ".join(pos + (["*", *kw] if kw else []))
    body = ""
    if fast is not None:
        body += f"r = _fast({', '.join(names)})\nif r is not None:\n    return r\n"
    body += "return _route(_decl, {" + ", ".join(f"{n!r}: {n}" for n in names) + "})\n"
    src = (
        "def _make(_route, _decl, _fast):\n"
        + textwrap.indent(f"def {f.__name__}({head}):\n" + textwrap.indent(body, "    "), "    ")
        + f"    return {f.__name__}\n"
    )
    scope: dict[str, Any] = {}
    exec(compile(src, f"<sharecube declaration {f.__name__}>", "exec"), f.__globals__, scope)
    fn: Callable[..., Any] = scope["_make"](route, decl, fast)
    defaults = [sig.parameters[n].default for n in pos]
    fn.__defaults__ = tuple(v for v in defaults if v is not inspect.Parameter.empty) or None
    fn.__kwdefaults__ = {n: sig.parameters[n].default for n in kw}
    fn.__annotations__ = {n: p.annotation for n, p in sig.parameters.items()}
    fn.__annotations__["return"] = sig.return_annotation
    fn.__doc__ = f.__doc__
    fn.__module__ = f.__module__
    fn.__qualname__ = f.__qualname__
    return fn


# ---- the generic in-memory routes -------------------------------------------------------------


def deliver(res: NDArray[Any], out: Any, pol: Policy, x: NDArray[Any]) -> NDArray[np.floating[Any]]:
    """``res`` in the result dtype, in ``out`` where given (checked)."""
    target, result = d.prepare_out(out, res.shape, pol.dtype, x, inplace_ok=False)
    np.copyto(target, res, casting="unsafe")
    return result()


_TINY = float(np.finfo(np.float64).tiny) * 2.0**53  # below this, squares lose precision


def redo_mask(st: Stat, tiny: tuple[str, ...]) -> NDArray[np.bool_]:
    """Slices to compute again scaled: a statistic is inf or NaN, or one of ``tiny`` is so
    small that it lost precision (a zero total is zero at any scale: such slices, common in
    sparse cubes, stay)."""
    nonzero = st["sum"] != 0
    bad = np.zeros(st["sum"].shape, dtype=bool)
    with np.errstate(all="ignore"):
        for v in st.values():
            bad |= ~np.isfinite(v)
        for k in tiny:
            bad |= (np.abs(st[k]) < _TINY) & nonzero
    return bad


def stats_compute(
    decl: Declaration, arr: Array, pol: Policy, axes: Axes, opts: dict[str, Any], out: Any
) -> NDArray[np.floating[Any]]:
    """A :class:`Stats` declaration in memory: the statistics from one pass over the cube, the
    slices that left the float64 range computed again scaled, then ``finish``."""
    split = decl.split
    assert isinstance(split, Stats)
    want = split.want(opts)
    size = arr.shape[axes[0]]
    st = pol.impl.stats(arr, axes, pol, want)
    res = split.finish(st, opts, pol, size)
    redo = redo_mask(st, split.tiny)
    if redo.any() and _extreme.is_float64(arr):
        found = _extreme.scaled_slices(arr, axes, pol.skipna, redo)
        if found is not None:
            mask, sub, _ = found
            again = pol.impl.stats(sub, tuple(range(1, sub.ndim)), pol, want)
            _extreme.put(res, (), mask, split.finish(again, opts, pol, size))
    return deliver(res, out, pol, arr)


_CHUNK_ELEMENTS = 1 << 16  # temporaries of the final passes stay this small (in L2)


def chunk_step(a: NDArray[Any]) -> int:
    """How many entries of axis 0 of ``a`` a final pass takes at once (temporaries in cache)."""
    return max(1, _CHUNK_ELEMENTS // max(1, a[:1].size))


def _difference(
    decl: Declaration, arr: Array, pol: Policy, axes: Axes, opts: dict[str, Any], out: Any
) -> NDArray[Any]:
    """A :class:`Difference` declaration in memory: the base function's result, differenced in
    place (in chunks along another axis: each chunk is copied, small, then differenced)."""
    split = decl.split
    assert isinstance(split, Difference)
    base = DECLARATIONS[split.of]
    at = decl.roles.index(split.role)
    own = {k: v for k, v in opts.items() if k in base.options}
    rest = tuple(a for i, a in enumerate(axes) if i != at)
    res = base.func(arr, **base.role_args(rest), **own, **policy_args(pol), out=out)
    if res.size == 0:
        return res
    tax = axes[at]
    moved = np.moveaxis(res, (tax, *rest), (-1, *range(len(rest))))
    n = res.shape[tax]
    lead = moved.reshape(-1, n) if moved.flags.c_contiguous else moved
    step = chunk_step(lead)
    for start in range(0, lead.shape[0], step):
        lagged_difference(lead[start : start + step], -1, opts["lag"])
    return res
