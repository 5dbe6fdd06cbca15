"""Penalized updates (alpha_W, alpha_H, l1_ratio) and nsNMF: properties and examples."""

import numpy as np
import pytest
from conftest import small_problem

import nmfteach as nt
from nmfteach import textbook
from nmfteach.objectives import frobenius_from_product, kl_from_product, penalty_weights, smoothing_matrix

PENALIZED = ["lee", "hals", "anls", "pgd"]
SEEDS = range(6)


def penalized_trace(X, method, seed, n_iter=60, **options):
    """The penalized objective after each of n_iter updates from a random start."""
    W, H = nt.initialize(X, 3, "random", seed=seed)
    weights = penalty_weights(X.shape, **{k: v for k, v in options.items() if k != "rescale"})
    values = [frobenius_from_product(X, W @ H) + weights.value(W, H)]
    for _ in range(n_iter):
        W, H = getattr(textbook, method)(X, W, H, **options)
        assert np.isfinite(W).all() and np.isfinite(H).all() and (W >= 0).all() and (H >= 0).all()
        values.append(frobenius_from_product(X, W @ H) + weights.value(W, H))
    return np.array(values)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("method", PENALIZED)
@pytest.mark.parametrize(
    "penalty",
    [
        dict(alpha_W=0.05, l1_ratio=1.0),
        dict(alpha_H=0.02, l1_ratio=0.0),
        dict(alpha_W=0.03, alpha_H=0.01, l1_ratio=0.5),
    ],
)
def test_penalized_updates_never_increase_the_penalized_objective(method, penalty, seed):
    options = dict(penalty, rescale=False) if method == "lee" else penalty
    values = penalized_trace(small_problem(seed), method, seed, **options)
    increases = np.diff(values) / values[:-1]
    assert increases.max() <= 1e-9, f"penalized objective rose by a relative {increases.max():.2e}"
    assert values[-1] < values[0]


@pytest.mark.parametrize("method", PENALIZED)
def test_zero_penalty_is_the_plain_method_exactly(lecture, method):
    plain = nt.nmf(lecture.X, 3, method, seed=4, max_iter=200)
    zero = nt.nmf(lecture.X, 3, method, seed=4, max_iter=200, alpha_W=0.0, alpha_H=0.0, l1_ratio=0.7)
    np.testing.assert_array_equal(zero.W, plain.W)
    np.testing.assert_array_equal(zero.H, plain.H)
    assert zero.objective == plain.objective and zero.objective_name == plain.objective_name == "½‖X − WH‖²"


@pytest.mark.parametrize("method", ["hals", "anls", "pgd"])
def test_a_stronger_l1_penalty_gives_smaller_and_sparser_factors(lecture, method):
    """Same start, L1 on both factors: the L1 norm falls and exact zeros appear as alpha grows,
    while the fit gets (a little) worse."""
    X = lecture.X.to_numpy()
    start = nt.initialize(X, 3, "nndsvda")
    l1_norm, zeros, error = [], [], []
    for alpha in (0.0, 0.01, 0.03):
        fit = nt.nmf(X, 3, method, init=start, alpha_W=alpha, alpha_H=alpha, l1_ratio=1.0, max_iter=500)
        W, H = np.asarray(fit.W), np.asarray(fit.H)
        l1_norm.append(W.sum() + H.sum())
        zeros.append(np.mean(W == 0) + np.mean(H == 0))
        error.append(nt.frobenius(X, W, H))
    assert l1_norm[0] > l1_norm[1] > l1_norm[2]
    assert zeros[0] < zeros[2]
    assert error[0] < error[1] < error[2]


def test_the_objective_includes_the_penalty_with_the_stated_scaling(lecture):
    X = lecture.X.to_numpy()
    G, S = X.shape
    fit = nt.nmf(X, 3, "hals", seed=2, alpha_W=0.02, alpha_H=0.01, l1_ratio=0.25, max_iter=100)
    W, H = np.asarray(fit.W), np.asarray(fit.H)
    by_hand = (
        0.5 * np.sum((X - W @ H) ** 2)
        + 0.02 * S * (0.25 * W.sum() + 0.5 * 0.75 * np.sum(W**2))
        + 0.01 * G * (0.25 * H.sum() + 0.5 * 0.75 * np.sum(H**2))
    )
    assert fit.objective == pytest.approx(by_hand, rel=1e-12)
    assert fit.objective_name == "½‖X − WH‖² + penalties" and "penalties" in repr(fit)
    assert fit.settings["alpha_W"] == 0.02 and fit.settings["l1_ratio"] == 0.25


def test_an_l1_penalty_on_one_factor_only_is_dodged_by_rescaling(lecture):
    """W/c and cH give the same fit with a smaller penalty on W: penalizing W alone shrinks W
    and inflates H instead of making W sparse (lesson 08). Penalizing both stops it."""
    X = lecture.X.to_numpy()
    start = nt.initialize(X, 3, "nndsvda")
    plain = nt.nmf(X, 3, "hals", init=start, max_iter=1000)
    only_W = nt.nmf(X, 3, "hals", init=start, alpha_W=0.1, l1_ratio=1.0, max_iter=1000)
    both = nt.nmf(X, 3, "hals", init=start, alpha_W=0.1, alpha_H=0.1, l1_ratio=1.0, max_iter=1000)
    assert np.sum(only_W.W) < 0.1 * np.sum(plain.W) and np.sum(only_W.H) > 10 * np.sum(plain.H)
    assert nt.frobenius(X, only_W.W, only_W.H) == pytest.approx(plain.objective, rel=1e-2)
    assert 0.2 < np.sum(both.W) / np.sum(plain.W) < 5


