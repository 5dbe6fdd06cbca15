"""The NMF update rules as they are written on paper: read each one next to its formula.

Notation (as in the lessons): X is G genes x S samples, W is G x K (metagenes), H is K x S
(coefficients); ⊙ and ⊘ are entry-wise product and division, 1 a matrix of ones of the size
that fits (so Wᵀ1 repeats the column sums of W in every column, 1Hᵀ the row sums of H in every
row). In numpy,
``*`` and ``/`` are entry-wise and ``@`` is the matrix product, so the code below is the
formula above it, line by line.

Each function performs **one update** of H (with W fixed) and then of W (with the new H) and
returns the new pair ``(W, H)``; the arrays passed in are never changed. ``run`` at the end
is a complete single-run fit built from them.

``nmf()`` gives the same numbers faster (tested to agree within 1e-12): it advances many runs at
once in batches, writes products into reused buffers and spreads the runs over the cores. Those
tricks live in ``nmfteach._kernels`` and are explained in lesson 04; nothing here depends on them.
"""

from __future__ import annotations

import numpy as np

from .least_squares import nnls
from .objectives import penalty_weights, smoothing_matrix

__all__ = [
    "brunet",
    "lee",
    "hals",
    "anls",
    "pgd",
    "nsnmf",
    "masked_kl",
    "masked_frobenius",
    "snmf_r",
    "snmf_l",
    "run",
    "same_clusters",
]

LEE_EPS = 1e-9  # R NMF's guard for method "lee"
MACHINE_EPS = np.finfo(float).eps  # R's .Machine$double.eps, brunet's floor every 10 iterations
TINY = np.finfo(float).tiny  # keeps a denominator from being exactly 0


# -- Kullback-Leibler divergence ----------------------------------------------------------------


def brunet(X, W, H):
    """KL multiplicative updates (Lee & Seung 2001), R NMF's "brunet" (Brunet et al. 2004).

        H ← H ⊙ [Wᵀ (X ⊘ WH)] ⊘ (Wᵀ1)        then, with the new H,
        W ← W ⊙ [(X ⊘ WH) Hᵀ] ⊘ (1Hᵀ)

    Wᵀ1 holds the column sums of W (one per metagene), 1Hᵀ the row sums of H. Each update
    never increases D(X ‖ WH). (R NMF also raises entries below machine epsilon to it every
    10th iteration, so that none gets stuck at exactly 0; ``run`` and ``nmf()`` do that.)
    """
    H = H * (W.T @ (X / (W @ H))) / W.sum(axis=0)[:, None]
    W = W * ((X / (W @ H)) @ H.T) / H.sum(axis=1)[None, :]
    return W, H


def nsnmf(X, W, H, theta=0.5, rescale=True):
    """Nonsmooth NMF (Pascual-Montano et al. 2006), R NMF's "nsNMF": X ≈ W S H with the
    smoothing matrix S = (1 − θ) I + (θ/K) 11ᵀ, fitted by brunet's KL updates with WS in place
    of W (to update H), then SH in place of H (to update W):

        H ← H ⊙ [(WS)ᵀ (X ⊘ WSH)] ⊘ ((WS)ᵀ1)
        W ← W ⊙ [(X ⊘ WSH) (SH)ᵀ] ⊘ (1(SH)ᵀ)
        W ← W ⊘ (1ᵀW)       (rescale=True: each metagene sums to 1, as R NMF)

    S blurs whatever it multiplies towards the average, so to still reproduce X the factors
    themselves must be sharper (sparser), more so as θ grows. R rescales W without compensating
    H, so its objective can rise; without the rescaling each update never increases D(X ‖ WSH).
    """
    S = smoothing_matrix(W.shape[1], theta)
    WS = W @ S
    H = H * (WS.T @ (X / (WS @ H))) / WS.sum(axis=0)[:, None]
    SH = S @ H
    W = W * ((X / (W @ SH)) @ SH.T) / SH.sum(axis=1)[None, :]
    if rescale:
        W = W / W.sum(axis=0)
    return W, H


