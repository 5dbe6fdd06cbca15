"""The ``nmf()`` driver: check the input, start, iterate, stop, repeat, keep the best.

Stopping rules (checked every 10 iterations, like R NMF):

- "connectivity" (R NMF's default for "brunet" and "lee"): assign each sample to the metagene
  with its largest coefficient; stop when that partition has not changed for 41 checks in a
  row (R: ``stopconv = 40``, ``check.interval = 10``), i.e. after 420 iterations at least.
- "objective" (default for "hals", "anls", "pgd"): stop when the objective fell by less than
  a relative ``tol`` since the previous check.
- "none": exactly ``max_iter`` updates.

Runs advance together in batches (arrays with a leading run axis, as many runs as fit in
2 MiB of scratch space) and the batches are shared out over workers (``n_jobs``: forked
processes on Linux, threads elsewhere), with BLAS held to one thread so that the workers do
not fight over the cores. Run r starts from a random start that depends only on (seed, r),
and every number is identical to running that start alone.
"""

from __future__ import annotations

import functools
import inspect
import itertools
import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from threadpoolctl import ThreadpoolController

from . import algorithms
from ._checks import as_data_matrix, check_choice, check_entries, check_no_zero_lines, check_rank, rng_seed
from .consensus import (connectivity, consensus_clusters, cophenetic, correlation_silhouette, dispersion, entropy,
                        purity, silhouette)
from .init import INIT_METHODS, metagene_names, nndsvd, random_start
from .objectives import OBJECTIVES, evar, rss, sparseness

__all__ = ["nmf", "NMFResult", "METHODS", "STOP_RULES"]

METHODS = tuple(algorithms.UPDATES)
STOP_RULES = ("connectivity", "objective", "none")
DEFAULT_STOP = {"brunet": "connectivity", "lee": "connectivity", "nsNMF": "connectivity", "hals": "objective",
                "anls": "objective", "pgd": "objective", "masked_kl": "objective", "masked_frobenius": "objective"}
CHECK_INTERVAL = 10      # R NMF: check.interval
STABLE_CHECKS = 41       # R NMF stops when its counter exceeds stopconv = 40
BATCH_BYTES = 2 * 2**20   # G x S scratch per batch; fastest of 0.25-4 MiB on the lecture's example
OBJECTIVE_NAMES = {"kl": "KL divergence", "frobenius": "½‖X − WH‖²", "penalized": "½‖X − WH‖² + penalties",
                   "kl_smoothed": "KL divergence of X from WSH"}


