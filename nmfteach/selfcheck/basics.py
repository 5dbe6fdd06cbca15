"""Self-checks of lessons 00 to 05: data layout, mixing, objectives, updates, simulation."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._core import _close, _fetch, _is_number, _lecture_fit, _not_one_number, _same_array, verdict

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
    """Lesson 01: x = 2 immune + 0.5 cell cycle, immune_share of its total, X_new three mixes in one product."""
    found = _fetch(namespace, "x", "immune_share", "X_new")
    if found is None:
        return
    x, immune_share, X_new = found
    W = _toy().to_numpy()
    expected = W @ np.array([2.0, 0.5])
    mixes = W @ np.array([[2.0, 0.0, 1.0], [0.5, 1.0, 1.0]])
    share = 2 * W[:, 0].sum() / expected.sum()
    answer = np.asarray(x, dtype=float).ravel()
    problem = None
    if answer.shape != expected.shape:
        problem = f"x should have one value per gene ({len(expected)}); yours has {answer.size}."
    elif np.allclose(answer, W @ np.array([0.5, 2.0])):
        problem = "x has the weights the wrong way round: 2 parts immune (the first program), 0.5 cell cycle."
    elif not np.allclose(answer, expected):
        problem = "x is not 2 × the immune column of W plus 0.5 × the cell-cycle column."
    elif _close(immune_share, W[:, 0].sum() / expected.sum()):
        problem = "immune_share forgot the weight: the immune part of x is 2 × the immune program."
    elif _close(immune_share, 100 * share):
        problem = "immune_share is a fraction (0.5 for a half), not a percentage."
    elif not _close(immune_share, share):
        problem = "immune_share is one number: the immune part's total divided by x's total."
    elif np.shape(X_new) == mixes.T.shape:
        problem = "X_new is transposed: genes are its rows, the three samples its columns."
    elif not _same_array(X_new, mixes):
        problem = "X_new is not W times the 2 × 3 table of weights (one column of weights per sample)."
    verdict(
        problem is None,
        f"x = 2 · immune + 0.5 · cell cycle; {share:.0%} of its expression comes from the immune program. "
        "One product W·H makes every sample at once, each column of H one sample's recipe.",
        problem or "",
    )


def sample_weights(namespace) -> None:
    """Lesson 01: h4 (Sample_4's weights) and H_hat (every sample's) by NNLS with W known; max_error against H."""
    found = _fetch(namespace, "h4", "H_hat", "max_error")
    if found is None:
        return
    h4, H_hat, max_error = found
    from ..least_squares import nnls

    W = _toy().to_numpy()
    H = np.array([[1.0, 0.0, 2.0, 0.5, 1.0, 0.2], [0.0, 1.0, 0.3, 1.5, 1.0, 2.0]])
    expected = nnls(W.T @ W, W.T @ (W @ H))
    answer = np.asarray(h4, dtype=float).ravel()
    problem = None
    if not _same_array(answer, expected[:, 3], atol=1e-6):
        problem = f"h4 is {np.round(answer, 3)}: solve the NNLS problem for Sample_4, the fourth column of X."
    elif np.shape(H_hat) == (6, 2):
        problem = "H_hat is transposed: one row per program, one column per sample (2 × 6)."
    elif not _same_array(H_hat, expected, atol=1e-6):
        problem = "H_hat is not the NNLS weights of all six samples (give nnls all of X as the right-hand side)."
    elif not _is_number(max_error):
        problem = "max_error should be one number: on a table, max() gives one per column; take the largest of all."
    elif not _close(max_error, float(np.abs(expected - H).max()), rtol=1e-6) and not (
        float(max_error) < 1e-6 and np.abs(expected - H).max() < 1e-6
    ):
        problem = "max_error is the largest absolute difference between H_hat and the H that made X."
    verdict(
        problem is None,
        "with W known, NNLS recovers every sample's weights exactly (these data have no noise): sample 4 uses "
        "0.5 of the immune program and 1.5 of the cell-cycle program.",
        problem or "",
    )


def svd_error(namespace) -> None:
    """Lesson 02: svd_error = ‖X − X₃‖/‖X‖ of the rank-3 truncated SVD; rank_99 the smallest rank explaining 99%."""
    found = _fetch(namespace, "svd_error", "rank_99")
    if found is None:
        return
    answer, rank_99 = found
    from ..datasets import lecture_example

    X = lecture_example().X.to_numpy()
    U, s, Vt = np.linalg.svd(X, full_matrices=False)
    expected = np.linalg.norm(X - (U[:, :3] * s[:3]) @ Vt[:3]) / np.linalg.norm(X)
    explained = np.cumsum(s**2) / np.sum(s**2)
    best = int(np.argmax(explained >= 0.99)) + 1
    centred = X - X.mean(axis=1, keepdims=True)
    Uc, sc, Vtc = np.linalg.svd(centred, full_matrices=False)
    problem = _not_one_number("svd_error", answer)
    if problem is None and _close(answer, expected**2):
        problem = "your svd_error is ‖X − X₃‖²/‖X‖², a ratio of squared norms: take its square root."
    elif problem is None and _close(
        answer, np.linalg.norm(centred - (Uc[:, :3] * sc[:3]) @ Vtc[:3]) / np.linalg.norm(centred)
    ):
        problem = "that is the error of the centred data (PCA's); here the SVD is of X itself, not centred."
    elif problem is None and not _close(answer, expected):
        problem = "svd_error is not ‖X − X₃‖/‖X‖: rebuild X₃ from the first three singular triplets of X."
    elif problem is None and rank_99 == int(np.argmax(np.cumsum(s) / np.sum(s) >= 0.99)) + 1 and rank_99 != best:
        problem = "rank_99 uses the singular values; the explained sum of squares adds their squares."
    elif problem is None and rank_99 == best - 1:
        problem = "rank_99 is one too small: positions count from 0, ranks from 1."
    elif problem is None and rank_99 != best:
        problem = "rank_99 is the smallest rank whose singular values' squares add up to 99% of the total."
    verdict(
        problem is None,
        f"the truncated SVD leaves {expected:.4f} of ‖X‖ unexplained, and rank {best} is the first to explain 99% "
        f"of ‖X‖² ({explained[best - 1]:.4f}, against {explained[best - 2]:.4f} at rank {best - 1}): no rank-3 "
        "factorization, NMF included, does better.",
        problem or "",
    )


def metagene_cosine(namespace) -> None:
    """Lesson 02: cosine is the largest cosine similarity between two different metagenes of fit."""
    found = _fetch(namespace, "cosine")
    if found is None:
        return
    (answer,) = found
    W = np.asarray(_lecture_fit()[1].W)  # the lesson's fit, made again here: an answer cannot change it
    unit = W / np.linalg.norm(W, axis=0)
    gram = unit.T @ unit
    expected = np.max(gram[~np.eye(len(gram), dtype=bool)])
    correlations = np.corrcoef(W.T)[~np.eye(len(gram), dtype=bool)]
    problem = _not_one_number("cosine", answer)
    if problem is None and _close(answer, 1.0):
        problem = "1 is a metagene's cosine with itself (the diagonal): compare two different metagenes."
    elif problem is None and _close(answer, np.min(gram[~np.eye(len(gram), dtype=bool)])):
        problem = "that is the smallest cosine between two metagenes; the question asks for the largest."
    elif problem is None and _close(answer, np.max(correlations)):
        problem = "that is a correlation: it centres each metagene first. The cosine uses the loadings as they are."
    elif problem is None and _close(answer, np.max(W.T @ W - np.diag(np.diag(W.T @ W)))):
        problem = "that dot product still depends on the metagenes' lengths: divide by both lengths first."
    elif problem is None and not _close(answer, expected):
        problem = "cosine is not the largest cosine between two different metagenes of fit.W (columns are metagenes)."
    verdict(
        problem is None,
        f"the metagenes overlap (cosine {expected:.2f}): NMF does not need them orthogonal, PCA does.",
        problem or "",
    )


def _by_hand(namespace, name, gradient_name, objective, gradient, formula, wrong_gradients):
    """Compare the student's objective ``name`` and gradient ``gradient_name`` with the lesson's small matrices'."""
    found = _fetch(namespace, name, gradient_name)
    if found is None:
        return
    answer, answer_gradient = found
    X = np.array([[4.0, 1.0, 3.0], [2.0, 5.0, 1.0]])  # the lesson's small matrices, made again here
    W = np.array([[1.0, 0.5], [0.5, 2.0]])
    H = np.array([[3.0, 0.5, 2.0], [0.5, 2.0, 0.5]])
    expected, expected_gradient = objective(X, W, H), gradient(X, W, H)
    problem = None
    if not _close(answer, expected):
        problem = f"{name} is {answer}, not {formula} of the small matrices: compute it entry by entry, then sum."
    for wrong, why in wrong_gradients(X, W, H) if problem is None else []:
        if np.shape(answer_gradient) == wrong.shape and _same_array(answer_gradient, wrong, rtol=1e-9):
            problem = why
            break
    if problem is None and np.shape(answer_gradient) != expected_gradient.shape:
        problem = f"{gradient_name} has shape {np.shape(answer_gradient)}; a gradient with respect to H is 2 × 3."
    elif problem is None and not _same_array(answer_gradient, expected_gradient, rtol=1e-9):
        problem = f"{gradient_name} is not the gradient: differentiate one entry H_kj, then write them all at once."
    verdict(
        problem is None,
        f"{formula} = {expected:.4f}, as nmfteach computes it; and the gradient's positive and negative parts are "
        "what lesson 04's multiplicative update divides.",
        problem or "",
    )


