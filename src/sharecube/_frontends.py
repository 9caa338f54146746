"""The public array functions, and the route by which dask arrays reach their engine.

The functions are the declarations of :mod:`sharecube.share`, :mod:`sharecube.indicators`,
:mod:`sharecube.complexity` and :mod:`sharecube.bilateral`. A dask array given to one of them
goes to the one dask engine,
:func:`sharecube._dask.apply` (imported only then), registered here with
:func:`sharecube._dispatch.register_engine`: the in-memory front ends never import the dask
engine, which itself calls them on each block.
"""

from __future__ import annotations

from typing import Any

from sharecube import _declare, _dispatch
from sharecube.bilateral import (  # noqa: F401
    complementarity,
    intra_industry,
    intra_industry_total,
    market_share_total,
    trade_balance,
    trade_intensity,
)
from sharecube.complexity import cog, coi, density, eci, pci, proximity  # noqa: F401

# the public functions, re-exported by the package root
from sharecube.indicators import entropy, hhi, rca, share_change, similarity  # noqa: F401
from sharecube.share import group_sums, share_sums, shares  # noqa: F401


def _dask_function(name: str) -> Any:
    from sharecube import _dask

    return getattr(_dask, name)


DECLARATIONS = _declare.DECLARATIONS  # every public array function, declared (read by labeled)


_dispatch.register_engine("dask", _dask_function)
