"""Objectives computed by hand on small matrices."""

import numpy as np
import pytest

import nmfteach as nt

X = np.array([[1.0, 0.0], [2.0, 3.0]])
W = np.array([[1.0], [2.0]])
H = np.array([[1.0, 1.0]])  # WH = [[1, 1], [2, 2]]


def test_frobenius_is_half_the_rss():
    # residuals: 0, -1, 0, 1
    assert nt.rss(X, W, H) == 2.0
    assert nt.frobenius(X, W, H) == 1.0
    assert nt.objective(X, W, H, "frobenius") == 1.0


def test_kl_by_hand_with_zero_log_zero():
    expected = (1 * np.log(1 / 1) - 1 + 1) + (0 - 0 + 1) + (2 * np.log(2 / 2) - 2 + 2) + (3 * np.log(3 / 2) - 3 + 2)
    assert nt.kl_divergence(X, W, H) == pytest.approx(expected, rel=1e-15)
    assert nt.objective(X, W, H, "kl") == nt.kl_divergence(X, W, H)
    assert nt.kl_divergence(X, np.ones((2, 1)), np.zeros((1, 2))) == np.inf  # WH = 0 where X > 0


def test_kl_is_zero_only_at_a_perfect_fit():
    assert nt.kl_divergence(W @ H, W, H) == 0.0
    assert nt.frobenius(W @ H, W, H) == 0.0


def test_evar():
    assert nt.evar(X, W, H) == pytest.approx(1 - 2 / 14)


def test_sparseness():
    assert nt.sparseness(np.ones(4)) == pytest.approx(0.0)
    assert nt.sparseness(np.array([0.0, 0, 5, 0])) == pytest.approx(1.0)
    assert nt.sparseness(np.column_stack([np.ones(4), [0, 0, 5, 0]])) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="all-zero"):
        nt.sparseness(np.zeros(3))


def test_shape_mismatch_and_unknown_objective():
    with pytest.raises(ValueError, match="shapes do not match"):
        nt.frobenius(X, W, np.ones((1, 3)))
    with pytest.raises(ValueError, match="unknown objective"):
        nt.objective(X, W, H, "l1")
