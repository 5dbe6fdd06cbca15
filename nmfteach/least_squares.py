"""Non-negative least squares for many right-hand sides at once (used by "anls", "snmf/r",
"snmf/l", and in lesson 10 for deconvolution)."""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["nnls"]


def nnls(AtA, AtB, max_iter=None):
    """Solve min_{Y ≥ 0} ‖AY − B‖² for every column of B at once, given AᵀA (K x K) and AᵀB (K x n).

    Block principal pivoting (Kim & Park 2011): guess which entries are positive (the passive
    set F), solve the normal equations on F, and swap every variable that breaks the optimality
    conditions (Y_F ≥ 0 and gradient ≥ 0 off F); when swapping all of them stops reducing their
    number, fall back for a few rounds to swapping only the last one. Columns that share a
    passive set are solved together, so the work is one small solve per distinct pattern.

    Parameters
    ----------
    AtA : array-like, K x K
        AᵀA (e.g. WᵀW when solving for H in X ≈ WH); a numpy array or a pandas DataFrame.
    AtB : array-like, K x n, or K values
        AᵀB (e.g. WᵀX, n = S); a single right-hand side may be 1-D (a Series or a vector).
    max_iter : int or None
        The most pivoting rounds (None: 10·K + 50); a RuntimeError if they do not suffice.

    Returns
    -------
    numpy.ndarray, K x n (K values if AtB was 1-D)
        Y ≥ 0, minimising ‖AY − B‖² column by column; a DataFrame (Series) with AtB's labels if
        AtB was one.
    """
    AtA_values, AtB_values = _normal_equations(AtA, AtB)
    Y = _block_principal_pivoting(AtA_values, AtB_values, max_iter)
    if isinstance(AtB, pd.DataFrame):
        return pd.DataFrame(Y, index=AtB.index, columns=AtB.columns)
    if isinstance(AtB, pd.Series):
        return pd.Series(Y[:, 0], index=AtB.index, name=AtB.name)
    return Y[:, 0] if np.ndim(AtB) == 1 else Y


def _normal_equations(AtA, AtB):
    """AᵀA and AᵀB as float arrays (AᵀB K x n), or an error saying what is wrong with them."""
    AtA = np.asarray(AtA, dtype=float)
    AtB = np.asarray(AtB, dtype=float)
    if AtA.ndim != 2 or AtA.shape[0] != AtA.shape[1]:
        raise ValueError(f"nnls: AtA must be a square K x K matrix (AᵀA, e.g. W.T @ W); got shape {AtA.shape}.")
    if AtB.ndim == 1:
        AtB = AtB[:, None]
    if AtB.ndim != 2 or AtB.shape[0] != AtA.shape[0]:
        raise ValueError(
            f"nnls: AtB must have K = {AtA.shape[0]} rows (AᵀB, e.g. W.T @ X with X genes x samples); "
            f"got shape {AtB.shape}. Did you pass a row instead of a column, or forget the transpose?"
        )
    if not (np.isfinite(AtA).all() and np.isfinite(AtB).all()):
        raise ValueError("nnls: AtA and AtB must be finite (no NaN or inf); check the data they came from.")
    return AtA, AtB


def _block_principal_pivoting(AtA, AtB, max_iter):
    """The pivoting loop of nnls() on float arrays (AtB K x n)."""
    K, n = AtB.shape
    max_iter = 10 * K + 50 if max_iter is None else max_iter
    passive = np.zeros((K, n), dtype=bool)
    Y, grad = np.zeros((K, n)), -AtB.copy()
    best = np.full(n, K + 1)  # fewest infeasible variables seen, per column
    tries = np.full(n, 3)  # full exchanges still allowed without improvement
    for _ in range(max_iter):
        infeasible = (passive & (Y < 0)) | (~passive & (grad < 0))
        count = infeasible.sum(axis=0)
        todo = count > 0
        if not todo.any():
            return np.maximum(Y, 0.0)
        improved = todo & (count < best)
        best[improved], tries[improved] = count[improved], 3
        stalled = todo & ~improved & (tries >= 1)
        tries[stalled] -= 1
        full = improved | stalled
        passive[:, full] ^= infeasible[:, full]
        single = np.flatnonzero(todo & ~full)
        if single.size:  # backup rule: swap only the infeasible variable with the largest index
            last = K - 1 - np.argmax(infeasible[::-1, single], axis=0)
            passive[last, single] ^= True
        cols = np.flatnonzero(todo)
        Y[:, cols], grad[:, cols] = _solve_on_passive(AtA, AtB[:, cols], passive[:, cols])
    raise RuntimeError("nnls: block principal pivoting did not converge; is AᵀA singular?")


def _solve_on_passive(AtA, AtB, passive):
    """Least squares restricted to each column's passive set; returns (Y, gradient AᵀAY − AᵀB)."""
    Y = np.zeros_like(AtB)
    codes = (1 << np.arange(passive.shape[0])) @ passive  # each column's passive set as one integer
    for code in np.unique(codes):  # one solve per distinct passive set (at most 2^K)
        cols = np.flatnonzero(codes == code)
        pattern = passive[:, cols[0]]
        if code:
            block = AtA[np.ix_(pattern, pattern)]
            rhs = AtB[np.ix_(pattern, cols)]
            try:
                Y[np.ix_(pattern, cols)] = np.linalg.solve(block, rhs)
            except np.linalg.LinAlgError:  # a zero metagene makes the block singular
                Y[np.ix_(pattern, cols)] = np.linalg.lstsq(block, rhs, rcond=None)[0]
    grad = AtA @ Y - AtB
    grad[passive] = 0.0
    return Y, grad
