"""nmfteach against R package NMF 0.25, from reference values made by make_fixtures.R."""

import numpy as np
import pandas as pd
import pytest
from conftest import r_matrix, r_value

import nmfteach as nt

pytestmark = pytest.mark.parity


def relative_error(ours, theirs) -> float:
    ours, theirs = np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float)
    return float(np.abs(ours - theirs).max() / np.abs(theirs).max())


@pytest.mark.parametrize("method, tag", [("nndsvd", "nndsvd"), ("nndsvda", "nndsvda")])
def test_nndsvd_start_of_golub_matches_r(golub, method, tag):
    W0, H0 = nt.initialize(golub.X, 3, method)
    assert relative_error(W0, r_matrix(f"golub_{tag}_k3_W")) < 1e-10
    assert relative_error(H0, r_matrix(f"golub_{tag}_k3_H")) < 1e-10
    # the same zero pattern, not just close values
    assert np.array_equal(np.asarray(W0) == 0, r_matrix(f"golub_{tag}_k3_W") == 0)


@pytest.mark.parametrize("method", ["brunet", "lee"])
def test_200_updates_on_golub_match_r(golub, golub_nndsvd, method):
    fit = nt.nmf(golub.X, 3, method, init=golub_nndsvd, max_iter=200, stop="none")
    assert fit.n_iter == 200 == r_value(f"golub_{method}_200", "niter")
    assert relative_error(fit.W, r_matrix(f"golub_{method}_200_W")) < 1e-10
    assert relative_error(fit.H, r_matrix(f"golub_{method}_200_H")) < 1e-10
    assert fit.objective == pytest.approx(r_value(f"golub_{method}_200", "deviance"), rel=1e-10)


@pytest.mark.parametrize("method", ["brunet", "lee"])
def test_connectivity_stopping_matches_r(method):
    """R's default stopping rule: same iteration count and same factors on the lecture's data."""
    X = nt.lecture_example(source="R").X.to_numpy()
    W0, H0 = nt.initialize(X, 3, "nndsvd")
    assert relative_error(W0, r_matrix("lecture_nndsvd_k3_W")) < 1e-10
    fit = nt.nmf(X, 3, method, init=(W0, H0))
    assert fit.settings["stop"] == "connectivity"
    assert fit.n_iter == r_value(f"lecture_{method}_default", "niter")
    assert relative_error(fit.W, r_matrix(f"lecture_{method}_default_W")) < 1e-10
    assert relative_error(fit.H, r_matrix(f"lecture_{method}_default_H")) < 1e-10
    assert fit.objective == pytest.approx(r_value(f"lecture_{method}_default", "deviance"), rel=1e-10)


@pytest.mark.parametrize("theta", [0.5, 0.8])
def test_nsnmf_200_updates_on_golub_match_r(golub, golub_nndsvd, theta):
    """nsNMF (X ≈ WSH) from R's NNDSVD start; the objective is KL of X from WSH."""
    tag = f"golub_nsNMF_theta{round(10 * theta):02d}_200"
    fit = nt.nmf(golub.X, 3, "nsNMF", init=golub_nndsvd, theta=theta, max_iter=200, stop="none")
    assert relative_error(fit.W, r_matrix(f"{tag}_W")) < 1e-10
    assert relative_error(fit.H, r_matrix(f"{tag}_H")) < 1e-10
    assert fit.objective == pytest.approx(r_value(tag, "deviance"), rel=1e-10)
    assert nt.kl_divergence(golub.X, fit.fitted(), np.eye(38)) == pytest.approx(r_value(tag, "KL_of_WSH"), rel=1e-10)


def test_nsnmf_connectivity_stopping_matches_r():
    X = nt.lecture_example(source="R").X.to_numpy()
    fit = nt.nmf(X, 3, "nsNMF", init="nndsvd")
    assert fit.settings["theta"] == 0.5 and fit.settings["stop"] == "connectivity"
    assert fit.n_iter == r_value("lecture_nsNMF_default", "niter")
    assert relative_error(fit.W, r_matrix("lecture_nsNMF_default_W")) < 1e-10
    assert relative_error(fit.H, r_matrix("lecture_nsNMF_default_H")) < 1e-10
    assert fit.objective == pytest.approx(r_value("lecture_nsNMF_default", "deviance"), rel=1e-10)


def test_objectives_match_r(golub):
    W, H = r_matrix("golub_nndsvda_k3_W"), r_matrix("golub_nndsvda_k3_H")
    assert nt.kl_divergence(golub.X, W, H) == pytest.approx(r_value("golub_nndsvda_k3", "KL"), rel=1e-12)
    assert nt.rss(golub.X, W, H) == pytest.approx(r_value("golub_nndsvda_k3", "rss"), rel=1e-12)
    assert nt.evar(golub.X, W, H) == pytest.approx(r_value("golub_nndsvda_k3", "evar"), rel=1e-12)
    # R's "lee" deviance is half the RSS
    assert nt.frobenius(golub.X, W, H) == pytest.approx(r_value("golub_nndsvda_k3", "rss") / 2, rel=1e-12)


