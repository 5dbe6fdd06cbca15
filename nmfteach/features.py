"""Which genes make a metagene?  Kim & Park's feature scores, the top genes per metagene, and
an enrichment test of a metagene's genes against known gene sets.

The score of gene g (a row of W with K loadings) measures how specific it is to one metagene:

    score(g) = 1 + Σ_k p_gk log₂ p_gk / log₂ K,    p_gk = |W_gk| / Σ_k |W_gk|

1 when the gene loads on a single metagene, 0 when it loads equally on all. Kim & Park
(2007) select genes whose score is at least median + 3·MAD of all scores (MAD with R's 1.4826
constant) and whose largest loading is at least the median of all of W; each selected gene
belongs to the metagene it loads most on.

Unlike R NMF 0.25, which returns NaN for a gene with an exact zero loading (0·log 0 is NaN in
R) and then cannot select anything at all, here 0·log 0 = 0: a zero loading just contributes
nothing. A gene whose loadings are all zero gets score 0 (it is specific to nothing).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import xlogy

__all__ = ["feature_score", "extract_features", "top_genes", "enrichment"]

R_MAD_CONSTANT = 1.4826  # R's mad(): 1.4826 · median(|x − median(x)|)


def _loadings(W):
    names = W.index if isinstance(W, pd.DataFrame) else None
    metagenes = W.columns if isinstance(W, pd.DataFrame) else None
    W = np.asarray(W, dtype=float)
    if W.ndim != 2 or W.shape[1] < 2:
        raise ValueError(f"W must be genes x K with K >= 2 metagenes; got shape {W.shape}.")
    if not np.isfinite(W).all():
        raise ValueError("W has missing or infinite values.")
    return W, names, metagenes


def feature_score(W):
    """Kim & Park's specificity score of every gene (row of W), in [0, 1]; see the module doc.

    score(g) = 1 + Σ_k p_gk log₂ p_gk / log₂ K, with p_gk = |W_gk| / Σ_k |W_gk| (0·log 0 = 0).

    Parameters
    ----------
    W : array or DataFrame, G genes x K metagenes
        The metagenes (K >= 2), e.g. ``fit.W``.

    Returns
    -------
    numpy.ndarray or pandas.Series
        One score per gene (length G); a Series indexed by W's genes when W is a DataFrame.
    """
    W, names, _ = _loadings(W)
    loads = np.abs(W)
    totals = loads.sum(axis=1, keepdims=True)
    p = np.divide(loads, totals, out=np.zeros_like(loads), where=totals > 0)
    score = np.where(totals[:, 0] > 0, 1 + xlogy(p, p).sum(axis=1) / np.log(W.shape[1]), 0.0)  # xlogy: 0·log 0 = 0
    return score if names is None else pd.Series(score, index=names, name="feature_score")


def extract_features(W):
    """The genes selected by Kim & Park's rule, per metagene, best score first (as R NMF 0.25).

    A gene is selected when score(g) >= median + 3·MAD of all scores (``feature_score``) and
    max_k |W_gk| >= the median of all of |W|; it goes to the metagene with its largest loading.

    Parameters
    ----------
    W : array or DataFrame, G genes x K metagenes
        The metagenes (K >= 2), e.g. ``fit.W``.

    Returns
    -------
    dict
        {metagene: genes}: keys are W's column names when W is a DataFrame, 0..K−1 otherwise;
        genes are gene names when W is a DataFrame, row numbers (0-based) otherwise. A
        metagene with no selected gene gets an empty list.
    """
    W, names, metagenes = _loadings(W)
    score = np.asarray(feature_score(W))
    median = np.median(score)
    mad = R_MAD_CONSTANT * np.median(np.abs(score - median))
    threshold = median + 3 * mad
    best = np.abs(W).argmax(axis=1)  # first maximum, as R's which.max
    strongest = np.abs(W)[np.arange(len(W)), best]
    # score > 0 (beyond rounding): a gene loading equally on every metagene is specific to none (a
    # collapsed W, where all scores are 0, would otherwise select every gene: median + 3 MAD is 0)
    selected = np.flatnonzero((score >= threshold) & (score > 1e-9) & (strongest >= np.median(np.abs(W))))
    selected = selected[np.argsort(-score[selected], kind="stable")]
    keys = list(metagenes) if metagenes is not None else list(range(W.shape[1]))
    genes = names.to_numpy() if names is not None else np.arange(len(W))
    return {key: list(genes[selected[best[selected] == k]]) for k, key in enumerate(keys)}


def top_genes(W, n: int = 10) -> pd.DataFrame:
    """The n genes with the largest loading in each metagene (columns), largest first.

    Parameters
    ----------
    W : array or DataFrame, G genes x K metagenes
        The metagenes (K >= 2), e.g. ``fit.W``.
    n : int
        How many genes per metagene, from 1 to G.

    Returns
    -------
    pandas.DataFrame
        n rows (index "rank", 1..n) x K columns (W's column names, or ``NMF1``..); entries are
        gene names when W is a DataFrame, row numbers (0-based) otherwise.
    """
    W, names, metagenes = _loadings(W)
    if not 1 <= n <= len(W):
        raise ValueError(f"n must be between 1 and the number of genes ({len(W)}); got {n}.")
    order = np.argsort(-W, axis=0, kind="stable")[:n]
    genes = names.to_numpy() if names is not None else np.arange(len(W))
    columns = list(metagenes) if metagenes is not None else [f"NMF{k + 1}" for k in range(W.shape[1])]
    return pd.DataFrame(genes[order], index=pd.RangeIndex(1, n + 1, name="rank"), columns=columns)


def enrichment(gene_lists, gene_sets, universe) -> pd.DataFrame:
    """Is a list of genes (e.g. a metagene's selected genes) richer in a known gene set than a
    random list would be? A one-sided hypergeometric test for every (list, set) pair, with
    Benjamini–Hochberg q-values over all the pairs tested.

    Within the universe of U genes, a set holds m of them and a list holds n. If the list were
    n genes drawn at random from the universe, its overlap k with the set would follow the
    hypergeometric distribution, with mean n·m / U; the p-value is P(overlap ≥ k). The universe
    is every gene that could have been listed (for a metagene: the genes of the fit, not the
    genome); set members outside it are left out, and a listed gene outside it is an error.

    Parameters
    ----------
    gene_lists : dict or DataFrame
        {name: genes} (e.g. ``extract_features(fit.W)``), or a table whose columns are lists
        (e.g. ``top_genes(fit.W, 20)``).
    gene_sets : dict
        {name: genes}: the known sets (marker genes, pathways).
    universe : iterable
        The genes that could have been listed, e.g. ``X.index``.

    Returns
    -------
    pandas.DataFrame
        One row per (list, set): ``list_size`` n, ``set_size`` m (within the universe),
        ``overlap`` k, ``expected`` n·m / U, ``fold`` k / expected, ``p_value``, ``q_value``
        (Benjamini–Hochberg over all rows) and ``genes`` (the overlap, sorted); sorted by p-value.
    """
    from scipy.stats import hypergeom

    universe = pd.Index(pd.unique(pd.Index(list(universe))))
    if universe.empty:
        raise ValueError("universe is empty; give every gene that could have been listed, e.g. X.index.")
    if isinstance(gene_lists, pd.DataFrame):
        gene_lists = {name: gene_lists[name].dropna().tolist() for name in gene_lists.columns}
    if not isinstance(gene_lists, dict) or not isinstance(gene_sets, dict):
        raise TypeError("gene_lists and gene_sets must be dicts {name: genes} (gene_lists may be a DataFrame).")
    if not gene_lists or not gene_sets:
        raise ValueError("gene_lists and gene_sets need at least one entry each.")
    U, rows = len(universe), []
    members = set(universe)
    for list_name, listed in gene_lists.items():
        listed = set(listed)
        outside = listed - members
        if outside:
            raise ValueError(
                f"list {list_name!r} has {len(outside)} gene(s) outside the universe (e.g. "
                f"{sorted(map(str, outside))[0]!r}); the universe must hold every gene that could have been listed."
            )
        for set_name, known in gene_sets.items():
            known = set(known) & members
            shared = listed & known
            n, m, k = len(listed), len(known), len(shared)
            expected = n * m / U
            rows.append(
                {
                    "list": list_name,
                    "set": set_name,
                    "list_size": n,
                    "set_size": m,
                    "overlap": k,
                    "expected": expected,
                    "fold": k / expected if expected > 0 else np.nan,
                    "p_value": float(hypergeom.sf(k - 1, U, m, n)),  # P(overlap >= k)
                    "genes": sorted(map(str, shared)),
                }
            )
    table = pd.DataFrame(rows)
    table["q_value"] = _benjamini_hochberg(table["p_value"].to_numpy())
    columns = ["list", "set", "list_size", "set_size", "overlap", "expected", "fold", "p_value", "q_value", "genes"]
    return table[columns].sort_values(["p_value", "list", "set"], kind="stable").reset_index(drop=True)


def _benjamini_hochberg(p):
    """BH-adjusted p-values (q-values): p_(i)·N / i, made monotone from the largest down, at most 1."""
    order = np.argsort(p, kind="stable")
    ranked = p[order] * len(p) / np.arange(1, len(p) + 1)
    ranked = np.minimum.accumulate(ranked[::-1])[::-1]
    q = np.empty_like(ranked)
    q[order] = np.minimum(ranked, 1.0)
    return q
