"""Properties that hold for any input (hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import sharecube as sc

BACKENDS = sc.backends()

positive = hnp.arrays(
    dtype=np.float64,
    shape=hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=6),
    elements=st.floats(min_value=1e-3, max_value=1e6, allow_nan=False),
)


@st.composite
def cube_and_axis(draw):
    x = draw(positive)
    axis = draw(st.integers(min_value=0, max_value=x.ndim - 1))
    return x, axis


@given(cube_and_axis(), st.sampled_from(BACKENDS))
def test_shares_sum_to_one(case, backend) -> None:
    x, axis = case
    s = sc.shares(x, axis, backend=backend)
    np.testing.assert_allclose(s.sum(axis=axis), 1.0, rtol=1e-13)
    assert np.all((s > 0) & (s <= 1))


@given(cube_and_axis(), st.sampled_from(BACKENDS), st.data())
def test_partition_group_sums_add_to_one(case, backend, data) -> None:
    x, axis = case
    n = x.shape[axis]
    labels = np.array(data.draw(st.lists(st.integers(0, 3), min_size=n, max_size=n)))
    g = sc.share_sums(x, labels, axis, ngroups=4, backend=backend)
    np.testing.assert_allclose(g.sum(axis=axis), 1.0, rtol=1e-13)


@given(
    cube_and_axis(),
    st.sampled_from(BACKENDS),
    st.floats(min_value=1e-6, max_value=1e6).filter(lambda c: c > 0),
)
def test_scaling_changes_nothing(case, backend, c) -> None:
    x, axis = case
    np.testing.assert_allclose(
        sc.shares(x * c, axis, backend=backend), sc.shares(x, axis, backend=backend), rtol=1e-13
    )


@given(cube_and_axis(), st.sampled_from(BACKENDS), st.randoms(use_true_random=False))
def test_permuting_the_axis_permutes_the_shares(case, backend, rnd) -> None:
    x, axis = case
    perm = np.arange(x.shape[axis])
    rnd.shuffle(perm)
    a = sc.shares(np.take(x, perm, axis=axis), axis, backend=backend)
    b = np.take(sc.shares(x, axis, backend=backend), perm, axis=axis)
    np.testing.assert_allclose(a, b, rtol=1e-14)


@given(cube_and_axis(), st.sampled_from(BACKENDS), st.data())
def test_overlapping_blocs_equal_single_bloc_results(case, backend, data) -> None:
    x, axis = case
    n = x.shape[axis]
    member = np.array(
        data.draw(st.lists(st.lists(st.booleans(), min_size=3, max_size=3), min_size=n, max_size=n))
    )
    together = sc.share_sums(x, member, axis, backend=backend)
    for k in range(3):
        alone = sc.share_sums(x, member[:, k : k + 1], axis, backend=backend)
        np.testing.assert_array_equal(np.take(together, [k], axis=axis), alone)
        # and a bloc's share sum is the sum of its members' shares
        members = np.take(sc.shares(x, axis, backend=backend), np.flatnonzero(member[:, k]), axis)
        np.testing.assert_allclose(
            alone, members.sum(axis=axis, keepdims=True), rtol=1e-13, atol=1e-300
        )