def masked_kl(X, W, H, mask):
    """KL multiplicative updates that see only the entries where the 0/1 matrix M (``mask``) is 1:

        H ← H ⊙ [Wᵀ (M ⊙ X ⊘ WH)] ⊘ (Wᵀ M)
        W ← W ⊙ [(M ⊙ X ⊘ WH) Hᵀ] ⊘ (M Hᵀ)

    X holds 0 where M is 0, so M ⊙ X ⊘ WH is just X ⊘ WH: only the denominators differ from
    brunet's (Wᵀ1 becomes WᵀM). For missing values, or to hold entries out for testing.
    """
    H = H * (W.T @ (X / (W @ H))) / np.maximum(W.T @ mask, TINY)
    W = W * ((X / (W @ H)) @ H.T) / np.maximum(mask @ H.T, TINY)
    return W, H


# -- Frobenius norm ½‖X − WH‖², with optional penalties -------------------------------------------


def lee(X, W, H, rescale=True, alpha_W=0.0, alpha_H=0.0, l1_ratio=0.0):
    """Frobenius multiplicative updates (Lee & Seung 2001), R NMF's "lee":

        H ← max(H ⊙ WᵀX, ε) ⊘ (WᵀW H + λ1_H + λ2_H H + ε)
        W ← max(W ⊙ XHᵀ, ε) ⊘ (W HHᵀ + λ1_W + λ2_W W + ε)          ε = 1e-9, as R NMF
        W ← W ⊘ (1ᵀW)       (rescale=True: each metagene sums to 1, as R NMF)

    Without ε and the λ this is Lee & Seung's update H ← H ⊙ WᵀX ⊘ WᵀWH. R NMF adds ε so that
    the denominator is never 0 and an entry that reaches 0 is lifted back to a small positive
    value, from where it can still move (a multiplicative update keeps an exact 0 at 0 forever).
    The change is tiny where entries are large, but iterated it moves the path a little.
    The λ are the penalty weights (``nmfteach.objectives.penalty_weights``, all 0 by default):
    a larger denominator shrinks the entry. Without the rescaling each update never increases
    the (penalized) objective. R rescales W but not H, which changes WH; rescale="both" also
    multiplies H's rows by the sums, keeping WH.
    """
    l1_W, l2_W, l1_H, l2_H = penalty_weights(X.shape, alpha_W, alpha_H, l1_ratio)
    H = np.maximum(H * (W.T @ X), LEE_EPS) / (W.T @ W @ H + l1_H + l2_H * H + LEE_EPS)
    W = np.maximum(W * (X @ H.T), LEE_EPS) / (W @ (H @ H.T) + l1_W + l2_W * W + LEE_EPS)
    if rescale:
        sums = W.sum(axis=0)
        W = W / sums
        if rescale == "both":
            H = H * sums[:, None]
    return W, H


def hals(X, W, H, alpha_W=0.0, alpha_H=0.0, l1_ratio=0.0):
    """Hierarchical alternating least squares (Cichocki et al. 2007): coordinate descent, one
    metagene k at a time, each step the exact minimiser over that row of H (then column of W)
    with the others fixed, clipped at 0:

        H_k ← max(0, H_k + [(WᵀX)_k − (WᵀW)_k H] / (WᵀW)_kk)
        W_k ← max(0, W_k + [(XHᵀ)_k − W (HHᵀ)_k] / (HHᵀ)_kk)

    Penalties: WᵀW becomes WᵀW + λ2_H I and WᵀX becomes WᵀX − λ1_H (likewise for W), so an L1
    penalty moves every step down by λ1 / (WᵀW)_kk and small entries hit 0. A metagene that is
    all 0 at the moment has no curvature; it is left as it is, so it can come back.
    """
    l1_W, l2_W, l1_H, l2_H = penalty_weights(X.shape, alpha_W, alpha_H, l1_ratio)
    K = W.shape[1]
    WtX, WtW = W.T @ X - l1_H, W.T @ W + l2_H * np.eye(K)
    H = H.copy()
    for k in range(K):
        if WtW[k, k] > 0:
            H[k] = np.maximum(0, H[k] + (WtX[k] - WtW[k] @ H) / WtW[k, k])
    XHt, HHt = X @ H.T - l1_W, H @ H.T + l2_W * np.eye(K)
    W = W.copy()
    for k in range(K):
        if HHt[k, k] > 0:
            W[:, k] = np.maximum(0, W[:, k] + (XHt[:, k] - W @ HHt[:, k]) / HHt[k, k])
    return W, H


