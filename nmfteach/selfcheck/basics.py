"""Self-checks of lessons 00 to 05: data layout, mixing, objectives, updates, simulation."""

from __future__ import annotations

import numpy as np

from ._core import _close, _fetch, _same_array, verdict

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
]


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
    from ..datasets import lecture_example

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
    from ..datasets import TOY_PROGRAMS

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
        f"you found {np.round(answer, 3)}; solve nt.nnls(W.T @ W, W.T @ X['Sample_4']) for the 4th sample.",
    )


def svd_error(namespace) -> None:
    """Lesson 02: svd_error is the relative error ‖X − X₃‖/‖X‖ of the best rank-3 approximation."""
    found = _fetch(namespace, "svd_error")
    if found is None:
        return
    (answer,) = found
    from ..datasets import lecture_example

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
    from ..objectives import frobenius

    _by_hand(
        namespace, "frob", frobenius, "½‖X − WH‖²", "square every entry of X − W @ H, add them up and halve the sum."
    )


def kl_by_hand(namespace) -> None:
    """Lesson 03: kl is the generalized KL divergence D(X ‖ WH) of the lesson's small matrices."""
    from ..objectives import kl_divergence

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
        problems += _recipe_problems(W, H, X)
    verdict(not problems, "your data follow the lecture's recipe.", "; ".join(problems) + ".")


def _recipe_problems(W, H, X) -> list:
    """What in (W, H, X) breaks the lecture's recipe: wide enough tests that any seed passes."""
    from scipy.stats import kurtosis, norm

    problems = []
    if W.min() < 0 or W.max() > 2 or not (0.8 < W.mean() < 1.2 and 0.45 < W.std() < 0.7):
        problems.append("W's entries should be drawn uniformly from [0, 2] (yours do not spread over that range)")
    if not ((H > 0).sum(axis=0) == 1).all():
        problems.append("each sample (column of H) should use exactly one metagene")
    elif not list(H.argmax(axis=0)) == [0] * 4 + [1] * 4 + [2] * 4:
        problems.append("samples 1-4 should use metagene 1, 5-8 metagene 2, 9-12 metagene 3")
    elif H[H > 0].min() < 1 or H.max() > 2 or H[H > 0].std() < 0.1:
        problems.append("each sample's weight should be drawn uniformly from [1, 2], one draw per sample")
    WH = W @ H
    safe = WH > 1  # entries that clipping at 0 almost surely left alone: there X − WH is the noise
    noise = (X - WH)[safe]
    if X.min() < 0:
        problems.append("negative values of X should be set to 0")
    elif norm.cdf(-WH / 0.2).sum() >= 3 and not (X == 0).any():
        problems.append("values that the noise made negative should be set to 0 (clipped), not made positive")
    flat = safe.sum() >= 50 and noise.std() > 0.05 and kurtosis(noise) <= -0.8  # uniform noise: -1.2; Gaussian: 0
    if safe.sum() >= 50 and (not 0.15 < noise.std() < 0.25 or flat):
        problems.append(
            f"X should be W @ H plus Gaussian noise with standard deviation 0.2 (yours: sd {noise.std():.2f}"
            f"{', not Gaussian' if flat else ''}); note sd, not variance"
        )
    return problems
