"""Input checks shared by every public function.

Each check either returns clean data or raises an error that says what is wrong and what to
do about it, so a student never meets a NaN result or a traceback from deep inside numpy.
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd


def as_data_matrix(X, name: str = "X", allow_missing: bool = False):
    """Return ``(array, row_labels, column_labels)`` for a genes x samples matrix.

    The array is always a new float64 array, so callers may work on it without touching the
    user's data. Labels are ``None`` unless X is a DataFrame. ``allow_missing`` lets NaN through
    (for the masked methods, which skip those entries).
    """
    rows = cols = None
    if isinstance(X, pd.DataFrame):
        bad = [
            str(c)
            for c, dtype in X.dtypes.items()
            if not (pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype))
        ]
        if bad:
            shown = ", ".join(repr(c) for c in bad[:5]) + (" ..." if len(bad) > 5 else "")
            raise TypeError(
                f"{name} has non-numeric columns ({shown}). NMF needs a numeric genes x samples "
                f"matrix: move annotation columns out, e.g. {name} = {name}.set_index('gene') or "
                f"{name}.drop(columns=[...])."
            )
        rows, cols = X.index, X.columns
        X = np.array(X.to_numpy(dtype=float), order="C", copy=True)
    else:
        try:
            X = np.array(X, dtype=float, copy=True, order="C")
        except (TypeError, ValueError) as err:
            raise TypeError(
                f"{name} must be a numeric matrix (a numpy array or a DataFrame of "
                f"numbers); converting it to numbers failed: {err}"
            ) from None
    if X.ndim != 2:
        raise ValueError(
            f"{name} must be a 2-D matrix (genes x samples); it has {X.ndim} dimension(s) and shape {X.shape}."
        )
    if X.size == 0:
        raise ValueError(f"{name} is empty (shape {X.shape}); NMF needs at least one gene and one sample.")
    check_entries(np.nan_to_num(X, nan=0.0) if allow_missing else X, name)
    return X, rows, cols


def check_entries(A: np.ndarray, name: str) -> None:
    """Raise if A has missing, infinite or negative entries."""
    finite = np.isfinite(A)
    if not finite.all():
        n_nan = int(np.isnan(A).sum())
        n_inf = int((~finite).sum()) - n_nan
        where = tuple(int(i) for i in np.argwhere(~finite)[0])
        raise ValueError(
            f"{name} has {n_nan} missing (NaN) and {n_inf} infinite values (first at row, column "
            f"{where}). NMF cannot use them: remove or impute those genes/samples first, or use "
            f"method='masked_kl' or 'masked_frobenius', which skip missing entries."
        )
    if (A < 0).any():
        n_neg = int((A < 0).sum())
        where = tuple(int(i) for i in np.argwhere(A < 0)[0])
        raise ValueError(
            f"{name} has {n_neg} negative entries (smallest {A.min():.4g}, first at row, column "
            f"{where}). NMF models non-negative data such as counts or intensities: use the data "
            f"before centring or log-ratios, or a non-negative transform such as log1p(counts)."
        )


def check_rank(rank, shape: tuple[int, int]) -> int:
    """Return rank as an int, or raise if it is not between 1 and min(G, S)."""
    if isinstance(rank, bool) or not isinstance(rank, numbers.Integral):
        raise TypeError(f"rank must be a whole number such as 3; got {rank!r}.")
    n_genes, n_samples = shape
    if not 1 <= rank <= min(n_genes, n_samples):
        raise ValueError(
            f"rank must be between 1 and min(genes, samples) = {min(n_genes, n_samples)} for a "
            f"{n_genes} x {n_samples} matrix; got {rank}. Choose a small K (the lecture's rule of "
            f"thumb: K much smaller than min(G, S))."
        )
    return int(rank)


def check_no_zero_lines(X: np.ndarray, why: str) -> None:
    """Raise if X has an all-zero row (gene) or column (sample); ``why`` says who needs this."""
    for axis, what, fix in (
        (1, "row (gene)", "drop genes with no expression, e.g. X[X.sum(axis=1) > 0]"),
        (0, "column (sample)", "drop empty samples"),
    ):
        empty = np.flatnonzero(~X.any(axis=axis))
        if empty.size:
            raise ValueError(
                f"X has {empty.size} all-zero {what}{'s' if empty.size > 1 else ''} (first at index "
                f"{int(empty[0])}); {why}. Fix: {fix}."
            )


def check_choice(value, choices, what: str) -> str:
    """Raise unless value is one of choices (a clear message listing them)."""
    if value not in choices:
        raise ValueError(f"unknown {what} {value!r}; choose one of: {', '.join(map(repr, choices))}.")
    return value


def rng_seed(seed):
    """Accept None, an int or a numpy Generator / SeedSequence as a seed."""
    if seed is None or isinstance(seed, (np.random.Generator, np.random.SeedSequence)):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise TypeError(f"seed must be a non-negative whole number (e.g. 123) or None; got {seed!r}.")
    return int(seed)


def positive_int(value, name, allow_zero=False) -> int:
    """Return value as an int, or raise unless it is a whole number >= 1 (>= 0 with allow_zero)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < (0 if allow_zero else 1):
        raise ValueError(f"{name} must be a whole number {'>= 0' if allow_zero else '>= 1'}; got {value!r}.")
    return int(value)


def check_start_pair(init, shape, rank):
    """A user's start (W0, H0) as two new float arrays of the right shapes, or a clear error."""
    try:
        W0, H0 = init
    except (TypeError, ValueError):
        raise TypeError(
            "init must be a method name ('random', 'nndsvd', 'nndsvda', 'nndsvdar') or a pair (W0, H0) of matrices."
        ) from None
    W0 = np.array(W0, dtype=float)
    H0 = np.array(H0, dtype=float)
    G, S = shape
    if W0.shape != (G, rank) or H0.shape != (rank, S):
        raise ValueError(
            f"the start (W0, H0) has shapes {W0.shape} and {H0.shape}, but X is {G} x {S} with rank "
            f"{rank}, so W0 must be {(G, rank)} (genes x K) and H0 {(rank, S)} (K x samples). "
            f"nmfteach.initialize(X, rank) makes a start of the right shape."
        )
    check_entries(W0, "W0")
    check_entries(H0, "H0")
    return W0, H0


def observed_entries(A, mask):
    """Zero-filled data and the 0/1 mask of entries to fit: not missing, and in ``mask`` if given."""
    observed = ~np.isnan(A)
    if mask is not None:
        mask = np.asarray(mask)
        if mask.shape != A.shape:
            raise ValueError(f"mask must have the shape of X, {A.shape}; got {mask.shape}.")
        observed &= mask.astype(bool)
    if not observed.any(axis=0).all() or not observed.any(axis=1).all():
        raise ValueError("every gene and every sample needs at least one observed (unmasked) entry.")
    return np.where(observed, A, 0.0), observed.astype(float)
