"""One function per NMF update rule: read each next to its formula.

Notation (as in the lessons): X is G genes x S samples, W is G x K (metagenes), H is K x S
(coefficients), ⊙ and ⊘ are entry-wise product and division, 1 is a vector of ones.

Every update changes W and H **in place** and returns nothing. W and H may carry a leading
"run" axis (shape (R, G, K) and (R, K, S)) so that many random starts advance together; that
is why the code writes ``W.mT`` (transpose of the last two axes) instead of ``W.T``, and sums
over ``axis=-2`` / ``axis=-1``. ``work`` holds preallocated scratch arrays (``work.GS``,
``work.KS``, ``work.KG``, ``work.KK``) so the hot loop makes no temporary G x S matrices.
A product R Hᵀ (G x S times S x K) is computed as (H Rᵀ)ᵀ into a K x G array: the same
numbers, but BLAS is about 1.7x faster with the thin factor on the left.

"brunet", "lee" and "nsNMF" follow R package NMF 0.25 step for step (its C++ updates, eps
handling and column rescaling), so that from the same start they give the same W and H to
rounding error.

Penalties (methods "lee", "hals", "anls", "pgd"): ``alpha_W``, ``alpha_H`` and ``l1_ratio`` add
L1 and L2 terms to ½‖X − WH‖², scaled as scikit-learn scales them; see ``penalty_weights``.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import NamedTuple

import numpy as np

__all__ = ["brunet", "lee", "hals", "anls", "pgd", "nsnmf", "masked_kl", "masked_frobenius", "nnls", "product",
           "penalty_weights", "Penalty", "smoothing_matrix", "UPDATES", "OBJECTIVE_OF", "MASKED", "PENALIZED",
           "PENALTY_OPTIONS", "make_workspace"]

MACHINE_EPS = np.finfo(float).eps  # R's .Machine$double.eps
LEE_EPS = 1e-9                     # R NMF's eps for method "lee"
TINY = np.finfo(float).tiny        # guards a division by a zero curvature


def make_workspace(n_genes: int, n_samples: int, rank: int, n_runs: int | None = None) -> SimpleNamespace:
    """Scratch arrays reused every iteration: for one run (2-D), or a batch of ``n_runs``."""
    runs = () if n_runs is None else (n_runs,)
    return SimpleNamespace(GS=np.empty(runs + (n_genes, n_samples)), KS=np.empty(runs + (rank, n_samples)),
                           KG=np.empty(runs + (rank, n_genes)), KK=np.empty(runs + (rank, rank)),
                           ones_G=np.ones(n_genes), ones_S=np.ones(n_samples))


def product(A, B, out=None):
    """A @ B (into ``out``) for a long inner dimension (G or S): np.dot for single matrices and
    vectors (unlike np.matmul it lets other threads run meanwhile), np.matmul for stacks of runs."""
    return np.dot(A, B, out=out) if A.ndim <= 2 and B.ndim <= 2 else np.matmul(A, B, out=out)


class Penalty(NamedTuple):
    """Per-entry weights of the penalties on W and H (see ``penalty_weights``)."""

    l1_W: float = 0.0
    l2_W: float = 0.0
    l1_H: float = 0.0
    l2_H: float = 0.0

    def value(self, W, H) -> float:
        """λ1_W ΣW + ½λ2_W ‖W‖² + λ1_H ΣH + ½λ2_H ‖H‖² (W, H ≥ 0, so ΣW is the L1 norm)."""
        W, H = np.asarray(W), np.asarray(H)
        return float(self.l1_W * W.sum() + 0.5 * self.l2_W * np.vdot(W, W)
                     + self.l1_H * H.sum() + 0.5 * self.l2_H * np.vdot(H, H))


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
    """
    G, S = shape[-2:]
    return Penalty(alpha_W * l1_ratio * S, alpha_W * (1 - l1_ratio) * S,
                   alpha_H * l1_ratio * G, alpha_H * (1 - l1_ratio) * G)


