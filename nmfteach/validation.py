"""Input checks shared by every public function.

Each check either returns clean data or raises an error that says what is wrong and what to
do about it, so a student never meets a NaN result or a traceback from deep inside numpy.
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd

LARGEST_ENTRY = 1e30  # beyond this, WH and ‖X − WH‖² can overflow from a random start


def as_data_matrix(X, name: str = "X", allow_missing: bool = False):
    """Return ``(array, row_labels, column_labels)`` for a genes x samples matrix.

    The array is always a new float64 array, so callers may work on it without touching the
    user's data. Labels are ``None`` unless X is a DataFrame. ``allow_missing`` lets NaN through
    (for the masked methods, which skip those entries).
    """
    rows = cols = None
    X = _plain_array_or_frame(X, name, allow_missing)
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
    check_entries(np.where(np.isnan(X), 0.0, X) if allow_missing else X, name)
    return X, rows, cols


def _plain_array_or_frame(X, name, allow_missing):
    """Refuse what would be converted wrongly (sparse, complex, a masked array's hidden values);
    a masked array becomes an array with NaN where it is masked, for the masked methods."""
    import scipy.sparse

    if scipy.sparse.issparse(X):
        megabytes = 8 * X.shape[0] * X.shape[1] / 2**20
        raise TypeError(
            f"{name} is a scipy.sparse matrix ({X.shape[0]} x {X.shape[1]}, {X.nnz} stored values); this function "
            f"needs a dense array. Pass {name}.toarray() (it takes {megabytes:,.0f} MiB), or keep only the genes you "
            f"need first (e.g. the highly variable ones). nmf(), rank_survey(), initialize(), project() and the "
            f"objectives take a sparse X as it is."
        )
    complex_values = (
        any(pd.api.types.is_complex_dtype(dtype) for dtype in X.dtypes)
        if isinstance(X, pd.DataFrame)
        else np.iscomplexobj(X)
    )
    if complex_values:
        raise TypeError(
            f"{name} has complex numbers; NMF needs real, non-negative data (e.g. magnitudes: abs({name}))."
        )
    if isinstance(X, np.ma.MaskedArray):
        hidden = int(np.ma.count_masked(X))
        if hidden and not allow_missing:
            raise ValueError(
                f"{name} is a numpy masked array with {hidden} masked entries, which this method would fit as "
                f"if they were data. Use method='masked_kl' or 'masked_frobenius' (they skip masked entries), "
                f"or fill them first ({name}.filled(value))."
            )
        X = np.ma.filled(X.astype(float), np.nan)
    return X


def check_scale(A: np.ndarray, name: str = "X") -> None:
    """Raise if the data are all zero, or so large that products of entries overflow."""
    finite = A[np.isfinite(A)]
    largest = float(finite.max()) if finite.size else 0.0
    if largest == 0.0:
        raise ValueError(f"{name} is all zero (on every entry that is fitted): there is nothing to factorize.")
    if largest > LARGEST_ENTRY:
        raise ValueError(
            f"{name}'s largest entry is {largest:.3g}: too large, since products of such numbers overflow "
            f"(double precision ends at 1.8e308). Divide {name} by a constant first, e.g. {name} / {name}.max(): "
            f"the metagenes W scale with it, H does not change."
        )


def align_to_samples(values, samples, name: str = "classes") -> np.ndarray:
    """``values`` (one per sample) in the order of ``samples``: a Series whose index names the
    samples is matched by name, anything else must be one value per sample, in their order."""
    n = len(samples)
    if isinstance(values, pd.Series) and not isinstance(values.index, pd.RangeIndex):
        if pd.Index(values.index).is_unique and pd.Index(samples).isin(values.index).all():
            return values.reindex(samples).to_numpy()
        shown = ", ".join(map(str, list(values.index[:3])))
        raise ValueError(
            f"{name} is a Series whose index ({shown}, ...) does not name this fit's samples; index it by sample "
            f"name (the columns of X), or pass a list or array in the samples' order."
        )
    array = np.asarray(values)
    if array.ndim != 1 or len(array) != n:
        raise ValueError(f"{name} must hold one label per sample ({n} in all); got shape {array.shape}.")
    return array


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
    sparse = hasattr(X, "csr")  # checked sparse data: lines with no stored value are empty
    for axis, what, fix in (
        (
            1,
            "row (gene)",
            f"drop genes with no expression, e.g. X[X.{'count_nonzero' if sparse else 'sum'}(axis=1) > 0]",
        ),
        (0, "column (sample)", "drop empty samples"),
    ):
        filled = (X.csr.getnnz(axis=axis) if sparse else X.any(axis=axis)) > 0
        empty = np.flatnonzero(~filled)
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


def seed_int(seed) -> int:
    """A whole-number seed from None (fresh entropy), an int, a numpy Generator (draws from it)
    or a SeedSequence, so that it can be recorded and every run derived from it."""
    seed = rng_seed(seed)
    if seed is None:
        return int(np.random.SeedSequence().entropy % 2**63)
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(2**63))
    if isinstance(seed, np.random.SeedSequence):
        return int(seed.generate_state(1, np.uint64)[0] >> np.uint64(1))
    return seed


def check_tolerance(tol) -> float:
    """tol as a float, or an error unless it is a finite number >= 0."""
    if isinstance(tol, bool) or not isinstance(tol, numbers.Real) or not np.isfinite(tol) or tol < 0:
        raise ValueError(f"tol must be a number >= 0 (a relative decrease, e.g. 1e-6); got {tol!r}.")
    return float(tol)


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
        if mask.dtype != bool and not (np.issubdtype(mask.dtype, np.number) and np.isin(mask, (0, 1)).all()):
            raise ValueError(
                "mask must hold 0 (skip the entry) and 1 (fit it) only, or True/False; it has other "
                "values (NaN, 2, ...)."
            )
        observed &= mask.astype(bool)
    if not observed.any(axis=0).all() or not observed.any(axis=1).all():
        raise ValueError("every gene and every sample needs at least one observed (unmasked) entry.")
    return np.where(observed, A, 0.0), observed.astype(float)
