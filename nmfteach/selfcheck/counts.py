"""Self-checks of lesson 11 (real counts, pbmc3k): naming metagenes by their markers, placing new cells."""

from __future__ import annotations

import functools

import numpy as np

from ..datasets import PBMC_MARKERS
from ._core import _close, _fetch, _not_one_number, verdict

__all__ = ["name_metagenes", "place_new_cells"]

N_MARKERS = 30  # genes per metagene in the naming exercise


@functools.lru_cache(maxsize=1)
def _pbmc_lesson():
    """Lesson 11's data and KL fit, made again here once: the tutorial's filters, 20% of the cells
    held out (rng 0), the 2,000 most variable genes of the others, K = 9 "brunet"."""
    import warnings

    from ..counts import highly_variable_genes
    from ..datasets import load_pbmc3k
    from ..engine import ConvergenceWarning
    from ..fit import nmf

    pbmc = load_pbmc3k()
    counts, cells = pbmc.counts, pbmc.cells
    genes_kept = (counts > 0).sum(axis=1) >= 3
    cells_kept = (cells["genes_detected"] > 200) & (cells["genes_detected"] < 2500) & (cells["mito_share"] < 0.05)
    C = counts[genes_kept][:, cells_kept.to_numpy()]
    held_out = np.zeros(C.shape[1], dtype=bool)
    held_out[np.random.default_rng(0).choice(C.shape[1], C.shape[1] // 5, replace=False)] = True
    variable = highly_variable_genes(C[:, ~held_out], 2000)
    X = C[variable]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        fit = nmf(X[:, ~held_out], 9, "brunet", init="nndsvda", stop="objective", tol=1e-4)
    types = cells.loc[cells_kept, "cell_type"].to_numpy()
    symbols = pbmc.genes["symbol"].to_numpy()[genes_kept][variable]
    return fit, X, held_out, types, symbols


def _reference():
    if _pbmc_lesson.cache_info().currsize == 0:
        print("(Fitting the lesson's data to check against, once per session: about ten seconds.)", flush=True)
    return _pbmc_lesson()


def _specific_markers(W, symbols, n=N_MARKERS):
    """{metagene: its n genes with the largest W_gk · W_gk / Σ_l W_gl}, as symbols."""
    W = np.asarray(W)
    score = W * W / np.maximum(W.sum(axis=1, keepdims=True), np.finfo(float).tiny)
    return {
        f"NMF{k + 1}": [str(symbols[g]) for g in np.argsort(-score[:, k], kind="stable")[:n]] for k in range(W.shape[1])
    }


def _enrichment(markers, symbols):
    from ..features import enrichment

    return enrichment(markers, PBMC_MARKERS, symbols)


def _names_from(table):
    """Each list's name in an enrichment table: its smallest-p set if that q is below 0.05, else None."""
    best = table.sort_values(["p_value", "set"], kind="stable").groupby("list").first()
    return {m: (best.loc[m, "set"] if best.loc[m, "q_value"] < 0.05 else None) for m in best.index}


def _enrichment_problem(enriched, expected):
    """What is wrong with the student's enrichment table, or None."""
    import pandas as pd

    needed = {"list", "set", "set_size", "p_value", "q_value"}
    if not isinstance(enriched, pd.DataFrame) or not needed <= set(enriched.columns):
        return "enriched should be the table of the enrichment test (one row per metagene and marker set)."
    mine = enriched.set_index(["list", "set"]).sort_index()
    theirs = expected.set_index(["list", "set"]).sort_index()
    if len(mine) != len(theirs) or not mine.index.equals(theirs.index):
        return "enriched should test every metagene's markers against every set of marker_sets."
    if not (mine["set_size"].to_numpy() == theirs["set_size"].to_numpy()).all():
        return (
            "the set sizes in enriched are not the markers found among the 2,000 genes: the universe is the genes "
            "the fit saw (symbols), not all genes (e.g. the naive set has 2 of its 5 genes among them)."
        )
    if not np.allclose(mine["p_value"].to_numpy(), theirs["p_value"].to_numpy(), rtol=1e-6, atol=1e-300):
        return "the p-values in enriched are not those of markers against marker_sets within symbols."
    return None


def name_metagenes(namespace) -> None:
    """Lesson 11: each metagene's 30 large-and-specific genes (``markers``), the enrichment test of them
    against the marker sets within the 2,000 genes (``enriched``), and each metagene's name, the set
    with the smallest p-value when its q-value is below 0.05, else None (``metagene_names``)."""
    found = _fetch(namespace, "markers", "enriched", "metagene_names")
    if found is None:
        return
    markers, enriched, names = found
    fit, _, _, _, symbols = _reference()
    expected_markers = _specific_markers(fit.W, symbols)
    expected_table = _enrichment(expected_markers, symbols)
    expected = _names_from(expected_table)
    by_loading = {m: [str(symbols[g]) for g in np.argsort(-np.asarray(fit.W)[:, k], kind="stable")[:N_MARKERS]]
                  for k, m in enumerate(expected_markers)}  # fmt: skip
    problem = None
    if not isinstance(markers, dict) or sorted(markers) != sorted(expected_markers):
        problem = f"markers should be a dict with one entry per metagene, keys {', '.join(expected_markers)}."
    elif any(len(list(markers[m])) != N_MARKERS for m in markers):
        problem = f"each metagene's list in markers should hold {N_MARKERS} genes."
    elif all(set(map(str, markers[m])) == set(by_loading[m]) for m in markers):
        problem = (
            "those are the genes with the largest loadings; on raw counts the most abundant genes (B2M, TMSB4X, "
            "ACTB, FTL ...) are among them whatever the metagene. Rank by loading times share, W_gk · W_gk / Σ_l W_gl."
        )
    elif any(set(map(str, markers[m])) != set(expected_markers[m]) for m in markers):
        wrong = next(m for m in markers if set(map(str, markers[m])) != set(expected_markers[m]))
        problem = f"markers[{wrong!r}] is not the 30 genes with the largest W_gk · W_gk / Σ_l W_gl (by gene symbol)."
    elif table_problem := _enrichment_problem(enriched, expected_table):
        problem = table_problem
    elif not isinstance(names, dict) or sorted(names) != sorted(expected):
        problem = "metagene_names should be a dict with one entry per metagene."
    elif any(names[m] is not None and names[m] not in PBMC_MARKERS for m in names):
        problem = "each name should be a key of marker_sets, or None when no set is significant."
    elif any((names[m] is None) != (expected[m] is None) for m in names):
        problem = "a metagene is named only when its best set's q-value is below 0.05 (and None otherwise)."
    elif names != expected:
        problem = "each metagene's name is the set with the smallest p-value in the enrichment table."
    named = sum(name is not None for name in expected.values())
    verdict(
        problem is None,
        f"{named} of the 9 metagenes carry a known marker set (q < 0.05); the rest are unnamed by these markers.",
        problem or "",
    )


@functools.lru_cache(maxsize=1)
def _reference_projections():
    """The held-out cells projected on the reference fit, by KL (the answer) and by least squares (a
    slip to recognise): made once, not at every check."""
    from ..projection import project

    fit, X, held_out, _, _ = _pbmc_lesson()
    W = np.asarray(fit.W)
    return project(W, X[:, held_out], "kl"), project(W, X[:, held_out], "frobenius")


def _rounded(answer, value) -> bool:
    """Is the answer the value rounded to 1-3 decimals (typed from a print), but not the value itself?"""
    return not _close(answer, value) and any(_close(answer, round(value, digits), rtol=1e-9) for digits in (1, 2, 3))


def place_new_cells(namespace) -> None:
    """Lesson 11: the held-out cells projected on the KL fit's metagenes (``H_new``, KL with W
    fixed), each named by its dominant metagene's majority training type (``predicted``), and the
    shares of held-out and training cells so named correctly (``accuracy``, ``training_accuracy``)."""
    found = _fetch(namespace, "H_new", "predicted", "accuracy", "training_accuracy")
    if found is None:
        return
    H_new, predicted, accuracy, training_accuracy = found
    import pandas as pd

    from ..result import dominant_metagene

    fit, X, held_out, types, _ = _reference()
    W = np.asarray(fit.W)
    expected_H, least_squares = _reference_projections()
    type_of = pd.crosstab(fit.predict(), types[~held_out]).idxmax(axis=1)
    expected = type_of.loc[dominant_metagene(W, expected_H)].to_numpy()
    right = float(np.mean(expected == types[held_out]))
    training = float(np.mean(type_of.loc[fit.predict()].to_numpy() == types[~held_out]))
    answer_H = np.asarray(H_new, dtype=float) if hasattr(H_new, "shape") else None
    problem = _not_one_number("accuracy", accuracy) or _not_one_number("training_accuracy", training_accuracy)
    if problem:
        pass
    elif answer_H is None or answer_H.shape != expected_H.shape:
        shape = None if answer_H is None else answer_H.shape
        problem = f"H_new should be metagenes x held-out cells, {expected_H.shape}; yours is {shape}."
    elif (answer_H < 0).any():
        problem = "your H has negative entries: coefficients of new cells are found with H ≥ 0."
    elif np.allclose(answer_H, least_squares, rtol=1e-4, atol=1e-8):
        problem = "that is the least-squares projection; the fit minimized KL, so project with the KL loss."
    elif not np.allclose(answer_H, expected_H, rtol=1e-3, atol=1e-6 * expected_H.max()):
        problem = "H_new is not the KL projection of the held-out cells on the fit's W (fit.project does it)."
    elif len(np.asarray(predicted)) != len(expected):
        problem = f"predicted should hold one cell type per held-out cell ({len(expected)})."
    elif (np.asarray(predicted).astype(str) == types[held_out].astype(str)).all():
        problem = "predicted is the held-out cells' own labels; predict from H_new instead."
    elif not (np.asarray(predicted).astype(str) == expected.astype(str)).all():
        problem = (
            "predicted should be, for each new cell, the training cell type most common among the training cells "
            "whose dominant metagene is that cell's dominant metagene."
        )
    elif _close(accuracy, 100 * right) or _close(training_accuracy, 100 * training):
        problem = "store the accuracies as shares between 0 and 1, not as percentages."
    elif _rounded(accuracy, right):
        problem = "accuracy is close but rounded: compute it from predicted and the cell types rather than typing it."
    elif not _close(accuracy, right):
        problem = "accuracy is the share of held-out cells whose predicted type is their tutorial type."
    elif _rounded(training_accuracy, training):
        problem = "training_accuracy is close but rounded: compute it rather than typing it."
    elif not _close(training_accuracy, training):
        problem = "training_accuracy is the same share for the training cells, each named by its own dominant metagene."
    verdict(
        problem is None,
        f"{right:.0%} of the held-out cells get their tutorial type, against {training:.0%} of the cells the fit "
        "was made from: the metagenes place cells they never saw about as well as their own.",
        problem or "",
    )
