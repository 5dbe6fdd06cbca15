"""Unusual or bad input: a clear error raised by nmfteach itself (never from inside numpy, pandas or
scipy, never "please report"), a warning where the answer degrades, or the right answer. Never a
silent wrong result. One row per case found by the reliability review (issue 14)."""

import traceback
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import scipy.sparse

import nmfteach as nt
from nmfteach import plotting

PACKAGE = Path(nt.__file__).parent


def lecture():
    return nt.lecture_example()


def small():
    return lecture().X.to_numpy()[:60, :12]


def raised_by_nmfteach(error):
    """The frame that raised the error is nmfteach's own code (a deliberate, explained error)."""
    return str(PACKAGE) in traceback.extract_tb(error.__traceback__)[-1].filename


def fit3():
    return nt.nmf(lecture().X, 3, nrun=3, seed=1, max_iter=100, stop="none")


# -- cases that must raise a clear error ---------------------------------------------------------

ERRORS = {
    "complex X": (lambda: nt.nmf(small() + 1j, 2), "complex"),
    "masked array X (plain method)": (lambda: nt.nmf(np.ma.masked_greater(small(), 3.0), 2), "masked array"),
    "X x 1e155 (anls)": (lambda: nt.nmf(small() * 1e155, 2, "anls"), "too large"),
    "X x 1e155 (brunet)": (lambda: nt.nmf(small() * 1e155, 2, "brunet"), "too large"),
    "X x 1e155 (lee)": (lambda: nt.nmf(small() * 1e155, 2, "lee"), "too large"),
    "X x 1e155 (hals)": (lambda: nt.nmf(small() * 1e155, 2, "hals"), "too large"),
    "X x 1e155 (pgd)": (lambda: nt.nmf(small() * 1e155, 2, "pgd"), "too large"),
    "X x 1e155 (nsNMF)": (lambda: nt.nmf(small() * 1e155, 2, "nsNMF"), "too large"),
    "rank-deficient X, NNDSVD start": (
        lambda: nt.nmf(np.outer(np.arange(1.0, 21.0), np.arange(1.0, 9.0)), 3, "brunet", init="nndsvd"),
        "rank",
    ),
    "all-zero X (masked_kl)": (lambda: nt.nmf(np.zeros((10, 6)), 2, "masked_kl"), "all zero"),
    "all-zero X (hals)": (lambda: nt.nmf(np.zeros((10, 6)), 2, "hals"), "all zero"),
    "+inf with a masked method": (lambda: nt.nmf(_with(small(), np.inf), 2, "masked_kl"), "infinite"),
    "-inf with a masked method": (lambda: nt.nmf(_with(small(), -np.inf), 2, "masked_kl"), "infinite"),
    "negative scipy.sparse X": (lambda: nt.nmf(-scipy.sparse.csr_matrix(small()), 2), "negative"),
    "scipy.sparse X into a function without a sparse path": (
        lambda: nt.randomize(scipy.sparse.csr_matrix(small())),
        "sparse",
    ),
    "simulate with NaN noise": (lambda: nt.simulate_expression(noise_sd=np.nan), "finite"),
    "simulate with inf depth": (lambda: nt.simulate_expression(noise="poisson", depth=np.inf), "finite"),
    "consensus_clusters(C, 2.5)": (lambda: nt.consensus_clusters(np.eye(4), 2.5), "whole number"),
    "tol = -1": (lambda: nt.nmf(small(), 2, "hals", tol=-1), "tol"),
    "tol = NaN": (lambda: nt.nmf(small(), 2, "hals", tol=np.nan), "tol"),
    "tol = 'a'": (lambda: nt.nmf(small(), 2, "hals", tol="a"), "tol"),
    "NaN in a mask": (lambda: nt.nmf(small(), 2, "masked_kl", mask=_with(np.ones((60, 12)), np.nan)), "mask"),
    "mask of 2s": (lambda: nt.nmf(small(), 2, "masked_kl", mask=np.full((60, 12), 2.0)), "mask"),
    "rescale='yes'": (lambda: nt.nmf(small(), 2, "lee", rescale="yes"), "rescale"),
    "evar of an all-zero X": (lambda: nt.evar(np.zeros((4, 3)), np.ones((4, 1)), np.ones((1, 3))), "all zero"),
    "holdout_error(method='bogus')": (lambda: nt.holdout_error(small(), 2, method="bogus"), "unknown method"),
    "summary classes of the wrong length": (lambda: fit3().summary(classes=[1, 2, 3]), "one label per sample"),
    "summary classes indexed by other names": (
        lambda: fit3().summary(classes=pd.Series(range(30), index=[f"x{i}" for i in range(30)])),
        "index",
    ),
    "coef_map classes of the wrong length": (lambda: plotting.coef_map(fit3(), classes=[1, 2]), "one label per sample"),
    "consensus_map classes of the wrong length": (
        lambda: plotting.consensus_map(fit3(), classes=[1, 2]),
        "one label per sample",
    ),
    "component_plot classes of the wrong length": (
        lambda: plotting.component_plot(fit3(), classes=[1, 2]),
        "one label per sample",
    ),
    "top_genes_heatmap classes of the wrong length": (
        lambda: plotting.top_genes_heatmap(lecture().X, fit3(), classes=[1, 2]),
        "one label per sample",
    ),
    "component_plot with K = 1": (
        lambda: plotting.component_plot(nt.nmf(small(), 1, max_iter=20, stop="none")),
        "two metagenes",
    ),
    "component_plot component out of range": (lambda: plotting.component_plot(fit3(), components=(0, 5)), "component"),
    "top_genes_heatmap metagene out of range": (
        lambda: plotting.top_genes_heatmap(lecture().X, fit3(), metagene=7),
        "metagene",
    ),
    "top_genes_heatmap unknown metagene name": (
        lambda: plotting.top_genes_heatmap(lecture().X, fit3(), metagene="NMF9"),
        "metagene",
    ),
    "nmf_vs_pca classes of the wrong length": (
        lambda: plotting.nmf_vs_pca(lecture().X, fit3(), classes=[1, 2]),
        "one label per sample",
    ),
}