def anls(X, W, H, alpha_W=0.0, alpha_H=0.0, l1_ratio=0.0):
    """Alternating non-negative least squares (Kim & Park 2008, 2011): each half solved exactly,

        H ← argmin_{H ≥ 0} ½‖X − WH‖²      (normal equations WᵀW H = WᵀX on the positive entries)
        W ← argmin_{W ≥ 0} ½‖X − WH‖²      (the same problem for Wᵀ: HHᵀ Wᵀ = HXᵀ)

    by ``nnls`` (block principal pivoting, Kim & Park 2011), so each half-step lowers the
    objective at least as much as any other update of that factor could. Penalties enter the
    normal equations as in ``hals``.
    """
    l1_W, l2_W, l1_H, l2_H = penalty_weights(X.shape, alpha_W, alpha_H, l1_ratio)
    identity = np.eye(W.shape[1])
    H = nnls(W.T @ W + l2_H * identity, W.T @ X - l1_H)
    W = nnls(H @ H.T + l2_W * identity, H @ X.T - l1_W).T
    return W, H


@np.errstate(over="ignore")  # an all-0 factor (strong L1 penalty) has L = 0: the step is −∞, clipped to 0
def pgd(X, W, H, alpha_W=0.0, alpha_H=0.0, l1_ratio=0.0):
    """Alternating projected gradient with the step 1/L, L the gradient's Lipschitz constant:

        H ← max(0, H − (WᵀW H − WᵀX) / L_H),    L_H = largest eigenvalue of WᵀW
        W ← max(0, W − (W HHᵀ − XHᵀ) / L_W),    L_W = largest eigenvalue of HHᵀ

    For a function whose gradient is L-Lipschitz, a projected step of length 1/L decreases it
    (the descent lemma), so the objective never increases. Penalties as in ``hals``.
    """
    l1_W, l2_W, l1_H, l2_H = penalty_weights(X.shape, alpha_W, alpha_H, l1_ratio)
    identity = np.eye(W.shape[1])
    WtW, WtX = W.T @ W + l2_H * identity, W.T @ X - l1_H
    H = np.maximum(0, H - (WtW @ H - WtX) / max(np.linalg.eigvalsh(WtW)[-1], TINY))
    HHt, XHt = H @ H.T + l2_W * identity, X @ H.T - l1_W
    W = np.maximum(0, W - (W @ HHt - XHt) / max(np.linalg.eigvalsh(HHt)[-1], TINY))
    return W, H


def masked_frobenius(X, W, H, mask):
    """Frobenius multiplicative updates on the entries where M (``mask``) is 1 (weighted NMF):

        H ← H ⊙ [Wᵀ (M ⊙ X)] ⊘ [Wᵀ (M ⊙ WH)]
        W ← W ⊙ [(M ⊙ X) Hᵀ] ⊘ [(M ⊙ WH) Hᵀ]

    X holds 0 where M is 0. Never increases ½‖M ⊙ (X − WH)‖².
    """
    H = H * (W.T @ X) / np.maximum(W.T @ (mask * (W @ H)), TINY)
    W = W * (X @ H.T) / np.maximum((mask * (W @ H)) @ H.T, TINY)
    return W, H


