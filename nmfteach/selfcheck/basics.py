"""Self-checks of lessons 00 to 05: data layout, mixing, objectives, updates, simulation."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._core import _close, _fetch, _same_array, verdict

__all__ = [
    "reconstruction",
    "from_sklearn_layout",
    "mixed_sample",
    "sample_weights",
    "svd_error",
    "metagene_cosine",
    "frobenius_by_hand",
    "kl_by_hand",
    "hals_sweep",
    "projected_step",
    "own_recipe",
]


def _lecture_fit():
    """Lesson 00's fit, made again here (answers cannot change it)."""
    from ..datasets import lecture_example
    from ..fit import nmf

    X = lecture_example().X
    return X, nmf(X, 3, "brunet", nrun=30, seed=123)


def _table_problem(answer, expected, name, rows, columns) -> str | None:
    """What is wrong with a table that should equal ``expected`` (labels included), or None."""
    values = np.asarray(answer, dtype=float)
    if values.shape == expected.shape[::-1] and expected.shape[0] != expected.shape[1]:
        return f"{name} has shape {values.shape}, the transpose of {expected.shape}: {rows} are its rows."
    if values.shape != expected.shape:
        return f"{name} has shape {values.shape}; it should be {expected.shape} ({rows} x {columns})."
    if not np.allclose(values, expected.to_numpy(), rtol=1e-9, atol=1e-12):
        return f"{name} has the right shape but not the right values."
    if not isinstance(answer, pd.DataFrame):
        return f"{name} has the right numbers; make it a table (DataFrame) labelled like X: {rows} as row labels."
    if list(answer.index) != list(expected.index) or list(answer.columns) != list(expected.columns):
        return f"{name} has the right numbers but not the labels: {rows} as row labels, {columns} as column labels."
    return None


def reconstruction(namespace) -> None:
    """Lesson 00: X_hat = W·H labelled like X, rel_error = ‖X − WH‖/‖X‖, worst_gene rebuilt worst."""
    found = _fetch(namespace, "X_hat", "rel_error", "worst_gene")
    if found is None:
        return
    X_hat, rel_error, worst_gene = found
    X, fit = _lecture_fit()
    expected = fit.W @ fit.H
    squared = ((X - expected) ** 2).to_numpy()
    problem = _table_problem(X_hat, expected, "X_hat", "genes", "samples")
    if problem is None and not _close(rel_error, np.sqrt(squared.sum() / (X.to_numpy() ** 2).sum())):
        ratio = squared.sum() / (X.to_numpy() ** 2).sum()
        problem = (
            "rel_error is the ratio of the squared norms: take the square root of each sum."
            if _close(rel_error, ratio)
            else "rel_error is not ‖X − WH‖ / ‖X‖ (square the entries, sum, take the root; then divide)."
        )
    if problem is None and worst_gene != X.index[squared.sum(axis=1).argmax()]:
        problem = "worst_gene is not the gene whose squared errors, summed over the samples, are the largest."
    verdict(
        problem is None,
        f"W·H rebuilds X to within {float(rel_error):.1%}. The mean squared error per entry, {squared.mean():.3f}, "
        f"is below the variance of the recipe's noise (0.2² = 0.04): what W·H leaves over is noise.",
        problem or "",
    )


def from_sklearn_layout(namespace) -> None:
    """Lesson 00: W_ours and H_ours are the factorization of X.T turned into the lessons' layout."""
    found = _fetch(namespace, "W_ours", "H_ours")
    if found is None:
        return
    W_ours, H_ours = found
    from ..datasets import lecture_example
    from ..fit import nmf

    X = lecture_example().X
    flipped = nmf(X.T, 3, "brunet", seed=1)  # samples in rows, as scikit-learn
    names = ["NMF1", "NMF2", "NMF3"]
    W = pd.DataFrame(flipped.H.to_numpy().T, index=X.index, columns=names)
    H = pd.DataFrame(flipped.W.to_numpy().T, index=names, columns=X.columns)
    problem = None
    if np.shape(W_ours) == (30, 3):
        problem = "W_ours has one row per sample: that is sk_W, the samples' weights (scikit-learn's W is our Hᵀ)."
    elif np.shape(H_ours) == (3, 300):
        problem = "H_ours has one column per gene: that is sk_H, the metagenes (scikit-learn's components_ are our Wᵀ)."
    problem = problem or _table_problem(W_ours, W, "W_ours", "genes", "metagenes NMF1, NMF2, NMF3")
    problem = problem or _table_problem(H_ours, H, "H_ours", "metagenes NMF1, NMF2, NMF3", "samples")
    verdict(
        problem is None,
        "X.T ≈ sk_W·sk_H is X ≈ sk_Hᵀ·sk_Wᵀ: scikit-learn's components_ are our W transposed, its W our H transposed.",
        problem or "",
    )


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


def _small_problem():
    """Lesson 04's small problem, made again: X0 = W_true·H_true (H_true with zeros), a start W0, H0, and H_true."""
    rng = np.random.default_rng(295)
    W_true = rng.uniform(0, 1, size=(8, 3))
    H_true = rng.uniform(0, 2, size=(3, 5)) * (rng.uniform(size=(3, 5)) > 0.5)
    return W_true @ H_true, rng.uniform(0, 1, size=(8, 3)), rng.uniform(0, 1, size=(3, 5)), H_true


