"""Count data (RNA-seq, single cells): library sizes and the choice of genes before NMF.

Genes are rows and cells (or samples) columns, as everywhere in nmfteach; ``counts`` may be a
numpy array, a DataFrame or a scipy.sparse matrix, and is never modified.
"""

from __future__ import annotations

import numpy as np

from ._sparse import as_sparse_data, is_sparse
from .validation import as_data_matrix, positive_int

__all__ = ["library_sizes", "highly_variable_genes"]


def _checked_counts(counts):
    """(SparseData or array, row labels): counts checked (non-negative, finite)."""
    if is_sparse(counts):
        return as_sparse_data(counts, "counts"), None
    A, rows, _ = as_data_matrix(counts, "counts")
    if (A < 0).any():
        raise ValueError("counts has negative entries; give raw counts (not centred, scaled or log values).")
    return A, rows


def _column_sums(A):
    return np.asarray(A.csr.sum(axis=0)).ravel() if hasattr(A, "csr") else A.sum(axis=0)


def library_sizes(counts) -> np.ndarray:
    """Each cell's (or sample's) total count: its library size, Σ_g X_gs.

    Parameters
    ----------
    counts : array, DataFrame or scipy.sparse matrix, genes x cells
        Raw counts.

    Returns
    -------
    numpy.ndarray
        One total per column.
    """
    return _column_sums(_checked_counts(counts)[0])


def highly_variable_genes(counts, n_top=2000, span=0.3) -> np.ndarray:
    """The ``n_top`` genes whose counts vary most for their level of expression: the "vst"
    method of Seurat (Stuart et al. 2019), which the Seurat pbmc3k tutorial uses.

    For count data the variance grows with the mean, so a gene is judged against genes of the
    same mean. With m_g and v_g each gene's mean and variance over the S cells:

    1. fit the trend log10 v ~ log10 m by local quadratic regression (loess, span 0.3, as R's
       ``loess``; here evaluated on 200 points and interpolated), giving an expected sd σ_g;
    2. standardize each count, z_gs = (X_gs − m_g) / σ_g, clipped at √S so that one cell
       cannot make a gene variable;
    3. score each gene by Σ_s z_gs² / (S − 1) and keep the ``n_top`` largest.

    Genes whose counts do not vary (or are all zero) are never chosen.

    Parameters
    ----------
    counts : array, DataFrame or scipy.sparse matrix, genes x cells
        Raw counts (not normalized: the method models raw counts).
    n_top : int
        How many genes to keep.
    span : float
        The share of genes each local fit uses (R's loess ``span``).

    Returns
    -------
    numpy.ndarray
        Row positions of the chosen genes, most variable first (or their labels, when counts
        is a DataFrame).
    """
    import scipy.sparse

    A, rows = _checked_counts(counts)
    n_top = positive_int(n_top, "n_top")
    csr = A.csr if hasattr(A, "csr") else scipy.sparse.csr_matrix(A)
    G, S = csr.shape
    if S < 2:
        raise ValueError("highly_variable_genes needs at least 2 cells (columns) to measure a variance.")
    mean = np.asarray(csr.sum(axis=1)).ravel() / S
    variance = (np.asarray(csr.multiply(csr).sum(axis=1)).ravel() - S * mean**2) / (S - 1)
    varies = variance > 0
    if varies.sum() < n_top:
        raise ValueError(f"only {int(varies.sum())} genes vary across the cells; n_top = {n_top} is more.")
    trend = _loess(np.log10(mean[varies]), np.log10(variance[varies]), span)
    sd = np.ones(G)
    sd[varies] = np.sqrt(10**trend)
    gene = np.repeat(np.arange(G), np.diff(csr.indptr))  # the row of each stored count
    z = np.minimum((csr.data - mean[gene]) / sd[gene], np.sqrt(S))
    squares = np.bincount(gene, weights=z**2, minlength=G) + (S - np.diff(csr.indptr)) * (mean / sd) ** 2
    score = np.where(varies, squares / (S - 1), -np.inf)  # the zeros' terms added without storing them
    chosen = np.argsort(-score, kind="stable")[:n_top]
    return np.asarray(rows)[chosen] if rows is not None else chosen


def _loess(x, y, span, points=200):
    """y's local quadratic trend in x (tricube weights on the nearest ``span`` share of points),
    computed at ``points`` values of x and interpolated."""
    nearest = max(3, int(np.ceil(span * len(x))))
    grid = np.linspace(x.min(), x.max(), points)
    fitted = np.empty(points)
    for i, centre in enumerate(grid):  # a loop over 200 grid points, not over genes
        distance = np.abs(x - centre)
        reach = max(np.partition(distance, nearest - 1)[nearest - 1], 1e-12)
        root_weight = np.clip(1 - (distance / reach) ** 3, 0, None) ** 1.5  # √(tricube)
        design = np.stack([np.ones_like(x), x - centre, (x - centre) ** 2], axis=1) * root_weight[:, None]
        fitted[i] = np.linalg.lstsq(design, y * root_weight, rcond=None)[0][0]
    return np.interp(x, grid, fitted)
