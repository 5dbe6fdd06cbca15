"""Starting points: random as R NMF, NNDSVD and its variants."""

import numpy as np
import pytest
from conftest import small_problem

import nmfteach as nt


def test_random_start_is_uniform_up_to_max_x():
    X = small_problem(0, n_genes=200, n_samples=50)
    W0, H0 = nt.initialize(X, 4, "random", seed=1)
    assert W0.shape == (200, 4) and H0.shape == (4, 50)
    for A in (W0, H0):
        assert A.min() >= 0 and A.max() <= X.max()
        assert A.mean() == pytest.approx(X.max() / 2, rel=0.1)
    again = nt.initialize(X, 4, "random", seed=1)
    np.testing.assert_array_equal(W0, again[0])


def test_nndsvd_is_deterministic_and_non_negative(lecture):
    W0, H0 = nt.initialize(lecture.X, 3, "nndsvd", seed=1)
    W1, H1 = nt.initialize(lecture.X, 3, "nndsvd", seed=2)
    assert W0.equals(W1) and H0.equals(H1)
    assert (W0.to_numpy() >= 0).all() and (H0.to_numpy() >= 0).all()
    assert list(W0.columns) == ["NMF1", "NMF2", "NMF3"] and W0.index.equals(lecture.X.index)


def test_nndsvd_first_component_is_the_leading_singular_pair(lecture):
    X = lecture.X.to_numpy()
    W0, H0 = nt.initialize(X, 3, "nndsvd")
    U, s, Vt = np.linalg.svd(X)
    np.testing.assert_allclose(np.outer(W0[:, 0], H0[0]), s[0] * np.outer(U[:, 0], Vt[0]), atol=1e-10)


@pytest.mark.parametrize("method", ["nndsvda", "nndsvdar"])
def test_nndsvd_variants_fill_the_zeros(method):
    X = small_problem(1)
    W0, H0 = nt.initialize(X, 3, "nndsvd")
    Wf, Hf = nt.initialize(X, 3, method, seed=0)
    zeros = W0 == 0
    assert zeros.any()
    np.testing.assert_array_equal(Wf[~zeros], W0[~zeros])
    if method == "nndsvda":
        assert np.all(Wf[zeros] == X.mean())
    else:
        assert np.all((Wf[zeros] > 0) & (Wf[zeros] <= X.mean() / 100))


def test_nndsvd_against_scikit_learn(golub):
    """scikit-learn is samples x genes: its W is our H transposed and vice versa. Its randomized
    SVD and its zero threshold of 1e-6 (ours and R's: 1e-10) leave differences of ~1e-7."""
    from sklearn.decomposition._nmf import _initialize_nmf

    X = golub.X.to_numpy()
    W0, H0 = nt.initialize(X, 3, "nndsvd")
    W_sk, H_sk = _initialize_nmf(X.T, 3, init="nndsvd", random_state=0)
    for ours, theirs in ((W0, H_sk.T), (H0, W_sk.T)):
        assert np.abs(ours - theirs).max() / np.abs(ours).max() < 1e-5


def test_nndsvd_of_a_large_matrix_uses_the_leading_triplets_only_with_the_same_result(monkeypatch):
    """Above LARGE_SVD a truncated SVD gives the K leading triplets (pbmc3k: ~0.2 s, not ~4 s); the
    start equals the one from the full SVD, dense or sparse."""
    import scipy.sparse as sp

    from nmfteach import init

    rng = np.random.default_rng(0)
    X = rng.gamma(0.3, 2, size=(620, 540)) * (rng.uniform(size=(620, 540)) < 0.3)
    truncated = init.nndsvd(X, 6, fill="average")
    monkeypatch.setattr(init, "LARGE_SVD", 10**9)
    full = init.nndsvd(X, 6, fill="average")
    for a, b in zip(truncated, full):
        assert np.abs(a - b).max() < 1e-10 * np.abs(b).max()
    monkeypatch.undo()
    starts = nt.initialize(sp.csr_matrix(X), 6, "nndsvda"), nt.initialize(X, 6, "nndsvda")
    for a, b in zip(*starts):
        assert np.abs(a - b).max() < 1e-10 * np.abs(b).max()
    fit_dense = nt.nmf(X, 6, "hals", init="nndsvda", max_iter=5, stop="none")
    fit_sparse = nt.nmf(sp.csr_matrix(X), 6, "hals", init="nndsvda", max_iter=5, stop="none")
    assert np.abs(fit_sparse.W - fit_dense.W).max() < 1e-10 * np.abs(fit_dense.W).max()
