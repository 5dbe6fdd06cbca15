"""How stable is a clustering?  Connectivity, consensus and the measures built on them.

A run of NMF assigns each sample to its dominant metagene (``nt.dominant_metagene``). Its
connectivity matrix has C_ij = 1 when samples i and j share a metagene, 0 otherwise. The
consensus matrix is the mean connectivity over runs from different random starts (Brunet et
al. 2004): entries near 0 or 1 mean the runs agree, entries near 1/2 mean they do not.

- ``cophenetic(C)``: Pearson correlation between the distances 1 − C and the cophenetic
  distances of an average-linkage tree built on them (R NMF's ``cophcor``); 1 for a perfectly
  stable clustering, lower as the consensus blurs.
- ``dispersion(C)``: mean of 4(C − ½)² (Kim & Park 2007); 1 when every entry is 0 or 1.
- ``silhouette``: how much closer each item is to its own cluster than to the nearest other.
- ``purity`` and ``entropy``: agreement of clusters with known classes (Kim & Park 2007).
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd
from scipy.cluster.hierarchy import cophenet, cut_tree, leaves_list, linkage
from scipy.spatial.distance import squareform

__all__ = [
    "connectivity",
    "consensus_matrix",
    "cophenetic",
    "dispersion",
    "consensus_clusters",
    "silhouette",
    "correlation_silhouette",
    "purity",
    "entropy",
    "contingency",
]


def connectivity(labels) -> np.ndarray:
    """Samples x samples 0/1 matrix: 1 where two samples have the same cluster label.

    C_ij = 1 if label_i = label_j, 0 otherwise (so C_ii = 1).

    Parameters
    ----------
    labels : 1-D array-like or Series, length S
        One cluster label per sample, e.g. ``fit.predict()``.

    Returns
    -------
    numpy.ndarray
        C, S x S, of 0.0 and 1.0 (unlabelled, even when ``labels`` is a Series).
    """
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError(f"labels must be one label per sample (1-D); got shape {labels.shape}.")
    return (labels[:, None] == labels[None, :]).astype(float)


def consensus_matrix(label_sets) -> np.ndarray:
    """Mean connectivity over several runs' sample labels (runs x samples).

    C = (1/R) Σ_r C⁽ʳ⁾, with C⁽ʳ⁾ the connectivity matrix of run r: C_ij is the share of runs
    that put samples i and j in the same cluster.

    Parameters
    ----------
    label_sets : 2-D array-like, R runs x S samples
        Each run's cluster labels (at least one run).

    Returns
    -------
    numpy.ndarray
        The consensus matrix C, S x S, entries in [0, 1].
    """
    label_sets = np.asarray(label_sets)
    if label_sets.ndim != 2 or label_sets.shape[0] == 0:
        raise ValueError("label_sets must be a runs x samples array of cluster labels, with at least one run.")
    return np.mean([connectivity(labels) for labels in label_sets], axis=0)


def _check_consensus(C) -> np.ndarray:
    """C as a float array, or a clear error if it is not a consensus matrix. A multi-run fit
    (an ``NMFResult``) stands for its consensus matrix."""
    if hasattr(C, "consensus") and hasattr(C, "nrun"):
        if C.nrun < 2:
            raise ValueError(
                "this fit has a single run, so its consensus is just that run's connectivity: "
                "stability needs several runs (nmf(..., nrun=30))."
            )
        C = C.consensus
    C = np.array(C, dtype=float)
    if C.ndim != 2 or C.shape[0] != C.shape[1] or C.shape[0] < 2:
        raise ValueError(f"a consensus matrix is square (samples x samples, at least 2); got shape {C.shape}.")
    if not np.isfinite(C).all() or C.min() < 0 or C.max() > 1:
        raise ValueError(
            "a consensus matrix holds proportions of runs, so every entry must lie in [0, 1]; "
            f"this one ranges from {np.nanmin(C):.4g} to {np.nanmax(C):.4g} (or has NaN)."
        )
    if not np.allclose(C, C.T, rtol=0, atol=1e-12):
        raise ValueError(
            "a consensus matrix is symmetric (C_ij = C_ji); this one is not. Did you pass "
            "H or W instead of fit.consensus?"
        )
    return C


def _average_tree(C: np.ndarray):
    """Average-linkage tree of the samples on the distances 1 − C (R: hclust(as.dist(1 - C)))."""
    D = 1.0 - C
    np.fill_diagonal(D, 0.0)
    distances = squareform(D, checks=False)
    return linkage(distances, method="average"), distances


def cophenetic(C) -> float:
    """Cophenetic correlation of a consensus matrix, as R NMF's ``cophcor`` (average linkage).

    The Pearson correlation, over the pairs i < j, between the distances 1 − C_ij and the
    cophenetic distances (the height at which i and j join) of the average-linkage tree built
    on 1 − C. 1 when every off-diagonal C_ij is 0 (R's special case).

    Parameters
    ----------
    C : array or DataFrame, S x S, or NMFResult
        A consensus matrix (symmetric, entries in [0, 1]), or a fit with ``nrun >= 2``, which
        stands for its ``consensus``.

    Returns
    -------
    float
        The cophenetic correlation, at most 1 (perfectly stable clustering).
    """
    C = _check_consensus(C)
    off_diagonal = C[np.triu_indices_from(C, k=1)]
    if np.all(off_diagonal == 0):
        return 1.0  # every pair always apart: perfectly stable (R's special case)
    if np.ptp(off_diagonal) == 0:
        raise ValueError(
            "every pair of samples has the same consensus value, so the cophenetic correlation "
            "is undefined (for example K = 1, or every run put all samples together)."
        )
    tree, distances = _average_tree(C)
    return float(cophenet(tree, distances)[0])


def dispersion(C) -> float:
    """Dispersion of a consensus matrix (Kim & Park 2007): mean of 4(C − ½)², in [0, 1].

    dispersion = Σ_ij 4 (C_ij − ½)² / S², over all S² entries (the diagonal included).

    Parameters
    ----------
    C : array or DataFrame, S x S, or NMFResult
        A consensus matrix (symmetric, entries in [0, 1]), or a fit with ``nrun >= 2``.

    Returns
    -------
    float
        1 when every entry is 0 or 1 (the runs agree), lower as entries approach ½.
    """
    C = _check_consensus(C)
    return float(np.mean(4.0 * (C - 0.5) ** 2))


def consensus_clusters(C, k: int) -> np.ndarray:
    """Cut the average-linkage tree of 1 − C into k clusters (R NMF's ``predict(what="consensus")``).

    Labels 1..k are numbered in the order the clusters appear along the tree's leaves.

    Parameters
    ----------
    C : array or DataFrame, S x S, or NMFResult
        A consensus matrix (symmetric, entries in [0, 1]), or a fit with ``nrun >= 2``.
    k : int
        The number of clusters, from 1 to S.

    Returns
    -------
    numpy.ndarray
        One integer label in 1..k per sample (length S, unlabelled).
    """
    C = _check_consensus(C)
    if isinstance(k, bool) or not isinstance(k, numbers.Integral):
        raise ValueError(f"k, the number of clusters, must be a whole number; got {k!r}.")
    if not 1 <= k <= len(C):
        raise ValueError(f"k must be between 1 and the number of samples ({len(C)}); got {k}.")
    tree, _ = _average_tree(C)
    # undo the last k − 1 merges, as R's cutree(): exactly k groups even when several merges
    # happen at the same height (fcluster's "maxclust" would then return fewer)
    raw = cut_tree(tree, n_clusters=k)[:, 0] + 1
    first_seen = pd.unique(raw[leaves_list(tree)])  # clusters along the leaves
    renumber = np.zeros(raw.max() + 1, dtype=int)
    renumber[first_seen] = np.arange(1, len(first_seen) + 1)
    return renumber[raw]


def silhouette(D, labels) -> np.ndarray:
    """Silhouette width of each item from a distance matrix D (n x n) and cluster labels.

    s(i) = (b − a) / max(a, b), with a the mean distance from i to the rest of its cluster and
    b the smallest mean distance to another cluster; 0 for an item alone in its cluster (as R's
    cluster::silhouette). Near 1: well inside its cluster; near 0 or below: between clusters.

    Parameters
    ----------
    D : 2-D array-like, n x n
        Distances between the n items (e.g. 1 − C for a consensus matrix C).
    labels : 1-D array-like, length n
        The cluster of each item (at least 2 clusters).

    Returns
    -------
    numpy.ndarray
        s(i) for each item, in [−1, 1] (length n).
    """
    D = np.asarray(D, dtype=float)
    labels = np.asarray(labels)
    if D.ndim != 2 or D.shape[0] != D.shape[1] or D.shape[0] != labels.size:
        raise ValueError(f"D must be n x n with one label per item; got D {D.shape} and {labels.size} labels.")
    members, counts = _one_hot(labels)
    return _widths(D @ members, members, counts)


def correlation_silhouette(A, labels) -> np.ndarray:
    """Silhouette widths of the rows of A with the distance 1 − Pearson correlation between rows.

    This is R NMF's silhouette of samples (rows of Hᵀ) and of features (rows of W). It never
    forms the n x n distance matrix: with u_i the centred, unit-length rows, the total distance
    from i to a cluster c is n_c − u_i·Σ_{j∈c} u_j, so 5000 genes cost a few milliseconds.
    The widths are then s(i) = (b − a) / max(a, b), as in ``silhouette``.

    Parameters
    ----------
    A : 2-D array-like, n items x m values
        The items as rows, e.g. Hᵀ (S x K) for samples or W (G x K) for genes; no row constant.
    labels : 1-D array-like, length n
        The cluster of each row (at least 2 clusters).

    Returns
    -------
    numpy.ndarray
        s(i) for each row of A, in [−1, 1] (length n).
    """
    A = np.asarray(A, dtype=float)
    centred = A - A.mean(axis=1, keepdims=True)
    norms = np.linalg.norm(centred, axis=1, keepdims=True)
    if (norms == 0).any():
        raise ValueError("a row of A is constant, so its correlation with the others is undefined.")
    unit = centred / norms
    members, counts = _one_hot(np.asarray(labels))
    totals = counts[None, :] - unit @ (unit.T @ members)  # Σ_{j∈c} (1 − r_ij), self included (r_ii = 1)
    return _widths(totals, members, counts)


def _one_hot(labels):
    if labels.ndim != 1:
        raise ValueError("labels must be one label per item (1-D).")
    _, codes = np.unique(labels, return_inverse=True)
    members = np.eye(codes.max() + 1)[codes]  # items x clusters, 0/1
    counts = members.sum(axis=0)
    if len(counts) < 2:
        raise ValueError("a silhouette needs at least 2 clusters; all items are in one.")
    return members, counts


def _widths(totals, members, counts):
    """Silhouette widths from each item's total distance to each cluster (its own distance 0 included)."""
    own = members.astype(bool)
    own_size = counts[members.argmax(axis=1)]
    a = np.where(own_size > 1, totals[own] / np.maximum(own_size - 1, 1), 0.0)
    b = np.where(own, np.inf, totals / counts).min(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        width = (b - a) / np.maximum(a, b)
    return np.where((own_size > 1) & (np.maximum(a, b) > 0), width, 0.0)


def contingency(clusters, classes) -> pd.DataFrame:
    """Clusters (rows) against known classes (columns), as R's table(clusters, classes).

    Parameters
    ----------
    clusters : 1-D array-like, length n
        Predicted cluster of each item.
    classes : 1-D array-like, length n
        Known class of each item.

    Returns
    -------
    pandas.DataFrame
        n_kj, the number of items in cluster k (rows, axis "cluster") and class j (columns,
        axis "class").
    """
    clusters, classes = np.asarray(clusters), np.asarray(classes)
    if clusters.shape != classes.shape or clusters.ndim != 1:
        raise ValueError(
            f"clusters and classes must be two label vectors of the same length; got "
            f"{clusters.shape} and {classes.shape}."
        )
    return pd.crosstab(pd.Series(clusters, name="cluster"), pd.Series(classes, name="class"))


def purity(clusters, classes) -> float:
    """Share of items in the majority class of their cluster (Kim & Park 2007); 1 is perfect.

    purity = Σ_k max_j n_kj / n, with n_kj the ``contingency`` table and n the number of items.

    Parameters
    ----------
    clusters : 1-D array-like, length n
        Predicted cluster of each item.
    classes : 1-D array-like, length n
        Known class of each item.

    Returns
    -------
    float
        Purity, in (0, 1].
    """
    table = contingency(clusters, classes).to_numpy()
    return float(table.max(axis=1).sum() / table.sum())


def entropy(clusters, classes) -> float:
    """Entropy of the classes within clusters (Kim & Park 2007), in [0, 1]; 0 is perfect.

    −Σ_k Σ_j n_kj log₂(n_kj / n_k) / (n log₂ q), with q the number of classes and 0·log 0 = 0.
    n_kj is the ``contingency`` table, n_k = Σ_j n_kj the size of cluster k.

    Parameters
    ----------
    clusters : 1-D array-like, length n
        Predicted cluster of each item.
    classes : 1-D array-like, length n
        Known class of each item (at least 2 classes).

    Returns
    -------
    float
        Entropy, in [0, 1].
    """
    table = contingency(clusters, classes).to_numpy().astype(float)
    if table.shape[1] < 2:
        raise ValueError("entropy against known classes needs at least 2 classes.")
    sizes = table.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(table > 0, table * np.log2(table / sizes), 0.0)
    return float(-terms.sum() / (table.sum() * np.log2(table.shape[1])))
