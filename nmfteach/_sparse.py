"""Sparse data (``scipy.sparse`` X): checked once, then used by the kernels and objectives. Private.

Count matrices from single cells are mostly zeros (pbmc3k: 2,000 genes x 2,638 cells, 18% non-zero).
The KL updates need X ⊘ WH only where X is non-zero (0 / WH = 0 elsewhere), and the Frobenius
updates need X only through the products WᵀX and XHᵀ, so neither needs X as a dense matrix:

- WH is needed only at X's stored entries. It is made a block of genes at a time (W[block] H into a
  reused buffer) and read off at the stored entries, so no G x S array is ever made;
- WᵀX and XHᵀ, and Wᵀ(X ⊘ WH) and (X ⊘ WH)Hᵀ, are sparse-times-dense products;
- D(X ‖ WH) = Σ_stored x log(x / WH) − Σ x + Σ WH, with Σ WH = (1ᵀW)(H1); and
  ½‖X − WH‖² = ½(‖X‖² − 2 Σ_stored x·WH + ⟨WᵀW, HHᵀ⟩).

The numbers equal the dense path's up to the order of floating-point sums (tested to 1e-10).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse

__all__ = ["SparseData", "DensifyWarning", "as_sparse_data", "densified", "is_sparse"]

BLOCK_BYTES = 4 * 2**20  # the buffer for WH, a block of genes at a time


class DensifyWarning(UserWarning):
    """A function that has no sparse path converted a sparse X to a dense array (and says how
    large it is)."""


def densified(X, reason, advice="", stacklevel=3) -> np.ndarray:
    """X (scipy.sparse or SparseData) as a dense array, with a DensifyWarning that gives ``reason``
    and the memory the array takes."""
    import warnings

    G, S = X.shape
    warnings.warn(
        f"{reason}: X ({G} x {S}, {X.nnz} stored values) is converted to a dense array of "
        f"{8 * G * S / 2**20:,.0f} MiB.{' ' + advice if advice else ''}",
        DensifyWarning,
        stacklevel=stacklevel + 1,
    )
    return X.toarray()


def is_sparse(X) -> bool:
    """Is X a scipy.sparse matrix or array, or already checked sparse data?"""
    return isinstance(X, SparseData) or scipy.sparse.issparse(X)


class SparseData:
    """A checked, non-negative CSR matrix (genes x samples) with what the updates need of it."""

    def __init__(self, csr: scipy.sparse.csr_matrix):
        self.csr = csr
        self.shape = csr.shape
        self.data = csr.data
        self.nnz = csr.nnz
        self.total = float(self.data.sum())
        self.squared_norm = float(self.data @ self.data)
        rows = np.repeat(np.arange(self.shape[0]), np.diff(csr.indptr))
        block = max(1, BLOCK_BYTES // (8 * self.shape[1]))
        self._blocks = []  # (genes a:b, stored entries i:j, their positions in the block's buffer)
        for a in range(0, self.shape[0], block):
            b = min(self.shape[0], a + block)
            i, j = csr.indptr[a], csr.indptr[b]
            self._blocks.append((a, b, i, j, (rows[i:j] - a) * self.shape[1] + csr.indices[i:j]))
        self._buffer = np.empty((min(block, self.shape[0]), self.shape[1]))
        self._ratio = scipy.sparse.csr_matrix((np.empty(self.nnz), csr.indices, csr.indptr), shape=self.shape)
        # the last WH read off for an objective, with copies of its W and H: the next update of H
        # starts from the same W and H (nothing changes them in between) and reuses it
        self._kept = (None, None, np.empty(self.nnz))

    def __reduce__(self):  # to a worker process: the matrix only, the rest is made again
        return SparseData, (self.csr,)

    def max(self) -> float:
        return float(self.data.max()) if self.nnz else 0.0

    def mean(self) -> float:
        return self.total / (self.shape[0] * self.shape[1])

    def toarray(self) -> np.ndarray:
        return self.csr.toarray()

    def values_of(self, W, H, out=None) -> np.ndarray:
        """(WH) at X's stored entries, in X's order, a block of genes at a time."""
        out = np.empty(self.nnz) if out is None else out
        for a, b, i, j, positions in self._blocks:
            block = np.matmul(W[a:b], H, out=self._buffer[: b - a])
            np.take(block.ravel(), positions, out=out[i:j])
        return out

    def ratio(self, W, H) -> scipy.sparse.csr_matrix:
        """X ⊘ WH as a sparse matrix with X's pattern (a reused matrix: use it before the next call)."""
        kept_W, kept_H, kept = self._kept
        if kept_W is not None and np.array_equal(kept_W, W) and np.array_equal(kept_H, H):
            np.divide(self.data, kept, out=self._ratio.data)  # WH as the objective just read it
            return self._ratio
        values = self.values_of(W, H, out=self._ratio.data)
        np.divide(self.data, values, out=values)
        return self._ratio

    def WtX(self, W, out):
        """WᵀX (K x S) into ``out``, for one run or a stack of runs."""
        for r in np.ndindex(W.shape[:-2]):
            out[r] = (self.csr.T @ W[r]).T
        return out

    def HXt(self, H, out):
        """(XHᵀ)ᵀ = HXᵀ (K x G) into ``out``, for one run or a stack of runs."""
        for r in np.ndindex(H.shape[:-2]):
            out[r] = (self.csr @ H[r].T).T
        return out

    def kl(self, W, H) -> float:
        """D(X ‖ WH) = Σ_stored x log(x / WH) − Σ x + Σ WH (0·log 0 = 0); ∞ where WH = 0 < x."""
        values = self.values_of(W, H, out=self._kept[2])
        self._kept = (W.copy(), H.copy(), values)
        if (values <= 0).any():
            return np.inf
        return float(self.data @ np.log(self.data / values)) - self.total + float(W.sum(axis=0) @ H.sum(axis=1))

    def frobenius(self, W, H) -> float:
        """½‖X − WH‖² = ½(‖X‖² − 2 Σ_stored x·WH + ⟨WᵀW, HHᵀ⟩), never below 0."""
        cross = float(self.data @ self.values_of(W, H))
        return 0.5 * max(self.squared_norm - 2 * cross + float(np.vdot(W.T @ W, H @ H.T)), 0.0)


