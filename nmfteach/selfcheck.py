"""Self-checks for the lessons' exercises: each says, in plain words, whether an answer is right.

A check takes the notebook's variables (``globals()``), so it still runs, and says what is
missing, when the exercise has not been done yet. It prints its verdict and returns nothing,
so the notebook shows just the sentence.
"""

from __future__ import annotations

import contextlib

import numpy as np

__all__ = [
    "dimensions",
    "sklearn_orientation",
    "mixed_sample",
    "sample_weights",
    "svd_error",
    "metagene_cosine",
    "frobenius_by_hand",
    "kl_by_hand",
    "lee_update",
    "fastest_method",
    "own_recipe",
    "recovery",
    "cluster_table",
    "top_gene",
    "cophenetic_choice",
    "holdout_choice",
    "golub_purity",
    "aml_metagene",
    "penalty_choice",
    "smoothing_by_hand",
    "proportions",
    "log_cpm",
    "verdict",
    "strict",
    "answered",
]

_strict = False


@contextlib.contextmanager
def strict():
    """Inside ``with strict():`` a check raises AssertionError (with its hint) instead of
    printing "Not yet", and prints nothing when the answer is right. The graded (hidden) tests
    use it, so that a wrong or missing answer fails its test cell."""
    global _strict
    before, _strict = _strict, True
    try:
        yield
    finally:
        _strict = before


def verdict(ok: bool, right: str, wrong: str) -> None:
    if _strict:
        if not ok:
            raise AssertionError(wrong)
        return
    print(("Correct! " + right) if ok else ("Not yet: " + wrong))


def _close(answer, expected, rtol=1e-6) -> bool:
    """Is the answer one number, equal to the expected one up to rounding?"""
    return bool(np.isscalar(answer) and np.isclose(float(answer), expected, rtol=rtol))


def _fetch(namespace, *names):
    """The notebook variables ``names``, or None (saying which are missing) if any is not there."""
    missing = [name for name in names if name not in namespace]
    if missing and _strict:
        raise AssertionError(f"no variable {', '.join(f'`{name}`' for name in missing)}: the exercise is not done.")
    for name in missing:
        print(f"Not yet: there is no variable `{name}`; run your solution cell first.")
    return None if missing else tuple(namespace[name] for name in names)


def answered(namespace, *names) -> bool:
    """Are the notebook variables ``names`` all there? If not, say which are missing (an
    assignment's visible check runs only when they are, so an unanswered notebook still runs)."""
    return _fetch(namespace, *names) is not None


def _same_array(answer, expected, **tolerance) -> bool:
    """Does the answer have the expected shape and (up to rounding) the expected values?"""
    answer = np.asarray(answer, dtype=float)
    return answer.shape == expected.shape and bool(np.allclose(answer, expected, **tolerance))


def dimensions(namespace) -> None:
    """Lesson 00: G and S are the numbers of genes and samples of the lecture's example."""
    found = _fetch(namespace, "G", "S")
    if found is None:
        return
    G, S = found
    verdict(
        (G, S) == (300, 30),
        "The lecture's example has G = 300 genes (rows) and S = 30 samples (columns).",
        f"you have G = {G}, S = {S}. Genes are the rows of X: look at X.shape.",
    )


def sklearn_orientation(namespace) -> None:
    """Lesson 00: X_sklearn is the lecture's X in scikit-learn's orientation (samples x genes)."""
    found = _fetch(namespace, "X_sklearn")
    if found is None:
        return
    (X_sklearn,) = found
    from .datasets import lecture_example

    X = lecture_example().X
    answer = np.asarray(X_sklearn)
    ok = answer.shape == (30, 300) and np.array_equal(answer, X.to_numpy().T)
    hint = (
        f"its shape is {answer.shape}; scikit-learn wants one row per sample, so transpose X (X.T)."
        if answer.shape != (30, 300)
        else "the shape is right but the values are not X transposed."
    )
    verdict(ok, "scikit-learn puts samples in rows, so it gets X.T (30 x 300); its W is our H.T.", hint)