@dataclass(repr=False)
class NMFResult:
    """The result of ``nmf()``: the best run's factors plus what every run left behind.

    W (genes x K) and H (K x samples) are DataFrames labelled like X when X was a DataFrame,
    arrays otherwise. ``history`` is the best run's objective, indexed by iteration (0 is the
    start). ``runs`` has one row per run; ``consensus`` is the mean connectivity over runs.
    """

    W: object
    H: object
    method: str
    rank: int
    objective: float
    objective_name: str
    n_iter: int
    history: pd.Series
    runs: pd.DataFrame
    connectivity: np.ndarray = field(repr=False)
    consensus: object = field(repr=False)
    settings: dict = field(default_factory=dict)

    @property
    def nrun(self) -> int:
        return len(self.runs)

    @property
    def smoothing(self):
        """nsNMF's smoothing matrix S (K x K); the identity for every other method."""
        if self.method == "nsNMF":
            return algorithms.smoothing_matrix(self.rank, self.settings["theta"])
        return np.eye(self.rank)

    def fitted(self):
        """The reconstruction WH (genes x samples); WSH for nsNMF."""
        WH = np.asarray(self.W) @ self.smoothing @ np.asarray(self.H)
        if isinstance(self.W, pd.DataFrame):
            return pd.DataFrame(WH, index=self.W.index, columns=self.H.columns)
        return WH

    def predict(self, what: str = "samples"):
        """Cluster labels 1..K, as R NMF's ``predict()``.

        "samples": each sample goes to the metagene with its largest coefficient in H;
        "features": each gene goes to the metagene with its largest entry in W;
        "consensus": the samples' average-linkage tree on 1 − consensus, cut into K groups.
        Ties go to the first metagene (as R's ``which.max``).
        """
        check_choice(what, ("samples", "features", "consensus"), "prediction target")
        if what == "samples":
            labels, names = np.asarray(self.H).argmax(axis=0) + 1, getattr(self.H, "columns", None)
        elif what == "features":
            labels, names = np.asarray(self.W).argmax(axis=1) + 1, getattr(self.W, "index", None)
        else:
            labels, names = consensus_clusters(self.consensus, self.rank), getattr(self.H, "columns", None)
        return labels if names is None else pd.Series(labels, index=names, name="cluster")

    def silhouette(self, what: str = "samples"):
        """Silhouette width of every sample or gene, as R NMF's ``silhouette(fit, what=)``.

        "samples": clusters from H, distance 1 − correlation of the samples' coefficients;
        "features": clusters from W, distance 1 − correlation of the genes' loadings;
        "consensus": consensus clusters, distance 1 − consensus.
        """
        labels = self.predict(what)
        if what == "samples":
            widths = correlation_silhouette(np.asarray(self.H).T, np.asarray(labels))
        elif what == "features":
            widths = correlation_silhouette(np.asarray(self.W), np.asarray(labels))
        else:
            widths = silhouette(1 - np.asarray(self.consensus), np.asarray(labels))
        return widths if not isinstance(labels, pd.Series) else pd.Series(widths, index=labels.index,
                                                                           name="silhouette")

    def summary(self, X=None, classes=None) -> pd.Series:
        """The fit in numbers, like R NMF's ``summary(fit, class=classes, target=X)``.

        Always: rank, runs, iterations, objective, sparseness of W (per metagene) and H (per
        sample), silhouettes of samples (on H), genes (on W) and the consensus, cophenetic and
        dispersion (NaN with a single run: stability needs several). With X: rss and evar.
        With known classes (one per sample): purity and entropy of the predicted clusters.
        """
        W, H = np.asarray(self.W), np.asarray(self.H)
        samples = self.predict("samples")
        out = {"rank": self.rank, "nrun": self.nrun, "n_iter": self.n_iter, "objective": self.objective,
               "sparseness_W": _sparseness_nonzero(W), "sparseness_H": _sparseness_nonzero(H),
               "silhouette_samples": _mean_or_nan(self.silhouette, "samples"),
               "silhouette_genes": _mean_or_nan(self.silhouette, "features")}
        several = self.nrun > 1
        C = np.asarray(self.consensus)
        out["silhouette_consensus"] = _mean_or_nan(self.silhouette, "consensus") if several else np.nan
        out["cophenetic"] = cophenetic(C) if several else np.nan
        out["dispersion"] = dispersion(C) if several else np.nan
        if X is not None:           # of the model's reconstruction: WSH for nsNMF, as R NMF
            A = as_data_matrix(X)[0]
            out["rss"] = rss(A, W @ self.smoothing, H)
            out["evar"] = evar(A, W @ self.smoothing, H)
        if classes is not None:
            out["purity"] = purity(np.asarray(samples), np.asarray(classes))
            out["entropy"] = entropy(np.asarray(samples), np.asarray(classes))
        return pd.Series(out, name="summary")

    def __repr__(self) -> str:
        G, S = np.shape(self.W)[0], np.shape(self.H)[1]
        s = self.settings
        runs = f"best of {self.nrun} runs" if self.nrun > 1 else "1 run"
        return (f"<NMFResult method={self.method!r} rank={self.rank}: {G} genes x {S} samples\n"
                f"  {OBJECTIVE_NAMES[self.objective_name]} = {self.objective:.6g} after {self.n_iter} "
                f"iterations (stop rule {s['stop']!r}, max_iter {s['max_iter']})\n"
                f"  {runs}, init {s['init']!r}, seed {s['seed']}>")