def _with(A, value):
    A = A.copy()
    A[2, 3] = value
    return A


@pytest.mark.parametrize("case", list(ERRORS))
def test_a_clear_error_from_nmfteach(case):
    call, message = ERRORS[case]
    with pytest.raises((ValueError, TypeError)) as err:
        call()
    plt.close("all")
    assert message in str(err.value), str(err.value)
    assert "please report" not in str(err.value)
    assert raised_by_nmfteach(err.value), f"raised inside {traceback.extract_tb(err.value.__traceback__)[-1].filename}"


# -- cases that must give the right answer -------------------------------------------------------


def test_summary_aligns_classes_by_sample_name():
    fit, labels = fit3(), lecture().labels
    shuffled = labels.sample(frac=1.0, random_state=0)
    assert fit.summary(classes=shuffled)["purity"] == fit.summary(classes=labels)["purity"] == 1.0


def test_rank_survey_aligns_classes_by_sample_name():
    X, labels = lecture().X, lecture().labels
    shuffled = labels.sample(frac=1.0, random_state=1)
    a = nt.rank_survey(X, [3], nrun=2, seed=1, classes=shuffled, max_iter=200)
    b = nt.rank_survey(X, [3], nrun=2, seed=1, classes=labels, max_iter=200)
    assert a.loc[3, "purity"] == b.loc[3, "purity"] == 1.0


def test_a_masked_array_is_fitted_on_its_unmasked_entries_by_a_masked_method():
    X = small()
    spoiled = X.copy()
    spoiled[2, 3] = 1e6
    masked = np.ma.masked_array(spoiled, mask=np.zeros_like(spoiled, dtype=bool))
    masked.mask[2, 3] = True
    fit = nt.nmf(masked, 2, "masked_kl", seed=1, max_iter=50, stop="none")
    mask = np.ones_like(X)
    mask[2, 3] = 0
    same = nt.nmf(X, 2, "masked_kl", seed=1, max_iter=50, stop="none", mask=mask)
    np.testing.assert_allclose(fit.W, same.W)


@pytest.mark.parametrize("make_seed", [lambda: np.random.default_rng(5), lambda: np.random.SeedSequence(5)])
def test_generators_and_seed_sequences_are_accepted_everywhere(make_seed):
    X = small()
    a = nt.nmf(X, 2, nrun=2, seed=make_seed(), max_iter=20, stop="none")
    b = nt.nmf(X, 2, nrun=2, seed=make_seed(), max_iter=20, stop="none")
    np.testing.assert_array_equal(a.W, b.W)
    assert isinstance(a.settings["seed"], int)
    assert nt.holdout_error(X, 2, seed=make_seed(), max_iter=20) == nt.holdout_error(
        X, 2, seed=make_seed(), max_iter=20
    )
    survey = nt.rank_survey(X, [2], nrun=2, seed=make_seed(), max_iter=20)
    assert np.isfinite(survey.loc[2, "objective"])


def test_a_survey_at_k_1_has_nan_where_a_measure_needs_two_metagenes():
    survey = nt.rank_survey(small(), [1, 2], nrun=2, seed=1, max_iter=30)
    assert np.isnan(survey.loc[1, "sparseness_H"]) and np.isfinite(survey.loc[1, "evar"])
    assert np.isfinite(survey.loc[2, "sparseness_H"])


def test_extract_features_of_a_collapsed_w_selects_nothing():
    W = np.outer(np.arange(1.0, 41.0), np.ones(3))  # every gene loads equally on all metagenes
    assert all(genes == [] for genes in nt.extract_features(W).values())


def test_lee_warns_when_its_guard_is_not_small_against_the_data():
    X = small()
    with pytest.warns(UserWarning, match="eps"):
        nt.nmf(X * 1e-8, 2, "lee", seed=1, max_iter=50, stop="none")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nt.nmf(X, 2, "lee", seed=1, max_iter=50, stop="none")  # the lecture's scale: no warning
