"""Property tests of the update rules: they never increase their objective, stay non-negative and
finite, on the textbook functions (one run) and on the fast kernels (a batch of runs)."""

import numpy as np
import pandas as pd
import pytest
from conftest import small_problem
from scipy.optimize import nnls as scipy_nnls

import nmfteach as nt
from nmfteach import _kernels, textbook
from nmfteach.methods import METHODS, resolve_options

SEEDS = range(8)
CASES = [
    ("brunet", {}),
    ("lee", {"rescale": False}),
    ("lee", {"rescale": "both"}),
    ("hals", {}),
    ("anls", {}),
    ("pgd", {}),
    ("nsNMF", {"rescale": False}),
    ("nsNMF", {"rescale": False, "theta": 0.8}),
    ("masked_kl", {}),
    ("masked_frobenius", {}),
    ("snmf/r", {}),
    ("snmf/r", {"beta": 0.5, "eta": 0.3}),
    ("snmf/l", {}),
    ("snmf/l", {"beta": 0.5, "eta": 0.3}),
]


def _options(method, X, options, seed):
    """The method's options filled in as nmf() fills them (a random mask for the masked methods)."""
    options = dict(options)
    if METHODS[method].masked:
        options["mask"] = (np.random.default_rng(seed).uniform(size=X.shape) > 0.2).astype(float)
    return resolve_options(METHODS[method], options, X)


def textbook_trace(X, method, options, seed, n_iter=60):
    """Objective after each of n_iter textbook updates from a random start."""
    record = METHODS[method]
    W, H = nt.initialize(X, 3, "random", seed=seed)
    X = X * options["mask"] if record.masked else X
    objective = record.objective(X, options)
    values = [objective(W, H)]
    for _ in range(n_iter):
        W, H = record.textbook(X, W, H, **options)
        assert np.isfinite(W).all() and np.isfinite(H).all() and (W >= 0).all() and (H >= 0).all()
        values.append(objective(W, H))
    return np.array(values)


def kernel_traces(X, method, options, seeds, n_iter=60):
    """Objective of every run of a batch after each of n_iter kernel updates (runs x iterations)."""
    record = METHODS[method]
    starts = [nt.initialize(X, 3, "random", seed=s) for s in seeds]
    W, H = np.stack([w for w, _ in starts]), np.stack([h for _, h in starts])
    X = X * options["mask"] if record.masked else X
    work = _kernels.make_workspace(*X.shape, 3, len(seeds))
    objective = record.objective(X, options)
    values = [[objective(Wr, Hr) for Wr, Hr in zip(W, H)]]
    for _ in range(n_iter):
        record.kernel(X, W, H, work, **options)
        assert np.isfinite(W).all() and np.isfinite(H).all() and (W >= 0).all() and (H >= 0).all()
        values.append([objective(Wr, Hr) for Wr, Hr in zip(W, H)])
    return np.array(values).T


def _assert_never_increases(values):
    increases = np.diff(values) / values[:-1]
    # rounding error only: the eps floors of "brunet" and "lee" move entries by ~1e-16 and 1e-9
    assert increases.max() <= 1e-9, f"objective rose by a relative {increases.max():.2e}"
    assert values[-1] < values[0]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("method, options", CASES)
def test_textbook_updates_never_increase_their_objective(method, options, seed):
    X = small_problem(seed)
    _assert_never_increases(textbook_trace(X, method, _options(method, X, options, seed), seed))


@pytest.mark.parametrize("method, options", [case for case in CASES if METHODS[case[0]].kernel])
def test_batched_kernels_never_increase_their_objective(method, options):
    X = small_problem(11)
    for values in kernel_traces(X, method, _options(method, X, options, 11), seeds=range(4)):
        _assert_never_increases(values)


def test_lee_rescale_both_keeps_the_product_of_r_rescaling():
    """rescale="both" gives the same W as R's rescaling, with H compensated so WH is unchanged."""
    X = small_problem(3)
    W0, H0 = nt.initialize(X, 3, "random", seed=3)
    W_r, H_r = textbook.lee(X, W0, H0, rescale=True)
    W_b, H_b = textbook.lee(X, W0, H0, rescale="both")
    W_n, H_n = textbook.lee(X, W0, H0, rescale=False)
    np.testing.assert_allclose(W_r.sum(axis=0), 1.0)
    np.testing.assert_allclose(W_b, W_r)
    np.testing.assert_allclose(W_b @ H_b, W_n @ H_n, rtol=1e-12)


