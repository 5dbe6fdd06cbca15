"""Sparsity along a penalty path: how strong a penalty must be, and what it costs (lesson 08)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .engine import ConvergenceWarning
from .fit import nmf
from .init import initialize
from .objectives import sparseness

__all__ = ["sparsity_path", "PENALTY_STRENGTHS", "PENALIZE"]

PENALTY_STRENGTHS = (0.0, 0.001, 0.003, 0.01, 0.02, 0.03, 0.05, 0.1)
PENALIZE = {"W and H": ("alpha_W", "alpha_H"), "W only": ("alpha_W",), "H only": ("alpha_H",)}


def sparsity_path(
    X, rank=3, penalize="W and H", l1_ratio=1.0, strengths=PENALTY_STRENGTHS, method="hals", max_iter=1000
):
    """Fit X at each penalty strength alpha from the same NNDSVDa start; return (table, fits).

    The table has one row per alpha: sparseness of W and H (Hoyer; metagenes the penalty killed,
    whose column of W or row of H is all zero, left out), the share of exact zeros in W, the
    metagenes still alive, the relative error ‖X − WH‖ / ‖X‖ (without the penalty), and the L1
    norms of W and H.

    Each fit minimises ½‖X − WH‖² + λ1_W ΣW + ½ λ2_W ‖W‖² + λ1_H ΣH + ½ λ2_H ‖H‖², with the
    weights of ``penalty_weights``: alpha (times S for W, G for H) split by ``l1_ratio``.

    Parameters
    ----------
    X : array or DataFrame, G genes x S samples
        Non-negative data (fitted as an array: the fits are unlabelled).
    rank : int
        K, the number of metagenes.
    penalize : {"W and H", "W only", "H only"}
        Which factors the penalty applies to.
    l1_ratio : float
        The L1 share of the penalty, from 0 (pure L2) to 1 (pure L1, the default).
    strengths : sequence of float
        The values of alpha, in order.
    method : str
        A penalized Frobenius method: "lee", "hals", "anls" or "pgd".
    max_iter : int
        The most updates per fit.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``alpha``, with columns sparseness_W, sparseness_H, zeros_W, metagenes,
        rel_error, l1_W, l1_H and converged (the stopping rule held before ``max_iter``; the
        path gives no ``ConvergenceWarning``).
    dict
        {alpha: NMFResult}, the fit at each strength.
    """
    A = np.asarray(X, dtype=float)
    start = initialize(A, rank, "nndsvda")
    rows, fits = [], {}
    for alpha in strengths:
        penalty = {name: alpha for name in PENALIZE[penalize]}
        with warnings.catch_warnings():  # reported in the column "converged" instead
            warnings.simplefilter("ignore", ConvergenceWarning)
            fit = fits[alpha] = nmf(A, rank, method, init=start, l1_ratio=l1_ratio, max_iter=max_iter, **penalty)
        W, H = np.asarray(fit.W), np.asarray(fit.H)
        alive = (W.sum(axis=0) > 0) & (H.sum(axis=1) > 0)  # a metagene adds to WH only if both its parts do
        rows.append(
            {
                "alpha": alpha,
                "sparseness_W": sparseness(W[:, alive]) if alive.any() else np.nan,
                "sparseness_H": sparseness(H[alive]) if alive.sum() > 1 else np.nan,
                "zeros_W": float(np.mean(W == 0)),
                "metagenes": int(alive.sum()),
                "rel_error": float(np.linalg.norm(A - W @ H) / np.linalg.norm(A)),
                "l1_W": float(W.sum()),
                "l1_H": float(H.sum()),
                "converged": bool(fit.runs["converged"].iloc[0]),
            }
        )
    return pd.DataFrame(rows).set_index("alpha"), fits
