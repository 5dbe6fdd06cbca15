"""Consensus measures, silhouettes, purity and entropy: R NMF parity, known cases, bad input."""

import numpy as np
import pytest
from conftest import r_matrix, r_value

import nmfteach as nt

TAGS = ["golub_brunet_k3_nrun10", "golub_brunet_k4_nrun10"]


def same_partition(a, b) -> bool:
    return np.array_equal(nt.connectivity(a), nt.connectivity(b))


@pytest.mark.parity
@pytest.mark.parametrize("tag", TAGS)
def test_consensus_measures_match_r(tag, golub):
    k = int(tag.split("_k")[1][0])
    C, W, H = r_matrix(f"{tag}_consensus"), r_matrix(f"{tag}_W"), r_matrix(f"{tag}_H")
    assert nt.cophenetic(C) == pytest.approx(r_value(tag, "cophenetic"), abs=1e-6)
    assert nt.dispersion(C) == pytest.approx(r_value(tag, "dispersion"), abs=1e-6)
    clusters = nt.consensus_clusters(C, k)
    assert same_partition(clusters, r_matrix(f"{tag}_predict_consensus")[0])
    samples = H.argmax(axis=0) + 1
    assert np.array_equal(samples, r_matrix(f"{tag}_predict_samples")[0])
    genes = W.argmax(axis=1) + 1
    assert np.array_equal(genes, r_matrix(f"{tag}_predict_features")[0])
    classes = golub.samples["subtype"].to_numpy()
    assert nt.purity(samples, classes) == pytest.approx(r_value(tag, "purity"), abs=1e-12)
    assert nt.entropy(samples, classes) == pytest.approx(r_value(tag, "entropy"), abs=1e-12)
    assert nt.correlation_silhouette(H.T, samples).mean() == pytest.approx(r_value(tag, "silhouette.coef"), abs=1e-10)
    assert nt.correlation_silhouette(W, genes).mean() == pytest.approx(r_value(tag, "silhouette.basis"), abs=1e-10)
    assert nt.silhouette(1 - C, clusters).mean() == pytest.approx(r_value(tag, "silhouette.consensus"), abs=1e-10)
    assert nt.sparseness(W) == pytest.approx(r_value(tag, "sparseness.basis"), abs=1e-12)
    assert nt.sparseness(H) == pytest.approx(r_value(tag, "sparseness.coef"), abs=1e-12)


def test_golub_k3_purity_is_the_documented_one():
    """The data README: R NMF "brunet", K=3, 10 runs matches the subtypes but one ALL-B (purity 0.974)."""
    assert r_value("golub_brunet_k3_nrun10", "purity") == pytest.approx(37 / 38)


def test_perfect_and_blurred_consensus():
    labels = np.repeat([1, 2, 3], 4)
    crisp = nt.connectivity(labels)
    assert nt.cophenetic(crisp) == pytest.approx(1.0)
    assert nt.dispersion(crisp) == 1.0
    assert nt.dispersion(np.full((5, 5), 0.5)) == 0.0
    rng = np.random.default_rng(0)
    noisy = nt.consensus_matrix([rng.integers(1, 4, size=12) for _ in range(30)])
    assert nt.dispersion(noisy) < 0.5 and nt.cophenetic(noisy) < 0.95
    assert same_partition(nt.consensus_clusters(crisp, 3), labels)
    # numbered along the tree's leaves: every label 1..3 is used
    assert sorted(set(nt.consensus_clusters(crisp, 3))) == [1, 2, 3]


def test_silhouette_by_hand():
    # two tight pairs far apart: a = 1, b = 10 for every item
    points = np.array([0.0, 1.0, 10.0, 11.0])
    D = np.abs(points[:, None] - points[None, :])
    widths = nt.silhouette(D, [1, 1, 2, 2])
    np.testing.assert_allclose(widths, [1 - 1 / 10.5, 1 - 1 / 9.5, 1 - 1 / 9.5, 1 - 1 / 10.5])
    assert nt.silhouette(D, [1, 2, 2, 2])[0] == 0.0  # alone in its cluster: 0, as R


def test_correlation_silhouette_equals_the_explicit_distance_matrix():
    rng = np.random.default_rng(1)
    A = rng.uniform(size=(40, 4))
    labels = A.argmax(axis=1)
    D = 1 - np.corrcoef(A)
    np.testing.assert_allclose(nt.correlation_silhouette(A, labels), nt.silhouette(D, labels), atol=1e-12)


def test_purity_and_entropy_by_hand():
    clusters = [1, 1, 1, 2, 2, 2]
    classes = ["a", "a", "b", "b", "b", "b"]
    assert nt.purity(clusters, classes) == pytest.approx(5 / 6)
    expected = -(2 * np.log2(2 / 3) + 1 * np.log2(1 / 3)) / (6 * np.log2(2))
    assert nt.entropy(clusters, classes) == pytest.approx(expected)
    assert nt.entropy([1, 1, 2, 2], ["a", "a", "b", "b"]) == 0.0
    assert nt.purity([1, 1, 2, 2], ["a", "a", "b", "b"]) == 1.0


