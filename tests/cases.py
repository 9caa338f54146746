"""Input generator in the style of bottleneck's: every dtype, layout and awkward value.

Values are integer-valued wherever the dtype allows it, so that every backend's totals are exact
and the results must agree with the numpy reference bit for bit (NaN for NaN). Random real
values, where sums round, are generated separately and compared with a tolerance.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import combinations

import numpy as np

FLOATS = [np.float64, np.float32]
INTS = [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64]
DTYPES = [*FLOATS, *INTS, np.bool_]

# The last two are wide enough for the C++ kernels' vector blocks (16 lanes), with ragged tails.
SHAPES = [
    (),
    (0,),
    (1,),
    (7,),
    (3, 4),
    (0, 3),
    (3, 0),
    (2, 3, 4),
    (4, 1, 5),
    (2, 3, 2, 3),
    (5, 37),
    (3, 19, 21),
]


def _values(shape: tuple[int, ...], dtype: type, kind: str, rng: np.random.Generator) -> np.ndarray:
    dt = np.dtype(dtype)
    if dt == np.bool_:
        return np.asarray(rng.random(shape) < 0.5)
    lo = 0 if dt.kind == "u" else -3
    if kind == "zeros":
        return np.zeros(shape, dtype=dt)
    a = rng.integers(lo, 10, size=shape).astype(dt)
    if dt.kind == "f" and kind == "special" and a.size:
        flat = a.reshape(-1)
        picks = rng.choice(a.size, size=max(1, a.size // 4), replace=True)
        specials = np.array([np.nan, np.inf, -np.inf, np.nan, 0.0], dtype=dt)
        flat[picks] = specials[rng.integers(0, len(specials), size=picks.size)]
    return a


def _layouts(a: np.ndarray, rng: np.random.Generator) -> Iterator[tuple[str, np.ndarray]]:
    yield "C", np.ascontiguousarray(a)
    if a.ndim >= 2:
        yield "F", np.asfortranarray(a)
        # transposed: the same numbers in another memory order, of the transposed shape
        yield "T", np.ascontiguousarray(a.T).T
    if a.ndim >= 1:
        big = np.zeros(tuple(2 * n + 1 for n in a.shape), dtype=a.dtype)
        view = big[tuple(slice(1, None, 2) for _ in a.shape)]
        view[...] = a
        yield "strided", view
        yield "reversed", a[::-1].copy()[::-1]
    swapped = a.astype(a.dtype.newbyteorder())
    yield "byteswapped", swapped
    ro = a.copy()
    ro.flags.writeable = False
    yield "readonly", ro


def arrays(dtypes=DTYPES, shapes=SHAPES, seed: int = 0) -> Iterator[tuple[str, np.ndarray]]:
    """(description, array) pairs covering dtypes x shapes x layouts x value kinds."""
    rng = np.random.default_rng(seed)
    for dtype in dtypes:
        kinds = ["plain", "special", "zeros"] if np.dtype(dtype).kind == "f" else ["plain", "zeros"]
        for shape in shapes:
            for kind in kinds:
                a = _values(shape, dtype, kind, rng)
                for layout, arr in _layouts(a, rng):
                    yield f"{np.dtype(dtype).name}{shape}-{kind}-{layout}", arr


def axis_specs(ndim: int) -> list:
    """Every single axis (positive and negative), tuples of axes, () and None."""
    specs: list = [None, ()]
    for a in range(ndim):
        specs += [a, a - ndim]
    for r in (2, 3):
        specs += list(combinations(range(ndim), r)) if ndim >= r else []
    return specs


POLICIES = [(skipna, zt) for skipna in (True, False) for zt in ("nan", "zero")]


def labels_for(n: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Disjoint labels with some positions in no group, and a label dtype zoo."""
    out = [rng.integers(-1, 3, size=n).astype(np.int64)]
    out.append(rng.integers(0, 2, size=n).astype(np.uint8))
    out.append(np.full(n, -1, dtype=np.int32))
    return out


def memberships_for(n: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Overlapping blocs: random membership, plus a bloc of everyone and an empty bloc."""
    m = rng.random((n, 4)) < 0.5
    m[:, 0] = True
    m[:, 1] = False
    return [m, np.asfortranarray(m)]
