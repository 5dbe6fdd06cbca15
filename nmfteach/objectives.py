"""How good is X ≈ WH?  The objectives NMF minimises, and the summaries R NMF reports.

Conventions (genes are rows: X is G x S, W is G x K, H is K x S):

- ``frobenius`` is **half** the squared Frobenius norm, ½·‖X − WH‖²_F. The ½ is what R NMF's
  ``deviance()`` reports for method "lee" and what scikit-learn's Frobenius loss uses; it makes
  the gradient simply (WH − X)Hᵀ. ``rss`` is the same without the ½.
- ``kl_divergence`` is the generalized Kullback-Leibler divergence
  D(X‖WH) = Σ X·log(X / WH) − X + WH, with 0·log 0 = 0 (entries where X = 0 contribute WH).
- ``evar`` is R NMF's explained variance, 1 − RSS / Σ X² (not centred, unlike PCA's).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .validation import as_data_matrix, check_choice

__all__ = [
    "frobenius",
    "rss",
    "kl_divergence",
    "evar",
    "objective",
    "sparseness",
    "OBJECTIVES",
    "Penalty",
    "penalty_weights",
    "smoothing_matrix",
]


def _sparse_factors(X, W, H):
    """X (scipy.sparse) as checked SparseData with W and H as arrays, or None when X is dense."""
    from ._sparse import as_sparse_data, is_sparse

    if not is_sparse(X):
        return None
    X = X if hasattr(X, "csr") else as_sparse_data(X, "X")
    W, H = as_data_matrix(W, "W")[0], as_data_matrix(H, "H")[0]
    _check_shapes(X.shape, W, H)
    return X, W, H


def _check_shapes(shape, W, H):
    """Raise unless W (G x K) and H (K x S) multiply to X's shape (G x S)."""
    if W.shape[1] != H.shape[0] or (W.shape[0], H.shape[1]) != shape:
        raise ValueError(
            f"shapes do not match: X is {shape}, W is {W.shape}, H is {H.shape}; W must be genes x K and H K x samples."
        )


def _product(X, W, H):
    X = as_data_matrix(X, "X")[0]
    W = as_data_matrix(W, "W")[0]
    H = as_data_matrix(H, "H")[0]
    _check_shapes(X.shape, W, H)
    return X, W @ H


def frobenius_from_product(X: np.ndarray, WH: np.ndarray) -> float:
    """½‖X − WH‖²_F given the product WH (no checks; used inside the fitting loop)."""
    diff = X - WH
    return 0.5 * float(np.vdot(diff, diff))


def kl_from_product(X: np.ndarray, WH: np.ndarray) -> float:
    """Generalized KL divergence D(X‖WH) given WH, with 0·log 0 = 0 (no checks)."""
    with np.errstate(divide="ignore"):
        ratio = np.divide(X, WH, out=np.ones_like(X), where=X > 0)  # 1 where X = 0: 0·log 0 = 0
        np.log(ratio, out=ratio)  # X > 0 = WH gives inf: D = ∞
    return float(np.vdot(X, ratio) - X.sum() + WH.sum())


def frobenius(X, W, H) -> float:
    """½·‖X − WH‖²_F, the objective of methods "lee", "hals", "anls" and "pgd".

    This equals R NMF's ``deviance(fit)`` for method "lee"; multiply by 2 for the plain squared
    norm (``rss``), and take ``sqrt(2 * frobenius)`` for scikit-learn's ``reconstruction_err_``.

    ½‖X − WH‖²_F = ½ Σ_gs (X − WH)²_gs.

    Parameters
    ----------
    X : array, DataFrame or scipy.sparse matrix, G genes x S samples
        Non-negative data.
    W : array or DataFrame, G x K
        Metagenes.
    H : array or DataFrame, K x S
        Coefficients.

    Returns
    -------
    float
        ½‖X − WH‖²_F.
    """
    sparse = _sparse_factors(X, W, H)
    if sparse:
        X, W, H = sparse
        return X.frobenius(W, H)
    return frobenius_from_product(*_product(X, W, H))


