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
    H_sk_t = model.fit_transform(X.T, W=H0.T.copy(), H=W0.T.copy())       # samples x K = our H.T
    objective = nt.frobenius(X, model.components_.T, H_sk_t.T)
    # its reconstruction_err_ is ‖X − WH‖_F, our objective ½‖X − WH‖²_F
    assert objective == pytest.approx(0.5 * model.reconstruction_err_ ** 2, rel=1e-9)
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
