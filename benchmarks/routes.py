"""One table of comparisons drives the benchmarks: each case names the computation, and each
route is one way to compute it (numpy idiomatic, numpy's best, and every sharecube backend).

A route is ``make(x, spec) -> fn``: everything that is set-up (output buffers, membership
matrices, JIT warm-up) happens in ``make``; ``fn()`` is the timed call and returns the result.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import floors
import numpy as np

import sharecube as sc


@dataclass(frozen=True)
class Spec:
    op: str  # "shares" | "labels" | "blocs" | "rca" | "hhi" | "entropy"
    axis: int
    groups: np.ndarray | None = None  # labels (n,) or membership (n, G)

    def membership(self, n: int) -> np.ndarray:
        g = self.groups
        if g is None:
            raise ValueError("no groups")
        if g.ndim == 2:
            return g.astype(np.float64)
        m = np.zeros((n, int(g.max()) + 1))
        m[np.flatnonzero(g >= 0), g[g >= 0]] = 1.0
        return m


def ten_blocs(n: int) -> np.ndarray:
    """10 disjoint blocs; every 7th country in none."""
    labels = np.arange(n) % 10
    labels[::7] = -1
    return labels


def five_overlapping(n: int) -> np.ndarray:
    rng = np.random.default_rng(1)
    return rng.random((n, 5)) < 0.3


INDICATORS = ("rca", "hhi", "entropy")


def numpy_rca(x: np.ndarray) -> np.ndarray:
    """RCA over countries (axis 0) and sectors (axis 1), per year: the formula as written."""
    return (x / x.sum(1, keepdims=True)) / (x.sum(0, keepdims=True) / x.sum((0, 1), keepdims=True))


def numpy_indicator(x: np.ndarray, spec: Spec) -> Callable[[], np.ndarray]:
    if spec.op == "rca":
        return lambda: numpy_rca(x)
    if spec.op == "hhi":
        return lambda: ((x / x.sum(0, keepdims=True)) ** 2).sum(0)

    def entropy() -> np.ndarray:
        s = x / x.sum(0, keepdims=True)
        return -(s * np.log(s)).sum(0)

    return entropy


def pandas_rca(x: np.ndarray, spec: Spec) -> Callable[[], np.ndarray] | None:
    """RCA one year at a time with pandas, as users write it (py-ecomplexity style)."""
    if spec.op != "rca":
        return None
    import pandas as pd

    def run() -> np.ndarray:
        out = np.empty_like(x)
        for t in range(x.shape[2]):
            df = pd.DataFrame(x[:, :, t])
            share = df.div(df.sum(axis=1), axis=0)
            out[:, :, t] = (share / (df.sum(axis=0) / df.to_numpy().sum())).to_numpy()
        return out

    return run


def numpy_idiomatic(x: np.ndarray, spec: Spec) -> Callable[[], np.ndarray]:
    if spec.op in INDICATORS:
        return numpy_indicator(x, spec)
    if spec.op == "shares":
        return lambda: x / x.sum(spec.axis, keepdims=True)
    m = spec.membership(x.shape[spec.axis]).astype(x.dtype)

    def grouped() -> np.ndarray:
        xt = np.moveaxis(x, spec.axis, -1)
        return np.moveaxis((xt @ m) / xt.sum(-1, keepdims=True), -1, spec.axis)

    return grouped


def numpy_best(x: np.ndarray, spec: Spec) -> Callable[[], np.ndarray] | None:
    """The fastest numpy route we know: preallocated outputs; for groups one BLAS product with
    a column of ones for the total."""
    if spec.op in INDICATORS:
        return None
    if spec.op == "shares":
        tot = np.empty(tuple(1 if d == spec.axis else n for d, n in enumerate(x.shape)), x.dtype)
        out = np.empty_like(x)

        def run() -> np.ndarray:
            np.sum(x, axis=spec.axis, keepdims=True, out=tot)
            return np.divide(x, tot, out=out)

        return run
    n = x.shape[spec.axis]
    w = np.hstack([spec.membership(n), np.ones((n, 1))]).astype(x.dtype)
    g = w.shape[1] - 1
    if spec.axis == 0:
        flat = x.reshape(n, -1)

        def run0() -> np.ndarray:
            p = w.T @ flat
            return (p[:g] / p[g]).reshape((g, *x.shape[1:]))

        return run0
    if spec.axis == x.ndim - 1:
        flat = x.reshape(-1, n)

        def run_last() -> np.ndarray:
            p = flat @ w
            return (p[:, :g] / p[:, g:]).reshape((*x.shape[:-1], g))

        return run_last
    return numpy_idiomatic(x, spec)


def sharecube_route(backend: str, preallocate: bool = True, threads: int | None = None):
    def make(x: np.ndarray, spec: Spec) -> Callable[[], np.ndarray]:
        kw = {"backend": backend, "threads": threads}
        if spec.op in INDICATORS:
            fn = getattr(sc, spec.op)
            args = (0, 1) if spec.op == "rca" else (0,)
            out = np.empty_like(fn(x, *args, **kw))

            def run() -> np.ndarray:
                if preallocate:
                    return fn(x, *args, out=out, **kw)
                return fn(x, *args, **kw)

        elif spec.op == "shares":
            out = np.empty(x.shape, dtype=np.float32 if x.dtype == np.float32 else np.float64)

            def run() -> np.ndarray:
                if preallocate:
                    return sc.shares(x, spec.axis, out=out, **kw)
                return sc.shares(x, spec.axis, **kw)

        else:
            res = sc.share_sums(x, spec.groups, spec.axis, **kw)
            out = np.empty_like(res)

            def run() -> np.ndarray:
                if preallocate:
                    return sc.share_sums(x, spec.groups, spec.axis, out=out, **kw)
                return sc.share_sums(x, spec.groups, spec.axis, **kw)

        run()  # JIT warm-up and first-touch of out, outside the timing
        return run

    return make


def floor(x: np.ndarray, spec: Spec) -> Callable[[], None] | None:
    """The bandwidth floor for the case: one read pass over the cube's bytes for share sums,
    one read plus one streaming write pass for shares (C++ helpers at full speed)."""
    core = floors.load()
    if not x.flags.c_contiguous or x.nbytes % 8:
        return None
    raw = x.reshape(-1).view(np.float64)  # the same bytes, whatever the dtype
    if spec.op == "rca":  # the totals in one read pass, then a read and a write pass
        out = np.empty_like(raw)
        core.copy(raw, out)

        def rca_floor() -> None:
            core.read(raw)
            core.copy(raw, out)

        return rca_floor
    if spec.op == "shares":
        out = np.empty_like(raw)
        core.copy(raw, out)
        return lambda: core.copy(raw, out)
    return lambda: core.read(raw)


def floor_twosum(x: np.ndarray, spec: Spec) -> Callable[[], float] | None:
    """What the compensated sums cost at full speed: one read pass of a float64 cube, every
    element added with TwoSum in four independent 4-lane chains (C++ helper). A kernel that sums
    each value once can get no closer to the read floor than this."""
    core = floors.load()
    if x.dtype != np.float64 or not x.flags.c_contiguous:
        return None
    raw = x.reshape(-1)
    return lambda: core.twosum(raw)


ROUTES: dict[str, Callable] = {
    "numpy": numpy_idiomatic,
    "numpy-best": numpy_best,
    **{b: sharecube_route(b) for b in sc.backends() if b != "numpy"},
}
if "cpp" in ROUTES:
    ROUTES["cpp-new-out"] = sharecube_route("cpp", preallocate=False)
    ROUTES["cpp-1thread"] = sharecube_route("cpp", threads=1)
    ROUTES["floor"] = floor
    ROUTES["floor-twosum"] = floor_twosum
ROUTES["pandas-loop"] = pandas_rca

# The cube sizes of the table: the large cube (200, 5000, 30 unless given), a real country x
# sector x year panel's (219, 56, 34), a small one and the tiny call (shares only: a bloc of
# one country is no bloc).
SIZES = ((219, 56, 34), (20, 10, 5), (1, 4, 2))


def cases(
    shape: tuple[int, ...], sizes: tuple[tuple[int, ...], ...] = SIZES
) -> list[tuple[str, tuple[int, ...], type, Spec]]:
    """Shares, 10 disjoint and 5 overlapping blocs on every axis, float64 and float32, for
    the large cube ``shape`` and each of ``sizes``; then RCA, HHI and entropy on the large
    float64 cube. Names: ``op-dtype-axisN``, prefixed by the shape for the other sizes."""
    out = []
    for size in (shape, *sizes):
        prefix = "" if size == shape else "x".join(map(str, size)) + " "
        for dtype in (np.float64, np.float32):
            dn = np.dtype(dtype).name
            for axis in range(len(size)):
                n = size[axis]
                grouped = [("10blocs", ten_blocs(n)), ("5overlap", five_overlapping(n))]
                for op, groups in [("shares", None), *(grouped if min(size) > 1 else [])]:
                    kind = {"shares": "shares", "10blocs": "labels", "5overlap": "blocs"}[op]
                    spec = Spec(kind, axis, groups)
                    out.append((f"{prefix}{op}-{dn}-axis{axis}", size, dtype, spec))
    for op in INDICATORS:
        out.append((f"{op}-float64", shape, np.float64, Spec(op, 0)))
    return out


def reference(x: np.ndarray, spec: Spec) -> np.ndarray:
    """The case's result from the numpy backend, to check every route against."""
    kw = {"backend": "numpy"}
    if spec.op == "shares":
        return sc.shares(x, spec.axis, **kw)
    if spec.op == "rca":
        return sc.rca(x, 0, 1, **kw)
    if spec.op == "hhi":
        return sc.hhi(x, 0, **kw)
    if spec.op == "entropy":
        return sc.entropy(x, 0, **kw)
    return sc.share_sums(x, spec.groups, spec.axis, **kw)


def make_cube(shape: tuple[int, ...], dtype: type) -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.lognormal(0.0, 2.0, size=shape).astype(dtype)
