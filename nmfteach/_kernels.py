"""Fast kernels: the textbook updates (``nmfteach.textbook``), rewritten for speed. Private.

Each kernel performs the same update as the textbook function of the same name, **in place**
on W and H, and the tests check that both give the same numbers (to 1e-12). What makes them
fast, measured in lesson 04:

- a run axis: W and H may be stacks of R runs (shapes (R, G, K) and (R, K, S)), so one numpy
  call advances every run of a batch. That is why the code writes ``W.mT`` (transpose of the
  last two axes) instead of ``W.T``, and ``[..., :, None]`` instead of ``[:, None]``;
- no temporary G x S matrices: products go into scratch arrays made once per batch (``work.GS``,
  ``work.KS``, ``work.KG``, ``work.KK``) through ``out=``; a fresh G x S array costs page faults
  every time;
- R Hᵀ (G x S times S x K) is computed as (H Rᵀ)ᵀ into a K x G array: the same products and
  sums, in an order BLAS may run faster (lesson 04 measures by how much);
- ``product`` uses np.dot for single matrices, which lets other threads run meanwhile.

"anls", "snmf/r" and "snmf/l" have no kernel: their work is in the small NNLS solves, so the
engine runs their textbook functions one run at a time.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from ._sparse import SparseData
from .objectives import penalty_weights, smoothing_matrix
from .textbook import LEE_EPS, TINY

__all__ = [
    "brunet",
    "brunet_sparse",
    "lee",
    "hals",
    "pgd",
    "nsnmf",
    "masked_kl",
    "masked_frobenius",
    "make_workspace",
    "product",
]


def make_workspace(
    n_genes: int, n_samples: int, rank: int, n_runs: int | None = None, dense: bool = True
) -> SimpleNamespace:
    """Scratch arrays reused every iteration: for one run (2-D), or a batch of ``n_runs``. Sparse
    data (``dense=False``) need no G x S array: SparseData keeps a small buffer of its own."""
    runs = () if n_runs is None else (n_runs,)
    return SimpleNamespace(
        GS=np.empty(runs + (n_genes, n_samples) if dense else (0, 0)),
        KS=np.empty(runs + (rank, n_samples)),
        KG=np.empty(runs + (rank, n_genes)),
        KK=np.empty(runs + (rank, rank)),
        ones_G=np.ones(n_genes),
        ones_S=np.ones(n_samples),
    )


def product(A, B, out=None):
    """A @ B (into ``out``) for a long inner dimension (G or S): np.dot for single matrices and
    vectors (unlike np.matmul it lets other threads run meanwhile), np.matmul for stacks of runs."""
    return np.dot(A, B, out=out) if A.ndim <= 2 and B.ndim <= 2 else np.matmul(A, B, out=out)


def _penalize(gram, cross, l1, l2):
    """Put the penalties into a least-squares sub-problem (in place): the gradient of
    ½‖X − WH‖² + λ1ΣH + ½λ2‖H‖² in H is (WᵀW + λ2 I) H − (WᵀX − λ1), so it is the plain
    problem with gram = WᵀW + λ2 I and cross = WᵀX − λ1 (likewise for W)."""
    if l2:
        diagonal = np.arange(gram.shape[-1])
        gram[..., diagonal, diagonal] += l2
    if l1:
        cross -= l1


def _WtX(W, X, out):
    """WᵀX (K x S) into ``out``: a sparse product when X is sparse."""
    return X.WtX(W, out) if isinstance(X, SparseData) else product(W.mT, X, out=out)


def _XHt(X, H, out):
    """XHᵀ (G x K), computed as (HXᵀ)ᵀ into the K x G ``out``: a sparse product when X is sparse."""
    return (X.HXt(H, out) if isinstance(X, SparseData) else product(H, X.mT, out=out)).mT


def brunet(X, W, H, work):
    """``textbook.brunet``, in place and batched."""
    ratio = np.matmul(W, H, out=work.GS)
    np.divide(X, ratio, out=ratio)  # X ⊘ WH
    H *= product(W.mT, ratio, out=work.KS)
    H /= product(work.ones_G, W)[..., :, None]  # Wᵀ1: column sums of W
    ratio = np.matmul(W, H, out=work.GS)
    np.divide(X, ratio, out=ratio)
    step = product(H, ratio.mT, out=work.KG)  # [(X ⊘ WH) Hᵀ]ᵀ, K x G
    step /= product(H, work.ones_S)[..., :, None]  # H1: row sums of H
    W *= step.mT


def brunet_sparse(X, W, H, work=None):
    """``textbook.brunet`` for sparse X (SparseData), in place, one run at a time: X ⊘ WH is formed
    only at X's stored entries (it is 0 elsewhere), and both numerators are sparse-times-dense
    products."""
    if W.ndim == 3:
        for Wr, Hr in zip(W, H):
            brunet_sparse(X, Wr, Hr)
        return
    H *= (X.ratio(W, H).T @ W).T  # Wᵀ(X ⊘ WH), from (X ⊘ WH)ᵀW
    H /= W.sum(axis=0)[:, None]
    W *= X.ratio(W, H) @ H.T  # (X ⊘ WH)Hᵀ
    W /= H.sum(axis=1)[None, :]


def lee(X, W, H, work, rescale=True, alpha_W=0.0, alpha_H=0.0, l1_ratio=0.0):
    """``textbook.lee``, in place and batched."""
    penalty = penalty_weights(X.shape, alpha_W, alpha_H, l1_ratio)
    gram = np.matmul(W.mT, W, out=work.KK)  # WᵀW
    numer = _WtX(W, X, out=work.KS)
    numer *= H
    np.maximum(numer, LEE_EPS, out=numer)
    denom = np.matmul(gram, H)
    _add_penalty(denom, H, penalty.l1_H, penalty.l2_H)
    H[...] = numer / (denom + LEE_EPS)
    gram = np.matmul(H, H.mT, out=work.KK)  # HHᵀ
    numer = _XHt(X, H, out=work.KG)  # XHᵀ
    numer *= W
    np.maximum(numer, LEE_EPS, out=numer)
    denom = np.matmul(W, gram)
    _add_penalty(denom, W, penalty.l1_W, penalty.l2_W)
    W[...] = numer / (denom + LEE_EPS)
    if rescale:
        sums = product(work.ones_G, W)  # 1ᵀW: column sums of W
        W /= sums[..., None, :]
        if rescale == "both":
            H *= sums[..., :, None]


def _add_penalty(denominator, A, l1, l2):
    """denominator += λ1 + λ2·A: the penalties' share of a multiplicative update's denominator."""
    if l1:
        denominator += l1
    if l2:
        denominator += l2 * A


def hals(X, W, H, work, alpha_W=0.0, alpha_H=0.0, l1_ratio=0.0):
    """``textbook.hals``, in place and batched (the loop is over the K metagenes, not genes or samples)."""
    penalty = penalty_weights(X.shape, alpha_W, alpha_H, l1_ratio)
    WtX, WtW = _WtX(W, X, out=work.KS), np.matmul(W.mT, W, out=work.KK)
    _penalize(WtW, WtX, penalty.l1_H, penalty.l2_H)
    for k in range(H.shape[-2]):  # loop over the K metagenes, not genes or samples
        step = _newton_step(WtX[..., k, :] - (WtW[..., k : k + 1, :] @ H)[..., 0, :], WtW[..., k, k])
        H[..., k, :] = np.maximum(H[..., k, :] + step, 0.0)
    XHt, HHt = _XHt(X, H, out=work.KG), np.matmul(H, H.mT, out=work.KK)
    _penalize(HHt, XHt, penalty.l1_W, penalty.l2_W)
    for k in range(W.shape[-1]):
        step = _newton_step(XHt[..., :, k] - (W @ HHt[..., :, k : k + 1])[..., :, 0], HHt[..., k, k])
        W[..., :, k] = np.maximum(W[..., :, k] + step, 0.0)


def _newton_step(minus_gradient, curvature):
    """−gradient / curvature, and 0 where the curvature is 0: a metagene whose loadings (or
    coefficients) are all 0 at the moment leaves its partner unchanged, so it can come back
    (as scikit-learn's cd; with an L1 penalty the exact minimiser would zero it for good)."""
    curvature = curvature[..., None]
    return np.divide(minus_gradient, curvature, out=np.zeros_like(minus_gradient), where=curvature > 0)


@np.errstate(over="ignore")  # all-zero factor (L1 penalty): L = 0, the step is −∞ and is clipped to 0
def pgd(X, W, H, work, alpha_W=0.0, alpha_H=0.0, l1_ratio=0.0):
    """``textbook.pgd``, in place and batched."""
    penalty = penalty_weights(X.shape, alpha_W, alpha_H, l1_ratio)
    gram, cross = np.matmul(W.mT, W, out=work.KK), _WtX(W, X, out=work.KS)
    _penalize(gram, cross, penalty.l1_H, penalty.l2_H)
    lipschitz = np.maximum(np.linalg.eigvalsh(gram)[..., -1], TINY)[..., None, None]
    grad = np.matmul(gram, H) - cross
    H -= grad / lipschitz
    np.maximum(H, 0.0, out=H)
    gram, cross = np.matmul(H, H.mT, out=work.KK), _XHt(X, H, out=work.KG)
    _penalize(gram, cross, penalty.l1_W, penalty.l2_W)
    lipschitz = np.maximum(np.linalg.eigvalsh(gram)[..., -1], TINY)[..., None, None]
    grad = np.matmul(W, gram) - cross
    W -= grad / lipschitz
    np.maximum(W, 0.0, out=W)


def nsnmf(X, W, H, work, theta=0.5, rescale=True):
    """``textbook.nsnmf``, in place and batched."""
    S = smoothing_matrix(H.shape[-2], theta)
    WS = W @ S
    ratio = np.matmul(WS, H, out=work.GS)
    np.divide(X, ratio, out=ratio)  # X ⊘ WSH
    H *= product(WS.mT, ratio, out=work.KS)
    H /= product(work.ones_G, WS)[..., :, None]  # (WS)ᵀ1: column sums of WS
    SH = S @ H
    ratio = np.matmul(W, SH, out=work.GS)
    np.divide(X, ratio, out=ratio)
    step = product(SH, ratio.mT, out=work.KG)
    step /= product(SH, work.ones_S)[..., :, None]  # SH1: row sums of SH
    W *= step.mT
    if rescale:
        W /= product(work.ones_G, W)[..., None, :]


def masked_kl(X, W, H, work, mask):
    """``textbook.masked_kl``, in place and batched."""
    ratio = np.matmul(W, H, out=work.GS)
    np.divide(X, ratio, out=ratio)
    H *= product(W.mT, ratio, out=work.KS)
    H /= np.maximum(product(W.mT, mask), TINY)
    ratio = np.matmul(W, H, out=work.GS)
    np.divide(X, ratio, out=ratio)
    step = product(H, ratio.mT, out=work.KG)
    step /= np.maximum(product(H, mask.T), TINY)
    W *= step.mT


def masked_frobenius(X, W, H, work, mask):
    """``textbook.masked_frobenius``, in place and batched."""
    fitted = np.matmul(W, H, out=work.GS)
    fitted *= mask
    H *= product(W.mT, X, out=work.KS)
    H /= np.maximum(product(W.mT, fitted), TINY)
    fitted = np.matmul(W, H, out=work.GS)
    fitted *= mask
    step = product(H, X.mT, out=work.KG)
    step /= np.maximum(product(H, fitted.mT), TINY)
    W *= step.mT