def _hals_rows(X, W, H):
    """One HALS sweep over H's rows (W fixed), and how many entries the clip set to 0."""
    WtX, WtW, H, clipped = W.T @ X, W.T @ W, H.copy(), 0
    for k in range(H.shape[0]):
        step = H[k] + (WtX[k] - WtW[k] @ H) / WtW[k, k]
        clipped += int((step < 0).sum())
        H[k] = np.maximum(0, step)
    return H, clipped


def _objective(X, W, H):
    return 0.5 * float(np.sum((X - W @ H) ** 2))


def hals_sweep(namespace) -> None:
    """Lesson 04: H_hals is one HALS sweep over the rows of H0 (W0 fixed), n_clipped the entries clipped to 0."""
    found = _fetch(namespace, "H_hals", "n_clipped", "H0")
    if found is None:
        return
    H_hals, n_clipped, H0_now = found
    X0, W0, H0, H_true = _small_problem()
    expected, clipped = _hals_rows(X0, W0, H0)
    where = "the true H is 0 there too" if ((expected == 0) <= (H_true == 0)).all() else "the true H also has zeros"
    answer = np.asarray(H_hals, dtype=float)
    at_once = np.maximum(0, H0 + (W0.T @ X0 - W0.T @ W0 @ H0) / np.diag(W0.T @ W0)[:, None])
    problem = None
    if not np.array_equal(np.asarray(H0_now, dtype=float), H0):
        problem = "H0 has changed: work on a copy of it, so that the start stays as it was."
    elif answer.shape != expected.shape:
        problem = f"H_hals has shape {answer.shape}; H0's is {expected.shape}."
    elif (answer < 0).any():
        problem = "your H has negative entries: after each row's step, set the negative entries to 0."
    elif np.allclose(answer, at_once, rtol=1e-10):
        problem = (
            "you moved every row from H0 at once. HALS goes row by row, and each row's step uses the rows "
            "already updated: row 2 sees the new row 1."
        )
    elif not np.allclose(answer, expected, rtol=1e-10, atol=1e-12):
        problem = "H_hals is not one HALS sweep: for row k, add (WᵀX − WᵀW·H) of row k, divided by (WᵀW)_kk, then clip."
    elif n_clipped != clipped:
        problem = f"H_hals is right, but the clip set {clipped} entries to 0, not {n_clipped}: count negative steps."
    verdict(
        problem is None,
        f"one sweep takes ½‖X0 − W0·H‖² from {_objective(X0, W0, H0):.3f} to {_objective(X0, W0, expected):.3f}; "
        f"the clip set {clipped} entries to exactly 0, and {where}.",
        problem or "",
    )


def projected_step(namespace) -> None:
    """Lesson 04: L is the largest eigenvalue of W0ᵀW0, H_pgd one projected gradient step, better the winner."""
    found = _fetch(namespace, "L", "H_pgd", "better")
    if found is None:
        return
    L, H_pgd, better = found
    X0, W0, H0, _ = _small_problem()
    gram = W0.T @ W0
    lipschitz = float(np.linalg.eigvalsh(gram)[-1])
    expected = np.maximum(0, H0 - (gram @ H0 - W0.T @ X0) / lipschitz)
    hals, _ = _hals_rows(X0, W0, H0)
    objectives = {"hals": _objective(X0, W0, hals), "pgd": _objective(X0, W0, expected)}
    answer = np.asarray(H_pgd, dtype=float)
    problem = None
    if not _close(L, lipschitz):
        others = {"the trace of WᵀW": np.trace(gram), "the smallest eigenvalue": np.linalg.eigvalsh(gram)[0],
                  "the Frobenius norm of W": np.linalg.norm(W0), "the largest entry of WᵀW": gram.max()}  # fmt: skip
        named = [name for name, value in others.items() if _close(L, value)]
        problem = (f"L is {named[0]}; " if named else "L is not right; ") + "L is the largest eigenvalue of W0ᵀW0."
    elif answer.shape != expected.shape:
        problem = f"H_pgd has shape {answer.shape}; H0's is {expected.shape}."
    elif (answer < 0).any():
        problem = "your H has negative entries: the projection sets them to 0 after the step."
    elif np.allclose(answer, np.maximum(0, H0 + (gram @ H0 - W0.T @ X0) / lipschitz)):
        problem = "you stepped up the gradient: subtract (WᵀWH − WᵀX)/L, the direction in which the objective falls."
    elif not np.allclose(answer, expected, rtol=1e-10, atol=1e-12):
        problem = "H_pgd is not H0 − (W0ᵀW0·H0 − W0ᵀX0)/L with the negative entries set to 0."
    elif better != min(objectives, key=objectives.get):
        problem = "better is not the update with the lower ½‖X0 − W0·H‖²: compute both objectives."
    verdict(
        problem is None,
        f"with W0 fixed, one HALS sweep reaches {objectives['hals']:.3f}, one gradient step {objectives['pgd']:.3f}. "
        "HALS moves each row to its exact minimum given the others; the gradient step has the safe length 1/L "
        "for all rows at once, short along the directions where WᵀW is small.",
        problem or "",
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
