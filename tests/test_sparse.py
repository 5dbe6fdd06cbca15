"""scipy.sparse X: the same numbers as the dense path from the same start, and clear errors."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp

import nmfteach as nt


@pytest.fixture(scope="module")
def counts():
    """Simulated UMI-like counts, about two thirds zeros, as a dense array and as CSR."""
    sim = nt.simulate_expression(n_genes=150, n_samples=40, rank=3, noise="negative_binomial", depth=0.3,
                                 dispersion=0.5, seed=4)  # fmt: skip
    X = sim.X.to_numpy()
    X = X[X.sum(axis=1) > 0][:, X.sum(axis=0) > 0]
    assert 0.5 < np.mean(X == 0) < 0.9  # mostly zeros: the dense KL objective takes logs only where X > 0
    return X, sp.csr_matrix(X)


def _relative(A, B):
    A, B = np.asarray(A), np.asarray(B)
    return np.abs(A - B).max() / np.abs(B).max()


@pytest.mark.parametrize("method", ["brunet", "lee", "hals", "pgd"])
@pytest.mark.parametrize("init", ["random", "nndsvda"])
def test_sparse_fit_equals_the_dense_fit_from_the_same_start(counts, method, init):
    dense, sparse = counts
    options = dict(init=init, seed=3, max_iter=200, stop="none")
    a, b = nt.nmf(dense, 3, method, **options), nt.nmf(sparse, 3, method, **options)
    assert _relative(b.W, a.W) < 1e-10 and _relative(b.H, a.H) < 1e-10
    assert b.objective == pytest.approx(a.objective, rel=1e-10)
    np.testing.assert_allclose(b.history, a.history, rtol=1e-10)
    name = "kl" if method == "brunet" else "frobenius"  # the fit's objective is the public one, dense or not
    assert a.objective == pytest.approx(nt.objective(dense, a.W, a.H, name), rel=1e-12)


def test_sparse_batches_of_runs_and_stopping_rules_match_dense(counts):
    dense, sparse = counts
    for method, extra in [("brunet", {}), ("hals", {"alpha_W": 0.01, "alpha_H": 0.01, "l1_ratio": 1.0})]:
        a = nt.nmf(dense, 3, method, nrun=4, seed=1, **extra)
        b = nt.nmf(sparse, 3, method, nrun=4, seed=1, **extra)
        assert list(a.runs["n_iter"]) == list(b.runs["n_iter"])  # the same stopping iteration, run by run
        assert _relative(b.W, a.W) < 1e-10
        np.testing.assert_allclose(b.consensus, a.consensus)


def test_sparse_kl_updates_never_increase_the_divergence(counts):
    fit = nt.nmf(counts[1], 4, "brunet", seed=2, max_iter=150, stop="none")
    steps = np.diff(fit.history.to_numpy())
    assert (steps <= 1e-12 * fit.history.to_numpy()[:-1]).all()


def test_objectives_and_summary_take_sparse_x(counts):
    dense, sparse = counts
    fit = nt.nmf(dense, 3, "brunet", seed=1, max_iter=50, stop="none")
    for name in ("frobenius", "kl_divergence", "rss", "evar"):
        function = getattr(nt, name)
        assert function(sparse, fit.W, fit.H) == pytest.approx(function(dense, fit.W, fit.H), rel=1e-10), name
    assert nt.objective(sparse, fit.W, fit.H, "kl") == pytest.approx(nt.kl_divergence(dense, fit.W, fit.H))
    both = fit.summary(dense), fit.summary(sparse)
    assert both[1]["evar"] == pytest.approx(both[0]["evar"], rel=1e-10)
    with pytest.raises(ValueError, match="shapes do not match"):
        nt.frobenius(sparse, fit.W, fit.H[:, :5])


def test_rank_survey_on_sparse_x(counts):
    dense, sparse = counts
    a = nt.rank_survey(dense, [2, 3], nrun=3, seed=1)
    b = nt.rank_survey(sparse, [2, 3], nrun=3, seed=1)
    np.testing.assert_allclose(b["cophenetic"], a["cophenetic"], rtol=1e-10)
    np.testing.assert_allclose(b["evar"], a["evar"], rtol=1e-10)
    with pytest.warns(nt.DensifyWarning, match="randomized option needs X as a dense array"):
        nt.rank_survey(sparse, [2], nrun=2, seed=1, randomized=True)
    with pytest.warns(nt.DensifyWarning, match="holdout_error needs X as a dense array"):
        held = nt.holdout_error(sparse, 2, seed=1, max_iter=50)
    assert held == pytest.approx(nt.holdout_error(dense, 2, seed=1, max_iter=50), rel=1e-12)


def test_methods_without_a_sparse_path_say_they_densify(counts):
    dense, sparse = counts
    with pytest.warns(nt.DensifyWarning, match=r"'anls' has no sparse path.*MiB"):
        b = nt.nmf(sparse, 3, "anls", init="nndsvd", max_iter=20, stop="none")
    a = nt.nmf(dense, 3, "anls", init="nndsvd", max_iter=20, stop="none")
    np.testing.assert_allclose(b.W, a.W)


def test_the_callers_sparse_matrix_is_not_modified(counts):
    sparse = counts[1].astype(np.int64).tocoo()  # integer counts, COO with its own layout
    before = (sparse.data.copy(), sparse.row.copy(), sparse.col.copy())
    nt.nmf(sparse, 3, "brunet", seed=1, max_iter=20, stop="none")
    for kept, now in zip(before, (sparse.data, sparse.row, sparse.col)):
        np.testing.assert_array_equal(kept, now)


def test_bad_sparse_input_gets_a_clear_error(counts):
    good = counts[1]
    negative = good.copy()
    negative.data[0] = -1.0
    with pytest.raises(ValueError, match="stores 1 negative value"):
        nt.nmf(negative, 3)
    missing = good.copy()
    missing.data[[0, 5]] = [np.nan, np.inf]
    with pytest.raises(ValueError, match="stores 2 NaN or infinite"):
        nt.nmf(missing, 3)
    explicit = good.copy()
    explicit.data[3] = 0.0
    with pytest.raises(ValueError, match=r"stores 1 explicit zero.*eliminate_zeros\(\)"):
        nt.nmf(explicit, 3)
    empty_gene = sp.vstack([good, sp.csr_matrix((1, good.shape[1]))]).tocsr()
    with pytest.raises(ValueError, match=r"all-zero row \(gene\).*count_nonzero"):
        nt.nmf(empty_gene, 3, "brunet")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", nt.ConvergenceWarning)
        nt.nmf(empty_gene, 3, "hals", max_iter=5)  # squared error has nothing to divide: allowed
    with pytest.raises(TypeError, match="complex128 values"):
        nt.nmf(good.astype(complex), 3)
    with pytest.raises(ValueError, match="is empty"):
        nt.nmf(sp.csr_matrix((0, 4)), 1)
    with pytest.raises(ValueError, match="rank|K"):
        nt.nmf(good, good.shape[1] + 1)
