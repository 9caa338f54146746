from __future__ import annotations

import numpy as np
import pytest
from hypothesis import settings

import sharecube

# No per-example deadline: shared CI machines and sanitizer builds are slow and uneven.
settings.register_profile("sharecube", deadline=None, max_examples=60)
settings.load_profile("sharecube")

FAST_BACKENDS = [b for b in ("cpp", "numba") if b in sharecube.backends()]


@pytest.fixture(params=FAST_BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """Each non-reference backend available here."""
    return request.param


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(12345)
