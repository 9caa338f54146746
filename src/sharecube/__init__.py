"""sharecube: country shares, bloc share sums and trade indicators over large cubes.

The core computations work on any N-d array (typically country x sector x year):

- :func:`shares`: each country's share of the world, ``x / sum(x, axis)``;
- :func:`share_sums`: each bloc's share, for disjoint labels or overlapping blocs;
- indicators on shares: :func:`rca`, :func:`hhi`, :func:`entropy`, :func:`share_change`,
  :func:`similarity`.

Three backends compute the same answer: ``"cpp"`` (compiled, multi-threaded, the default),
``"numba"`` (if numba is installed) and ``"numpy"`` (the reference). See :func:`backends`.
"""

from sharecube._dispatch import backends
from sharecube.indicators import entropy, hhi, rca, share_change, similarity
from sharecube.share import share_sums, shares

__version__ = "0.1.0"
__all__ = [
    "__version__",
    "backends",
    "entropy",
    "hhi",
    "rca",
    "share_change",
    "share_sums",
    "shares",
    "similarity",
]
