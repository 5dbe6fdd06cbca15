"""The iteration engine: a batch of runs from their starts to their stopping rules.

Runs advance together as stacked arrays (W: runs x G x K, H: runs x K x S) through the method's
fast kernel, or one by one through its textbook function when it has no kernel. A run that
meets its stopping rule leaves the batch; every number is the same as running it alone.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._kernels import make_workspace
from ._sparse import SparseData
from .init import run_rng, run_starts
from .methods import Method
from .stopping import make_rule
from .textbook import MACHINE_EPS

__all__ = ["Job", "run_batch", "ConvergenceWarning"]

MAX_RESTARTS = 10  # R's snmf gives up when a run gets stuck the 10th time (after 9 restarts)


class ConvergenceWarning(UserWarning):
    """A fit reached ``max_iter`` before its stopping rule held: raise max_iter, or use stop="none"
    when a fixed number of iterations is what you want."""


@dataclass(frozen=True)
class Job:
    """Everything a batch needs to know about the fit, checked (``validation.check_nmf_call``)."""

    X: np.ndarray
    rank: int
    method: Method
    init: object  # a start method's name, or a pair (W0, H0)
    seed: int
    max_iter: int
    stop: str
    tol: float | None
    trace_every: int
    options: dict


def run_batch(job: Job, runs) -> dict:
    """Run the starts listed in ``runs`` as one batch; return their final W, H and records."""
    X, method = job.X, job.method
    W, H = _starts(job, runs)
    objective = method.objective(X, job.options)
    rule = make_rule(job.stop, job.tol, method, X, job.options, len(runs))
    histories = [{0: objective(Wr, Hr)} for Wr, Hr in zip(W, H)]
    rule.start([h[0] for h in histories])
    restarts = _Restarts(method, job.seed, runs, rule) if method.restart else None
    n_iter, converged = np.full(len(runs), job.max_iter), np.zeros(len(runs), dtype=bool)
    active = np.arange(len(runs))  # runs still iterating, as rows of W[active]
    Wa, Ha = W, H
    work = make_workspace(*X.shape, job.rank, len(runs), dense=not isinstance(X, SparseData)) if method.kernel else None
    step = _stepper(method, X, job.options, work, len(active))
    for it in range(1, job.max_iter + 1):
        step(Wa, Ha)
        if method.floor_every and it % method.floor_every == 0:  # R's guard against underflow
            np.maximum(Wa, MACHINE_EPS, out=Wa)
            np.maximum(Ha, MACHINE_EPS, out=Ha)
        stuck = restarts.check(active, Wa, Ha) if restarts else None
        if (job.trace_every and it % job.trace_every == 0) or it == job.max_iter:
            for r, Wr, Hr in zip(active, Wa, Ha):
                histories[r][it] = objective(Wr, Hr)
        if stuck is None and not rule.due(it):
            continue
        met = rule.check(it, active, Wa, Ha, objective) if rule.due(it) else np.zeros(len(active), dtype=bool)
        if stuck is not None:
            met &= ~stuck.restarted & ~stuck.gave_up  # R skips the test in the iteration of a restart
        converged[active[met]] = True
        done = met if stuck is None else met | stuck.gave_up
        if done.any():  # finished runs leave the batch
            W[active], H[active] = Wa, Ha
            n_iter[active[done]] = it
            for r in active[done]:
                histories[r].setdefault(it, objective(W[r], H[r]))
            active = active[~done]
            if active.size == 0:
                break
            Wa, Ha = W[active], H[active]
            step = _stepper(method, X, job.options, work, len(active))
    if active.size:
        W[active], H[active] = Wa, Ha
    return _records(job, W, H, histories, n_iter, converged, restarts)


def _starts(job, runs):
    """Each run's start (stacked), as the method wants it (snmf: W's columns of unit length)."""
    W, H = run_starts(job.X, runs, job.rank, job.init, job.seed)
    if job.method.prepare:
        for r in range(len(runs)):
            W[r], H[r] = job.method.prepare(W[r], H[r])
    return W, H


def _records(job, W, H, histories, n_iter, converged, restarts):
    """What a batch hands back: factors, objectives, iterations, convergence, histories."""
    if not (np.isfinite(W).all() and np.isfinite(H).all()):
        raise FloatingPointError(
            f"method {job.method.name!r} produced non-finite values (division by zero in WH); this should not "
            f"happen on checked input, please report it with your data's shape and the seed {job.seed}."
        )
    return dict(
        W=W,
        H=H,
        objectives=[h[n] for h, n in zip(histories, n_iter)],
        n_iter=n_iter,
        converged=converged,
        restarts=restarts.count if restarts else np.zeros(len(W), dtype=int),
        histories=[pd.Series(h, name="objective").rename_axis("iteration") for h in histories],
    )


def _stepper(method, X, options, work, n_runs):
    """A function that advances a stack of ``n_runs`` runs by one update, in place: the kernel on
    the first ``n_runs`` slots of the scratch space ``work``, or the textbook function run by run."""
    if method.kernel is None:

        def step(W, H):
            for r in range(len(W)):
                W[r], H[r] = method.textbook(X, W[r], H[r], **options)

        return step
    kernel = method.sparse_kernel if isinstance(X, SparseData) else method.kernel
    if n_runs == 1:  # a batch of one as plain 2-D arrays (views): numpy multiplies them faster
        cut = type(work)(**{k: v[0] if v.ndim == 3 else v for k, v in vars(work).items()})
        return lambda W, H: kernel(X, W[0], H[0], cut, **options)
    cut = type(work)(**{k: v[:n_runs] if v.ndim == 3 else v for k, v in vars(work).items()})
    return lambda W, H: kernel(X, W, H, cut, **options)


@dataclass
class _Stuck:
    restarted: np.ndarray  # per active run: started afresh at this iteration
    gave_up: np.ndarray  # per active run: too many restarts, stop here


class _Restarts:
    """Restarts of the runs a method finds stuck (snmf: a metagene no sample uses), as R NMF does;
    after MAX_RESTARTS a run stops with a warning."""

    def __init__(self, method, seed, runs, rule):
        self.method, self.rule = method, rule
        self.rngs = [run_rng(seed, run, stream=1) for run in runs]
        self.count = np.zeros(len(runs), dtype=int)

    def check(self, active, W, H):
        """Restart the stuck runs among ``active`` (in place in W, H); None if none was stuck."""
        restarted, gave_up = np.zeros(len(active), dtype=bool), np.zeros(len(active), dtype=bool)
        for i, r in enumerate(active):
            fresh = self.method.restart(W[i], H[i], self.rngs[r])
            if fresh is None:
                continue
            if self.count[r] + 1 >= MAX_RESTARTS:
                gave_up[i] = True
                warnings.warn(
                    f"{self.method.name}: run {r} restarted {MAX_RESTARTS - 1} times because a metagene was left "
                    f"unused (a zero row of H, or column of W); beta is probably too large. The run stops here.",
                    ConvergenceWarning,
                    stacklevel=5,
                )
                continue
            W[i], H[i] = fresh
            self.count[r] += 1
            restarted[i] = True
            self.rule.restart(r)
        return _Stuck(restarted, gave_up) if (restarted.any() or gave_up.any()) else None