def nmf(X, rank, method="brunet", init="random", nrun=1, seed=None, max_iter=2000, stop=None, tol=1e-6,
        trace_every=None, n_jobs=None, **options) -> NMFResult:
    """Factorize a non-negative genes x samples matrix X ≈ WH with K = ``rank`` metagenes.

    method: "brunet" (KL multiplicative updates, R NMF's default), "lee" (Frobenius
        multiplicative updates), "hals" (coordinate descent), "anls" (alternating NNLS),
        "pgd" (projected gradient), "nsNMF" (nonsmooth NMF, X ≈ WSH; option ``theta``, 0.5 by
        default); see ``nmfteach.algorithms``. ``options`` go to the update, e.g.
        ``rescale=False`` for "lee".
    alpha_W, alpha_H, l1_ratio (options of "lee", "hals", "anls", "pgd"): penalties on W and H,
        L1 for l1_ratio = 1, L2 for 0, scaled by S for W and by G for H as scikit-learn does
        (whose W is our Hᵀ); see ``nmfteach.algorithms.penalty_weights``. The objective then
        includes them.
    init: "random" (U[0, max X]), "nndsvd", "nndsvda", "nndsvdar", or a pair (W0, H0).
    nrun: number of starts; the run with the lowest objective is kept and all of them build
        the consensus matrix. Run r starts from a random start determined by (seed, r).
    seed: a whole number for reproducible random starts (None: fresh, recorded in settings).
    stop: "connectivity", "objective" or "none" (None: the method's default, as R NMF).
    tol: relative decrease of the objective for stop="objective".
    trace_every: record the objective every this many iterations; 0 records only the start and
        the end. Default: 1 for a single run, 0 for several runs (their purpose is consensus,
        not convergence, and evaluating KL costs more than an update).
    n_jobs: workers to spread the runs over (None: all cores). Results do not depend on it.

    X itself is never modified.
    """
    check_choice(method, METHODS, "method")
    A, rows, cols = as_data_matrix(X, allow_missing=method in algorithms.MASKED)
    rank = check_rank(rank, A.shape)
    if method in algorithms.MASKED:
        A, options["mask"] = _observed(A, options.get("mask"))
    stop = check_choice(DEFAULT_STOP[method] if stop is None else stop, STOP_RULES, "stop rule")
    if algorithms.OBJECTIVE_OF[method] == "kl" and method not in algorithms.MASKED:
        check_no_zero_lines(A, f"method {method!r} divides by WH, which such a line drives to 0")
    nrun, max_iter = _positive_int(nrun, "nrun"), _positive_int(max_iter, "max_iter", allow_zero=True)
    trace_every = _positive_int((1 if nrun == 1 else 0) if trace_every is None else trace_every, "trace_every",
                                allow_zero=True)
    if not isinstance(init, str):
        init = _check_start_pair(init, A.shape, rank)
        if nrun > 1:
            raise ValueError("nrun > 1 repeats the fit from different random starts, but an explicit "
                             "(W0, H0) start is the same every time; use init='random' or nrun=1.")
    else:
        check_choice(init, INIT_METHODS, "init")
        if nrun > 1 and init in ("nndsvd", "nndsvda"):
            raise ValueError(f"init={init!r} is deterministic, so {nrun} runs would all be identical; "
                             f"use init='random' (or 'nndsvdar') for nrun > 1.")
    _check_options(method, options)
    options = _resolve_options(method, options)
    if seed is None:
        seed = int(np.random.SeedSequence().entropy % 2**63)  # recorded, so the fit can be repeated
    seed = rng_seed(seed)
    job = dict(X=A, rank=rank, method=method, init=init, seed=seed, max_iter=max_iter, stop=stop, tol=tol,
               trace_every=trace_every, options=options)

    batches, n_workers = _plan(nrun, A.shape, n_jobs)
    # BLAS's own threads only slow down these thin products (K is small): hold it to one thread
    with _blas_controller().limit(limits=1, user_api="blas"):
        if n_workers == 1:
            parts = [_run_batch(runs=runs, **job) for runs in batches]
        else:
            parts = _run_in_workers(n_workers, batches, job)
    merged = {key: [item for part in parts for item in part[key]] for key in parts[0]}
    return _result(**{key: np.array(v) for key, v in merged.items() if key != "histories"},
                   histories=merged["histories"], rows=rows, cols=cols, job=job)


