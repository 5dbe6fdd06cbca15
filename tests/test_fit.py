"""The nmf() driver: stopping rules, runs and seeds, the result object, the lecture's results."""

import numpy as np
import pandas as pd
import pytest
from conftest import small_problem

import nmfteach as nt
from nmfteach import engine, workers
from nmfteach.methods import METHODS, resolve_options


def test_lecture_workflow_reproduces_the_slides(lecture):
    """nmf(X, 3, "brunet", nrun=30, seed=123): clusters of 10/10/10, a perfect match to the truth."""
    fit = nt.nmf(lecture.X, rank=3, method="brunet", nrun=30, seed=123)
    clusters = fit.predict()
    assert sorted(clusters.value_counts()) == [10, 10, 10]
    table = pd.crosstab(lecture.labels, clusters)
    assert table.shape == (3, 3)
    # a permutation: every true cluster lands entirely in one predicted cluster, a different one each
    assert sorted(table.max(axis=1)) == [10, 10, 10]
    assert sorted(table.idxmax(axis=1)) == [1, 2, 3]
    assert fit.nrun == 30 and len(fit.runs) == 30
    assert fit.objective == fit.runs["objective"].min()
    assert fit.consensus.shape == (30, 30)
    assert np.allclose(np.diag(fit.consensus), 1.0)
    # the truth is easy to find: every run finds the same partition
    assert set(np.unique(fit.consensus.to_numpy())) <= {0.0, 1.0}


def test_labels_follow_x(lecture):
    fit = nt.nmf(lecture.X, 3, "lee", seed=1)
    assert list(fit.W.index) == list(lecture.X.index)
    assert list(fit.H.columns) == list(lecture.X.columns)
    assert list(fit.W.columns) == ["NMF1", "NMF2", "NMF3"] == list(fit.H.index)
    assert fit.predict().index.equals(lecture.X.columns)
    assert fit.predict("features").index.equals(lecture.X.index)
    arrays = nt.nmf(lecture.X.to_numpy(), 3, "lee", seed=1)
    assert isinstance(arrays.W, np.ndarray) and isinstance(arrays.predict(), np.ndarray)
    np.testing.assert_array_equal(arrays.W, fit.W.to_numpy())


def test_predict_takes_the_largest_coefficient_first_on_ties():
    H = np.array([[1.0, 2.0, 3.0, 5.0], [1.0, 5.0, 0.0, 5.0]])
    result = nt.nmf(np.ones((4, 4)), 2, "lee", max_iter=0, init=(np.ones((4, 2)), H))
    np.testing.assert_array_equal(result.predict(), [1, 2, 1, 1])


@pytest.mark.parametrize("method", nt.METHODS)
def test_same_seed_same_result_and_x_untouched(method):
    X = small_problem(0)
    before = X.copy()
    a = nt.nmf(X, 3, method, nrun=3, seed=7, max_iter=300)
    b = nt.nmf(X, 3, method, nrun=3, seed=7, max_iter=300)
    np.testing.assert_array_equal(a.W, b.W)
    np.testing.assert_array_equal(a.H, b.H)
    assert a.runs.equals(b.runs)
    np.testing.assert_array_equal(X, before)
    c = nt.nmf(X, 3, method, nrun=3, seed=8, max_iter=300)
    assert not np.array_equal(a.W, c.W)


def test_dataframe_input_untouched(lecture):
    X = lecture.X.copy()
    nt.nmf(X, 3, "brunet", seed=1, max_iter=50)
    pd.testing.assert_frame_equal(X, lecture.X)


