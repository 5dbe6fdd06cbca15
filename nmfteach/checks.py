"""Self-checks for the lessons' exercises: each says, in plain words, whether an answer is right.

A check takes the notebook's variables (``globals()``), so it still runs, and says what is
missing, when the exercise has not been done yet. It prints its verdict and returns nothing,
so the notebook shows just the sentence.
"""

from __future__ import annotations

import numpy as np

__all__ = ["dimensions", "sklearn_orientation", "verdict"]


def verdict(ok: bool, right: str, wrong: str) -> None:
    print(("Correct! " + right) if ok else ("Not yet: " + wrong))


def _get(namespace, name):
    if name not in namespace:
        print(f"Not yet: there is no variable `{name}`; run your solution cell first.")
        return None
    return namespace[name]


def dimensions(namespace) -> None:
    """Lesson 00: G and S are the numbers of genes and samples of the lecture's example."""
    G, S = _get(namespace, "G"), _get(namespace, "S")
    if G is None or S is None:
        return
    verdict((G, S) == (300, 30), "The lecture's example has G = 300 genes (rows) and S = 30 samples "
                   "(columns).", f"you have G = {G}, S = {S}. Genes are the rows of X: look at X.shape.")


def sklearn_orientation(namespace) -> None:
    """Lesson 00: X_sklearn is the lecture's X in scikit-learn's orientation (samples x genes)."""
    X_sklearn = _get(namespace, "X_sklearn")
    if X_sklearn is None:
        return
    from .datasets import lecture_example

    X = lecture_example().X
    answer = np.asarray(X_sklearn)
    ok = answer.shape == (30, 300) and np.array_equal(answer, X.to_numpy().T)
    hint = (f"its shape is {answer.shape}; scikit-learn wants one row per sample, so transpose X (X.T)."
            if answer.shape != (30, 300) else "the shape is right but the values are not X transposed.")
    verdict(ok, "scikit-learn puts samples in rows, so it gets X.T (30 x 300); its W is our H.T.", hint)
