"""Property tests of the update rules: they never increase their objective, stay non-negative and finite."""

import numpy as np
import pytest
from scipy.optimize import nnls as scipy_nnls

import nmfteach as nt
from nmfteach import algorithms
from nmfteach.objectives import OBJECTIVES
from conftest import small_problem

SEEDS = range(8)


def trace(X, method, seed, n_iter=60, **options):
    """Objective after each of n_iter updates from a random start (2-D arrays, as nmf() uses for one run)."""
    W, H = nt.initialize(X, 3, "random", seed=seed)
    work = algorithms.make_workspace(*X.shape, 3)
    loss = OBJECTIVES[algorithms.OBJECTIVE_OF[method]]
    values = [loss(X, W @ H)]
    for it in range(1, n_iter + 1):
        algorithms.UPDATES[method](X, W, H, it, work, **options)
        assert np.isfinite(W).all() and np.isfinite(H).all()
        assert (W >= 0).all() and (H >= 0).all()
        values.append(loss(X, W @ H))
    return np.array(values)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("method, options", [
    ("brunet", {}), ("lee", {"rescale": False}), ("lee", {"rescale": "both"}),
    ("hals", {}), ("anls", {}), ("pgd", {})])
def test_updates_never_increase_their_objective(method, options, seed):
    values = trace(small_problem(seed), method, seed, **options)
    increases = np.diff(values) / values[:-1]
    # rounding error only: the eps floors of "brunet" and "lee" move entries by ~1e-16 and 1e-9
    assert increases.max() <= 1e-9, f"objective rose by a relative {increases.max():.2e}"
    assert values[-1] < values[0]


def test_lee_rescale_both_keeps_the_product_of_r_rescaling():
    """rescale="both" gives the same W as R's rescaling, with H compensated so WH is unchanged."""
    X = small_problem(3)
    W0, H0 = nt.initialize(X, 3, "random", seed=3)
    work = algorithms.make_workspace(*X.shape, 3)
    W_r, H_r, W_b, H_b, W_n, H_n = W0.copy(), H0.copy(), W0.copy(), H0.copy(), W0.copy(), H0.copy()
    algorithms.lee(X, W_r, H_r, 1, work, rescale=True)
    algorithms.lee(X, W_b, H_b, 1, work, rescale="both")
    algorithms.lee(X, W_n, H_n, 1, work, rescale=False)
    np.testing.assert_allclose(W_r.sum(axis=0), 1.0)
    np.testing.assert_allclose(W_b, W_r)
    np.testing.assert_allclose(W_b @ H_b, W_n @ H_n, rtol=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_nnls_matches_scipy_column_by_column(seed):
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(30, 5))
    B = rng.normal(size=(30, 40))
    Y = nt.nnls(A.T @ A, A.T @ B)
    expected = np.column_stack([scipy_nnls(A, b)[0] for b in B.T])
    np.testing.assert_allclose(Y, expected, atol=1e-10)
    assert (Y >= 0).all()


def test_nnls_with_a_zero_column_in_A():
    """A metagene that died (an all-zero column of W) makes AᵀA singular; nnls must still answer."""
    rng = np.random.default_rng(0)
    A = rng.uniform(size=(20, 3))
    A[:, 1] = 0
    B = A @ rng.uniform(size=(3, 7))
    Y = nt.nnls(A.T @ A, A.T @ B)
    assert np.isfinite(Y).all()
    np.testing.assert_allclose(A @ Y, B, atol=1e-10)


def test_hals_survives_a_dead_metagene():
    X = small_problem(1)
    W, H = nt.initialize(X, 3, "random", seed=1)
    W[:, 2] = 0
    work = algorithms.make_workspace(*X.shape, 3)
    algorithms.hals(X, W, H, 1, work)
    assert np.isfinite(W).all() and np.isfinite(H).all()
