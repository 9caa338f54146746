import numpy as np
from numpy.typing import NDArray

def shares(
    x: NDArray[np.generic],
    out: NDArray[np.floating],
    reduce_mask: int,
    skipna: bool,
    fill: float,
    threads: int,
) -> None: ...
def share_sums(
    x: NDArray[np.generic],
    out: NDArray[np.floating],
    reduce_mask: int,
    axis: int,
    ptr: NDArray[np.int64],
    idx: NDArray[np.int64],
    ngroups: int,
    skipna: bool,
    fill: float,
    threads: int,
) -> None: ...
def available_cores() -> int: ...
