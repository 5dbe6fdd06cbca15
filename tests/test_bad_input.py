"""Bad input gets a clear error naming the problem and the fix, never NaN or a numpy traceback."""

import numpy as np
import pandas as pd
import pytest

import nmfteach as nt

GOOD = np.arange(1.0, 61.0).reshape(12, 5)


@pytest.mark.parametrize("entry, message", [(-1.0, "negative"), (np.nan, "missing"), (np.inf, "infinite")])
def test_bad_entries(entry, message):
    X = GOOD.copy()
    X[3, 2] = entry
    with pytest.raises(ValueError, match=message) as err:
        nt.nmf(X, 2)
    assert "(3, 2)" in str(err.value)


def test_non_numeric_columns_are_named():
    X = pd.DataFrame(GOOD, columns=list("abcde"))
    X["gene"] = [f"g{i}" for i in range(12)]
    with pytest.raises(TypeError, match="non-numeric columns \\('gene'\\).*set_index"):
        nt.nmf(X, 2)


def test_text_matrix():
    with pytest.raises(TypeError, match="numeric matrix"):
        nt.nmf([["a", "b"], ["c", "d"]], 1)


@pytest.mark.parametrize("X", [np.empty((0, 5)), np.empty((5, 0))])
def test_empty(X):
    with pytest.raises(ValueError, match="empty"):
        nt.nmf(X, 1)


def test_not_a_matrix():
    with pytest.raises(ValueError, match="2-D"):
        nt.nmf(np.ones(5), 1)


@pytest.mark.parametrize("rank", [0, -1, 6, 100])
def test_rank_out_of_range(rank):
    with pytest.raises(ValueError, match="between 1 and min\\(genes, samples\\) = 5"):
        nt.nmf(GOOD, rank)


@pytest.mark.parametrize("rank", [2.5, "3", True])
def test_rank_not_a_whole_number(rank):
    with pytest.raises(TypeError, match="whole number"):
        nt.nmf(GOOD, rank)


@pytest.mark.parametrize("axis, what", [(0, "row \\(gene\\)"), (1, "column \\(sample\\)")])
def test_zero_line_under_kl(axis, what):
    X = GOOD.copy()
    if axis == 0:
        X[4] = 0
    else:
        X[:, 1] = 0
    with pytest.raises(ValueError, match=f"all-zero {what}.*brunet"):
        nt.nmf(X, 2, "brunet")
    fit = nt.nmf(X, 2, "hals", seed=0)  # the Frobenius methods cope with it
    assert np.isfinite(fit.W).all()


def test_start_of_wrong_shape():
    W0, H0 = np.ones((12, 2)), np.ones((3, 5))
    with pytest.raises(ValueError, match="W0 must be \\(12, 2\\).*H0 \\(2, 5\\)"):
        nt.nmf(GOOD, 2, init=(W0, H0))


def test_start_with_negative_entries():
    W0, H0 = np.ones((12, 2)), -np.ones((2, 5))
    with pytest.raises(ValueError, match="H0 has 10 negative"):
        nt.nmf(GOOD, 2, init=(W0, H0))


def test_start_that_is_not_a_pair():
    with pytest.raises(TypeError, match="pair"):
        nt.nmf(GOOD, 2, init=np.ones((12, 2)))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"method": "als"}, "unknown method 'als'.*'brunet'"),
        ({"stop": "never"}, "unknown stop rule 'never'"),
        ({"init": "svd"}, "unknown init 'svd'"),
        ({"nrun": 0}, "nrun must be a whole number >= 1"),
        ({"max_iter": -1}, "max_iter must be a whole number >= 0"),
        ({"init": "nndsvd", "nrun": 3}, "deterministic"),
        ({"init": (np.ones((12, 2)), np.ones((2, 5))), "nrun": 2}, "explicit"),
    ],
)
def test_bad_settings(kwargs, message):
    with pytest.raises(ValueError, match=message):
        nt.nmf(GOOD, 2, **kwargs)


def test_bad_seed():
    with pytest.raises(TypeError, match="seed"):
        nt.nmf(GOOD, 2, seed=-3)


def test_unknown_option_is_reported():
    with pytest.raises(TypeError, match="method 'brunet' has no option 'rescale'; its options are: none"):
        nt.nmf(GOOD, 2, "brunet", rescale=False, max_iter=5)


def test_initialize_checks_too():
    with pytest.raises(ValueError, match="unknown init method"):
        nt.initialize(GOOD, 2, "svd")
    with pytest.raises(ValueError, match="negative"):
        nt.initialize(-GOOD, 2)


def test_misspelt_argument_is_reported():
    with pytest.raises(TypeError, match="no option 'maxiter'.*'rescale'"):
        nt.nmf(GOOD, 2, "lee", maxiter=5)