def _penalize(gram, cross, l1, l2):
    """Put the penalties into a least-squares sub-problem (in place): the gradient of
    ½‖X − WH‖² + λ1ΣH + ½λ2‖H‖² in H is (WᵀW + λ2 I) H − (WᵀX − λ1), so it is the plain
    problem with gram = WᵀW + λ2 I and cross = WᵀX − λ1 (likewise for W)."""
    if l2:
        diagonal = np.arange(gram.shape[-1])
        gram[..., diagonal, diagonal] += l2
    if l1:
        cross -= l1


def brunet(X, W, H, iteration, work):
    """KL multiplicative updates (Lee & Seung 2001; Brunet et al. 2004), R NMF's "brunet".

        H ← H ⊙ [Wᵀ (X ⊘ WH)] ⊘ (Wᵀ1)         then, with the new H,
        W ← W ⊙ [(X ⊘ WH) Hᵀ] ⊘ (H1)ᵀ         (Wᵀ1: column sums of W; H1: row sums of H)

    Every 10th iteration, entries below machine epsilon are raised to it (as R NMF), so that
    no entry gets stuck at exactly 0. Each update never increases D(X ‖ WH).
    """
    ratio = np.matmul(W, H, out=work.GS)
    np.divide(X, ratio, out=ratio)                                  # X ⊘ WH
    H *= product(W.mT, ratio, out=work.KS)
    H /= product(work.ones_G, W)[..., :, None]                     # Wᵀ1: column sums of W
    ratio = np.matmul(W, H, out=work.GS)
    np.divide(X, ratio, out=ratio)
    step = product(H, ratio.mT, out=work.KG)                       # [(X ⊘ WH) Hᵀ]ᵀ, K x G
    step /= product(H, work.ones_S)[..., :, None]                  # H1: row sums of H
    W *= step.mT
    if iteration % 10 == 0:
        np.maximum(H, MACHINE_EPS, out=H)
        np.maximum(W, MACHINE_EPS, out=W)


def lee(X, W, H, iteration, work, rescale=True, alpha_W=0.0, alpha_H=0.0, l1_ratio=0.0):
    """Frobenius multiplicative updates (Lee & Seung 2001), R NMF's "lee".

        H ← max(H ⊙ WᵀX, ε) ⊘ (WᵀW H + λ1_H + λ2_H H + ε)
        W ← max(W ⊙ XHᵀ, ε) ⊘ (W HHᵀ + λ1_W + λ2_W W + ε)          with ε = 1e-9
        W ← W ⊘ (1ᵀW)     (rescale=True: each metagene sums to 1, as R NMF)

    The λ terms are the penalties (``penalty_weights``; all 0 by default, as R NMF): a larger
    denominator shrinks the entry, an L1 term most where the entry is small. Without the
    rescaling, each update never increases the (penalized) objective. R NMF rescales W but not
    H, which changes WH; ``rescale="both"`` multiplies H's rows by the same sums to keep WH, and
    ``rescale=False`` skips it (``nmf()`` turns it off when there is a penalty: rescaling would
    undo the penalty on W).
    """
    penalty = penalty_weights(X.shape, alpha_W, alpha_H, l1_ratio)
    gram = np.matmul(W.mT, W, out=work.KK)                          # WᵀW
    numer = product(W.mT, X, out=work.KS)
    numer *= H
    np.maximum(numer, LEE_EPS, out=numer)
    denom = np.matmul(gram, H)
    _add_penalty(denom, H, penalty.l1_H, penalty.l2_H)
    H[...] = numer / (denom + LEE_EPS)
    gram = np.matmul(H, H.mT, out=work.KK)                          # HHᵀ
    numer = product(H, X.mT, out=work.KG).mT                        # XHᵀ
    numer *= W
    np.maximum(numer, LEE_EPS, out=numer)
    denom = np.matmul(W, gram)
    _add_penalty(denom, W, penalty.l1_W, penalty.l2_W)
    W[...] = numer / (denom + LEE_EPS)
    if rescale:
        sums = product(work.ones_G, W)                              # 1ᵀW: column sums of W
        W /= sums[..., None, :]
        if rescale == "both":
            H *= sums[..., :, None]