def rss(X, W, H) -> float:
    """Residual sum of squares ‖X − WH‖²_F, as R NMF's ``rss()`` (no ½).

    RSS = Σ_gs (X − WH)²_gs = 2 · frobenius(X, W, H).

    Parameters
    ----------
    X : array, DataFrame or scipy.sparse matrix, G genes x S samples
        Non-negative data.
    W : array or DataFrame, G x K
        Metagenes.
    H : array or DataFrame, K x S
        Coefficients.

    Returns
    -------
    float
        ‖X − WH‖²_F.
    """
    return 2.0 * frobenius(X, W, H)


def kl_divergence(X, W, H) -> float:
    """Generalized KL divergence Σ X·log(X / WH) − X + WH, objective of method "brunet".

    Entries with X = 0 contribute WH (0·log 0 = 0). Infinite if WH = 0 where X > 0.
    Equals R NMF's ``deviance(fit)`` for method "brunet".

    D(X‖WH) = Σ_gs X_gs log(X_gs / (WH)_gs) − X_gs + (WH)_gs.

    Parameters
    ----------
    X : array, DataFrame or scipy.sparse matrix, G genes x S samples
        Non-negative data.
    W : array or DataFrame, G x K
        Metagenes.
    H : array or DataFrame, K x S
        Coefficients.

    Returns
    -------
    float
        D(X‖WH), >= 0 (``inf`` if WH = 0 where X > 0).
    """
    sparse = _sparse_factors(X, W, H)
    if sparse:
        X, W, H = sparse
        return X.kl(W, H)
    return kl_from_product(*_product(X, W, H))


def evar(X, W, H) -> float:
    """Explained variance as R NMF defines it: 1 − RSS / Σ X² (uncentred).

    evar = 1 − Σ_gs (X − WH)²_gs / Σ_gs X²_gs.

    Parameters
    ----------
    X : array, DataFrame or scipy.sparse matrix, G genes x S samples
        Non-negative data.
    W : array or DataFrame, G x K
        Metagenes.
    H : array or DataFrame, K x S
        Coefficients.

    Returns
    -------
    float
        At most 1 (a perfect fit); can be negative for a fit worse than WH = 0.
    """
    sparse = _sparse_factors(X, W, H)
    if sparse:
        X, W, H = sparse
        total, half_rss = X.squared_norm, X.frobenius(W, H)
    else:
        X, WH = _product(X, W, H)
        total, half_rss = float(np.vdot(X, X)), frobenius_from_product(X, WH)
    if total == 0:
        raise ValueError("evar is 1 − RSS / ΣX², undefined for an all zero X (ΣX² = 0).")
    return 1.0 - 2.0 * half_rss / total


OBJECTIVES = {"frobenius": frobenius_from_product, "kl": kl_from_product}


def objective(X, W, H, name: str = "frobenius") -> float:
    """The objective ``name`` ("frobenius" = ½‖X − WH‖²_F, or "kl") of the factorization WH.

    "frobenius": ½‖X − WH‖²_F = ½ Σ (X − WH)²; "kl": D(X‖WH) = Σ X log(X/WH) − X + WH. No penalty
    is added.

    Parameters
    ----------
    X : array, DataFrame or scipy.sparse matrix, G genes x S samples
        Non-negative data.
    W : array or DataFrame, G x K
        Metagenes.
    H : array or DataFrame, K x S
        Coefficients.
    name : {"frobenius", "kl"}
        Which objective.

    Returns
    -------
    float
        The objective's value.
    """
    check_choice(name, tuple(OBJECTIVES), "objective")
    return (frobenius if name == "frobenius" else kl_divergence)(X, W, H)


