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
    op: str  # "shares" | "labels" | "blocs"
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


def numpy_idiomatic(x: np.ndarray, spec: Spec) -> Callable[[], np.ndarray]:
    if spec.op == "shares":
        return lambda: x / x.sum(spec.axis, keepdims=True)
    m = spec.membership(x.shape[spec.axis]).astype(x.dtype)

    def grouped() -> np.ndarray:
        xt = np.moveaxis(x, spec.axis, -1)
        return np.moveaxis((xt @ m) / xt.sum(-1, keepdims=True), -1, spec.axis)

    return grouped


def numpy_best(x: np.ndarray, spec: Spec) -> Callable[[], np.ndarray]:
    """The fastest numpy route we know: preallocated outputs; for groups one BLAS product with
    a column of ones for the total."""
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
        if spec.op == "shares":
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


def cases(shape: tuple[int, ...]) -> list[tuple[str, tuple[int, ...], type, Spec]]:
    out = []
    for dtype in (np.float64, np.float32):
        dn = np.dtype(dtype).name
        for axis in range(len(shape)):
            n = shape[axis]
            out.append((f"shares-{dn}-axis{axis}", shape, dtype, Spec("shares", axis)))
            out.append(
                (f"10blocs-{dn}-axis{axis}", shape, dtype, Spec("labels", axis, ten_blocs(n)))
            )
            out.append(
                (
                    f"5overlap-{dn}-axis{axis}",
                    shape,
                    dtype,
                    Spec("blocs", axis, five_overlapping(n)),
                )
            )
    small = (50, 100, 10)
    out.append(("small-shares-float64-axis0", small, np.float64, Spec("shares", 0)))
    out.append(("small-10blocs-float64-axis0", small, np.float64, Spec("labels", 0, ten_blocs(50))))
    out.append(("tiny-shares-(1,4,2)", (1, 4, 2), np.float64, Spec("shares", 0)))
    return out


def make_cube(shape: tuple[int, ...], dtype: type) -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.lognormal(0.0, 2.0, size=shape).astype(dtype)
