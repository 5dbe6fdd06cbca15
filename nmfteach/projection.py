"""New samples onto fixed metagenes: the lecture's "classification in metagene space".

A fit's W holds the metagenes. A sample that was not in the fit (a new patient, a held-out cell),
measured on the same genes, gets coefficients h ≥ 0 with x ≈ W h, found with W held fixed:

- squared error: min_{h ≥ 0} ½‖x − W h‖², a non-negative least-squares problem, solved exactly
  (``nnls`` on the normal equations WᵀW h = Wᵀx);
- KL divergence: min_{h ≥ 0} D(x ‖ W h), convex in h; the KL update of H with W fixed,
  h ← h ⊙ Wᵀ(x ⊘ Wh) ⊘ Wᵀ1, never increases it and is run until it stops decreasing.

Its dominant metagene then places the sample, as for the fitted samples.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._sparse import as_sparse_data, is_sparse
from .least_squares import nnls
from .objectives import kl_from_product
from .validation import as_data_matrix, check_choice, check_tolerance, positive_int

__all__ = ["project"]


def project(W, X_new, loss="frobenius", max_iter=2000, tol=1e-8):
    """Coefficients H_new ≥ 0 of new samples on fixed metagenes W, so that X_new ≈ W H_new.

    loss "frobenius": min ½‖X_new − W H‖² over H ≥ 0, exactly (non-negative least squares);
    loss "kl": min D(X_new ‖ W H) over H ≥ 0 by H ← H ⊙ Wᵀ(X_new ⊘ WH) ⊘ (Wᵀ1), from H = 1
    scaled to each sample's total, until the divergence falls by less than ``tol`` (relative).

    Use the loss the fit minimized: "kl" for "brunet" (counts), "frobenius" for "lee", "hals",
    "anls", "pgd" (``NMFResult.project`` chooses for you).

    Parameters
    ----------
    W : array or DataFrame, G genes x K
        The fit's metagenes.
    X_new : array, DataFrame or scipy.sparse matrix, G genes x n new samples
        The new samples on the same genes, as columns (genes are rows, as in the fit). With
        DataFrames for both, rows are matched by gene name.
    loss : {"frobenius", "kl"}
        The objective.
    max_iter : int
        The most KL updates.
    tol : float
        KL: stop when the divergence falls by less than this share in an update.

    Returns
    -------
    numpy.ndarray or pandas.DataFrame, K x n
        H_new (a DataFrame labelled by W's metagenes and X_new's samples when they are labelled).
    """
    check_choice(loss, ("frobenius", "kl"), "loss")
    max_iter, tol = positive_int(max_iter, "max_iter"), check_tolerance(tol)
    metagenes = W.columns if isinstance(W, pd.DataFrame) else None
    samples = X_new.columns if isinstance(X_new, pd.DataFrame) else None
    if isinstance(W, pd.DataFrame) and isinstance(X_new, pd.DataFrame):
        missing = W.index.difference(X_new.index)
        if len(missing):
            raise ValueError(
                f"X_new lacks {len(missing)} of the fit's genes (e.g. {', '.join(map(str, missing[:3]))}); "
                "the new samples must be measured on every gene of W."
            )
        X_new = X_new.loc[W.index]
    W = as_data_matrix(W, "W")[0]
    X = as_sparse_data(X_new, "X_new") if is_sparse(X_new) else as_data_matrix(X_new, "X_new")[0]
    if X.shape[0] != W.shape[0]:
        flipped = X.shape[1] == W.shape[0]
        raise ValueError(
            f"X_new has {X.shape[0]} rows but W has {W.shape[0]} genes"
            + (
                "; X_new looks like samples x genes (scikit-learn's layout): pass X_new.T, genes as rows."
                if flipped
                else "; X_new must be genes x new samples, on the fit's genes in the fit's order."
            )
        )
    if (W.sum(axis=0) == 0).any():
        raise ValueError("W has a metagene (column) that is all zero; it cannot place samples. Drop it first.")
    H = _nnls_coefficients(W, X) if loss == "frobenius" else _kl_coefficients(W, X, max_iter, tol)
    return pd.DataFrame(H, index=metagenes, columns=samples) if metagenes is not None or samples is not None else H


def _cross(W, X):
    """WᵀX (K x n), a sparse product when X is sparse."""
    return (X.csr.T @ W).T if hasattr(X, "csr") else W.T @ X


def _nnls_coefficients(W, X):
    return nnls(W.T @ W, _cross(W, X))


def _kl_coefficients(W, X, max_iter, tol):
    totals = np.asarray(X.csr.sum(axis=0)).ravel() if hasattr(X, "csr") else X.sum(axis=0)
    if (totals == 0).any():
        raise ValueError("X_new has a sample (column) that is all zero; KL cannot place it. Drop it first.")
    column_sums = W.sum(axis=0)  # Wᵀ1
    H = np.tile(totals / column_sums.sum(), (W.shape[1], 1))  # Σ WH = Σ x for every sample
    divergence = _kl(W, X, H)
    for _ in range(max_iter):
        # Wᵀ(X ⊘ WH): for sparse X, the ratio at its stored entries only
        numerator = (X.ratio(W, H).T @ W).T if hasattr(X, "csr") else W.T @ (X / (W @ H))
        H *= numerator / column_sums[:, None]
        previous, divergence = divergence, _kl(W, X, H)
        if previous - divergence <= tol * max(previous, np.finfo(float).tiny):
            break
    return H


def _kl(W, X, H):
    return X.kl(W, H) if hasattr(X, "csr") else kl_from_product(X, W @ H)