def _add_penalty(denominator, A, l1, l2):
    """denominator += λ1 + λ2·A: the penalties' share of a multiplicative update's denominator."""
    if l1:
        denominator += l1
    if l2:
        denominator += l2 * A


def hals(X, W, H, iteration, work, alpha_W=0.0, alpha_H=0.0, l1_ratio=0.0):
    """Hierarchical alternating least squares (Cichocki et al. 2007), coordinate descent.

    One metagene k at a time, each step the exact minimiser of ½‖X − WH‖² over that row of H
    (then that column of W) with the others fixed, clipped at 0:

        H_k ← max(0, H_k + [(WᵀX)_k − (WᵀW)_k H] / (WᵀW)_kk)
        W_k ← max(0, W_k + [(XHᵀ)_k − W (HHᵀ)_k] / (HHᵀ)_kk)

    With penalties, WᵀW becomes WᵀW + λ2_H I and WᵀX becomes WᵀX − λ1_H (``_penalize``; likewise
    for W): an L1 penalty moves every step down by λ1 / (WᵀW)_kk, so small entries hit 0.
    """
    penalty = penalty_weights(X.shape, alpha_W, alpha_H, l1_ratio)
    WtX, WtW = product(W.mT, X, out=work.KS), np.matmul(W.mT, W, out=work.KK)
    _penalize(WtW, WtX, penalty.l1_H, penalty.l2_H)
    for k in range(H.shape[-2]):  # loop over the K metagenes, not genes or samples
        step = _newton_step(WtX[..., k, :] - (WtW[..., k:k + 1, :] @ H)[..., 0, :], WtW[..., k, k])
        H[..., k, :] = np.maximum(H[..., k, :] + step, 0.0)
    XHt, HHt = product(H, X.mT, out=work.KG).mT, np.matmul(H, H.mT, out=work.KK)
    _penalize(HHt, XHt, penalty.l1_W, penalty.l2_W)
    for k in range(W.shape[-1]):
        step = _newton_step(XHt[..., :, k] - (W @ HHt[..., :, k:k + 1])[..., :, 0], HHt[..., k, k])
        W[..., :, k] = np.maximum(W[..., :, k] + step, 0.0)


def _newton_step(minus_gradient, curvature):
    """−gradient / curvature, and 0 where the curvature is 0: a metagene whose loadings (or
    coefficients) are all 0 at the moment leaves its partner unchanged, so it can come back
    (as scikit-learn's cd; with an L1 penalty the exact minimiser would zero it for good)."""
    curvature = curvature[..., None]
    return np.divide(minus_gradient, curvature, out=np.zeros_like(minus_gradient), where=curvature > 0)


def anls(X, W, H, iteration, work, alpha_W=0.0, alpha_H=0.0, l1_ratio=0.0):
    """Alternating non-negative least squares (Kim & Park 2008), exact block updates.

        H ← argmin_{H ≥ 0} ‖X − WH‖²        (normal equations WᵀW H = WᵀX on the passive set)
        W ← argmin_{W ≥ 0} ‖Xᵀ − HᵀWᵀ‖²     (the same problem, transposed)

    Each sub-problem is solved exactly, for all columns at once, by block principal pivoting
    (``nnls``), so every iteration decreases the objective at least as much as any other update
    of H (then W) could. Penalties enter the normal equations (``_penalize``).
    """
    penalty = penalty_weights(X.shape, alpha_W, alpha_H, l1_ratio)
    for r in np.ndindex(W.shape[:-2]):  # loop over runs of a batch
        Wr, Hr = W[r], H[r]
        gram, cross = Wr.T @ Wr, Wr.T @ X
        _penalize(gram, cross, penalty.l1_H, penalty.l2_H)
        Hr[...] = nnls(gram, cross)
        gram, cross = Hr @ Hr.T, Hr @ X.T
        _penalize(gram, cross, penalty.l1_W, penalty.l2_W)
        Wr[...] = nnls(gram, cross).T