def as_sparse_data(X, name: str = "X") -> SparseData:
    """A checked copy of the scipy.sparse matrix X as SparseData, or an error that says what to do.

    Refused: complex or non-numeric values, negative, NaN or infinite stored values, and stored
    zeros (explicit zeros would be fitted as observed zeros by some tools and skipped by others).
    """
    if X.ndim != 2:
        raise ValueError(f"{name} must be a 2-D sparse matrix (genes x samples); it has shape {X.shape}.")
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"{name} is empty (shape {X.shape}); NMF needs at least one gene and one sample.")
    if not (np.issubdtype(X.dtype, np.integer) or np.issubdtype(X.dtype, np.floating)):
        raise TypeError(f"{name} holds {X.dtype} values; NMF needs real, non-negative numbers (counts or levels).")
    csr = scipy.sparse.csr_matrix(X, dtype=float, copy=True)
    csr.sum_duplicates()  # also sorts the indices: the canonical form
    values = csr.data
    if not np.isfinite(values).all():
        bad = int((~np.isfinite(values)).sum())
        raise ValueError(
            f"{name} stores {bad} NaN or infinite value(s). Sparse NMF cannot skip entries: fix or drop those "
            f"genes or samples first."
        )
    if (values < 0).any():
        raise ValueError(
            f"{name} stores {int((values < 0).sum())} negative value(s) (smallest {values.min():g}). NMF needs "
            f"non-negative data: raw counts, not centred or scaled values."
        )
    zeros = int((values == 0).sum())
    if zeros:
        raise ValueError(
            f"{name} stores {zeros} explicit zero(s). Remove them from a copy first: "
            f"{name} = {name}.copy(); {name}.eliminate_zeros()."
        )
    return SparseData(csr)
