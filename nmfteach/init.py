"""Starting points (W0, H0) for the NMF algorithms.

NMF is non-convex, so where an algorithm starts decides where it ends. Two families:

- "random": every entry of W0 and H0 drawn uniformly from [0, max X], as R NMF's "random" seed
  when max X ≥ 1 (R draws from [0, max(max X, 1)] and caps the draws at max X, which for data
  below 1 piles many entries at max X; nmfteach keeps the uniform spread).
  Different seeds give different local optima, which is what consensus clustering uses.
- "nndsvd" (Boutsidis & Gallopoulos 2008): a deterministic start from the K leading singular
  triplets of X. Each singular pair (u, v) is split into its positive and negative parts; the
  part with the larger norm product becomes a non-negative column of W0 and row of H0.
  Entries below 1e-10 are set to 0 (as R NMF). Variants fill those zeros:
  "nndsvda" with the mean of X, "nndsvdar" with mean(X)·U(0, 1)/100 (random, small).

The SVD here is exact (LAPACK), so "nndsvd" matches R NMF to rounding error. scikit-learn uses
a randomized SVD and a threshold of 1e-6, so its NNDSVD differs slightly (about 1e-7).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._sparse import as_sparse_data, is_sparse
from .validation import as_data_matrix, check_choice, check_rank, rng_seed

__all__ = ["initialize", "INIT_METHODS", "run_starts", "run_rng"]

INIT_METHODS = ("random", "nndsvd", "nndsvda", "nndsvdar")


def initialize(X, rank: int, method: str = "random", seed=None):
    """Return a starting pair (W0, H0) for X ≈ W0 H0 with K = ``rank``.

    W0 is genes x K and H0 is K x samples; both are DataFrames labelled like X when X is a
    DataFrame (metagenes named ``NMF1``, ``NMF2``, ...), arrays otherwise. ``seed`` makes the
    random methods reproducible; "nndsvd" and "nndsvda" ignore it.

    Parameters
    ----------
    X : array, DataFrame or scipy.sparse matrix, G genes x S samples
        Non-negative data.
    rank : int
        K, the number of metagenes, from 1 to min(G, S).
    method : {"random", "nndsvd", "nndsvda", "nndsvdar"}
        "random": W0, H0 uniform on [0, max X]; "nndsvd" and its variants: see the module doc.
    seed : int, numpy Generator or None
        For reproducible random starts (None: fresh random numbers).

    Returns
    -------
    W0 : array or DataFrame, G x K
        The starting metagenes.
    H0 : array or DataFrame, K x S
        The starting coefficients.
    """
    A, rows, cols = (as_sparse_data(X), None, None) if is_sparse(X) else as_data_matrix(X)
    rank = check_rank(rank, A.shape)
    check_choice(method, INIT_METHODS, "init method")
    W0, H0 = _start(A, rank, method, np.random.default_rng(rng_seed(seed)))
    if rows is None:
        return W0, H0
    names = metagene_names(rank)
    return pd.DataFrame(W0, index=rows, columns=names), pd.DataFrame(H0, index=names, columns=cols)


def metagene_names(rank: int) -> list[str]:
    return [f"NMF{k + 1}" for k in range(rank)]


def random_start(X: np.ndarray, rank: int, rng: np.random.Generator):
    """W0 and H0 uniform on [0, max X] (R NMF's "random" seeding method), W0 drawn first.

    Parameters
    ----------
    X : numpy.ndarray, G x S
        Non-negative data.
    rank : int
        K, the number of metagenes.
    rng : numpy.random.Generator
        The random numbers to draw from.

    Returns
    -------
    W0 : numpy.ndarray, G x K
    H0 : numpy.ndarray, K x S
    """
    top = X.max()
    W0 = rng.uniform(0.0, top, size=(X.shape[0], rank))
    H0 = rng.uniform(0.0, top, size=(rank, X.shape[1]))
    return W0, H0


def nndsvd(X: np.ndarray, rank: int, fill=None, rng=None):
    """Non-negative double SVD (Boutsidis & Gallopoulos 2008), as R NMF's ``.nndsvd.internal``.

    For each singular triplet (σ, u, v) after the first, with u₊, u₋ the positive and negative
    parts: if ‖u₊‖‖v₊‖ ≥ ‖u₋‖‖v₋‖ the k-th metagene is √(σ‖u₊‖‖v₊‖)·u₊/‖u₊‖ (and H's row
    likewise from v₊), otherwise the same from the negative parts. The first triplet of a
    non-negative matrix is non-negative (Perron-Frobenius), so |u₁|, |v₁| are used.

    Parameters
    ----------
    X : numpy.ndarray, G x S
        Non-negative data.
    rank : int
        K, the number of singular triplets used.
    fill : {None, "average", "random"}
        What replaces the zeros (entries below 1e-10): None keeps them ("nndsvd"), "average"
        puts mean(X) ("nndsvda"), "random" mean(X)·U(0, 1)/100 ("nndsvdar").
    rng : numpy.random.Generator or None
        The random numbers for ``fill="random"``.

    Returns
    -------
    W0 : numpy.ndarray, G x K
    H0 : numpy.ndarray, K x S
    """
    U, sigma, V = _leading_triplets(X, rank)
    numerical_rank = int((sigma > sigma[0] * max(X.shape) * np.finfo(float).eps).sum())
    if numerical_rank < rank and fill is None:
        raise ValueError(
            f"X has numerical rank {numerical_rank}, less than K = {rank}: NNDSVD can build only {numerical_rank} "
            f"non-zero metagenes, and the others would stay 0. Choose K <= {numerical_rank}, or init='nndsvda' "
            f"or 'random'."
        )
    W = np.zeros((X.shape[0], rank))
    H = np.zeros((rank, X.shape[1]))
    W[:, 0] = np.sqrt(sigma[0]) * np.abs(U[:, 0])
    H[0, :] = np.sqrt(sigma[0]) * np.abs(V[:, 0])
    for k in range(1, rank):  # a loop over K components, not over genes or samples
        u, v = U[:, k], V[:, k]
        u_pos, u_neg = np.maximum(u, 0), np.maximum(-u, 0)
        v_pos, v_neg = np.maximum(v, 0), np.maximum(-v, 0)
        n_up, n_un = np.linalg.norm(u_pos), np.linalg.norm(u_neg)
        n_vp, n_vn = np.linalg.norm(v_pos), np.linalg.norm(v_neg)
        term_pos, term_neg = n_up * n_vp, n_un * n_vn
        if term_pos >= term_neg:
            scale = np.sqrt(sigma[k] * term_pos)
            W[:, k], H[k, :] = scale * u_pos / n_up, scale * v_pos / n_vp
        else:
            scale = np.sqrt(sigma[k] * term_neg)
            W[:, k], H[k, :] = scale * u_neg / n_un, scale * v_neg / n_vn
    W[W < 1e-10] = 0.0
    H[H < 1e-10] = 0.0
    if fill is not None:
        average = X.mean()
        zero_W, zero_H = W == 0, H == 0
        if fill == "average":
            W[zero_W], H[zero_H] = average, average
        else:
            W[zero_W] = average * rng.uniform(0.0, 1.0, zero_W.sum()) / 100
            H[zero_H] = average * rng.uniform(0.0, 1.0, zero_H.sum()) / 100
    return W, H


LARGE_SVD = 500  # above this min(G, S), only the K leading singular triplets are computed


def _leading_triplets(X, rank):
    """U (G x K), σ (K, descending) and V (S x K) of X's K largest singular triplets: from the full
    SVD for small matrices (exactly as R's ``svd``), otherwise from a truncated one (ARPACK, to
    machine precision, from a fixed start vector), which for pbmc3k's 2,000 x 2,638 takes ~0.2 s
    instead of ~4 s. Sparse data are never made dense for it."""
    sparse = hasattr(X, "csr")
    if min(X.shape) <= LARGE_SVD or rank >= min(X.shape) // 4:
        U, sigma, Vt = np.linalg.svd(X.toarray() if sparse else X, full_matrices=False)
        return U[:, :rank], sigma[:rank], Vt[:rank].T
    from scipy.sparse.linalg import svds

    U, sigma, Vt = svds(X.csr if sparse else X, k=rank, tol=0, random_state=0)
    order = np.argsort(-sigma, kind="stable")
    return U[:, order], sigma[order], Vt[order].T


def _start(X, rank, method, rng):
    if method == "random":
        return random_start(X, rank, rng)
    return nndsvd(X, rank, fill={"nndsvd": None, "nndsvda": "average", "nndsvdar": "random"}[method], rng=rng)


def run_rng(seed, run, stream=0) -> np.random.Generator:
    """The random numbers of run ``run`` of a fit with ``seed``: they depend only on (seed, run),
    so a run gives the same result alone, in a batch or on another worker. ``stream`` 0 makes
    the start; others serve a method's later needs (snmf's restarts).

    Parameters
    ----------
    seed : int
        The fit's seed.
    run : int
        The run's number (0-based).
    stream : int
        Which stream of the run: 0 for the start, others for a method's later needs.

    Returns
    -------
    numpy.random.Generator
        Seeded by ``SeedSequence(seed, spawn_key=(run,))``, or ``(run, stream)`` when stream > 0.
    """
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(int(run),) + ((stream,) if stream else ())))


def run_starts(X, runs, rank, init, seed):
    """Starting W0, H0 (stacked: runs x G x K and runs x K x S) for each run in ``runs``:
    ``init`` is a method name or a pair (W0, H0) used for every run.

    Parameters
    ----------
    X : numpy.ndarray, G x S
        Non-negative data.
    runs : sequence of int
        The runs' numbers; run r draws its start from ``run_rng(seed, r)``.
    rank : int
        K, the number of metagenes.
    init : str or (W0, H0)
        A name in ``INIT_METHODS``, or arrays of shapes G x K and K x S.
    seed : int
        The fit's seed.

    Returns
    -------
    W : numpy.ndarray, len(runs) x G x K
    H : numpy.ndarray, len(runs) x K x S
    """
    W = np.empty((len(runs), X.shape[0], rank))
    H = np.empty((len(runs), rank, X.shape[1]))
    for i, run in enumerate(runs):
        W[i], H[i] = init if not isinstance(init, str) else _start(X, rank, init, run_rng(seed, run))
    return W, H
