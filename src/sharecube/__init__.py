"""sharecube: country shares, bloc share sums and trade indicators over large cubes.

The core computations work on any N-d array (typically country x sector x year):

- :func:`shares`: each country's share of the world, ``x / sum(x, axis)``;
- :func:`share_sums`: each bloc's share, for disjoint labels or overlapping blocs;
- indicators on shares: :func:`rca`, :func:`hhi`, :func:`entropy`, :func:`share_change`,
  :func:`similarity`.

Three backends compute the same answer: ``"cpp"`` (compiled, multi-threaded, the default),
``"numba"`` (if numba is installed) and ``"numpy"`` (the reference). See :func:`backends`.

The labeled layer (``pip install "sharecube[labeled]"``: pandas and xarray) is imported on
first use: :func:`from_long` / :func:`to_long` (long tables <-> cubes), :class:`Blocs`,
:func:`cooperation_model`, and the ``.sharecube`` accessor on xarray objects (registered by
``import sharecube.labeled``, or by ``import sharecube`` when xarray is already imported).
"""

import sys as _sys
from typing import Any as _Any

from sharecube._dispatch import backends
from sharecube._frontends import (
    cog,
    coi,
    complementarity,
    density,
    eci,
    entropy,
    group_sums,
    hhi,
    intra_industry,
    intra_industry_total,
    market_share_total,
    pci,
    proximity,
    rca,
    share_change,
    share_sums,
    shares,
    similarity,
    trade_balance,
    trade_intensity,
)

__version__ = "0.1.0"
__all__ = [
    "Blocs",
    "__version__",
    "backends",
    "cog",
    "coi",
    "complementarity",
    "cooperation_model",
    "density",
    "eci",
    "entropy",
    "from_long",
    "group_sums",
    "hhi",
    "intra_industry",
    "intra_industry_total",
    "market_share_total",
    "pci",
    "proximity",
    "rca",
    "share_change",
    "share_sums",
    "shares",
    "similarity",
    "to_long",
    "trade_balance",
    "trade_intensity",
]

_LAZY = {
    "Blocs": "sharecube.blocs",
    "cooperation_model": "sharecube.cooperation",
    "from_long": "sharecube.tidy",
    "to_long": "sharecube.tidy",
}


def __getattr__(name: str) -> _Any:
    # pandas and xarray load only when the labeled layer is used
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'sharecube' has no attribute {name!r}")


if "xarray" in _sys.modules:  # register the accessor for users who already use xarray
    import sharecube.labeled  # noqa: F401
