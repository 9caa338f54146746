"""The contracts between the layers: what a backend provides, and the types passed to it.

Nothing here imports sharecube: the front ends, the dispatch module and every backend import
these names from here, so that the imports run one way (front ends -> dispatch -> backends ->
``_core``). A backend is a module with the functions of :class:`Backend`; arguments reach it
already checked and normalised by :mod:`sharecube._dispatch`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal, Protocol, TypedDict

import numpy as np
from numpy.typing import NDArray

BackendName = Literal["cpp", "numba", "numpy"]
ZeroTotal = Literal["nan", "zero"]
Axis = int | tuple[int, ...] | None
# the *_lo words: what rounding each compensated sum left out (0 from the numpy backend)
Statistic = Literal["sum", "sumsq", "xlogx", "count", "sum_lo", "sumsq_lo", "xlogx_lo"]
Array = NDArray[Any]
Axes = tuple[int, ...]  # sorted, non-negative


class SumOptions(TypedDict, total=False):
    """The keyword arguments every public array function takes (``**options``)."""

    skipna: bool
    dtype: Any
    out: NDArray[Any] | None
    backend: BackendName | str | None
    threads: int | None


class Options(SumOptions, total=False):
    """:class:`SumOptions` and ``zero_total``: the functions that divide by a total."""

    zero_total: ZeroTotal


@dataclass(frozen=True)
class Policy:
    """The normalised options of one call, passed on as one object.

    ``fill`` is the result where a total is 0 (from ``zero_total``); ``dtype`` the result's
    dtype; ``threads`` 0 for every core, else a cap; ``impl`` the backend module and
    ``backend`` the name the caller gave (None: the default), passed on to nested calls.
    """

    skipna: bool
    zero_total: ZeroTotal
    fill: float
    dtype: np.dtype[Any]
    threads: int
    impl: Backend
    backend: str | None

    def __getstate__(self) -> dict[str, Any]:
        # a module does not pickle: a policy sent to a dask worker carries the backend's name
        # only (the worker's kernels resolve it again); its ``impl`` is None there
        return {**self.__dict__, "impl": None}


@dataclass(frozen=True)
class Groups:
    """Memberships along one axis in compressed rows: position i belongs to groups
    ``idx[ptr[i]:ptr[i + 1]]``. Disjoint labels and overlapping blocs both come to this."""

    ptr: NDArray[np.int64]
    idx: NDArray[np.int64]
    count: int

    @cached_property
    def by_group(self) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """The same memberships by group, as the grouped kernels read them: group k's member
        positions, in order, are ``cidx[cptr[k]:cptr[k + 1]]``. Built once per Groups."""
        n = self.ptr.shape[0] - 1
        rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(self.ptr))
        cidx = rows[np.argsort(self.idx, kind="stable")]
        cptr = np.zeros(self.count + 1, dtype=np.int64)
        np.cumsum(np.bincount(self.idx, minlength=self.count), out=cptr[1:])
        return cptr, cidx

    def membership(self) -> NDArray[np.bool_]:
        """The (n, G) boolean membership matrix."""
        n = self.ptr.shape[0] - 1
        member = np.zeros((n, self.count), dtype=bool)
        rows = np.repeat(np.arange(n), np.diff(self.ptr))
        member[rows, self.idx] = True
        return member


class Backend(Protocol):
    """The primitives every backend implements, on arguments already checked.

    ``axes`` are sorted non-negative axes of ``x``; of the policy, the backends read
    ``skipna``, ``fill`` (the share where a total is 0) and ``threads`` (0 for every core, else
    a cap). ``shares`` and ``share_sums`` return whether some total (or group sum) was inf or
    NaN, so that the caller can compute again the slices whose finite values overflowed (see
    :mod:`sharecube._extreme`).
    """

    __name__: str

    def shares(
        self, x: NDArray[Any], out: NDArray[Any], axes: tuple[int, ...], pol: Policy
    ) -> bool:
        """Fill ``out`` (x's shape) with ``x / sum(x over axes)``."""

    def share_sums(
        self,
        x: Array,
        out: Array,
        axes: Axes,
        groups: Groups | None,
        pol: Policy,
        raw: bool = False,
    ) -> bool:
        """Fill ``out`` with each group's sum over ``axes[0]`` divided by the total (``raw``:
        the sums); without groups, total / total (``raw``: the totals) over ``axes``."""

    def stats(
        self, x: NDArray[Any], axes: tuple[int, ...], pol: Policy, want: frozenset[str]
    ) -> dict[str, NDArray[np.float64]]:
        """The statistics named in ``want`` (:data:`Statistic`) over ``axes``, in float64."""

    def min_sum_pairs(self, s: NDArray[np.float64], pol: Policy) -> NDArray[np.float64]:
        """``out[i, j, r] = sum_k min(s[i, r, k], s[j, r, k])`` for a (C, R, K) array."""

    def co_occurrence(self, bits: NDArray[np.uint64], pol: Policy) -> NDArray[np.float64]:
        """``out[i, j]``: the bits set in both rows i and j of ``bits`` (N rows of 64-bit words;
        a presence matrix packed a bit a country, :func:`pack_rows`), as float64 (N, N)."""


def pack_rows(m: NDArray[Any]) -> NDArray[np.uint64]:
    """The rows of a 0/1 matrix (N, K) packed a bit a column into 64-bit words (N, ceil(K/64))."""
    packed = np.packbits(np.asarray(m, dtype=bool), axis=1, bitorder="little")
    words = -(-packed.shape[1] // 8)
    padded = np.zeros((packed.shape[0], 8 * words), dtype=np.uint8)
    padded[:, : packed.shape[1]] = packed
    return padded.view(np.uint64)