def _run_batch(X, runs, rank, method, init, seed, max_iter, stop, tol, trace_every, options):
    """Run the starts listed in ``runs`` as one batch; return their final W, H and records."""
    W, H = _starts(X, runs, rank, init, seed)
    update, objective = algorithms.UPDATES[method], _objective_function(X, method, options)
    work = algorithms.make_workspace(*X.shape, rank, len(runs))
    rule = _StopRule(stop, tol, n_runs=len(runs), n_samples=X.shape[1])
    histories = [{0: objective(Wr, Hr)} for Wr, Hr in zip(W, H)]
    rule.last_objective[:] = [h[0] for h in histories]
    n_iter = np.full(len(runs), max_iter)
    active = np.arange(len(runs))                    # runs still iterating, as rows of W[active]
    Wa, Ha = W, H
    W_step, H_step, work_step = _update_arguments(Wa, Ha, work)
    for it in range(1, max_iter + 1):
        update(X, W_step, H_step, it, work_step, **options)
        if (trace_every and it % trace_every == 0) or it == max_iter:
            for r, Wr, Hr in zip(active, Wa, Ha):
                histories[r][it] = objective(Wr, Hr)
        if stop == "none" or it % CHECK_INTERVAL:
            continue
        done = rule.check(it, active, Ha, lambda: [objective(Wr, Hr) for Wr, Hr in zip(Wa, Ha)])
        if done.any():                               # finished runs leave the batch
            W[active], H[active] = Wa, Ha
            n_iter[active[done]] = it
            for r in active[done]:
                if it not in histories[r]:
                    histories[r][it] = objective(W[r], H[r])
            active = active[~done]
            if active.size == 0:
                break
            Wa, Ha = W[active], H[active]
            W_step, H_step, work_step = _update_arguments(Wa, Ha, work)
    if active.size:
        W[active], H[active] = Wa, Ha
    if not (np.isfinite(W).all() and np.isfinite(H).all()):
        raise FloatingPointError(
            f"method {method!r} produced non-finite values (division by zero in WH); this should not "
            f"happen on checked input, please report it with your data's shape and the seed {seed}.")
    return dict(W=W, H=H, objectives=[h[n] for h, n in zip(histories, n_iter)], n_iter=n_iter,
                histories=[pd.Series(h, name="objective").rename_axis("iteration") for h in histories])


def _objective_function(X, method, options):
    """f(W, H) for one run: the quantity ``method`` decreases (as R NMF's ``deviance``)."""
    loss = OBJECTIVES[algorithms.OBJECTIVE_OF[method]]
    if "mask" in options:                            # masked methods: the objective on observed entries
        observed = options["mask"].astype(bool)
        return lambda W, H: loss(X[observed], (W @ H)[observed])
    if method == "nsNMF":                            # the model is WSH
        theta = options["theta"]
        return lambda W, H: loss(X, W @ algorithms.smoothing_matrix(H.shape[0], theta) @ H)
    penalty = algorithms.penalty_weights(X.shape, **{k: options[k] for k in algorithms.PENALTY_OPTIONS if k in options})
    if any(penalty):
        return lambda W, H: loss(X, W @ H) + penalty.value(W, H)
    return lambda W, H: loss(X, W @ H)


class _StopRule:
    """The state of a stopping rule for each run of a batch, checked every CHECK_INTERVAL iterations."""

    def __init__(self, stop, tol, n_runs, n_samples):
        self.stop, self.tol = stop, tol
        self.last_labels = np.zeros((n_runs, n_samples), dtype=int)
        self.stable = np.zeros(n_runs, dtype=int)    # checks in a row without a change
        self.last_objective = np.zeros(n_runs)

    def check(self, it, active, H, objectives):
        """Which of the ``active`` runs (with coefficients H) are done at iteration ``it``."""
        if self.stop == "connectivity":
            labels = H.argmax(axis=-2)
            # R compares the first check with an all-zero matrix, so it always counts as a change
            unchanged = _same_partition(labels, self.last_labels[active]) & (it > CHECK_INTERVAL)
            self.stable[active] = np.where(unchanged, self.stable[active] + 1, 0)
            self.last_labels[active] = labels
            return self.stable[active] >= STABLE_CHECKS
        current, previous = np.array(objectives()), self.last_objective[active]
        self.last_objective[active] = current
        return previous - current <= self.tol * np.abs(previous)


def _update_arguments(W, H, work):
    """(W, H, work) as the update rule gets them: a batch of one as plain 2-D arrays (views, so
    the update still writes into W and H), which numpy multiplies faster than a stack of one."""
    n = len(W)
    cut = {k: (v[0] if n == 1 else v[:n]) if v.ndim == 3 else v for k, v in vars(work).items()}
    return (W[0], H[0], type(work)(**cut)) if n == 1 else (W, H, type(work)(**cut))


def _same_partition(a, b):
    """Per run: do label vectors a and b (runs x samples) define the same connectivity matrix?"""
    same_a = a[:, :, None] == a[:, None, :]
    same_b = b[:, :, None] == b[:, None, :]
    return (same_a == same_b).all(axis=(-1, -2))


