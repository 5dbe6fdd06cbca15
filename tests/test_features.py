"""Kim & Park feature scores and selection, against R NMF 0.25, and top genes."""

import gzip

import numpy as np
import pytest
from conftest import R_FIXTURES, r_matrix

import nmfteach as nt


def r_features(tag):
    lines = gzip.open(R_FIXTURES / f"{tag}_features.csv.gz", "rt").read().splitlines()
    return [[int(g) - 1 for g in line.split(",")] if line not in ("", "NA") else [] for line in lines]


@pytest.mark.parity
@pytest.mark.parametrize("tag", ["golub_brunet_k3_nrun10", "golub_brunet_k4_nrun10"])
def test_feature_score_and_selection_match_r(tag):
    W = r_matrix(f"{tag}_W")
    expected = r_matrix(f"{tag}_feature_score")[0]
    assert not np.isnan(expected).any()
    np.testing.assert_allclose(nt.feature_score(W), expected, rtol=0, atol=1e-12)
    ours = nt.extract_features(W)
    assert [list(ours[k]) for k in range(W.shape[1])] == r_features(tag)


def test_scores_by_hand_and_zero_loadings():
    W = np.array(
        [
            [1.0, 0.0, 0.0],  # specific to metagene 1: score 1 (R: NaN)
            [1.0, 1.0, 1.0],  # equal on all: score 0
            [0.0, 0.0, 0.0],  # loads on nothing: 0
            [2.0, 1.0, 1.0],
        ]
    )
    score = nt.feature_score(W)
    p = np.array([0.5, 0.25, 0.25])
    np.testing.assert_allclose(score, [1.0, 0.0, 0.0, 1 + (p * np.log2(p)).sum() / np.log2(3)], atol=1e-15)
    assert np.isfinite(score).all()


def test_extract_features_with_names(golub):
    fit = nt.nmf(golub.X, 3, "brunet", seed=1, max_iter=200, stop="none")
    selected = nt.extract_features(fit.W)
    assert list(selected) == ["NMF1", "NMF2", "NMF3"]
    score = nt.feature_score(fit.W)
    for metagene, genes in selected.items():
        assert genes, f"{metagene} has no marker genes"
        assert all(fit.W.loc[g].idxmax() == metagene for g in genes)
        assert list(score[genes]) == sorted(score[genes], reverse=True)


def test_top_genes(lecture):
    fit = nt.nmf(lecture.X, 3, "hals", seed=1)
    top = nt.top_genes(fit.W, n=10)
    assert top.shape == (10, 3) and list(top.index) == list(range(1, 11))
    for metagene in top:
        loads = fit.W.loc[top[metagene], metagene].to_numpy()
        assert (np.diff(loads) <= 0).all()
        assert loads[-1] >= fit.W[metagene].drop(top[metagene]).max()
    with pytest.raises(ValueError, match="n must be between"):
        nt.top_genes(fit.W, n=0)
    with pytest.raises(ValueError, match="K >= 2"):
        nt.feature_score(np.ones((5, 1)))