def _toy():
    from .datasets import TOY_PROGRAMS

    return TOY_PROGRAMS[["immune", "cell cycle"]]


def mixed_sample(namespace) -> None:
    """Lesson 01: x is the sample made of 2 parts immune and 0.5 part cell cycle."""
    found = _fetch(namespace, "x")
    if found is None:
        return
    expected = _toy().to_numpy() @ np.array([2.0, 0.5])
    answer = np.asarray(found[0], dtype=float).ravel()
    ok = _same_array(answer, expected)
    hint = (
        f"x should have one value per gene ({len(expected)}); yours has {answer.size}."
        if answer.shape != expected.shape
        else "multiply each program by its weight and add them: W @ [2, 0.5]."
    )
    verdict(ok, "x = 2 · immune + 0.5 · cell cycle, an additive mixture of the two programs.", hint)


def sample_weights(namespace) -> None:
    """Lesson 01: h4 are the weights of sample 4 of the toy data, found by non-negative least squares."""
    found = _fetch(namespace, "h4")
    if found is None:
        return
    answer = np.asarray(found[0], dtype=float).ravel()
    expected = np.array([0.5, 1.5])
    verdict(
        _same_array(answer, expected, atol=1e-6),
        "sample 4 uses 0.5 of the immune program and 1.5 of the cell-cycle program.",
        f"you found {np.round(answer, 3)}; solve nt.nnls(W.T @ W, W.T @ X[:, [3]]) for the 4th sample.",
    )


def svd_error(namespace) -> None:
    """Lesson 02: svd_error is the relative error ‖X − X₃‖/‖X‖ of the best rank-3 approximation."""
    found = _fetch(namespace, "svd_error")
    if found is None:
        return
    (answer,) = found
    from .datasets import lecture_example

    X = lecture_example().X.to_numpy()
    U, s, Vt = np.linalg.svd(X, full_matrices=False)
    expected = np.linalg.norm(X - (U[:, :3] * s[:3]) @ Vt[:3]) / np.linalg.norm(X)
    verdict(
        _close(answer, expected),
        f"the truncated SVD leaves {expected:.4f} of ‖X‖ unexplained; no rank-3 factorization does better.",
        "keep the first 3 singular triplets of X itself (not centred): U[:, :3] * s[:3] @ Vt[:3], then "
        "divide ‖X − that‖ by ‖X‖ (np.linalg.norm).",
    )


def metagene_cosine(namespace) -> None:
    """Lesson 02: cosine is the largest cosine similarity between two different metagenes of fit."""
    found = _fetch(namespace, "cosine", "fit")
    if found is None:
        return
    answer, fit = found
    W = np.asarray(fit.W)
    unit = W / np.linalg.norm(W, axis=0)
    gram = unit.T @ unit
    expected = np.max(gram[~np.eye(len(gram), dtype=bool)])
    verdict(
        _close(answer, expected),
        f"the metagenes overlap (cosine {expected:.2f}): NMF does not need them orthogonal, PCA does.",
        "normalise each column of fit.W to length 1, take W.T @ W and the largest entry off its diagonal.",
    )


def _by_hand(namespace, name, objective, formula, hint):
    """Compare the student's ``name`` with ``objective`` of the lesson's small matrices."""
    found = _fetch(namespace, "X_small", "W_small", "H_small", name)
    if found is None:
        return
    *small, answer = found
    expected = objective(*small)
    verdict(
        _close(answer, expected), f"{formula} = {expected:.4f}; nmfteach gives the same.", f"you have {answer}; {hint}"
    )


def frobenius_by_hand(namespace) -> None:
    """Lesson 03: frob is ½‖X − WH‖² of the lesson's small matrices."""
    from .objectives import frobenius

    _by_hand(
        namespace, "frob", frobenius, "½‖X − WH‖²", "square every entry of X − W @ H, add them up and halve the sum."
    )


def kl_by_hand(namespace) -> None:
    """Lesson 03: kl is the generalized KL divergence D(X ‖ WH) of the lesson's small matrices."""
    from .objectives import kl_divergence

    _by_hand(
        namespace,
        "kl",
        kl_divergence,
        "D(X ‖ WH)",
        "sum X·log(X / WH) − X + WH over all entries (X has no zeros here).",
    )


