"""When a run stops: the stopping rules of ``nmf()``, for a batch of runs at once.

- "connectivity" (R NMF's default for "brunet", "lee", "nsNMF"): every 10 iterations, assign
  each sample to the metagene with its largest coefficient (R's rule, kept here so that the
  iteration counts match R's; ``predict()`` uses the scale-free dominant metagene); stop when that partition has not
  changed for 41 checks in a row (R: ``stopconv = 40``, ``check.interval = 10``), so never before
  iteration 420.
- "objective" (default of "hals", "anls", "pgd" and the masked methods): every 10 iterations,
  stop when the objective fell by less than a share ``tol`` (default 1e-6) since the last check.
- "kkt" (R NMF's rule for "snmf/r" and "snmf/l", after Kim & Park's code): at the first
  iteration and every 5th, stop when the genes' and the samples' largest metagenes have not
  changed for 10 checks and the average violation of the optimality (KKT) conditions,
  mean |min(W, ∇W)| and |min(H, ∇H)| over their non-zero entries, is below ``tol`` (default
  1e-4) times its value at the first check.
- "none": exactly ``max_iter`` iterations.
"""

from __future__ import annotations

import numpy as np

__all__ = ["STOP_RULES", "DEFAULT_TOL", "make_rule"]

STOP_RULES = ("connectivity", "objective", "kkt", "none")
DEFAULT_TOL = {"connectivity": None, "objective": 1e-6, "kkt": 1e-4, "none": None}
CHECK_INTERVAL = 10  # R NMF: check.interval
STABLE_CHECKS = 41  # R NMF stops when its counter exceeds stopconv = 40
KKT_INTERVAL = 5  # R's snmf: a convergence test every 5 iterations
KKT_STABLE_CHECKS = 10  # R's snmf: bi_conv = c(0, 10), clusters unchanged for 10 tests


def make_rule(stop, tol, method, X, options, n_runs):
    """The state of the stopping rule ``stop`` for a batch of ``n_runs`` runs."""
    if stop == "connectivity":
        return Connectivity(n_runs, X.shape[1])
    if stop == "objective":
        return ObjectiveDecrease(tol, n_runs)
    if stop == "kkt":
        return KKT(tol, n_runs, X, method, options)
    return Never()


class Never:
    """stop="none": run all ``max_iter`` iterations."""

    def due(self, iteration) -> bool:
        return False

    def start(self, objectives) -> None:
        pass

    def restart(self, run) -> None:
        pass


class Connectivity(Never):
    """R NMF's rule: the samples' clusters (largest coefficient) unchanged for 41 checks."""

    def __init__(self, n_runs, n_samples):
        self.last_labels = np.zeros((n_runs, n_samples), dtype=int)
        self.stable = np.zeros(n_runs, dtype=int)  # checks in a row without a change

    def due(self, iteration) -> bool:
        return iteration % CHECK_INTERVAL == 0

    def check(self, iteration, runs, W, H, objective):
        """Which of the ``runs`` (with factors W, H, stacked) are done at ``iteration``."""
        labels = H.argmax(axis=-2)  # R's rule as R has it (largest H), so iteration counts match R
        # R compares the first check with an all-zero matrix, so it always counts as a change
        unchanged = same_partition(labels, self.last_labels[runs]) & (iteration > CHECK_INTERVAL)
        self.stable[runs] = np.where(unchanged, self.stable[runs] + 1, 0)
        self.last_labels[runs] = labels
        return self.stable[runs] >= STABLE_CHECKS


class ObjectiveDecrease(Never):
    """The objective fell by less than a share ``tol`` since the previous check."""

    def __init__(self, tol, n_runs):
        self.tol, self.last_objective = tol, np.zeros(n_runs)

    def due(self, iteration) -> bool:
        return iteration % CHECK_INTERVAL == 0

    def start(self, objectives) -> None:
        self.last_objective[:] = objectives

    def check(self, iteration, runs, W, H, objective):
        current = np.array([objective(Wr, Hr) for Wr, Hr in zip(W, H)])
        previous, self.last_objective[runs] = self.last_objective[runs], current
        return previous - current <= self.tol * np.abs(previous)


class KKT(Never):
    """R NMF's rule for snmf: clusters of genes and samples stable, and the KKT violation small."""

    def __init__(self, tol, n_runs, X, method, options):
        self.tol, self.X, self.method, self.options = tol, X, method, options
        self.last_genes = np.full((n_runs, X.shape[0]), -1)
        self.last_samples = np.full((n_runs, X.shape[1]), -1)
        self.stable = np.zeros(n_runs, dtype=int)
        self.first = np.full(n_runs, np.nan)  # the violation at the first check (R's erravg1)

    def due(self, iteration) -> bool:
        return iteration % KKT_INTERVAL == 0 or np.isnan(self.first).any()

    def restart(self, run) -> None:
        """A run that started afresh (snmf's restart) is tested again from scratch, as R does."""
        self.last_genes[run], self.last_samples[run], self.stable[run], self.first[run] = -1, -1, 0, np.nan

    def check(self, iteration, runs, W, H, objective):
        done = np.zeros(len(runs), dtype=bool)
        for i, (r, Wr, Hr) in enumerate(zip(runs, W, H)):
            if iteration % KKT_INTERVAL and not np.isnan(self.first[r]):
                continue
            genes, samples = Wr.argmax(axis=1), Hr.argmax(axis=0)
            unchanged = np.array_equal(genes, self.last_genes[r]) and np.array_equal(samples, self.last_samples[r])
            self.stable[r] = self.stable[r] + 1 if unchanged else 0
            violation = self.violation(Wr, Hr)
            if np.isnan(self.first[r]):
                self.first[r] = violation
            done[i] = self.stable[r] >= KKT_STABLE_CHECKS and violation <= self.tol * self.first[r]
            self.last_genes[r], self.last_samples[r] = genes, samples
        return done

    def violation(self, W, H) -> float:
        """Mean |min(A, ∇A)| over the non-zero entries, A = W and H: 0 exactly at a KKT point
        (each entry is 0 with a non-negative gradient, or positive with a zero gradient)."""
        grad_W, grad_H = self.method.gradient(self.X, W, H, self.options)
        residual = np.concatenate([np.minimum(H, grad_H).ravel(), np.minimum(W, grad_W).ravel()])
        size = np.count_nonzero(residual)
        return float(np.abs(residual).sum() / size) if size else 0.0


def same_partition(a, b):
    """Per run: do label vectors a and b (runs x samples) define the same connectivity matrix?"""
    same_a = a[:, :, None] == a[:, None, :]
    same_b = b[:, :, None] == b[:, None, :]
    return (same_a == same_b).all(axis=(-1, -2))
