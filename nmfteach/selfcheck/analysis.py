"""Self-checks of lessons 06 to 10: reading fits, choosing K, Golub, sparsity, applications."""

from __future__ import annotations

import numpy as np

from ._core import _close, _fetch, _same_array, verdict

__all__ = [
    "recovery",
    "cluster_table",
    "top_gene",
    "cophenetic_choice",
    "holdout_choice",
    "stability_by_hand",
    "golub_purity",
    "aml_metagene",
    "penalty_choice",
    "smoothing_by_hand",
    "proportions",
    "log_cpm",
]


def recovery(namespace) -> None:
    """Lesson 05: recovery is the mean, over true metagenes, of the best correlation with a found one."""
    found = _fetch(namespace, "sim", "fit", "recovery")
    if found is None:
        return
    sim, fit, answer = found
    K = sim.W.shape[1]
    corr = np.corrcoef(np.asarray(sim.W).T, np.asarray(fit.W).T)[:K, K:]
    expected = corr.max(axis=1).mean()
    verdict(
        _close(answer, expected),
        f"recovery {expected:.3f}: each true metagene has a close match among those found.",
        "correlate every true metagene (column of sim.W) with every found one (column of fit.W), take the "
        "best match of each true metagene, then the mean.",
    )


def cluster_table(namespace) -> None:
    """Lesson 06: table is the cross table of true groups (rows) against predicted clusters (columns)."""
    found = _fetch(namespace, "sim", "fit", "table")
    if found is None:
        return
    sim, fit, table = found
    import pandas as pd

    expected = pd.crosstab(sim.labels, fit.predict())
    ok = np.shape(table) == expected.shape and np.array_equal(np.asarray(table), expected.to_numpy())
    verdict(
        ok,
        "each true group lands in its own cluster: a perfect match up to the clusters' numbering.",
        "use pd.crosstab(sim.labels, fit.predict()): true groups as rows, predicted clusters as columns.",
    )


def top_gene(namespace) -> None:
    """Lesson 06: top_gene is the gene with the largest loading in metagene NMF1 of fit."""
    found = _fetch(namespace, "fit", "top_gene")
    if found is None:
        return
    fit, answer = found
    expected = fit.W["NMF1"].idxmax()
    verdict(
        answer == expected,
        f"{expected} has the largest loading in NMF1.",
        f"{answer!r} is not it; look for the index of the largest value in the column fit.W['NMF1'].",
    )


def _survey_choice(namespace, name, column, best, what):
    found = _fetch(namespace, "survey", name)
    if found is None:
        return
    survey, answer = found
    table = survey.loc["original"] if "data" in (survey.index.names or []) else survey
    values = table[column]
    top = values.max() if best == "idxmax" else values.min()
    tied = [int(k) for k in values.index if abs(values[k] - top) <= 1e-9]  # equal up to rounding
    expected = min(tied)  # among equally good K, the smallest: extra metagenes explain nothing more
    try:
        answer = int(answer) if float(answer) == int(float(answer)) else answer
    except (TypeError, ValueError):
        pass
    tie = f"; K = {', '.join(map(str, tied))} tie, and the smallest of them is the choice" if len(tied) > 1 else ""
    if answer in tied and answer != expected:
        wrong = f"K = {answer} ties with the best {column}, but it is not the smallest K that reaches it."
    else:
        wrong = f"K = {answer!r} is not it; find the {what} value of survey.loc['original', '{column}'] and its K."
    verdict(answer == expected, f"K = {expected} has the {what} {column} ({values[expected]:.4f}){tie}.", wrong)


def cophenetic_choice(namespace) -> None:
    """Lesson 07: best_by_cophenetic is the smallest K with the highest cophenetic correlation in survey."""
    _survey_choice(namespace, "best_by_cophenetic", "cophenetic", "idxmax", "highest")


def holdout_choice(namespace) -> None:
    """Lesson 07: best_by_holdout is the K with the lowest held-out error in survey."""
    _survey_choice(namespace, "best_by_holdout", "holdout_mse", "idxmin", "lowest")


# The toy runs of lesson 07 (4 runs x 6 samples): the check computes from its own copy, so
# redefining toy_runs in the notebook cannot change the expected answer.
TOY_RUNS = np.array([[1, 1, 1, 2, 2, 2], [1, 1, 2, 2, 2, 2], [1, 1, 1, 2, 2, 2], [2, 2, 2, 1, 1, 1]])


def stability_by_hand(namespace) -> None:
    """Lesson 07: C_by_hand is the consensus of toy_runs, dispersion_by_hand its dispersion and
    cophenetic_by_hand the correlation of 1 − C with the tree's cophenetic distances (toy_tree)."""
    found = _fetch(namespace, "C_by_hand", "dispersion_by_hand", "cophenetic_by_hand")
    if found is None:
        return
    from ..consensus import consensus_matrix, cophenetic, dispersion

    C, disp, coph = found
    if "toy_runs" in namespace and not np.array_equal(np.asarray(namespace["toy_runs"]), TOY_RUNS):
        verdict(False, "", "toy_runs is not the lesson's any more: run the cell that defines it again.")
        return
    expected = consensus_matrix(TOY_RUNS)
    C = np.asarray(C, dtype=float)
    if C.shape != expected.shape:
        verdict(False, "", f"C_by_hand should be samples x samples, {expected.shape}; it is {C.shape}.")
    elif not np.allclose(np.diag(C), 1):
        verdict(False, "", "the diagonal of C_by_hand should be 1: every run puts a sample with itself.")
    elif not np.allclose(C, expected):
        verdict(
            False,
            "",
            "C_by_hand should be the share of runs that put i and j together: average, over the "
            "runs, of the 0/1 matrices 'same label' (not the labels themselves).",
        )
    elif not _close(disp, dispersion(expected)):
        verdict(False, "", "dispersion_by_hand is the mean of 4 (C − ½)² over all S² entries of C, diagonal included.")
    else:
        pairs = np.triu_indices_from(expected, k=1)
        verdict(
            _close(coph, cophenetic(expected)),
            f"consensus, dispersion {dispersion(expected):.4f} and cophenetic {cophenetic(expected):.4f} match "
            f"nt.dispersion and nt.cophenetic.",
            "cophenetic_by_hand is the correlation (np.corrcoef) between the distances 1 − C and the tree's "
            f"distances toy_tree, over the {len(pairs[0])} pairs above the diagonal (each pair once).",
        )