@pytest.mark.parametrize("method", nt.METHODS)
def test_run_results_do_not_depend_on_batching(method):
    """Run r gives the same numbers alone, in a batch, or in another process, for every method
    (bit-identical, except where a batch of one runs as 2-D arrays: BLAS may round differently)."""
    X = small_problem(2, n_genes=60, n_samples=15)
    record = METHODS[method]
    options = resolve_options(record, {"mask": np.ones_like(X)} if record.masked else {}, X)
    job = engine.Job(
        X=X,
        rank=3,
        method=record,
        init="random",
        seed=11,
        max_iter=200,
        stop=record.default_stop,
        tol={"objective": 1e-6, "kkt": 1e-4}.get(record.default_stop),
        trace_every=10,
        options=options,
    )
    batch = engine.run_batch(job, np.arange(5))
    for r in range(5):
        alone = engine.run_batch(job, np.array([r]))
        np.testing.assert_allclose(alone["W"][0], batch["W"][r], rtol=1e-12, atol=1e-300)
        np.testing.assert_allclose(alone["H"][0], batch["H"][r], rtol=1e-12, atol=1e-300)
        assert alone["n_iter"][0] == batch["n_iter"][r]
    one = nt.nmf(X, 3, method, nrun=5, seed=11, max_iter=200, n_jobs=1)
    two = nt.nmf(X, 3, method, nrun=5, seed=11, max_iter=200, n_jobs=2)
    np.testing.assert_array_equal(one.W, two.W)
    np.testing.assert_array_equal(one.connectivity, two.connectivity)
    assert one.runs.equals(two.runs)


def test_run_r_depends_only_on_seed_and_r():
    X = small_problem(4)
    five = nt.nmf(X, 3, "brunet", nrun=5, seed=3, max_iter=100, stop="none")
    three = nt.nmf(X, 3, "brunet", nrun=3, seed=3, max_iter=100, stop="none")
    np.testing.assert_array_equal(five.runs["objective"][:3], three.runs["objective"])


def test_stop_none_runs_exactly_max_iter():
    fit = nt.nmf(small_problem(0), 3, "brunet", seed=1, max_iter=37, stop="none")
    assert fit.n_iter == 37
    assert list(fit.history.index) == list(range(38))


def test_connectivity_rule_needs_41_stable_checks(lecture):
    fit = nt.nmf(lecture.X, 3, "brunet", seed=5)
    assert fit.n_iter % 10 == 0 and fit.n_iter >= 420 and fit.n_iter < 2000


def test_objective_rule_and_history():
    X = small_problem(5)
    fit = nt.nmf(X, 3, "hals", seed=2, tol=1e-8)
    assert fit.settings["stop"] == "objective"
    assert fit.n_iter % 10 == 0 and fit.n_iter < 2000
    h = fit.history
    assert h.index[0] == 0 and h.index[-1] == fit.n_iter and len(h) == fit.n_iter + 1
    assert (np.diff(h.to_numpy()) <= 1e-9 * h.to_numpy()[:-1]).all()
    assert h.iloc[-1] == pytest.approx(fit.objective)
    assert fit.objective == pytest.approx(nt.frobenius(X, fit.W, fit.H))


def test_multi_run_history_is_thinned_but_ends_at_the_final_value(lecture):
    fit = nt.nmf(lecture.X, 3, "brunet", nrun=2, seed=1)
    assert fit.settings["trace_every"] == 0
    assert list(fit.history.index) == [0, fit.n_iter]
    assert fit.history.iloc[-1] == pytest.approx(nt.kl_divergence(lecture.X, fit.W, fit.H))


def test_explicit_start_is_used_and_not_modified():
    X = small_problem(6)
    W0, H0 = nt.initialize(X, 3, "nndsvda")
    W_copy, H_copy = W0.copy(), H0.copy()
    fit = nt.nmf(X, 3, "lee", init=(W0, H0), max_iter=0)
    np.testing.assert_array_equal(fit.W, W0)
    np.testing.assert_array_equal(W0, W_copy)
    np.testing.assert_array_equal(H0, H_copy)
    assert fit.settings["init"] == "(W0, H0)"


def test_integer_and_float32_input_are_accepted():
    X = np.random.default_rng(0).poisson(5.0, size=(30, 10)) + 1
    a = nt.nmf(X, 2, "brunet", seed=1, max_iter=50)
    b = nt.nmf(X.astype(np.float32), 2, "brunet", seed=1, max_iter=50)
    np.testing.assert_allclose(a.W, b.W)
    assert a.W.dtype == np.float64


def test_repr_is_readable(lecture):
    fit = nt.nmf(lecture.X, 3, "brunet", nrun=2, seed=9)
    text = repr(fit)
    assert "method='brunet'" in text and "rank=3" in text and "300 genes x 30 samples" in text
    assert "KL divergence" in text and "best of 2 runs" in text and "seed 9" in text
    assert str(fit.n_iter) in text


