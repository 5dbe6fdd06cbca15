"""Choosing the rank K: run NMF for several K and compare the evidence.

``rank_survey`` gives one row per K with what the lecture's "choosing K" slide lists:

- stability over ``nrun`` random starts: cophenetic correlation, dispersion and the consensus
  silhouette (high = the runs agree on the clusters);
- reconstruction error: the objective, RSS and explained variance (look for an elbow; it
  always improves with K, so it over-fits if followed blindly);
- agreement with known classes (purity, entropy), a form of biological validation;
- held-out-entry cross-validation (``holdout``): a random share of the entries is hidden, NMF
  is fitted to the rest with the masked updates, and the error on the hidden entries is
  reported; it falls while K adds real structure and rises once K starts fitting noise;
- with ``randomized=True``, the same survey on the data with structure destroyed
  (``randomize``), a baseline for what "stable" means by chance.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ._sparse import as_sparse_data, densified, is_sparse
from .engine import ConvergenceWarning
from .fit import nmf
from .methods import get_method
from .validation import as_data_matrix, check_choice, check_rank, rng_seed, seed_int

__all__ = ["rank_survey", "randomize", "holdout_error"]


def randomize(X, seed=None, within: str = "samples"):
    """X with its structure destroyed: values shuffled, each sample's (column's) values across
    genes as R NMF's ``randomize``, or with ``within="genes"`` each gene's values across samples.

    Every column (or row) keeps its values, so the data look alike, but no metagene survives.

    Parameters
    ----------
    X : array or DataFrame, G genes x S samples
        Non-negative data.
    seed : int, numpy Generator or None
        For a reproducible shuffle (None: fresh random numbers).
    within : {"samples", "genes"}
        Shuffle each column's values across genes ("samples") or each row's across samples.

    Returns
    -------
    array or DataFrame, G x S
        The shuffled data, a DataFrame with X's row and column labels when X is one.
    """
    A, rows, cols = as_data_matrix(X)
    check_choice(within, ("samples", "genes"), "within")
    rng = np.random.default_rng(rng_seed(seed))
    shuffled = rng.permuted(A, axis=0 if within == "samples" else 1)
    return shuffled if rows is None else pd.DataFrame(shuffled, index=rows, columns=cols)


def holdout_error(X, rank, method="brunet", fraction=0.1, seed=None, nrun=1, **options) -> float:
    """Mean squared error on a random ``fraction`` of entries hidden from the fit.

    The entries are hidden with a mask (the same for every K when ``seed`` is fixed) and the
    model is fitted to the rest by the masked updates matching ``method`` ("masked_kl" for the KL
    method "brunet", "masked_frobenius" otherwise). The masked fit stops by its rule or at
    ``max_iter``, without a ``ConvergenceWarning``: what matters is the same fit for every K.

    MSE = Σ_{(g, s) hidden} ((WH)_gs − X_gs)² / (number of hidden entries).

    Parameters
    ----------
    X : array, DataFrame or scipy.sparse matrix, G genes x S samples
        Non-negative data (a sparse X is made dense, with a ``DensifyWarning``).
    rank : int
        K, the number of metagenes.
    method : str
        The method whose loss decides the masked method (see ``nmf``).
    fraction : float
        The share of entries to hide, between 0 and 0.5.
    seed : int or None
        Draws the hidden entries and seeds the fit.
    nrun : int
        Runs of the masked fit (the best is kept).
    **options
        Passed to ``nmf`` (e.g. ``max_iter``).

    Returns
    -------
    float
        The mean squared error on the hidden entries.
    """
    if is_sparse(X):  # hidden entries are fitted by the masked methods, which work on dense arrays
        X = densified(as_sparse_data(X), "holdout_error needs X as a dense array", stacklevel=2)
    A = as_data_matrix(X)[0]
    rank = check_rank(rank, A.shape)
    if not 0 < fraction < 0.5:
        raise ValueError(f"fraction must be between 0 and 0.5 (a share of entries to hide); got {fraction}.")
    seed = seed_int(seed)  # one whole number for the hidden entries and the fit
    hidden = np.random.default_rng(seed).uniform(size=A.shape) < fraction
    masked = "masked_kl" if get_method(method).loss == "kl" else "masked_frobenius"
    with warnings.catch_warnings():  # a comparable fit per K is what counts here, converged or not
        warnings.simplefilter("ignore", ConvergenceWarning)
        fit = nmf(A, rank, masked, nrun=nrun, seed=seed, mask=~hidden, **options)
    return float(np.mean((fit.fitted()[hidden] - A[hidden]) ** 2))


def rank_survey(
    X,
    ranks=range(2, 7),
    method="brunet",
    nrun=30,
    seed=None,
    classes=None,
    randomized=False,
    holdout=None,
    n_jobs=None,
    return_fits=False,
    **options,
):
    """One row per K in ``ranks`` with stability, error, validation and cross-validation measures.

    For each K, ``nmf(X, K, method, nrun=nrun, seed=seed)`` minimises the method's objective:
    D(X‖WH) = Σ X log(X/WH) − X + WH for "brunet" (the default), ½‖X − WH‖² = ½ Σ (X − WH)²
    (plus any penalty) for the Frobenius methods. Column ``objective`` is its best run's value.

    Parameters
    ----------
    X : array or DataFrame, G genes x S samples
        Non-negative data.
    ranks : iterable of int
        The values of K to try.
    method : str
        The NMF method (see ``nmf``).
    nrun : int
        Runs per K (at least 2 for the stability measures; 30 is usual).
    seed : int or None
        The same seed for every K, so the survey is reproducible.
    classes : array-like or Series, length S, or None
        Known labels of the samples, for purity and entropy.
    randomized : bool
        Add rows for the same survey on ``randomize(X, seed)`` (index level ``data``).
    holdout : float or None
        A share of entries to hide for cross-validation (e.g. 0.1; see ``holdout_error``).
    n_jobs : int or None
        Workers per fit (see ``nmf``).
    return_fits : bool
        Also return {K: fit} for the original data, e.g. to draw consensus maps.
    **options
        Passed to ``nmf`` (e.g. ``max_iter``).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``rank`` (by ``data``, ``rank`` with ``randomized``), with columns nrun,
        objective, sparseness_W, sparseness_H, silhouette_samples, silhouette_genes,
        silhouette_consensus, cophenetic, dispersion, rss, evar, mean_n_iter, converged (the
        share of runs whose stopping rule held before ``max_iter``; the survey gives no
        ``ConvergenceWarning``), and purity, entropy (with ``classes``) and holdout_mse (with
        ``holdout``); see ``NMFResult.summary``.
    dict
        Only with ``return_fits``: {K: NMFResult} for the original data.
    """
    if is_sparse(X) and (randomized or holdout):  # these shuffle or hide entries of a dense X
        option = "randomized" if randomized else "holdout"
        X = densified(as_sparse_data(X), f"rank_survey's {option} option needs X as a dense array", stacklevel=2)
    A, rows, cols = (as_sparse_data(X), None, None) if is_sparse(X) else as_data_matrix(X)
    ranks = [check_rank(k, A.shape) for k in ranks]
    if not ranks:
        raise ValueError("ranks is empty; give the values of K to try, e.g. range(2, 7).")
    if nrun < 2:
        warnings.warn(
            "rank_survey with nrun=1: stability (cophenetic, dispersion, consensus silhouette) needs "
            "several runs per K, so those columns are NaN. Use nrun=30 or so.",
            stacklevel=2,
        )
    seed = seed_int(seed)
    original = A.csr if is_sparse(A) else A if rows is None else pd.DataFrame(A, index=rows, columns=cols)
    data = {"original": original}
    if randomized:
        data["randomized"] = randomize(original, seed=seed)
    records, fits = [], {}
    for name, values in data.items():
        for k in ranks:
            with warnings.catch_warnings():  # reported per K in the column "converged" instead
                warnings.simplefilter("ignore", ConvergenceWarning)
                fit = nmf(values, k, method, nrun=nrun, seed=seed, n_jobs=n_jobs, **options)
            if name == "original":
                fits[k] = fit
            summary = fit.summary(values, classes=classes if name == "original" else None)
            row = {"data": name, **summary.drop(["rank", "n_iter"]), "rank": k}
            row["mean_n_iter"] = float(fit.runs["n_iter"].mean())
            row["converged"] = float(fit.runs["converged"].mean())
            if holdout:
                row["holdout_mse"] = holdout_error(values, k, method, fraction=holdout, seed=seed)
            records.append(row)
    table = pd.DataFrame.from_records(records).set_index(["data", "rank"])
    table["nrun"] = table["nrun"].astype(int)
    table = table.loc["original"] if not randomized else table
    return (table, fits) if return_fits else table