def sparseness(A) -> float:
    """Hoyer's sparseness (2004), averaged over the columns of A, as R NMF's ``sparseness()``.

    For a vector x of length n: (√n − ‖x‖₁/‖x‖₂) / (√n − 1), which is 0 when all entries are
    equal and 1 when only one entry is non-zero. ``sparseness(W)``: how few genes each metagene
    uses; ``sparseness(H)``: how few metagenes each sample uses (R's sparseness of basis and coef).

    Parameters
    ----------
    A : array-like or DataFrame, n x m, or a vector of length n
        Columns of length n >= 2, none all zero (a vector counts as one column).

    Returns
    -------
    float
        The mean sparseness of A's columns, in [0, 1].
    """
    A = np.asarray(A, dtype=float)
    if A.ndim == 1:
        A = A[:, None]
    n = A.shape[0]
    if n < 2:
        raise ValueError("sparseness needs vectors of length at least 2.")
    l1 = np.abs(A).sum(axis=0)
    l2 = np.sqrt((A * A).sum(axis=0))
    if (l2 == 0).any():
        raise ValueError("sparseness is undefined for an all-zero vector; remove zero columns first.")
    root = np.sqrt(n)
    return float(np.mean((root - l1 / l2) / (root - 1)))


class Penalty(NamedTuple):
    """Per-entry weights of the L1 and L2 penalties on W and H (see ``penalty_weights``)."""

    l1_W: float = 0.0
    l2_W: float = 0.0
    l1_H: float = 0.0
    l2_H: float = 0.0

    def value(self, W, H) -> float:
        """λ1_W ΣW + ½λ2_W ‖W‖² + λ1_H ΣH + ½λ2_H ‖H‖² (W, H ≥ 0, so ΣW is the L1 norm)."""
        W, H = np.asarray(W), np.asarray(H)
        return float(
            self.l1_W * W.sum()
            + 0.5 * self.l2_W * np.vdot(W, W)
            + self.l1_H * H.sum()
            + 0.5 * self.l2_H * np.vdot(H, H)
        )


def penalty_weights(shape, alpha_W=0.0, alpha_H=0.0, l1_ratio=0.0) -> Penalty:
    """The weights of the penalized objective for a G x S matrix X (``shape``):

        ½‖X − WH‖² + λ1_W ΣW + ½ λ2_W ‖W‖² + λ1_H ΣH + ½ λ2_H ‖H‖²

        λ1_W = alpha_W · l1_ratio · S      λ2_W = alpha_W · (1 − l1_ratio) · S
        λ1_H = alpha_H · l1_ratio · G      λ2_H = alpha_H · (1 − l1_ratio) · G

    l1_ratio = 1 is pure L1 (sparsity: pushes entries to exactly 0), 0 pure L2 (shrinks all
    entries alike). Why S and G: a row of W (a gene) meets S data entries in ½‖X − WH‖², a
    column of H (a sample) meets G, so scaling keeps a given alpha equally strong whatever the
    size of the data. This is scikit-learn's scaling, but scikit-learn factorizes samples x genes,
    so its W is our Hᵀ: nmf(X, K, alpha_W=a, alpha_H=b) is sklearn's NMF(alpha_W=b, alpha_H=a)
    fitted to X.T.

    Parameters
    ----------
    shape : tuple of int
        The shape (G, S) of X.
    alpha_W, alpha_H : float
        Penalty strengths for W and H (0: no penalty).
    l1_ratio : float
        The L1 share of each penalty, from 0 (pure L2) to 1 (pure L1).

    Returns
    -------
    Penalty
        The four weights (l1_W, l2_W, l1_H, l2_H).
    """
    G, S = shape[-2:]
    return Penalty(
        alpha_W * l1_ratio * S, alpha_W * (1 - l1_ratio) * S, alpha_H * l1_ratio * G, alpha_H * (1 - l1_ratio) * G
    )


def smoothing_matrix(rank: int, theta: float) -> np.ndarray:
    """nsNMF's smoothing matrix S = (1 − θ) I + (θ/K) 11ᵀ (K x K), as R NMF's ``smoothing()``.

    SH replaces each coefficient by (1 − θ) times itself plus θ times the average over the K
    metagenes: θ = 0 leaves H as it is, θ = 1 makes every metagene equally active.

    Parameters
    ----------
    rank : int
        K, the number of metagenes.
    theta : float
        The smoothing, from 0 (none: S = I) to 1.

    Returns
    -------
    numpy.ndarray
        S, K x K.
    """
    return (1 - theta) * np.eye(rank) + theta / rank * np.ones((rank, rank))