def test_fitted_is_wh(lecture):
    fit = nt.nmf(lecture.X, 3, "hals", seed=1)
    np.testing.assert_allclose(fit.fitted().to_numpy(), fit.W.to_numpy() @ fit.H.to_numpy())


def test_seed_none_is_recorded_and_reproducible():
    X = small_problem(7)
    a = nt.nmf(X, 3, "lee", max_iter=30)
    b = nt.nmf(X, 3, "lee", max_iter=30, seed=a.settings["seed"])
    np.testing.assert_array_equal(a.W, b.W)


def test_non_finite_results_are_an_error_not_a_silent_nan(monkeypatch):
    import dataclasses

    def broken(X, W, H, work, **options):
        H[...] = np.nan

    monkeypatch.setitem(METHODS, "lee", dataclasses.replace(METHODS["lee"], kernel=broken))
    with pytest.raises(FloatingPointError, match="non-finite"):
        nt.nmf(small_problem(0), 3, "lee", seed=1, max_iter=5, stop="none")


def test_a_fit_that_runs_out_of_iterations_says_so(lecture):
    with pytest.warns(nt.ConvergenceWarning, match="reached max_iter=50 before the stopping rule 'connectivity'"):
        fit = nt.nmf(lecture.X, 3, "brunet", seed=1, max_iter=50)
    assert not fit.runs["converged"].any()
    with pytest.warns(nt.ConvergenceWarning, match="3 of 3 runs"):
        nt.nmf(lecture.X, 3, "hals", seed=1, nrun=3, max_iter=20)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning: a fixed number of updates was asked for
        assert nt.nmf(lecture.X, 3, "brunet", seed=1, max_iter=50, stop="none").n_iter == 50
        assert nt.nmf(lecture.X, 3, "hals", seed=1).runs["converged"].all()  # converged in time


def test_a_crashed_worker_falls_back_to_this_process(monkeypatch, lecture):
    """A worker process that dies (here: os._exit in the worker, as the OOM killer would) breaks
    the pool; nmf() then runs the batches here and gives the same numbers."""
    import dataclasses
    import os

    parent = os.getpid()
    lee = METHODS["lee"]

    def dies_in_a_worker(X, W, H, work, **options):
        if os.getpid() != parent:
            os._exit(1)
        lee.kernel(X, W, H, work, **options)

    expected = nt.nmf(lecture.X, 3, "lee", nrun=4, seed=5, max_iter=30, stop="none", n_jobs=1)
    monkeypatch.setitem(METHODS, "lee", dataclasses.replace(lee, kernel=dies_in_a_worker))
    workers._release(kill=True)  # fork new workers that see the patched registry
    fit = nt.nmf(lecture.X, 3, "lee", nrun=4, seed=5, max_iter=30, stop="none", n_jobs=2)
    np.testing.assert_array_equal(fit.W, expected.W)
    assert fit.runs.equals(expected.runs)
    workers._release(kill=True)


def test_kkt_needs_a_gradient():
    with pytest.raises(ValueError, match="stop='kkt' needs the gradient"):
        nt.nmf(small_problem(0), 3, "brunet", stop="kkt")


def test_snmf_restarts_a_run_whose_metagene_dies_and_gives_up_after_ten():
    """R's snmf: a zero row of H (no sample uses a metagene) restarts the run from a random W; the
    10th time it stops with a warning (beta too large)."""
    X = nt.simulate_expression(membership="soft", concentration=1.0, seed=3).X.to_numpy()
    fit = nt.nmf(X, 3, "snmf/r", init="nndsvd", beta=1.0, max_iter=300)
    assert fit.runs["restarts"].iloc[0] >= 1 and (np.asarray(fit.H).sum(axis=1) > 0).all()
    with pytest.warns(nt.ConvergenceWarning, match="restarted 9 times"):
        hopeless = nt.nmf(X, 3, "snmf/r", seed=2, beta=1e4, max_iter=300)
    assert hopeless.runs["restarts"].iloc[0] == 9 and not hopeless.runs["converged"].iloc[0]
