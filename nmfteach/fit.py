"""``nmf()``: check the call, plan the runs, run them, assemble the result.

Each step lives in its own module: the methods' records in ``methods``, the starts in ``init``,
the iteration loop in ``engine`` with its stopping rules in ``stopping``, batches and worker
processes in ``workers``, the result object in ``result``. The formulas themselves are in
``textbook``.
"""

from __future__ import annotations

import warnings

import numpy as np

from ._sparse import as_sparse_data, densified, is_sparse
from .engine import ConvergenceWarning, Job
from .init import INIT_METHODS
from .methods import METHODS, SPARSE_METHODS, get_method, resolve_options
from .result import NMFResult, assemble
from .stopping import DEFAULT_TOL, STOP_RULES
from .validation import (
    as_data_matrix,
    check_choice,
    check_no_zero_lines,
    check_rank,
    check_scale,
    check_start_pair,
    check_tolerance,
    observed_entries,
    positive_int,
    seed_int,
)
from .workers import plan, run_batches

__all__ = ["nmf", "NMFResult", "METHODS", "STOP_RULES", "ConvergenceWarning"]

METHODS = tuple(METHODS)


def nmf(
    X,
    rank,
    method="brunet",
    init="random",
    nrun=1,
    seed=None,
    max_iter=2000,
    stop=None,
    tol=None,
    trace_every=None,
    n_jobs=None,
    **options,
) -> NMFResult:
    """Factorize a non-negative genes x samples matrix X ≈ WH with K = ``rank`` metagenes.

    Each method decreases its objective; for "brunet" (R NMF's default) the generalized
    Kullback-Leibler divergence D(X ‖ WH) = Σ X log(X / WH) − X + WH, for the Frobenius methods
    ½‖X − WH‖² = ½ Σ (X − WH)², plus any penalty. ``nmfteach.textbook`` has each update next
    to its formula.

    Parameters
    ----------
    X : array, DataFrame or scipy.sparse matrix, G genes x S samples
        Non-negative data (missing values only for the masked methods). Never modified. Methods
        "brunet", "lee", "hals" and "pgd" work on a sparse X as it is (X ⊘ WH only at its stored
        entries; WᵀX and XHᵀ as sparse products), the others convert it to an array and say so
        (``DensifyWarning``). A sparse fit's W and H are arrays (no labels).
    rank : int
        K, the number of metagenes, from 1 to min(G, S).
    method : str
        "brunet" (KL multiplicative updates, R NMF's default), "lee" (Frobenius multiplicative
        updates), "hals" (coordinate descent), "anls" (alternating NNLS), "pgd" (projected
        gradient), "nsNMF" (nonsmooth NMF, X ≈ WSH), "snmf/r" and "snmf/l" (sparse H or W,
        Kim & Park), "masked_kl" and "masked_frobenius" (observed entries only).
    init : str or (W0, H0)
        "random" (U[0, max X]), "nndsvd", "nndsvda", "nndsvdar", or a start of shapes G x K, K x S.
    nrun : int
        Number of starts; the run with the lowest objective is kept and all of them build the
        consensus matrix. Run r starts from a random start determined by (seed, r).
    seed : int or None
        For reproducible random starts (None: a fresh one, recorded in ``settings``).
    max_iter : int
        The most updates a run may make (a ``ConvergenceWarning`` says if a run needed more).
    stop : str or None
        "connectivity", "objective", "kkt" or "none" (None: the method's default, as R NMF);
        see ``nmfteach.stopping``.
    tol : float or None
        Tolerance of the "objective" (default 1e-6) and "kkt" (1e-4) rules.
    trace_every : int or None
        Record the objective every this many iterations; 0 records only the start and the end.
        Default: 1 for a single run, 0 for several (their purpose is consensus, not convergence).
    n_jobs : int or None
        Workers to spread the runs over (None: all cores). Results do not depend on it.
    **options
        The method's options, e.g. ``rescale=False`` ("lee"), ``theta=0.5`` ("nsNMF"),
        ``alpha_W``, ``alpha_H``, ``l1_ratio`` (penalties of "lee", "hals", "anls", "pgd":
        λ1ΣW + ½λ2‖W‖² with λ1 = alpha_W·l1_ratio·S, λ2 = alpha_W·(1 − l1_ratio)·S, likewise for
        H with G; scikit-learn's scaling, whose W is our Hᵀ), ``beta`` and ``eta`` ("snmf/r",
        "snmf/l"), ``mask`` (masked methods).

    Returns
    -------
    NMFResult
        W (G x K) and H (K x S) of the best run, labelled like X when it is a DataFrame, its
        objective and history, a table of all runs, the consensus matrix and R's summaries.
    """
    job, nrun, rows, cols = _check_call(X, rank, method, init, nrun, seed, max_iter, stop, tol, trace_every, options)
    batches, n_workers = plan(nrun, job.X.shape, n_jobs)
    result = assemble(job, run_batches(job, batches, n_workers), rows, cols)
    _warn_if_not_converged(result)
    return result