def _starts(X, runs, rank, init, seed):
    """Starting W0, H0 for each run in ``runs``; random ones depend only on (seed, run)."""
    W = np.empty((len(runs), X.shape[0], rank))
    H = np.empty((len(runs), rank, X.shape[1]))
    for i, r in enumerate(runs):
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(int(r),)))
        if not isinstance(init, str):
            W[i], H[i] = init
        elif init == "random":
            W[i], H[i] = random_start(X, rank, rng)
        else:
            W[i], H[i] = nndsvd(X, rank, fill={"nndsvd": None, "nndsvda": "average", "nndsvdar": "random"}[init],
                                rng=rng)
    return W, H


def _result(W, H, objectives, n_iter, histories, rows, cols, job):
    best = int(np.argmin(objectives))
    labels = H.argmax(axis=-2)
    conn = np.stack([connectivity(lab) for lab in labels])
    consensus = conn.mean(axis=0)
    W_best, H_best = W[best], H[best]
    if rows is not None:
        names = metagene_names(job["rank"])
        W_best = pd.DataFrame(W_best, index=rows, columns=names)
        H_best = pd.DataFrame(H_best, index=names, columns=cols)
        consensus = pd.DataFrame(consensus, index=cols, columns=cols)
    runs = pd.DataFrame({"objective": objectives, "n_iter": n_iter}).rename_axis("run")
    init = job["init"] if isinstance(job["init"], str) else "(W0, H0)"
    settings = dict(init=init, seed=job["seed"], max_iter=job["max_iter"], stop=job["stop"], tol=job["tol"],
                    trace_every=job["trace_every"], **job["options"])
    return NMFResult(W=W_best, H=H_best, method=job["method"], rank=job["rank"], objective=float(objectives[best]),
                     objective_name=_objective_name(job["method"], job["options"]), n_iter=int(n_iter[best]),
                     history=histories[best], runs=runs, connectivity=conn, consensus=consensus, settings=settings)


def _observed(A, mask):
    """Zero-filled data and the 0/1 mask of entries to fit: not missing, and in ``mask`` if given."""
    observed = ~np.isnan(A)
    if mask is not None:
        mask = np.asarray(mask)
        if mask.shape != A.shape:
            raise ValueError(f"mask must have the shape of X, {A.shape}; got {mask.shape}.")
        observed &= mask.astype(bool)
    if not observed.any(axis=0).all() or not observed.any(axis=1).all():
        raise ValueError("every gene and every sample needs at least one observed (unmasked) entry.")
    return np.where(observed, A, 0.0), observed.astype(float)


def _sparseness_nonzero(A):
    """Hoyer's sparseness of A's columns that are not all 0 (a strong penalty can zero a whole
    metagene, for which sparseness is undefined); NaN if all are."""
    keep = np.abs(A).sum(axis=0) > 0
    return sparseness(A[:, keep]) if keep.any() else np.nan


def _mean_or_nan(width_function, *args):
    """Average silhouette width, or NaN where it is undefined (all items in one cluster)."""
    try:
        return float(np.mean(width_function(*args)))
    except ValueError:
        return np.nan


def _check_start_pair(init, shape, rank):
    try:
        W0, H0 = init
    except (TypeError, ValueError):
        raise TypeError("init must be a method name ('random', 'nndsvd', 'nndsvda', 'nndsvdar') or a pair "
                        "(W0, H0) of matrices.") from None
    W0 = np.array(W0, dtype=float)
    H0 = np.array(H0, dtype=float)
    G, S = shape
    if W0.shape != (G, rank) or H0.shape != (rank, S):
        raise ValueError(f"the start (W0, H0) has shapes {W0.shape} and {H0.shape}, but X is {G} x {S} with rank "
                         f"{rank}, so W0 must be {(G, rank)} (genes x K) and H0 {(rank, S)} (K x samples). "
                         f"nmfteach.initialize(X, rank) makes a start of the right shape.")
    check_entries(W0, "W0")
    check_entries(H0, "H0")
    return W0, H0


def _objective_name(method, options):
    if method == "nsNMF":
        return "kl_smoothed"
    if _penalized(options):
        return "penalized"
    return algorithms.OBJECTIVE_OF[method]