def test_the_slides_top_genes_from_the_lectures_own_matrix():
    """On the matrix R simulated for the slides, nmf(X, 3, "brunet", nrun=30, seed=123) finds the
    slide's clusters and its top-10 genes per metagene (metagenes come in another order; our
    random starts are numpy's, so the 10th gene of one metagene may differ)."""
    lecture = nt.lecture_example(source="R")
    fit = nt.nmf(lecture.X, 3, "brunet", nrun=30, seed=123)
    slide = np.array(
        [
            [14, 297, 289],
            [119, 248, 134],
            [224, 193, 100],
            [19, 24, 196],
            [286, 277, 47],
            [141, 139, 76],
            [138, 87, 161],
            [37, 5, 229],
            [257, 20, 27],
            [241, 118, 56],
        ]
    )
    ours = np.argsort(-fit.W.to_numpy(), axis=0, kind="stable")[:10] + 1  # gene numbers, as R
    matched = [max(range(3), key=lambda c: len(set(ours[:, k]) & set(slide[:, c]))) for k in range(3)]
    assert sorted(matched) == [0, 1, 2]
    same_order = [np.array_equal(ours[:, k], slide[:, c]) for k, c in enumerate(matched)]
    overlap = [len(set(ours[:, k]) & set(slide[:, c])) for k, c in enumerate(matched)]
    assert sum(same_order) >= 2 and min(overlap) >= 9
    table = pd.crosstab(lecture.labels, fit.predict())
    assert sorted(table.max(axis=1)) == [10, 10, 10] and sorted(table.idxmax(axis=1)) == [1, 2, 3]


@pytest.mark.parametrize("method", ["snmf/r", "snmf/l"])
@pytest.mark.parametrize("case, options", [("default", {}), ("b01_e1000", {"beta": 0.1, "eta": 1000.0})])
def test_snmf_50_iterations_on_golub_match_r(golub, golub_nndsvd, method, case, options):
    """Kim & Park's sparse NMF from R's NNDSVD start: W's columns (snmf/r) or H's rows (snmf/l)
    normalized, then 50 alternating NNLS steps with R's regularized systems (R solves them with
    fcnnls, nmfteach with block principal pivoting: the same exact solutions)."""
    tag = f"golub_snmf{method[-1]}_{case}_50"
    fit = nt.nmf(golub.X, 3, method, init=golub_nndsvd, max_iter=50, stop="none", **options)
    assert fit.n_iter == 50 == r_value(tag, "niter")
    assert fit.settings["eta"] == options.get("eta", golub.X.to_numpy().max())
    assert relative_error(fit.W, r_matrix(f"{tag}_W")) < 1e-8
    assert relative_error(fit.H, r_matrix(f"{tag}_H")) < 1e-8
    # R reports ½(‖X − WH‖² + η‖W‖² + β Σⱼ‖Hⱼ‖₁²) although its W step penalizes η²‖W‖²; nmfteach
    # reports the objective its updates decrease (with η²). R's number, from our factors:
    W, H, X = np.asarray(fit.W), np.asarray(fit.H), golub.X.to_numpy()
    eta, beta = fit.settings["eta"], fit.settings["beta"]
    sparse = H.sum(axis=0) if method == "snmf/r" else W.sum(axis=1)
    r_objective = 0.5 * (
        np.sum((X - W @ H) ** 2) + eta * np.sum((W if method == "snmf/r" else H) ** 2) + beta * np.sum(sparse**2)
    )
    assert r_objective == pytest.approx(r_value(tag, "deviance"), rel=1e-10)


@pytest.mark.parametrize("method", ["snmf/r", "snmf/l"])
def test_snmf_default_stopping_matches_r(method):
    """R's snmf rule (clusters of genes and samples stable for 10 tests, one every 5 iterations,
    and the KKT violation below 1e-4 of its first value): the same iteration count and factors."""
    X = nt.lecture_example(source="R").X.to_numpy()
    tag = f"lecture_snmf{method[-1]}_default"
    fit = nt.nmf(X, 3, method, init="nndsvd")
    assert fit.settings["stop"] == "kkt" and fit.runs["converged"].all()
    assert fit.n_iter == r_value(tag, "niter")
    assert relative_error(fit.W, r_matrix(f"{tag}_W")) < 1e-8
    assert relative_error(fit.H, r_matrix(f"{tag}_H")) < 1e-8