def frobenius_by_hand(namespace) -> None:
    """Lesson 03: frob is ½‖X − WH‖² of the lesson's small matrices; grad_H its gradient Wᵀ(WH − X)."""
    from ..objectives import frobenius

    _by_hand(
        namespace,
        "frob",
        "grad_H",
        frobenius,
        lambda X, W, H: W.T @ (W @ H - X),
        "½‖X − WH‖²",
        lambda X, W, H: [
            (W.T @ (X - W @ H), "grad_H has the wrong sign: the gradient points uphill, Wᵀ(WH − X)."),
            (2 * W.T @ (W @ H - X), "grad_H is twice too large: the ½ in front cancels the 2 from the square."),
            ((W @ H - X) @ H.T, "that is the gradient with respect to W, (WH − X)Hᵀ; this one is with respect to H."),
        ],
    )


def kl_by_hand(namespace) -> None:
    """Lesson 03: kl is D(X ‖ WH) of the lesson's small matrices; grad_H_kl its gradient Wᵀ(1 − X ⊘ WH)."""
    from ..objectives import kl_divergence

    _by_hand(
        namespace,
        "kl",
        "grad_H_kl",
        kl_divergence,
        lambda X, W, H: W.T @ (1 - X / (W @ H)),
        "D(X ‖ WH)",
        lambda X, W, H: [
            (W.T @ (X / (W @ H) - 1), "grad_H_kl has the wrong sign: the derivative of −x·log(WH) is −x/WH."),
            (-W.T @ (X / (W @ H)), "grad_H_kl misses the derivative of the + WH term: a 1 for every entry."),
            ((1 - X / (W @ H)) @ H.T, "that is the gradient with respect to W; this one is with respect to H."),
        ],
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
                  "the Frobenius norm of W": np.linalg.norm(W0), "the largest entry of WᵀW": gram.max(),
                  "σ_max(W0), the largest singular value of W0 (L is its square)": np.linalg.norm(W0, 2)}  # fmt: skip
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
    elif str(better).strip().lower() != min(objectives, key=objectives.get):
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