@np.errstate(over="ignore")  # all-zero factor (L1 penalty): L = 0, the step is −∞ and is clipped to 0
def pgd(X, W, H, iteration, work, alpha_W=0.0, alpha_H=0.0, l1_ratio=0.0):
    """Alternating projected gradient with the step 1/L (L the gradient's Lipschitz constant).

        H ← max(0, H − (WᵀWH − WᵀX) / L_H),   L_H = λ_max(WᵀW)
        W ← max(0, W − (WHHᵀ − XHᵀ) / L_W),   L_W = λ_max(HHᵀ)

    For a function whose gradient is L-Lipschitz, a projected step of length 1/L decreases it
    by at least (L/2)‖change‖² (the descent lemma), so the objective never increases.
    Penalties enter the gradient and L through WᵀW + λ2 I and WᵀX − λ1 (``_penalize``).
    """
    penalty = penalty_weights(X.shape, alpha_W, alpha_H, l1_ratio)
    gram, cross = np.matmul(W.mT, W, out=work.KK), product(W.mT, X, out=work.KS)
    _penalize(gram, cross, penalty.l1_H, penalty.l2_H)
    lipschitz = np.maximum(np.linalg.eigvalsh(gram)[..., -1], TINY)[..., None, None]
    grad = np.matmul(gram, H) - cross
    H -= grad / lipschitz
    np.maximum(H, 0.0, out=H)
    gram, cross = np.matmul(H, H.mT, out=work.KK), product(H, X.mT, out=work.KG).mT
    _penalize(gram, cross, penalty.l1_W, penalty.l2_W)
    lipschitz = np.maximum(np.linalg.eigvalsh(gram)[..., -1], TINY)[..., None, None]
    grad = np.matmul(W, gram) - cross
    W -= grad / lipschitz
    np.maximum(W, 0.0, out=W)


def smoothing_matrix(rank: int, theta: float) -> np.ndarray:
    """nsNMF's smoothing matrix S = (1 − θ) I + (θ/K) 11ᵀ (K x K), as R NMF's ``smoothing()``.

    SH replaces each coefficient by (1 − θ) times itself plus θ times the average over the K
    metagenes: θ = 0 leaves H as it is, θ = 1 makes every metagene equally active.
    """
    return (1 - theta) * np.eye(rank) + theta / rank * np.ones((rank, rank))


def nsnmf(X, W, H, iteration, work, theta=0.5, rescale=True):
    """Nonsmooth NMF (Pascual-Montano et al. 2006), R NMF's "nsNMF": X ≈ W S H with
    S = ``smoothing_matrix(K, θ)``, fitted by the KL updates of "brunet" with WS in place of W
    (to update H), then SH in place of H (to update W):

        H ← H ⊙ [(WS)ᵀ (X ⊘ WSH)] ⊘ ((WS)ᵀ1)
        W ← W ⊙ [(X ⊘ WSH) (SH)ᵀ] ⊘ (SH1)ᵀ
        W ← W ⊘ (1ᵀW)     (rescale=True: each metagene sums to 1, as R NMF; False skips it)

    Why it makes the factors sparse: S blurs whatever it multiplies towards the average, so
    to still reproduce X the factors themselves must be sharper (sparser), more so as θ grows.
    R NMF rescales W without compensating H, so its objective can rise; without the rescaling
    each update never increases D(X ‖ WSH).
    """
    S = smoothing_matrix(H.shape[-2], theta)
    WS = W @ S
    ratio = np.matmul(WS, H, out=work.GS)
    np.divide(X, ratio, out=ratio)                                  # X ⊘ WSH
    H *= product(WS.mT, ratio, out=work.KS)
    H /= product(work.ones_G, WS)[..., :, None]                    # (WS)ᵀ1: column sums of WS
    SH = S @ H
    ratio = np.matmul(W, SH, out=work.GS)
    np.divide(X, ratio, out=ratio)
    step = product(SH, ratio.mT, out=work.KG)
    step /= product(SH, work.ones_S)[..., :, None]                 # SH1: row sums of SH
    W *= step.mT
    if rescale:
        W /= product(work.ones_G, W)[..., None, :]