def _resolve_options(method, options):
    """Check the values of the options and fill in what depends on others (a copy)."""
    options = dict(options)
    if method == "nsNMF":
        options.setdefault("theta", inspect.signature(algorithms.nsnmf).parameters["theta"].default)
        if not _is_real(options["theta"]) or not 0 <= options["theta"] <= 1:
            raise ValueError(f"theta (nsNMF's smoothing) must be a number from 0 (plain NMF) to 1; "
                             f"got {options['theta']!r}.")
    for name in ("alpha_W", "alpha_H"):
        if name in options and (not _is_real(options[name]) or not 0 <= options[name] < np.inf):
            raise ValueError(f"{name} is a penalty strength: a number >= 0 (0: no penalty); got {options[name]!r}.")
    if "l1_ratio" in options and (not _is_real(options["l1_ratio"]) or not 0 <= options["l1_ratio"] <= 1):
        raise ValueError(f"l1_ratio must be a number from 0 (pure L2 penalty) to 1 (pure L1, sparsity); "
                         f"got {options['l1_ratio']!r}.")
    if method == "lee" and _penalized(options):
        if options.get("rescale", False):
            raise ValueError("rescale (W's columns to sum 1) would undo the penalty on W; with alpha_W or "
                             "alpha_H, leave rescale out (nmf() then uses rescale=False).")
        options["rescale"] = False
    return options


def _penalized(options):
    """Does nmf() add a penalty? (Any alpha > 0; l1_ratio only splits it into L1 and L2.)"""
    return options.get("alpha_W", 0) > 0 or options.get("alpha_H", 0) > 0


def _is_real(value):
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool) \
        and np.isfinite(value)


def _check_options(method, options):
    asked = sorted(set(options) & set(algorithms.PENALTY_OPTIONS))
    if asked and method not in algorithms.PENALIZED:
        instead = ("nsNMF makes its factors sparse through theta instead" if method == "nsNMF"
                   else "for sparse factors with a KL objective use method='nsNMF'")
        raise TypeError(f"penalties ({', '.join(asked)}) are implemented for the Frobenius methods "
                        f"{', '.join(map(repr, algorithms.PENALIZED))}, not for {method!r}; {instead}.")
    allowed = [p for p in inspect.signature(algorithms.UPDATES[method]).parameters
               if p not in ("X", "W", "H", "iteration", "work")]
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise TypeError(f"method {method!r} has no option {', '.join(map(repr, unknown))}; its options are: "
                        f"{', '.join(map(repr, allowed)) or 'none'}. (Check the spelling of nmf()'s arguments.)")


def _positive_int(value, name, allow_zero=False):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < (0 if allow_zero else 1):
        raise ValueError(f"{name} must be a whole number {'>= 0' if allow_zero else '>= 1'}; got {value!r}.")
    return int(value)


@functools.cache
def _blas_controller() -> ThreadpoolController:
    """Finds the loaded BLAS libraries once (3 ms), so later fits change its threads for free."""
    return ThreadpoolController()


def _run_in_workers(n_workers, batches, job):
    """Run the batches on ``n_workers`` workers: processes forked once and kept for later fits
    where the system forks safely (Linux; they run the batches of the lecture's example about 15%
    faster than threads), threads elsewhere. The numbers are the same either way."""
    try:
        return list(_worker_pool(n_workers).map(_run_batch_job, batches, itertools.repeat(job)))
    except BrokenProcessPool:      # a worker died (e.g. out of memory): start afresh, in this process
        _worker_pool.cache_clear()
        return [_run_batch(runs=runs, **job) for runs in batches]


@functools.cache
def _worker_pool(n_workers):
    if sys.platform.startswith("linux"):
        return ProcessPoolExecutor(n_workers, mp_context=multiprocessing.get_context("fork"),
                                   initializer=_single_threaded_blas)
    return ThreadPoolExecutor(n_workers)


def _single_threaded_blas():
    _blas_controller().limit(limits=1, user_api="blas")


def _run_batch_job(runs, job):
    return _run_batch(runs=runs, **job)


def _plan(nrun, shape, n_jobs):
    """Split runs 0..nrun-1 into batches of about BATCH_BYTES of G x S scratch, a multiple of
    the number of workers; return (batches, workers)."""
    n_jobs = (os.cpu_count() or 1) if n_jobs is None else _positive_int(n_jobs, "n_jobs")
    per_batch = max(1, BATCH_BYTES // (8 * shape[0] * shape[1]))
    n_workers = max(1, min(n_jobs, nrun))
    n_batches = min(nrun, n_workers * -(-nrun // (n_workers * per_batch)))
    return np.array_split(np.arange(nrun), n_batches), n_workers
