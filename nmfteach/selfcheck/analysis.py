"""Self-checks of lessons 06 to 10: reading fits, choosing K, Golub, sparsity, applications."""

from __future__ import annotations

import functools
import math

import numpy as np

from ._core import _close, _fetch, _is_number, _lecture_fit, _not_one_number, _same_array, verdict

__all__ = [
    "recovery",
    "merge_purity",
    "specific_genes",
    "cophenetic_rule",
    "holdout_by_hand",
    "stability_by_hand",
    "t_cell_enrichment",
    "metagene_classifier",
    "penalty_choice",
    "smoothing_by_hand",
    "deconvolution",
    "median_ratio",
]


def recovery(namespace) -> None:
    """Lesson 05: matching {true metagene: best-correlated found one}, recovery the mean best correlation,
    worst the true metagene matched least well."""
    found = _fetch(namespace, "matching", "recovery", "worst")
    if found is None:
        return
    matching, answer, worst = found
    from ..fit import nmf
    from ..simulate import simulate_expression

    sim = simulate_expression(n_genes=300, n_samples=30, rank=3, noise_sd=0.2, seed=123)
    fit = nmf(sim.X, 3, "brunet", seed=1)
    true, made = sim.W, fit.W
    corr = np.corrcoef(true.to_numpy().T, made.to_numpy().T)[:3, 3:]
    best = {t: made.columns[corr[i].argmax()] for i, t in enumerate(true.columns)}
    problem = None
    try:
        given = {str(k): str(v) for k, v in dict(matching).items()}
    except (TypeError, ValueError):
        given = None
    if given != {str(k): str(v) for k, v in best.items()}:
        problem = (
            "matching should map each true metagene (a column name of sim.W) to the found one (a column name of "
            "fit.W) it correlates with most."
        )
    elif _close(answer, corr.max(axis=0).mean()) and not _close(answer, corr.max(axis=1).mean()):
        problem = "recovery averages the best match of each *true* metagene (rows of the correlation block)."
    elif not _close(answer, corr.max(axis=1).mean()):
        problem = "recovery is the mean, over the true metagenes, of their best correlation."
    elif str(worst) != str(true.columns[corr.max(axis=1).argmin()]):
        problem = "worst is the true metagene whose best correlation is the lowest."
    verdict(
        problem is None,
        f"recovery {corr.max(axis=1).mean():.3f}; even the worst-matched true metagene correlates "
        f"{corr.max(axis=1).min():.3f} with its match: at noise sd 0.2 the programs are found.",
        problem or "",
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
        f"clusters for three groups, two groups must share one (here {merged[0]} and {merged[1]}), where only one "
        f"counts as right ({counts.sum() - counts.max(axis=0).sum()} samples count as wrong). A split would not lower "
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
    from ..features import top_genes

    W = _lecture_fit()[1].W
    expected = _specific(W, "NMF1", 10)
    strongest = list(top_genes(W, n=10)["NMF1"])
    unscaled = list((W["NMF1"] / W.sum(axis=1)).sort_values(ascending=False, kind="stable").index[:10])
    answer = [str(g) for g in np.ravel(np.asarray(specific, dtype=object))]
    problem = None
    if type(specific).__name__ == "Series" and list(map(str, specific.index)) == expected:
        problem = "those are the right genes' shares; give their names (the Series' index), most specific first."
    elif len(answer) != 10:
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


def _brunet_rule(cophenetic, tol):
    """The check's own Brunet rule: the last K before the cophenetic first drops by more than tol, or None."""
    ks, values = list(cophenetic.index), list(cophenetic.to_numpy(dtype=float))
    for k, now, after in zip(ks, values, values[1:]):
        if now - after > tol:
            return int(k)
    return None


# Series the student's function is tried on: (values by K, tol, why the answer is what it is)
_RULE_CASES = [
    ({2: 0.99, 3: 0.97, 4: 0.96}, 1e-3, "it falls at once, after K = 2"),
    ({2: 0.90, 3: 0.95, 4: 1.00}, 1e-3, "it only rises: no K before a drop"),
    (
        {2: 0.90, 3: 1.00, 4: 0.9995, 5: 0.98},
        1e-3,
        "the fall 1.00 → 0.9995 is within tol; the first larger one follows 4",
    ),
    ({2: 0.90, 3: 1.00, 4: 0.9995, 5: 0.98}, 1e-4, "with a smaller tol the fall after K = 3 counts"),
    ({5: 0.95, 6: 0.97, 8: 0.90}, 1e-3, "the K are the Series' own index, not positions"),
]


def cophenetic_rule(namespace) -> None:
    """Lesson 07: brunet_rule(cophenetic, tol) returns the last K before the cophenetic first falls by more
    than tol (None if it never does); rule_original and rule_randomized apply it (tol 1e-3) to the survey."""
    import pandas as pd

    found = _fetch(namespace, "survey", "brunet_rule", "rule_original", "rule_randomized")
    if found is None:
        return
    survey, rule, on_original, on_randomized = found
    problem = (
        None if callable(rule) else "`brunet_rule` is not a function: define it with def brunet_rule(cophenetic, tol):"
    )
    for values, tol, why in _RULE_CASES if problem is None else []:
        series = pd.Series(values)
        expected = _brunet_rule(series, tol)
        try:
            answer = rule(series.copy(), tol)
        except Exception as error:  # the student's code: say what it raised, where
            problem = f"brunet_rule(pd.Series({values}), {tol}) raised {type(error).__name__}: {error}"
            break
        same = answer is None if expected is None else (_is_number(answer) and answer == expected)
        position = None if expected is None else list(series.index).index(expected)
        if not same and _is_number(answer) and answer == position:
            problem = (
                f"brunet_rule(pd.Series({values}), {tol}) returned {answer!r}, the position of the K it should return: "
                f"return the K itself, from the Series' index (not positions)."
            )
            break
        if not same:
            problem = f"brunet_rule(pd.Series({values}), {tol}) returned {answer!r}, not {expected!r}: {why}." + (
                " Return None itself, not a text or a number, when there is no drop." if expected is None else ""
            )
            break
    expected = {
        name: _brunet_rule(survey.loc[data, "cophenetic"], 1e-3)
        for name, data in (("rule_original", "original"), ("rule_randomized", "randomized"))
    }
    for name, answer in (("rule_original", on_original), ("rule_randomized", on_randomized)):
        if problem is None and not (answer is expected[name] or (_is_number(answer) and answer == expected[name])):
            problem = f"{name} is {answer!r}: apply your brunet_rule to that data's cophenetic column with tol 1e-3."
    verdict(
        problem is None,
        f"on the data the cophenetic never falls by more than 1e-3 (it is 1 at K = 3, 4 and 6), so the rule chooses "
        f"nothing; on the randomized data, which hold no groups at all, it chooses K = {expected['rule_randomized']}. "
        f"A rule that reads one curve's shape picks a K even when there is nothing to find: compare with the "
        f"randomized baseline.",
        problem or "",
    )


@functools.lru_cache(maxsize=1)
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
    held_out = list(np.random.default_rng(23).choice(golub.X.columns, size=8, replace=False))
    train = nmf(golub.X.drop(columns=held_out), 3, "brunet", nrun=10, seed=123)
    return golub, nmf(golub.X, 3, "brunet", nrun=30, seed=123), held_out, train


def _golub_reference():
    """_golub_fits, saying so the first time: the fits take several seconds, and a check that sits
    silent that long looks stuck."""
    if _golub_fits.cache_info().currsize == 0:
        print("(Fitting the Golub data to check against, once per session: a few seconds.)", flush=True)
    return _golub_fits()


def t_cell_enrichment(namespace) -> None:
    """Lesson 09: the ALL-T metagene's markers against the genes described as T-cell genes: a hypergeometric test."""
    found = _fetch(namespace, "t_metagene", "overlap", "expected_overlap", "p_value")
    if found is None:
        return
    t_metagene, overlap, expected_overlap, p_value = found
    from scipy.stats import hypergeom

    from ..features import extract_features

    golub, fit, _, _ = _golub_reference()
    clusters = fit.predict()
    name = f"NMF{clusters[golub.samples['subtype'] == 'ALL-T'].mode().iloc[0]}"
    markers = set(extract_features(fit.W)[name])
    gene_set = set(golub.genes.index[golub.genes.str.contains("T cell|T-cell", case=False)])
    G, k = len(golub.genes), len(markers & gene_set)
    expected = len(markers) * len(gene_set) / G
    p = float(hypergeom.sf(k - 1, G, len(gene_set), len(markers)))

    def same(answer, value):  # relative only: p-values are tiny numbers
        return _is_number(answer) and math.isclose(float(answer), value, rel_tol=1e-3, abs_tol=0.0)

    problem = None
    if hasattr(t_metagene, "shape") or isinstance(t_metagene, (list, tuple, set)):
        problem = f"t_metagene should be one name such as 'NMF1', not a {type(t_metagene).__name__}: take its value."
    elif _not_one_number("overlap", overlap) and not isinstance(overlap, (int, np.integer)):
        problem = _not_one_number("overlap", overlap)
    elif str(t_metagene) == name[3:]:
        problem = f"t_metagene should be the metagene's name, {name!r}, not its number."
    elif str(t_metagene) != name:
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
        f"{k} of {name}'s {len(markers)} marker genes have a description that mentions T cells, where chance "
        f"would give {expected:.2f}: p = {p:.1e}. NMF, never told the subtypes, built a metagene enriched for "
        "T-cell genes.",
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

    golub, _, held_out, train = _golub_reference()
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
        elif (given.loc[held_out] == subtype[held_out].astype(str)).all() and (expected != subtype[held_out]).any():
            problem = (
                "predicted_subtypes is every sample's true subtype, but the classifier places one of them elsewhere: "
                "predict from H_new (each sample's dominant metagene), never from the labels you are testing against."
            )
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
        f"{right} of the 8 held-out samples get their true subtype: metagenes learned without them place "
        f"{'them all' if right == 8 else 'them, all but ' + str(8 - right)} correctly, which is the lecture's "
        "classification in metagene space.",
        problem or "",
    )