def masked_kl(X, W, H, iteration, work, mask):
    """KL multiplicative updates that only see the entries where ``mask`` is 1 (M: G x S, 0/1).

        H ← H ⊙ [Wᵀ (M ⊙ X ⊘ WH)] ⊘ (Wᵀ M)
        W ← W ⊙ [(M ⊙ X ⊘ WH) Hᵀ] ⊘ (M Hᵀ)

    X holds 0 where M is 0, so M ⊙ X ⊘ WH is just X ⊘ WH; only the denominators change from
    "brunet" (Wᵀ1 becomes WᵀM). Use it for missing values or to hold entries out for testing.
    """
    ratio = np.matmul(W, H, out=work.GS)
    np.divide(X, ratio, out=ratio)
    H *= product(W.mT, ratio, out=work.KS)
    H /= np.maximum(product(W.mT, mask), TINY)
    ratio = np.matmul(W, H, out=work.GS)
    np.divide(X, ratio, out=ratio)
    step = product(H, ratio.mT, out=work.KG)
    step /= np.maximum(product(H, mask.T), TINY)
    W *= step.mT
    if iteration % 10 == 0:
        np.maximum(H, MACHINE_EPS, out=H)
        np.maximum(W, MACHINE_EPS, out=W)


def masked_frobenius(X, W, H, iteration, work, mask):
    """Frobenius multiplicative updates on the entries where ``mask`` is 1 (weighted NMF).

        H ← H ⊙ [Wᵀ (M ⊙ X)] ⊘ [Wᵀ (M ⊙ WH)]
        W ← W ⊙ [(M ⊙ X) Hᵀ] ⊘ [(M ⊙ WH) Hᵀ]

    X holds 0 where M is 0. Never increases ½‖M ⊙ (X − WH)‖² (Lee & Seung's argument with weights).
    """
    fitted = np.matmul(W, H, out=work.GS)
    fitted *= mask
    H *= product(W.mT, X, out=work.KS)
    H /= np.maximum(product(W.mT, fitted), TINY)
    fitted = np.matmul(W, H, out=work.GS)
    fitted *= mask
    step = product(H, X.mT, out=work.KG)
    step /= np.maximum(product(H, fitted.mT), TINY)
    W *= step.mT


def nnls(AtA, AtB, max_iter=None):
    """Solve min_{Y ≥ 0} ‖AY − B‖² for every column of B at once, given AᵀA (K x K) and AᵀB (K x n).

    Block principal pivoting (Kim & Park 2011): guess which entries are positive (the passive
    set F), solve the normal equations on F, and swap every variable that breaks the optimality
    conditions (Y_F ≥ 0 and gradient ≥ 0 off F); when swapping all of them stops reducing their
    number, fall back for a few rounds to swapping only the last one. Columns that share a
    passive set are solved together, so the work is one small solve per distinct pattern.
    """
    K, n = AtB.shape
    max_iter = 10 * K + 50 if max_iter is None else max_iter
    passive = np.zeros((K, n), dtype=bool)
    Y, grad = np.zeros((K, n)), -AtB.copy()
    best = np.full(n, K + 1)    # fewest infeasible variables seen, per column
    tries = np.full(n, 3)       # full exchanges still allowed without improvement
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
    codes = (1 << np.arange(passive.shape[0])) @ passive      # each column's passive set as one integer
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


UPDATES = {"brunet": brunet, "lee": lee, "hals": hals, "anls": anls, "pgd": pgd, "nsNMF": nsnmf,
           "masked_kl": masked_kl, "masked_frobenius": masked_frobenius}
OBJECTIVE_OF = {"brunet": "kl", "lee": "frobenius", "hals": "frobenius", "anls": "frobenius", "pgd": "frobenius",
                "nsNMF": "kl", "masked_kl": "kl", "masked_frobenius": "frobenius"}
MASKED = ("masked_kl", "masked_frobenius")
PENALIZED = ("lee", "hals", "anls", "pgd")            # the methods that take alpha_W, alpha_H, l1_ratio
PENALTY_OPTIONS = ("alpha_W", "alpha_H", "l1_ratio")
