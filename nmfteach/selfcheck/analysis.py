"""Self-checks of lessons 06 to 10: reading fits, choosing K, Golub, sparsity, applications."""

from __future__ import annotations

import functools
import math

import numpy as np

from ._core import _close, _fetch, _same_array, verdict

__all__ = [
    "recovery",
    "merge_purity",
    "specific_genes",
    "cophenetic_choice",
    "holdout_by_hand",
    "stability_by_hand",
    "t_cell_enrichment",
    "metagene_classifier",
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


def merge_purity(namespace) -> None:
    """Lesson 06: table2 crosses the true groups with a K = 2 fit's clusters; purity by hand; the merged groups."""
    found = _fetch(namespace, "table2", "purity_by_hand", "merged_groups")
    if found is None:
        return
    table2, purity_by_hand, merged_groups = found
    import pandas as pd

    from ..consensus import purity
    from ..datasets import lecture_example
    from ..fit import nmf

    sim = lecture_example()
    clusters = nmf(sim.X, 2, "brunet", nrun=10, seed=123).predict()
    expected = pd.crosstab(sim.labels, clusters)
    counts = expected.to_numpy()
    shared = (counts > 0).sum(axis=0) > 1  # the clusters that hold more than one true group
    merged = sorted(int(g) for g in expected.index[(counts[:, shared] > 0).any(axis=1)])
    answer = np.asarray(table2, dtype=float)
    problem = None
    if answer.shape == counts.shape[::-1]:
        problem = "table2 is transposed: the true groups are its rows, the clusters its columns."
    elif answer.shape != counts.shape or not np.array_equal(answer, counts):
        problem = "table2 is not the cross table of sim.labels (rows) against fit2.predict() (columns)."
    elif _close(purity_by_hand, counts.max(axis=1).sum() / counts.sum()):
        problem = (
            "that is each true group's largest count, summed: purity takes each cluster's (column's) largest "
            "count, the samples it would label right if it were named after its majority group."
        )
    elif not _close(purity_by_hand, purity(clusters, sim.labels)):
        problem = "purity is the sum over clusters of their largest count, divided by the number of samples."
    else:
        try:
            given = sorted(int(g) for g in merged_groups)
        except (TypeError, ValueError):
            given = None
        if given != merged:
            problem = "merged_groups should list the true groups that share one cluster (as whole numbers)."
    verdict(
        problem is None,
        f"purity {counts.max(axis=0).sum()}/{counts.sum()} = {counts.max(axis=0).sum() / counts.sum():.3f}: with two "
        f"clusters for three groups, groups {merged[0]} and {merged[1]} must share one, where only one group counts "
        f"as right ({counts.sum() - counts.max(axis=0).sum()} samples count as wrong). A split would not lower "
        "purity: each part is still pure.",
        problem or "",
    )


def _specific(W, metagene, n):
    """The n genes with the largest share in ``metagene`` after scaling each metagene to sum 1."""
    scaled = W / W.sum(axis=0)
    share = scaled[metagene] / scaled.sum(axis=1)
    return list(share.sort_values(ascending=False, kind="stable").index[:n])


def specific_genes(namespace) -> None:
    """Lesson 06: specific is NMF1's 10 most specific genes (share after scaling); overlap with its top 10."""
    found = _fetch(namespace, "specific", "overlap")
    if found is None:
        return
    specific, overlap = found
    from ..datasets import lecture_example
    from ..features import top_genes
    from ..fit import nmf

    W = nmf(lecture_example().X, 3, "brunet", nrun=30, seed=123).W
    expected = _specific(W, "NMF1", 10)
    strongest = list(top_genes(W, n=10)["NMF1"])
    unscaled = list((W["NMF1"] / W.sum(axis=1)).sort_values(ascending=False, kind="stable").index[:10])
    answer = [str(g) for g in np.ravel(np.asarray(specific, dtype=object))]
    problem = None
    if len(answer) != 10:
        problem = f"specific should hold 10 gene names; it holds {len(answer)}."
    elif answer == strongest:
        problem = "those are NMF1's largest loadings; rank the genes by their share of NMF1 instead."
    elif answer == unscaled and unscaled != expected:
        problem = "scale each metagene (column of W) to sum 1 before taking the shares: a metagene's size is arbitrary."
    elif sorted(answer) == sorted(expected) and answer != expected:
        problem = "the right genes in the wrong order: most specific first."
    elif answer != expected:
        problem = "not NMF1's 10 largest shares: scale W's columns to sum 1, divide each row by its sum, sort NMF1."
    elif overlap != len(set(expected) & set(strongest)):
        problem = "overlap is the number of genes that are in both lists."
    scaled = W / W.sum(axis=0)
    share = scaled["NMF1"] / scaled.sum(axis=1)
    verdict(
        problem is None,
        f"the 10 most specific genes of NMF1 and its 10 strongest share {len(set(expected) & set(strongest))} genes. "
        f"The strongest give NMF1 {share[strongest].mean():.0%} of their scaled loading on average, the most specific "
        f"{share[expected].mean():.0%}: a strong gene is often strong in the other metagenes too.",
        problem or "",
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


def _masked_errors():
    """Lesson 07's held-out errors by hand, made again here: {K: (held-out MSE, training MSE)} for K = 2..6."""
    from ..datasets import lecture_example
    from ..fit import nmf

    X = lecture_example().X.to_numpy()
    hidden = np.random.default_rng(1).uniform(size=X.shape) < 0.1
    errors = {}
    for k in range(2, 7):
        fit = nmf(X, k, "masked_kl", mask=~hidden, seed=1, stop="none", max_iter=1000)
        squared = (fit.fitted() - X) ** 2
        errors[k] = (float(squared[hidden].mean()), float(squared[~hidden].mean()))
    return errors, X, hidden


def holdout_by_hand(namespace) -> None:
    """Lesson 07: heldout_mse and training_mse, {K: MSE} on the hidden and the seen entries; best_by_holdout."""
    found = _fetch(namespace, "heldout_mse", "training_mse", "best_by_holdout")
    if found is None:
        return
    heldout, training, best = found
    errors, X, hidden = _masked_errors()
    problem = None
    try:
        heldout = {int(k): float(v) for k, v in dict(heldout).items()}
        training = {int(k): float(v) for k, v in dict(training).items()}
    except (TypeError, ValueError):
        heldout = training = None
    if heldout is None or sorted(heldout) != list(errors) or sorted(training) != list(errors):
        problem = "heldout_mse and training_mse should be dictionaries {K: error} for K = 2, 3, 4, 5 and 6."
    elif all(_close(heldout[k], errors[k][1]) for k in errors):
        problem = "heldout_mse holds the errors on the entries the fit saw: measure the hidden ones there."
    elif not all(_close(heldout[k], errors[k][0], rtol=1e-4) for k in errors):
        problem = (
            "heldout_mse is not the mean squared error on the hidden entries of a fit that did not see them: "
            "pass the observed entries as the mask (True = seen), and average only over the hidden ones."
        )
    elif not all(_close(training[k], errors[k][1], rtol=1e-4) for k in errors):
        problem = "training_mse is not the mean squared error on the entries the fit saw."
    elif best != min(errors, key=lambda k: errors[k][0]):
        problem = "best_by_holdout is not the K with the lowest held-out error."
    low = min(errors, key=lambda k: errors[k][0])
    verdict(
        problem is None,
        f"the error on the seen entries falls with every K ({errors[2][1]:.4f} at K = 2 to {errors[6][1]:.4f} at "
        f"K = 6), while on the hidden ones it is lowest at K = {low} ({errors[low][0]:.4f}) and rises after: "
        "the extra metagenes fit the noise of the entries they saw.",
        problem or "",
    )


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


@functools.lru_cache(maxsize=1)
def _golub_fits():
    """Lesson 09's K = 3 fit of all samples and its fit without the 8 held-out samples, made again here once."""
    from ..datasets import load_golub
    from ..fit import nmf

    golub = load_golub()
    held_out = list(np.random.default_rng(7).choice(golub.X.columns, size=8, replace=False))
    train = nmf(golub.X.drop(columns=held_out), 3, "brunet", nrun=10, seed=123)
    return golub, nmf(golub.X, 3, "brunet", nrun=30, seed=123), held_out, train


def t_cell_enrichment(namespace) -> None:
    """Lesson 09: the ALL-T metagene's markers against the genes described as T-cell genes: a hypergeometric test."""
    found = _fetch(namespace, "t_metagene", "overlap", "expected_overlap", "p_value")
    if found is None:
        return
    t_metagene, overlap, expected_overlap, p_value = found
    from scipy.stats import hypergeom

    from ..features import extract_features

    golub, fit, _, _ = _golub_fits()
    clusters = fit.predict()
    name = f"NMF{clusters[golub.samples['subtype'] == 'ALL-T'].mode().iloc[0]}"
    markers = set(extract_features(fit.W)[name])
    gene_set = set(golub.genes.index[golub.genes.str.contains("T cell|T-cell", case=False)])
    G, k = len(golub.genes), len(markers & gene_set)
    expected = len(markers) * len(gene_set) / G
    p = float(hypergeom.sf(k - 1, G, len(gene_set), len(markers)))

    def same(answer, value):  # relative only: p-values are tiny numbers
        return np.isscalar(answer) and math.isclose(float(answer), value, rel_tol=1e-6, abs_tol=0.0)

    problem = None
    if str(t_metagene) != name:
        problem = f"{t_metagene!r} is not the metagene the ALL-T samples use (their most common cluster)."
    elif overlap != k:
        problem = "overlap is the number of the metagene's marker genes that are in the gene set."
    elif not _close(expected_overlap, expected, rtol=1e-9):
        problem = "expected_overlap is what a random list of as many genes would hit: (markers) x (set size) / G."
    elif same(p_value, float(hypergeom.sf(k, G, len(gene_set), len(markers)))):
        problem = "that is P(X > overlap); the test asks for P(X ≥ overlap): the survival function at overlap − 1."
    elif same(p_value, float(hypergeom.pmf(k, G, len(gene_set), len(markers)))):
        problem = "that is P(X = overlap), one term; the test sums all overlaps at least as large: P(X ≥ overlap)."
    elif not same(p_value, p):
        problem = f"p_value is not P(X ≥ {k}) for {len(markers)} genes drawn from {G}, {len(gene_set)} in the set."
    verdict(
        problem is None,
        f"{k} of {name}'s {len(markers)} marker genes are described as T-cell genes, where chance would give "
        f"{expected:.2f}: p = {p:.1e}. NMF, never told the subtypes, built a metagene enriched for T-cell genes.",
        problem or "",
    )


def metagene_classifier(namespace) -> None:
    """Lesson 09: held-out samples placed in a training fit's metagene space by NNLS, named by the training subtypes."""
    found = _fetch(namespace, "H_new", "predicted_subtypes", "accuracy")
    if found is None:
        return
    H_new, predicted, accuracy = found
    import pandas as pd

    from ..least_squares import nnls
    from ..result import dominant_metagene

    golub, _, held_out, train = _golub_fits()
    subtype = golub.samples["subtype"]
    W = train.W.to_numpy()
    expected_H = nnls(W.T @ W, W.T @ golub.X[held_out].to_numpy())
    names = pd.crosstab(train.predict(), subtype.drop(held_out)).idxmax(axis=1)
    expected = pd.Series(np.asarray(names.loc[dominant_metagene(W, expected_H)]), index=held_out)
    answer_H = np.asarray(H_new, dtype=float)
    problem = None
    if answer_H.shape == expected_H.shape[::-1]:
        problem = f"H_new has shape {answer_H.shape}: one column per new sample, one row per metagene (K x 8)."
    elif answer_H.shape != expected_H.shape:
        problem = f"H_new has shape {answer_H.shape}; it should be {expected_H.shape} (metagenes x new samples)."
    elif (answer_H < -1e-12).any():
        problem = "your H has negative entries: a sample is placed with non-negative least squares, not plain ones."
    elif not np.allclose(answer_H, expected_H, rtol=1e-6, atol=1e-9):
        problem = "H_new is not the NNLS solution with the training fit's W fixed: solve WᵀW·h = WᵀX_new with h ≥ 0."
    else:
        given = pd.Series(predicted).astype(str)
        if sorted(given.index) != sorted(held_out):
            problem = "predicted_subtypes should be indexed by the 8 held-out samples' names."
        elif not (given.loc[held_out].to_numpy() == expected.to_numpy()).all():
            problem = (
                "predicted_subtypes is not each new sample's dominant metagene, named after the subtype most "
                "training samples of that metagene have."
            )
        elif not _close(accuracy, float((expected == subtype[held_out]).mean())):
            problem = "accuracy is the share of held-out samples whose predicted subtype is their true one."
    right = int((expected == subtype[held_out]).sum())
    verdict(
        problem is None,
        f"{right} of the 8 held-out samples get their true subtype: metagenes learned without them place them "
        "correctly, which is the lecture's classification in metagene space.",
        problem or "",
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