def golub_purity(namespace) -> None:
    """Lesson 09: purity_k3 is the purity of the K = 3 clusters against the Golub subtypes."""
    found = _fetch(namespace, "fits", "golub", "purity_k3")
    if found is None:
        return
    fits, golub, answer = found
    from ..consensus import purity

    expected = purity(np.asarray(fits[3].predict()), golub.samples["subtype"].to_numpy())
    verdict(
        _close(answer, expected),
        f"purity {expected:.3f}: {round(expected * 38)} of the 38 samples sit in their subtype's cluster.",
        "use nt.purity(fits[3].predict(), golub.samples['subtype']).",
    )


def aml_metagene(namespace) -> None:
    """Lesson 09: aml is the metagene (cluster number) that the AML samples use."""
    found = _fetch(namespace, "fits", "golub", "aml")
    if found is None:
        return
    fits, golub, answer = found
    clusters = fits[3].predict()
    expected = clusters[golub.samples["subtype"] == "AML"].mode().iloc[0]
    verdict(
        answer == expected,
        f"the AML samples use metagene {expected}.",
        "take the most common predicted cluster among the samples whose subtype is 'AML'.",
    )


def penalty_choice(namespace) -> None:
    """Lesson 08: chosen_alpha is the largest alpha in path whose relative error is at most 5%
    above the unpenalized fit's (alpha = 0)."""
    found = _fetch(namespace, "path", "chosen_alpha")
    if found is None:
        return
    path, answer = found
    limit = 1.05 * path.loc[0.0, "rel_error"]
    expected = max(alpha for alpha, error in path["rel_error"].items() if error <= limit)
    verdict(
        _close(answer, expected),
        f"alpha = {expected:g} costs {path.loc[expected, 'rel_error']:.4f} against "
        f"{path.loc[0.0, 'rel_error']:.4f} without a penalty, and makes {100 * path.loc[expected, 'zeros_W']:.0f}% "
        f"of W exactly 0.",
        f"{answer!r} is not it; keep the rows of path whose rel_error is <= 1.05 * path.loc[0.0, 'rel_error'] "
        f"and take the largest alpha (the index).",
    )


def smoothing_by_hand(namespace) -> None:
    """Lesson 08: S_by_hand is nsNMF's smoothing matrix for smooth_fit (K = 3, its theta), and
    reconstruction is W S H."""
    found = _fetch(namespace, "smooth_fit", "S_by_hand", "reconstruction")
    if found is None:
        return
    fit, S, reconstruction = found
    K, theta = fit.rank, fit.settings["theta"]
    expected = (1 - theta) * np.eye(K) + theta / K * np.ones((K, K))
    if not _same_array(S, expected):
        verdict(
            False,
            "",
            f"S_by_hand should be (1 − θ)·I + (θ/K)·11ᵀ with K = {K} and θ = {theta}: "
            f"np.eye(K) and np.ones((K, K)) give I and 11ᵀ.",
        )
        return
    verdict(
        _same_array(reconstruction, np.asarray(fit.fitted())),
        "S blends each metagene's coefficient with the average of all K, and W S H is nsNMF's model of X.",
        "S_by_hand is right; reconstruction should be W @ S_by_hand @ H with W and H of smooth_fit "
        "(np.asarray(smooth_fit.W), ...).",
    )


def proportions(namespace) -> None:
    """Lesson 10: props are the mixing proportions of the bulk samples, found by NNLS, summing to 1."""
    found = _fetch(namespace, "signatures", "bulk", "props")
    if found is None:
        return
    signatures, bulk, answer = found
    from ..least_squares import nnls

    S, B = np.asarray(signatures, dtype=float), np.asarray(bulk, dtype=float)
    raw = nnls(S.T @ S, S.T @ B)
    expected = raw / raw.sum(axis=0)
    verdict(
        _same_array(answer, expected, atol=1e-6),
        "each bulk sample's proportions, non-negative and summing to 1.",
        "solve nt.nnls(S.T @ S, S.T @ bulk) with S the signatures, then divide each column by its sum.",
    )


def log_cpm(namespace) -> None:
    """Lesson 10: logcpm is log2(counts per million + 1) of the matrix counts (samples in columns)."""
    found = _fetch(namespace, "counts", "logcpm")
    if found is None:
        return
    counts, answer = found
    C = np.asarray(counts, dtype=float)
    expected = np.log2(C / C.sum(axis=0) * 1e6 + 1)
    verdict(
        _same_array(answer, expected),
        "counts scaled to one million per sample, then log2(· + 1).",
        "divide each column (sample) by its total, multiply by 1e6, add 1 and take np.log2.",
    )