def test_lee_with_a_penalty_does_not_rescale(lecture):
    fit = nt.nmf(lecture.X, 3, "lee", seed=1, alpha_W=0.01, alpha_H=0.01, l1_ratio=1.0, max_iter=100)
    assert fit.settings["rescale"] is False
    with pytest.raises(ValueError, match="undo the penalty"):
        nt.nmf(lecture.X, 3, "lee", seed=1, alpha_W=0.01, rescale=True)


@pytest.mark.parametrize(
    "options, message",
    [
        (dict(alpha_W=-0.1), "alpha_W must be a penalty strength"),
        (dict(alpha_H=float("nan")), "alpha_H must be a penalty strength"),
        (dict(alpha_W=0.1, l1_ratio=1.5), "l1_ratio must be a number from 0"),
        (dict(alpha_W="0.1"), "alpha_W must be a penalty strength"),
    ],
)
def test_bad_penalties_are_refused(lecture, options, message):
    with pytest.raises(ValueError, match=message):
        nt.nmf(lecture.X, 3, "hals", seed=1, **options)


@pytest.mark.parametrize(
    "method, hint", [("brunet", "use method='nsNMF'"), ("masked_kl", "use method='nsNMF'"), ("nsNMF", "through theta")]
)
def test_penalties_with_a_kl_method_point_to_nsnmf(lecture, method, hint):
    with pytest.raises(TypeError, match=hint):
        nt.nmf(lecture.X, 3, method, seed=1, alpha_W=0.1)


# -- nsNMF -------------------------------------------------------------------------------------


def test_smoothing_matrix():
    S = smoothing_matrix(4, 0.5)
    np.testing.assert_allclose(S, 0.5 * np.eye(4) + 0.125)
    np.testing.assert_allclose(S.sum(axis=0), 1.0)  # S keeps each column's total
    np.testing.assert_array_equal(smoothing_matrix(3, 0.0), np.eye(3))
    np.testing.assert_allclose(smoothing_matrix(3, 1.0) @ np.array([3.0, 0, 0]), [1.0, 1.0, 1.0])


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("theta", [0.3, 0.8])
def test_nsnmf_without_rescaling_never_increases_kl_of_wsh(seed, theta):
    X = small_problem(seed)
    W, H = nt.initialize(X, 3, "random", seed=seed)
    S = smoothing_matrix(3, theta)
    values = [kl_from_product(X, W @ S @ H)]
    for _ in range(60):
        W, H = textbook.nsnmf(X, W, H, theta=theta, rescale=False)
        values.append(kl_from_product(X, W @ S @ H))
    assert (np.diff(values) / values[:-1]).max() <= 1e-12
    assert values[-1] < values[0]


def test_nsnmf_with_theta_0_is_brunet(lecture):
    """θ = 0 makes S the identity; without R's rescaling nsNMF is then brunet (before brunet's
    first eps floor at iteration 10)."""
    ns = nt.nmf(lecture.X, 3, "nsNMF", seed=5, theta=0.0, rescale=False, stop="none", max_iter=9)
    kl = nt.nmf(lecture.X, 3, "brunet", seed=5, stop="none", max_iter=9)
    np.testing.assert_allclose(ns.W, kl.W, rtol=1e-12)
    np.testing.assert_allclose(ns.H, kl.H, rtol=1e-12)


def test_nsnmf_result_reconstructs_with_wsh(lecture):
    fit = nt.nmf(lecture.X, 3, "nsNMF", seed=1, theta=0.6)
    W, H = np.asarray(fit.W), np.asarray(fit.H)
    S = smoothing_matrix(3, 0.6)
    np.testing.assert_allclose(fit.fitted(), W @ S @ H)
    np.testing.assert_allclose(fit.smoothing, S)
    assert fit.objective == pytest.approx(nt.kl_divergence(lecture.X, W @ S, H), rel=1e-12)
    summary = fit.summary(lecture.X)
    assert summary["rss"] == pytest.approx(nt.rss(lecture.X, W @ S, H), rel=1e-12)
    assert "WSH" in repr(fit)
    np.testing.assert_allclose(np.asarray(fit.W).sum(axis=0), 1.0)  # R's rescaling


def test_more_smoothing_gives_sparser_metagenes(lecture):
    sparseness = [nt.sparseness(nt.nmf(lecture.X, 3, "nsNMF", seed=1, theta=theta).W) for theta in (0.0, 0.5, 0.9)]
    assert sparseness[0] < sparseness[1] < sparseness[2]


@pytest.mark.parametrize("theta", [-0.1, 1.5, "half", None])
def test_bad_theta_is_refused(lecture, theta):
    with pytest.raises(ValueError, match="theta"):
        nt.nmf(lecture.X, 3, "nsNMF", seed=1, theta=theta)


def test_summary_survives_a_metagene_zeroed_by_the_penalty(lecture):
    fit = nt.nmf(lecture.X, 3, "hals", init="nndsvda", alpha_W=0.3, alpha_H=0.3, l1_ratio=1.0, max_iter=200)
    assert (np.asarray(fit.W).sum(axis=0) == 0).any()
    summary = fit.summary()
    assert np.isfinite(summary["sparseness_W"])


def test_sparse_programs_in_the_simulation():
    sim = nt.simulate_expression(n_genes=200, rank=3, seed=3, program_density=0.25)
    used = np.asarray(sim.W) > 0
    assert used.any(axis=1).all()  # every gene is in some program
    assert 0.3 < used.mean() < 0.45  # 0.25 + 0.75³/3 expected
    lecture = nt.simulate_expression(seed=3)
    assert (np.asarray(lecture.W) > 0).all()  # the default recipe is unchanged
    with pytest.raises(ValueError, match="program_density"):
        nt.simulate_expression(program_density=0.0)
