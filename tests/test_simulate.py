"""The lecture's simulation recipe and its variants."""

import numpy as np
import pytest

import nmfteach as nt


def test_lecture_recipe(lecture):
    X, W, H = lecture.X, lecture.W, lecture.H
    assert X.shape == (300, 30) and W.shape == (300, 3) and H.shape == (3, 30)
    assert list(X.index[:2]) == ["Gene_1", "Gene_2"] and list(X.columns[-1:]) == ["Sample_30"]
    assert ((W >= 0) & (W <= 2)).all().all()
    # one metagene per sample, weight in [1, 2], consecutive groups of 10
    assert ((H > 0).sum(axis=0) == 1).all()
    nonzero = H.to_numpy()[H.to_numpy() > 0]
    assert nonzero.min() >= 1 and nonzero.max() <= 2
    assert list(lecture.labels) == [1] * 10 + [2] * 10 + [3] * 10
    np.testing.assert_array_equal(H.to_numpy().argmax(axis=0) + 1, lecture.labels)
    assert (X >= 0).all().all() and (X == 0).sum().sum() > 0  # negatives were clipped to 0
    residual = (X - W @ H).to_numpy()[X.to_numpy() > 0]
    assert residual.std() == pytest.approx(0.2, rel=0.05)
    assert lecture.settings["seed"] == 123
    assert "10/10/10" in repr(lecture)


def test_seeded_and_different_seeds_differ():
    a = nt.simulate_expression(seed=1)
    b = nt.simulate_expression(seed=1)
    c = nt.simulate_expression(seed=2)
    assert a.X.equals(b.X) and not a.X.equals(c.X)


def test_uneven_groups():
    sim = nt.simulate_expression(n_genes=20, n_samples=10, rank=3, seed=0)
    assert list(sim.labels.value_counts().sort_index()) == [4, 3, 3]


def test_soft_membership():
    sim = nt.simulate_expression(n_samples=200, rank=3, seed=0, membership="soft", concentration=1.0)
    H = sim.H.to_numpy()
    assert ((H > 0).sum(axis=0) > 1).mean() > 0.9  # samples mix several programs
    # a sample's group is its dominant metagene (the one giving most of its expression), as fit.predict()
    np.testing.assert_array_equal(nt.dominant_metagene(sim.W, sim.H), sim.labels)
    assert (nt.dominant_metagene(sim.W, sim.H) != H.argmax(axis=0) + 1).any()  # not simply the largest H
    totals = H.sum(axis=0)
    assert totals.min() >= 1 and totals.max() <= 2


@pytest.mark.parametrize("noise", ["poisson", "negative_binomial"])
def test_count_noise(noise):
    sim = nt.simulate_expression(n_genes=400, n_samples=40, seed=0, noise=noise, depth=50, dispersion=0.5)
    X, mean = sim.X.to_numpy(), 50 * (sim.W @ sim.H).to_numpy()
    assert np.array_equal(X, np.round(X)) and (X >= 0).all()
    assert X.mean() == pytest.approx(mean.mean(), rel=0.02)
    ratio = ((X - mean) ** 2).mean() / mean.mean()  # variance / mean
    if noise == "poisson":
        assert ratio == pytest.approx(1.0, rel=0.1)
    else:
        expected = 1 + 0.5 * (mean**2).mean() / mean.mean()  # mu + phi mu^2
        assert ratio == pytest.approx(expected, rel=0.1)


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"noise": "uniform"}, ValueError),
        ({"membership": "fuzzy"}, ValueError),
        ({"rank": 40}, ValueError),
        ({"n_genes": 0}, ValueError),
        ({"noise_sd": -1}, ValueError),
        ({"seed": 1.5}, TypeError),
    ],
)
def test_bad_settings(kwargs, error):
    with pytest.raises(error):
        nt.simulate_expression(**kwargs)


def test_library_sizes_scale_the_counts():
    sizes = np.array([0.5, 1.0, 2.0] * 10)
    sim = nt.simulate_expression(n_genes=2000, n_samples=30, seed=0, noise="poisson", depth=20, library_sizes=sizes)
    totals = sim.X.sum(axis=0).to_numpy()
    expected = 20 * sizes * (sim.W @ sim.H).sum(axis=0).to_numpy()
    np.testing.assert_allclose(totals, expected, rtol=0.05)
    np.testing.assert_array_equal(sim.settings["library_sizes"], sizes)
    same = nt.simulate_expression(n_genes=50, n_samples=6, seed=0, noise="poisson")
    assert (same.settings["library_sizes"] == 1).all()
    with pytest.raises(ValueError, match="one positive factor per sample"):
        nt.simulate_expression(n_samples=6, noise="poisson", library_sizes=[1, 2])