def lee_update(namespace) -> None:
    """Lesson 04: H_new is one Lee-Seung Frobenius update of H0 (no eps): H ⊙ WᵀX ⊘ WᵀWH."""
    found = _fetch(namespace, "X0", "W0", "H0", "H_new")
    if found is None:
        return
    X, W, H, answer = (np.asarray(v, dtype=float) for v in found)
    expected = H * (W.T @ X) / (W.T @ W @ H)
    verdict(
        _same_array(answer, expected, rtol=1e-10),
        "one multiplicative update: every entry of H is multiplied by (WᵀX)/(WᵀWH) ≥ 0, so H stays non-negative.",
        "multiply H0 entry by entry by (W0.T @ X0) and divide by (W0.T @ W0 @ H0).",
    )


def fastest_method(namespace) -> None:
    """Lesson 04: best_method is the race entry with the lowest objective after 100 iterations."""
    found = _fetch(namespace, "race", "best_method")
    if found is None:
        return
    race, answer = found
    at_100 = {name: fit.history.loc[100] for name, fit in race.items()}
    expected = min(at_100, key=at_100.get)
    verdict(
        answer == expected,
        f"after 100 iterations {expected!r} is lowest ({at_100[expected]:.2f}).",
        f"compare race[name].history.loc[100] for every method; {answer!r} is not the smallest.",
    )


def own_recipe(namespace) -> None:
    """Lesson 05: my_W, my_H, my_X follow the lecture's recipe for 40 genes, 12 samples, K = 3."""
    found = _fetch(namespace, "my_W", "my_H", "my_X")
    if found is None:
        return
    W, H, X = (np.asarray(v, dtype=float) for v in found)
    problems = []
    if W.shape != (40, 3) or H.shape != (3, 12) or X.shape != (40, 12):
        problems.append(f"shapes should be W 40x3, H 3x12, X 40x12 (yours: {W.shape}, {H.shape}, {X.shape})")
    else:
        if W.min() < 0 or W.max() > 2:
            problems.append("W's entries should be uniform on [0, 2]")
        if not ((H > 0).sum(axis=0) == 1).all():
            problems.append("each sample (column of H) should use exactly one metagene")
        elif not list(H.argmax(axis=0)) == [0] * 4 + [1] * 4 + [2] * 4:
            problems.append("samples 1-4 should use metagene 1, 5-8 metagene 2, 9-12 metagene 3")
        elif H[H > 0].min() < 1 or H.max() > 2:
            problems.append("each sample's weight should be uniform on [1, 2]")
        if X.min() < 0:
            problems.append("negative values of X should be set to 0")
        elif not 0.05 < np.std(X - W @ H) < 0.5:
            problems.append("X should be W @ H plus Gaussian noise with sd 0.2")
    verdict(not problems, "your data follow the lecture's recipe.", "; ".join(problems) + ".")


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
    expected = getattr(table[column], best)()
    verdict(
        answer == expected,
        f"K = {expected} has the {what} {column} ({table.loc[expected, column]:.4f}).",
        f"K = {answer} is not it; look at survey.loc['original', '{column}'] and take its {best}.",
    )


def cophenetic_choice(namespace) -> None:
    """Lesson 07: best_by_cophenetic is the K with the highest cophenetic correlation in survey."""
    _survey_choice(namespace, "best_by_cophenetic", "cophenetic", "idxmax", "highest")


def holdout_choice(namespace) -> None:
    """Lesson 07: best_by_holdout is the K with the lowest held-out error in survey."""
    _survey_choice(namespace, "best_by_holdout", "holdout_mse", "idxmin", "lowest")


def golub_purity(namespace) -> None:
    """Lesson 09: purity_k3 is the purity of the K = 3 clusters against the Golub subtypes."""
    found = _fetch(namespace, "fits", "golub", "purity_k3")
    if found is None:
        return
    fits, golub, answer = found
    from .consensus import purity

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
    from .least_squares import nnls

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