def snmf_r(X, W, H, eta, beta=0.01):
    """Sparse NMF with sparse coefficients (Kim & Park 2007), R NMF's "snmf/r": alternating NNLS for

        ½‖X − WH‖² + ½η²‖W‖² + ½β Σ_j (Σ_k H_kj)²

        H ← argmin_{H ≥ 0}: normal equations (WᵀW + β 11ᵀ) H = WᵀX
        W ← argmin_{W ≥ 0}: normal equations (HHᵀ + η² I) Wᵀ = HXᵀ

    The β term is the squared L1 norm of each sample's coefficients: a sample pays for every
    metagene it uses, so it uses few. The η term keeps W from growing to make up for a small H.
    (R NMF builds these systems by stacking rows under W and Hᵀ: √β 1ᵀ under W, η I under Hᵀ, so
    its W step squares η; it then reports an objective with η where the updates use η².)
    """
    K = W.shape[1]
    H = nnls(W.T @ W + beta * np.ones((K, K)), W.T @ X)
    W = nnls(H @ H.T + eta**2 * np.eye(K), H @ X.T).T
    return W, H


def snmf_l(X, W, H, eta, beta=0.01):
    """Sparse NMF with sparse metagenes, R NMF's "snmf/l": snmf/r on Xᵀ, so W is updated first:

        ½‖X − WH‖² + ½η²‖H‖² + ½β Σ_g (Σ_k W_gk)²

        W ← argmin_{W ≥ 0}: normal equations (HHᵀ + β 11ᵀ) Wᵀ = HXᵀ
        H ← argmin_{H ≥ 0}: normal equations (WᵀW + η² I) H = WᵀX

    Now each gene pays for every metagene it loads on, so metagenes share few genes.
    """
    K = W.shape[1]
    W = nnls(H @ H.T + beta * np.ones((K, K)), H @ X.T).T
    H = nnls(W.T @ W + eta**2 * np.eye(K), W.T @ X)
    return W, H


# -- A whole fit ---------------------------------------------------------------------------------


def same_clusters(a, b) -> bool:
    """Do the label vectors a and b put the same samples together (the same connectivity matrix)?"""
    return bool(np.array_equal(a[:, None] == a[None, :], b[:, None] == b[None, :]))


def run(X, W, H, method="brunet", max_iter=2000, stop="objective", tol=1e-6, **options):
    """One run of NMF from the start (W, H): update, keep the objective, stop. Returns (W, H, history).

    stop="objective": the objective fell by less than a share ``tol`` over the last 10 updates;
    "connectivity" (R NMF's rule for "brunet", "lee", "nsNMF"): the grouping of the samples by
    their largest metagene has not changed for 41 checks, one every 10 updates; "none": exactly
    ``max_iter`` updates.
    ``nmf()`` does the same with many runs at once, faster, with more checks and R's rule for snmf.
    """
    from .methods import METHODS  # each method's record: its update, objective, ...

    method = METHODS[method]
    objective = method.objective(X, options)
    history, labels, stable = [objective(W, H)], None, 0
    for iteration in range(1, max_iter + 1):
        W, H = method.textbook(X, W, H, **options)
        if method.floor_every and iteration % method.floor_every == 0:  # R's guard against underflow
            W, H = np.maximum(W, MACHINE_EPS), np.maximum(H, MACHINE_EPS)
        history.append(objective(W, H))
        if stop == "none" or iteration % 10:
            continue
        if stop == "objective" and history[-11] - history[-1] <= tol * abs(history[-11]):
            break
        if stop == "connectivity":
            stable = stable + 1 if labels is not None and same_clusters(H.argmax(axis=0), labels) else 0
            labels = H.argmax(axis=0)
            if stable == 41:
                break
    return W, H, history