@functools.lru_cache(maxsize=1)
def _lesson_08_path():
    """Lesson 08's sparsity path (L1 on W and H), made again here once."""
    from ..simulate import simulate_expression
    from ..sparsity import sparsity_path

    sim = simulate_expression(n_genes=300, n_samples=40, rank=3, noise_sd=0.2, seed=8, membership="soft",
                              concentration=0.5, program_density=0.25)  # fmt: skip
    return sparsity_path(sim.X, rank=3, penalize="W and H", l1_ratio=1.0)[0]


def penalty_choice(namespace) -> None:
    """Lesson 08: chosen_alpha, the largest alpha in path within 5% of the unpenalized error; what it bought
    (zeros_gained, the rise in W's share of exact zeros) and cost (error_cost, the relative rise in error)."""
    found = _fetch(namespace, "chosen_alpha", "zeros_gained", "error_cost")
    if found is None:
        return
    answer, zeros_gained, error_cost = found
    path = _lesson_08_path()
    base = path.loc[0.0, "rel_error"]
    expected = max(alpha for alpha, error in path["rel_error"].items() if error <= 1.05 * base)
    gained = path.loc[expected, "zeros_W"] - path.loc[0.0, "zeros_W"]
    cost = path.loc[expected, "rel_error"] / base - 1
    rounded = "close, but computed from the rounded numbers printed: use path's own (unrounded) values."
    shapes = [
        _not_one_number(name, value) for name, value in zip(("chosen_alpha", "zeros_gained", "error_cost"), found)
    ]
    problem = next((message for message in shapes if message), None)
    if problem:
        pass
    elif _close(answer, min(alpha for alpha, error in path["rel_error"].items() if error > 1.05 * base)):
        problem = "that alpha is past the limit: its error is more than 5% above the unpenalized one."
    elif not _close(answer, expected):
        problem = "chosen_alpha is not the largest alpha whose rel_error is at most 1.05 times the alpha = 0 error."
    elif _close(zeros_gained, gained * 100):
        problem = "zeros_gained is a difference of shares (0.12 for 12 percentage points), not in percent."
    elif _close(zeros_gained, gained, rtol=5e-2):
        problem = f"zeros_gained is {rounded}" if not _close(zeros_gained, gained) else None
    elif not _close(zeros_gained, gained):
        problem = "zeros_gained is W's share of exact zeros at chosen_alpha minus the share at alpha = 0."
    if problem is None and _close(error_cost, cost * 100):
        problem = "error_cost is a fraction (0.05 for 5%), not a percentage."
    elif problem is None and _close(error_cost, cost + 1):
        problem = "that is the ratio of the two errors; error_cost is the rise: the ratio minus 1."
    elif problem is None and not _close(error_cost, cost):
        close = _close(error_cost, cost, rtol=5e-2)
        problem = (
            f"error_cost is {rounded}" if close else "error_cost is the relative rise in rel_error from alpha = 0."
        )
    verdict(
        problem is None,
        f"alpha = {expected:g} raises the error by {cost:.1%} and the share of exact zeros in W by "
        f"{100 * gained:.0f} percentage points (from {path.loc[0.0, 'zeros_W']:.0%} to "
        f"{path.loc[expected, 'zeros_W']:.0%}).",
        problem or "",
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


def deconvolution(namespace) -> None:
    """Lesson 10: props by NNLS with the 3 known signatures; props_two with only 2; the two relative residuals."""
    found = _fetch(namespace, "props", "props_two", "residuals")
    if found is None:
        return
    props, props_two, residuals = found
    from ..least_squares import nnls
    from ..simulate import simulate_expression

    truth = simulate_expression(n_genes=200, n_samples=12, rank=3, membership="soft", concentration=2.0,
                                noise_sd=0.05, seed=10)  # fmt: skip
    S, B = truth.W.to_numpy(), truth.X.to_numpy()
    raw, raw_two = nnls(S.T @ S, S.T @ B), nnls(S[:, :2].T @ S[:, :2], S[:, :2].T @ B)
    expected, expected_two = raw / raw.sum(axis=0), raw_two / raw_two.sum(axis=0)
    truth_two = truth.H.to_numpy()[:2] / truth.H.to_numpy()[:2].sum(axis=0)  # the two types' true shares
    norm = np.linalg.norm(B)
    misfit = (np.linalg.norm(B - S @ raw) / norm, np.linalg.norm(B - S[:, :2] @ raw_two) / norm)
    problem = None
    for name, answer, right in (("props", props, expected), ("props_two", props_two, expected_two)):
        values = np.asarray(answer, dtype=float)
        if values.shape != right.shape:
            problem = f"{name} has shape {values.shape}; it should be {right.shape} (cell types x bulk samples)."
        elif (values < -1e-9).any():
            problem = f"your {name} has negative entries: proportions come from non-negative least squares."
        elif not np.allclose(values.sum(axis=0), 1):
            problem = f"the columns of {name} do not sum to 1: divide each sample's coefficients by their sum."
        elif not np.allclose(values, right, atol=1e-6):
            which = "all three" if name == "props" else "the first two"
            problem = f"{name} is not the NNLS solution with {which} signatures."
        if problem:
            break
    if problem is None:
        try:
            pair = [float(r) for r in residuals]
        except (TypeError, ValueError):
            pair = []
        scaled = (np.linalg.norm(B - S @ expected) / norm, np.linalg.norm(B - S[:, :2] @ expected_two) / norm)
        if len(pair) == 2 and np.allclose(pair, scaled):
            problem = "use the unscaled coefficients for the residuals: the proportions sum to 1, the samples do not."
        elif len(pair) != 2 or not np.allclose(pair, misfit):
            problem = "residuals should be (‖bulk − S·h‖ / ‖bulk‖ with three signatures, the same with two)."
    verdict(
        problem is None,
        f"with all three signatures the bulk is rebuilt to within {misfit[0]:.0%} and the proportions are right; "
        f"without the third, the residual jumps to {misfit[1]:.0%} and the other two types' proportions are off by "
        f"up to {np.abs(expected_two - truth_two).max():.2f}. A residual well above the noise is the sign that a "
        "cell type is missing from the signatures.",
        problem or "",
    )


def _lesson_10_counts():
    """Lesson 10's counts (30 samples, library sizes 0.3, 1 and 3 repeated), made again here."""
    from ..simulate import simulate_expression

    sizes = np.tile([0.3, 1.0, 3.0], 10)
    reads = simulate_expression(n_genes=300, n_samples=30, rank=3, membership="soft", concentration=0.5,
                                noise="negative_binomial", depth=20, dispersion=0.1, library_sizes=sizes,
                                seed=1)  # fmt: skip
    return reads.X.to_numpy(), sizes


def median_ratio(namespace) -> None:
    """Lesson 10: DESeq2's median-of-ratios size factors, the library-size factors, and their correlations."""
    found = _fetch(namespace, "sf_median", "sf_total", "correlations")
    if found is None:
        return
    sf_median, sf_total, correlations = found
    counts, sizes = _lesson_10_counts()
    with np.errstate(divide="ignore"):
        log_counts = np.log(counts)
    log_geomean = log_counts.mean(axis=1)
    usable = np.isfinite(log_geomean)
    ratios = log_counts[usable] - log_geomean[usable, None]
    expected = np.exp(np.median(ratios, axis=0))
    totals = counts.sum(axis=0) / counts.sum(axis=0).mean()
    answer = np.asarray(sf_median, dtype=float).ravel()
    problem = None
    if answer.shape != expected.shape:
        problem = f"sf_median should hold one factor per sample (30); it holds {answer.size}."
    elif not np.isfinite(answer).all() or (answer == 0).any():
        problem = (
            "some factors are 0, infinite or missing: a gene with a zero count has a geometric mean of 0 "
            "(a log of −∞); leave such genes out, as DESeq2 does."
        )
    elif np.allclose(answer, np.exp(ratios.mean(axis=0)), rtol=1e-9):
        problem = (
            "that is the mean of the log ratios; DESeq2 takes their median, which a few extreme genes cannot move."
        )
    elif np.allclose(answer / answer.mean(), expected / expected.mean(), rtol=1e-9) and not np.allclose(
        answer, expected
    ):
        problem = (
            "the factors are right up to a constant: DESeq2 does not rescale them; keep exp(median of log ratios)."
        )
    elif not np.allclose(answer, expected, rtol=1e-9):
        problem = (
            "sf_median is not exp(median over usable genes of log(count) − the gene's mean log count), per sample."
        )
    elif not _same_array(sf_total, totals, rtol=1e-9):
        problem = "sf_total is each sample's total count divided by the mean total."
    else:
        try:
            pair = [float(c) for c in correlations]
        except (TypeError, ValueError):
            pair = []
        truth = [np.corrcoef(expected, sizes)[0, 1], np.corrcoef(totals, sizes)[0, 1]]
        if len(pair) != 2 or not np.allclose(pair, truth, rtol=1e-9):
            problem = "correlations should be (corr(sf_median, sizes), corr(sf_total, sizes))."
    verdict(
        problem is None,
        f"{int(usable.sum())} of {len(usable)} genes have no zero count and give the median of ratios. Both kinds of "
        f"factor follow the true library sizes (correlations {np.corrcoef(expected, sizes)[0, 1]:.2f} and "
        f"{np.corrcoef(totals, sizes)[0, 1]:.2f}): here no gene takes a large share of a library, so totals do as "
        "well; the median of ratios is built for data where a few genes would move the totals.",
        problem or "",
    )
