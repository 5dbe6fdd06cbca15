"""scikit-learn as a second reference (test-only). It puts samples in rows, so X.T goes in."""

import numpy as np
import pytest
from sklearn.decomposition import NMF

import nmfteach as nt


@pytest.fixture(scope="module")
def cd_reference(lecture):
    """scikit-learn's coordinate descent run to convergence from our NNDSVD start."""
    X = lecture.X.to_numpy()
    W0, H0 = nt.initialize(X, 3, "nndsvd")
    model = NMF(3, init="custom", solver="cd", beta_loss="frobenius", tol=1e-10, max_iter=5000)
    H_sk_t = model.fit_transform(X.T, W=H0.T.copy(), H=W0.T.copy())  # samples x K = our H.T
    objective = nt.frobenius(X, model.components_.T, H_sk_t.T)
    # its reconstruction_err_ is ‖X − WH‖_F, our objective ½‖X − WH‖²_F
    assert objective == pytest.approx(0.5 * model.reconstruction_err_**2, rel=1e-9)
    return X, (W0, H0), objective


@pytest.mark.parametrize("method", ["hals", "anls", "pgd"])
def test_frobenius_fits_are_no_worse_than_scikit_learns_cd(cd_reference, method):
    X, start, theirs = cd_reference
    ours = nt.nmf(X, 3, method, init=start, stop="objective", tol=1e-12, max_iter=20000)
    assert ours.objective <= theirs * (1 + 1e-9), f"{method}: {ours.objective} vs scikit-learn {theirs}"


def test_multiplicative_updates_approach_it_slowly(cd_reference):
    """Lee-Seung updates are famously slow: after 20000 of them, still ~2e-4 above (lesson 04)."""
    X, start, theirs = cd_reference
    ours = nt.nmf(X, 3, "lee", init=start, stop="none", max_iter=20000)
    assert theirs < ours.objective < theirs * (1 + 1e-3)


@pytest.mark.parametrize(
    "alpha_W, alpha_H, l1_ratio, alive", [(0.02, 0.0, 1.0, 3), (0.0, 0.05, 0.3, 3), (0.01, 0.03, 0.5, 2)]
)
def test_penalized_hals_is_scikit_learns_cd_with_the_alphas_swapped(lecture, alpha_W, alpha_H, l1_ratio, alive):
    """Same start, same number of sweeps, same penalties: the same factors. scikit-learn's W is
    our Hᵀ, so our alpha_W (on the metagenes) is its alpha_H, and its alpha_W is our alpha_H."""
    X = lecture.X.to_numpy()
    W0, H0 = nt.initialize(X, 3, "nndsvda")  # its first H update zeroes metagene 1's coefficients
    ours = nt.nmf(
        X, 3, "hals", init=(W0, H0), stop="none", max_iter=50, alpha_W=alpha_W, alpha_H=alpha_H, l1_ratio=l1_ratio
    )
    model = NMF(
        3,
        init="custom",
        solver="cd",
        tol=0.0,
        max_iter=50,
        shuffle=False,
        alpha_W=alpha_H,
        alpha_H=alpha_W,
        l1_ratio=l1_ratio,
    )
    H_sk_t = model.fit_transform(X.T, W=H0.T.copy(), H=W0.T.copy())
    assert model.n_iter_ == 50  # tol=0: all 50 sweeps, as stop="none"
    # with curvature 0 (no L2 on W) W's column is left alone and the metagene comes back, as in
    # scikit-learn; with an L2 term on W, both zero it for good
    assert (np.asarray(ours.W).sum(axis=0) > 0).sum() == alive
    assert np.abs(ours.W - model.components_.T).max() < 1e-10 * np.abs(ours.W).max()
    assert np.abs(ours.H - H_sk_t.T).max() < 1e-10 * np.abs(ours.H).max()
    # scikit-learn's penalized loss, written out in its own (transposed) terms
    G, S = X.shape
    W_sk, H_sk = H_sk_t, model.components_
    theirs = (
        0.5 * np.sum((X.T - W_sk @ H_sk) ** 2)
        + G * alpha_H * (l1_ratio * W_sk.sum() + 0.5 * (1 - l1_ratio) * np.sum(W_sk**2))
        + S * alpha_W * (l1_ratio * H_sk.sum() + 0.5 * (1 - l1_ratio) * np.sum(H_sk**2))
    )
    assert ours.objective == pytest.approx(theirs, rel=1e-10)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")  # a few iterations are enough here
def test_lesson_00s_table_of_scikit_learn_calls_says_what_they_do(lecture):
    """The scikit-learn column of lesson 00's R/nmfteach/scikit-learn table, run as printed."""
    X = lecture.X
    model = NMF(3, solver="mu", beta_loss="kullback-leibler", init="random", random_state=123, max_iter=50)
    sample_weights = model.fit_transform(X.T)  # samples x K
    assert model.components_.T.shape == (300, 3) and sample_weights.T.shape == (3, 30)  # our W and H
    clusters = sample_weights.argmax(axis=1) + 1
    assert set(clusters) <= {1, 2, 3}  # counted from 1 after the + 1
    # reconstruction_err_ is √(2 × objective): here the KL divergence D(X ‖ WH)
    kl = nt.kl_divergence(X.to_numpy(), model.components_.T, sample_weights.T)
    assert 0.5 * model.reconstruction_err_**2 == pytest.approx(kl, rel=1e-9)
    # without init, scikit-learn starts from NNDSVDa (K ≤ min(samples, genes)), not from a random start
    default, nndsvda = (NMF(3, init=init, max_iter=20).fit(X.T).components_ for init in (None, "nndsvda"))
    assert np.allclose(default, nndsvda)