@pytest.mark.parametrize("method", [m for m in METHODS if METHODS[m].textbook])
def test_textbook_updates_leave_their_arguments_alone(method):
    X = small_problem(2)
    options = _options(method, X, {}, 2)
    W, H = nt.initialize(X, 3, "random", seed=2)
    W0, H0 = W.copy(), H.copy()
    METHODS[method].textbook(X * options["mask"] if METHODS[method].masked else X, W, H, **options)
    np.testing.assert_array_equal(W, W0)
    np.testing.assert_array_equal(H, H0)


@pytest.mark.parametrize("seed", SEEDS)
def test_nnls_matches_scipy_column_by_column(seed):
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(30, 5))
    B = rng.normal(size=(30, 40))
    Y = nt.nnls(A.T @ A, A.T @ B)
    expected = np.column_stack([scipy_nnls(A, b)[0] for b in B.T])
    np.testing.assert_allclose(Y, expected, atol=1e-10)
    assert (Y >= 0).all()


def test_nnls_takes_the_lessons_objects_and_says_what_is_wrong():
    """A student passes DataFrames, a Series or one sample as a vector: the answer keeps their labels."""
    rng = np.random.default_rng(3)
    W = pd.DataFrame(rng.uniform(size=(12, 2)), columns=["immune", "cell cycle"])
    X = pd.DataFrame(W.to_numpy() @ rng.uniform(size=(2, 4)), columns=[f"S{i}" for i in range(4)])
    expected = nt.nnls(W.to_numpy().T @ W.to_numpy(), W.to_numpy().T @ X.to_numpy())
    table = nt.nnls(W.T @ W, W.T @ X)
    assert list(table.index) == ["immune", "cell cycle"] and list(table.columns) == list(X.columns)
    np.testing.assert_array_equal(table.to_numpy(), expected)
    one = nt.nnls(W.T @ W, W.T @ X["S2"])
    assert isinstance(one, pd.Series) and list(one.index) == ["immune", "cell cycle"]
    np.testing.assert_allclose(one.to_numpy(), expected[:, 2], rtol=1e-12)
    vector = nt.nnls(W.to_numpy().T @ W.to_numpy(), W.to_numpy().T @ X.to_numpy()[:, 2])
    assert vector.shape == (2,)
    with pytest.raises(ValueError, match="square K x K"):
        nt.nnls(W.T, W.T @ X)
    with pytest.raises(ValueError, match="K = 2 rows.*transpose"):
        nt.nnls(W.T @ W, X.T @ W)
    with pytest.raises(ValueError, match="finite"):
        nt.nnls(W.T @ W, np.array([np.nan, 1.0]))


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
    W_t, H_t = textbook.hals(X, W, H)
    work = _kernels.make_workspace(*X.shape, 3)
    _kernels.hals(X, W, H, work)
    assert np.isfinite(W).all() and np.isfinite(H).all()
    np.testing.assert_allclose(W, W_t, rtol=1e-12)
    np.testing.assert_allclose(H, H_t, rtol=1e-12)


def test_snmf_r_makes_coefficients_sparser_as_beta_grows():
    """The squared L1 penalty on H's columns: larger beta, fewer metagenes per sample (soft
    memberships, so the data's own H is not sparse); the fit gets a little worse."""
    X = nt.simulate_expression(membership="soft", concentration=1.0, seed=3).X.to_numpy()
    start = nt.initialize(X, 3, "nndsvd")
    fits = [nt.nmf(X, 3, "snmf/r", init=start, beta=beta, max_iter=300, stop="none") for beta in (0.001, 0.1, 1.0)]
    sparseness = [nt.sparseness(fit.H) for fit in fits]
    explained = [nt.evar(X, fit.W, fit.H) for fit in fits]
    assert sparseness[0] < sparseness[1] < sparseness[2]
    assert explained[0] > explained[1] > explained[2]