def test_fit_summary_on_the_lecture(lecture):
    fit = nt.nmf(lecture.X, 3, "brunet", nrun=10, seed=1)
    s = fit.summary(lecture.X, classes=lecture.labels)
    assert s["rank"] == 3 and s["nrun"] == 10 and s["n_iter"] == fit.n_iter
    assert s["purity"] == 1.0 and s["entropy"] == 0.0
    assert s["cophenetic"] == pytest.approx(1.0) and s["dispersion"] == 1.0
    assert 0 < s["evar"] <= 1 and s["rss"] == pytest.approx(nt.rss(lecture.X, fit.W, fit.H))
    assert 0.9 < s["silhouette_consensus"] <= 1 and 0 < s["silhouette_samples"] <= 1
    assert same_partition(fit.predict("consensus"), lecture.labels)
    single = nt.nmf(lecture.X, 3, "brunet", seed=1)
    summary = single.summary()
    assert np.isnan(summary["cophenetic"]) and np.isnan(summary["dispersion"])  # stability needs several runs
    with pytest.raises(ValueError, match="stability needs several runs"):
        nt.cophenetic(single)
    assert nt.cophenetic(fit) == s["cophenetic"]  # a fit stands for its consensus
    widths = fit.silhouette("features")
    assert widths.index.equals(lecture.X.index) and widths.mean() == pytest.approx(s["silhouette_genes"])
    assert fit.silhouette("consensus").mean() == pytest.approx(s["silhouette_consensus"])


@pytest.mark.parametrize(
    "C, message",
    [
        (np.ones((3, 4)), "square"),
        (np.array([[1, 0.2], [0.3, 1]]), "symmetric"),
        (np.array([[1, 2.0], [2.0, 1]]), r"\[0, 1\]"),
        (np.array([[1, np.nan], [np.nan, 1]]), r"\[0, 1\]"),
        (np.ones((4, 4)), "undefined"),
    ],
)
def test_bad_consensus_matrices(C, message):
    with pytest.raises(ValueError, match=message):
        nt.cophenetic(C)


def test_other_bad_input():
    with pytest.raises(ValueError, match="symmetric"):
        nt.dispersion(np.array([[1, 0.2], [0.3, 1]]))
    with pytest.raises(ValueError, match="at least 2 clusters"):
        nt.silhouette(np.zeros((3, 3)), [1, 1, 1])
    with pytest.raises(ValueError, match="same length"):
        nt.purity([1, 2], ["a"])
    with pytest.raises(ValueError, match="constant"):
        nt.correlation_silhouette(np.ones((3, 3)), [1, 2, 2])
    with pytest.raises(ValueError, match="k must be between"):
        nt.consensus_clusters(np.eye(3), 5)


def test_consensus_clusters_gives_k_groups_even_with_tied_merges():
    """Three perfect blocks cut into 5: R's cutree splits tied merges to give exactly 5 groups
    (scipy's fcluster "maxclust" would stop at 3)."""
    labels = np.repeat([0, 1, 2], 4)
    C = (labels[:, None] == labels[None, :]).astype(float)
    for k in (3, 4, 5):
        found = nt.consensus_clusters(C, k)
        assert sorted(set(found)) == list(range(1, k + 1))
        # every group stays inside one block
        assert all(len(set(labels[found == g])) == 1 for g in range(1, k + 1))


def test_clusters_do_not_change_when_a_metagene_is_rescaled():
    """(W_k·c, H_k/c) is the same fit; the largest H (R's predict) can change, the dominant metagene cannot."""
    rng = np.random.default_rng(4)
    W, H = rng.uniform(size=(40, 3)), rng.uniform(size=(3, 25))
    scale = np.array([0.05, 1.0, 20.0])
    for what in ("samples", "features"):
        before = nt.dominant_metagene(W, H, what)
        assert np.array_equal(before, nt.dominant_metagene(W * scale, H / scale[:, None], what))
    assert not np.array_equal((H / scale[:, None]).argmax(axis=0), H.argmax(axis=0))  # R's rule moved
    # by hand: sample j's part from metagene k is (Σ_i W_ik) H_kj; gene i's is W_ik (Σ_j H_kj)
    parts = np.array([[W[:, k].sum() * H[k, j] for k in range(3)] for j in range(25)])
    assert np.array_equal(nt.dominant_metagene(W, H), parts.argmax(axis=1) + 1)
    stacked = nt.dominant_metagene(np.stack([W, W * scale]), np.stack([H, H / scale[:, None]]))
    assert stacked.shape == (2, 25) and np.array_equal(stacked[0], stacked[1])
    with pytest.raises(ValueError, match="samples.*features"):
        nt.dominant_metagene(W, H, "genes")


def test_runs_that_reach_the_same_fit_give_the_same_clusters(lecture):
    """HALS leaves each metagene's scale free; 30 runs reaching one minimum must agree completely."""
    fit = nt.nmf(lecture.X, 3, "hals", nrun=30, seed=123)
    assert fit.runs["objective"].max() / fit.runs["objective"].min() - 1 < 1e-4
    assert nt.dispersion(fit.consensus) == 1.0
    assert np.array_equal(fit.predict().to_numpy(), nt.dominant_metagene(fit.W, fit.H))
    best = int(fit.runs["objective"].idxmin())
    assert np.array_equal(fit.labels[best], fit.predict().to_numpy())
    assert np.array_equal(fit.predict("features").to_numpy(), nt.dominant_metagene(fit.W, fit.H, "features"))


def test_for_lee_the_clusters_are_r_s(lecture):
    """R rescales lee's W to column sums 1, so its largest-H rule and ours agree."""
    fit = nt.nmf(lecture.X, 3, "lee", nrun=3, seed=1)
    assert np.allclose(fit.W.sum(axis=0), 1.0)
    assert np.array_equal(fit.predict().to_numpy(), fit.H.to_numpy().argmax(axis=0) + 1)
