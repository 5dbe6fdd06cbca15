"""Choosing K: the survey, randomized baselines, held-out cross-validation and masked updates."""

import numpy as np
import pandas as pd
import pytest
from conftest import small_problem

import nmfteach as nt


@pytest.fixture(scope="module")
def lecture_survey(lecture):
    return nt.rank_survey(
        lecture.X, range(2, 7), nrun=10, seed=123, classes=lecture.labels, randomized=True, holdout=0.1
    )


def test_survey_points_to_the_true_rank(lecture_survey):
    original = lecture_survey.loc["original"]
    assert list(original.index) == [2, 3, 4, 5, 6]
    assert original["cophenetic"].idxmax() == 3
    assert original["dispersion"].idxmax() == 3
    assert original["holdout_mse"].idxmin() == 3
    assert original.loc[3, "purity"] == 1.0
    # the error curve keeps improving past the truth: followed blindly it over-fits
    assert original["objective"].is_monotonic_decreasing
    assert (original["evar"].diff().dropna() > 0).all()


def test_randomized_data_are_less_stable(lecture_survey):
    original, shuffled = lecture_survey.loc["original"], lecture_survey.loc["randomized"]
    assert (shuffled["dispersion"] < original.loc[3, "dispersion"] - 0.2).all()
    assert (shuffled["cophenetic"] < original.loc[3, "cophenetic"]).all()
    assert shuffled["purity"].isna().all()  # no classes for shuffled data


def test_survey_with_one_run_says_stability_needs_several(lecture):
    with pytest.warns(UserWarning, match="several runs"):
        table = nt.rank_survey(lecture.X, [2, 3], nrun=1, seed=1, method="hals")
    assert table["cophenetic"].isna().all() and table["objective"].notna().all()


@pytest.mark.slow
def test_golub_two_and_three_are_the_most_stable(golub):
    """Brunet et al. (2004): on Golub, K = 2 and K = 3 are the most stable (30 runs per K)."""
    table = nt.rank_survey(golub.X, range(2, 6), nrun=30, seed=123, classes=golub.samples["subtype"])
    assert set(table["cophenetic"].nlargest(2).index) == {2, 3}
    assert set(table["dispersion"].nlargest(2).index) == {2, 3}
    assert table.loc[3, "purity"] > 0.9 > table.loc[2, "purity"]  # K=3 also splits ALL into B and T


def test_randomize():
    X = small_problem(0)
    shuffled = nt.randomize(X, seed=1)
    assert not np.array_equal(shuffled, X)
    np.testing.assert_array_equal(np.sort(shuffled, axis=0), np.sort(X, axis=0))  # as R: within samples
    by_gene = nt.randomize(X, seed=1, within="genes")
    np.testing.assert_array_equal(np.sort(by_gene, axis=1), np.sort(X, axis=1))
    np.testing.assert_array_equal(nt.randomize(X, seed=1), shuffled)
    frame = nt.randomize(pd.DataFrame(X), seed=1)
    assert isinstance(frame, pd.DataFrame)


def test_masked_updates_ignore_what_is_masked():
    X = small_problem(1)
    hidden = np.random.default_rng(0).uniform(size=X.shape) < 0.2
    other = X.copy()
    other[hidden] = 1000.0
    for method in ("masked_kl", "masked_frobenius"):
        a = nt.nmf(X, 3, method, seed=2, mask=~hidden, max_iter=100, stop="none")
        b = nt.nmf(other, 3, method, seed=2, mask=~hidden, max_iter=100, stop="none")
        missing = X.copy()
        missing[hidden] = np.nan
        c = nt.nmf(missing, 3, method, seed=2, max_iter=100, stop="none")
        np.testing.assert_array_equal(a.W, b.W)
        np.testing.assert_array_equal(a.W, c.W)
        assert (np.diff(a.history.to_numpy()) <= 1e-9 * a.history.to_numpy()[:-1]).all()


def test_masked_kl_with_nothing_masked_is_brunet():
    X = small_problem(2)
    start = nt.initialize(X, 3, "random", seed=3)
    a = nt.nmf(X, 3, "masked_kl", init=start, max_iter=50, stop="none")
    b = nt.nmf(X, 3, "brunet", init=start, max_iter=50, stop="none")
    np.testing.assert_allclose(a.W, b.W, rtol=1e-10)


def test_holdout_error_and_bad_input(lecture):
    assert nt.holdout_error(lecture.X, 3, seed=1) < nt.holdout_error(lecture.X, 2, seed=1)
    with pytest.raises(ValueError, match="fraction"):
        nt.holdout_error(lecture.X, 3, fraction=0.9)
    with pytest.raises(ValueError, match="ranks is empty"):
        nt.rank_survey(lecture.X, [])
    with pytest.raises(ValueError, match="mask must have the shape"):
        nt.nmf(lecture.X, 3, "masked_kl", mask=np.ones((2, 2)))
    with pytest.raises(ValueError, match="missing"):
        nt.nmf(np.array([[1.0, np.nan], [2.0, 3.0]]), 1, "brunet")


def test_survey_fits_keep_the_labels_of_x(lecture):
    table, fits = nt.rank_survey(lecture.X, [2, 3], nrun=2, seed=1, method="hals", return_fits=True)
    assert set(fits) == {2, 3}
    assert fits[3].W.index.equals(lecture.X.index) and fits[3].H.columns.equals(lecture.X.columns)
    assert table.loc[3, "nrun"] == 2