def _check_call(X, rank, method, init, nrun, seed, max_iter, stop, tol, trace_every, options):
    """Every argument checked, as a Job for the engine (plus the number of runs, X's labels)."""
    method = get_method(method)
    A, rows, cols = _checked_data(X, method, options)
    rank = check_rank(rank, A.shape)
    stop, tol = _checked_stop(method, stop, tol)
    nrun, max_iter = positive_int(nrun, "nrun"), positive_int(max_iter, "max_iter", allow_zero=True)
    trace_every = (1 if nrun == 1 else 0) if trace_every is None else trace_every
    options = resolve_options(method, options, A)
    if method.check_data:
        method.check_data(A, options)
    job = Job(
        X=A,
        rank=rank,
        method=method,
        init=_checked_init(init, A.shape, rank, nrun),
        seed=seed_int(seed),  # a whole number, recorded, so the fit can be repeated
        max_iter=max_iter,
        stop=stop,
        tol=tol,
        trace_every=positive_int(trace_every, "trace_every", allow_zero=True),
        options=options,
    )
    return job, nrun, rows, cols


def _checked_data(X, method, options):
    """X as a float array (NaN-free, with its mask for the masked methods), and its labels; a
    scipy.sparse X as checked SparseData for the methods that work on it, else as an array."""
    if is_sparse(X):
        A = as_sparse_data(X)
        check_scale(A.data if A.nnz else np.zeros(1))
        if method.name in SPARSE_METHODS:
            if method.loss == "kl":
                check_no_zero_lines(A, f"method {method.name!r} divides by WH, which such a line drives to 0")
            return A, None, None
        advice = f"Methods {', '.join(map(repr, SPARSE_METHODS))} work on sparse X directly."
        X = densified(A, f"method {method.name!r} has no sparse path", advice, stacklevel=4)
    A, rows, cols = as_data_matrix(X, allow_missing=method.masked)
    if method.masked:
        A, options["mask"] = observed_entries(A, options.get("mask"))
        check_scale(np.where(options["mask"] > 0, A, 0.0))
        return A, rows, cols
    check_scale(A)
    if method.loss == "kl":
        check_no_zero_lines(A, f"method {method.name!r} divides by WH, which such a line drives to 0")
    return A, rows, cols


def _checked_stop(method, stop, tol):
    stop = check_choice(method.default_stop if stop is None else stop, STOP_RULES, "stop rule")
    if stop == "kkt" and method.gradient is None:
        raise ValueError(
            f"stop='kkt' needs the gradient of the method's objective, which {method.name!r} does not "
            f"provide; use stop='objective'."
        )
    return stop, DEFAULT_TOL[stop] if tol is None else check_tolerance(tol)


def _checked_init(init, shape, rank, nrun):
    if not isinstance(init, str):
        if nrun > 1:
            raise ValueError(
                "nrun > 1 repeats the fit from different random starts, but an explicit "
                "(W0, H0) start is the same every time; use init='random' or nrun=1."
            )
        return check_start_pair(init, shape, rank)
    check_choice(init, INIT_METHODS, "init")
    if nrun > 1 and init in ("nndsvd", "nndsvda"):
        raise ValueError(
            f"init={init!r} is deterministic, so {nrun} runs would all be identical; "
            f"use init='random' (or 'nndsvdar') for nrun > 1."
        )
    return init


def _warn_if_not_converged(result):
    """A run that used all of max_iter without its stopping rule holding gets a warning."""
    runs = result.runs
    short = int((~runs["converged"] & (runs["n_iter"] == result.settings["max_iter"])).sum())
    if result.settings["stop"] == "none" or short == 0:
        return
    which = "the fit" if len(runs) == 1 else f"{short} of {len(runs)} runs"
    warnings.warn(
        f"{result.method}: {which} reached max_iter={result.settings['max_iter']} before the stopping rule "
        f"{result.settings['stop']!r} held; raise max_iter, or pass stop='none' for a fixed number of "
        f"updates.",
        ConvergenceWarning,
        stacklevel=3,
    )
