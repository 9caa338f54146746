import numpy as np
from numpy.typing import NDArray

def shares(
    x: NDArray[np.generic],
    out: NDArray[np.floating],
    reduce_mask: int,
    skipna: bool,
    fill: float,
    threads: int,
) -> bool: ...
def shares_new(
    x: object, axis: object, out: object, threads: int
) -> NDArray[np.floating] | None: ...
def share_sums(
    x: NDArray[np.generic],
    out: NDArray[np.floating],
    reduce_mask: int,
    axis: int,
    ptr: NDArray[np.int64],
    idx: NDArray[np.int64],
    cptr: NDArray[np.int64],
    cidx: NDArray[np.int64],
    ngroups: int,
    skipna: bool,
    fill: float,
    threads: int,
    raw: bool = False,
) -> bool: ...
def available_cores() -> int: ...
def isa() -> str: ...
def supported_isas() -> list[str]: ...
def _set_isa(name: str) -> None: ...
def stats(
    x: NDArray[np.generic],
    reduce_mask: int,
    skipna: bool,
    threads: int,
    sum: NDArray[np.float64] | None,
    sumsq: NDArray[np.float64] | None,
    xlogx: NDArray[np.float64] | None,
    count: NDArray[np.float64] | None,
    sum_lo: NDArray[np.float64] | None = None,
    sumsq_lo: NDArray[np.float64] | None = None,
    xlogx_lo: NDArray[np.float64] | None = None,
) -> None: ...
def min_sum_pairs(
    s: NDArray[np.float64], out: NDArray[np.float64], skipna: bool, threads: int
) -> None: ...
def co_occurrence(bits: NDArray[np.uint64], out: NDArray[np.float64], threads: int) -> None: ...
