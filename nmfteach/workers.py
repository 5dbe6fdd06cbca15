"""Spreading a fit's runs over the cores: batches, worker processes and BLAS's threads.

Runs are grouped into batches (as many runs as fit in 2 MiB of G x S scratch space) and the
batches are shared out over workers: processes forked once and kept for later fits where the
system forks safely (Linux; about 15% faster than threads on the lecture's example), threads
elsewhere. BLAS is held to one thread meanwhile: its own threads only slow down these thin
products (K is small) and fight the workers for the cores. The numbers are the same whatever
the number of workers.
"""

from __future__ import annotations

import functools
import itertools
import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import numpy as np
from threadpoolctl import ThreadpoolController

from .engine import Job, run_batch
from .validation import positive_int

__all__ = ["plan", "run_batches", "BATCH_BYTES"]

BATCH_BYTES = 2 * 2**20  # G x S scratch per batch; fastest of 0.25-4 MiB on the lecture's example


def plan(nrun, shape, n_jobs):
    """Split runs 0..nrun-1 into batches of about BATCH_BYTES of G x S scratch, a multiple of
    the number of workers; return (batches, workers). ``n_jobs`` None means every core."""
    n_jobs = (os.cpu_count() or 1) if n_jobs is None else positive_int(n_jobs, "n_jobs")
    per_batch = max(1, BATCH_BYTES // (8 * shape[0] * shape[1]))
    n_workers = max(1, min(n_jobs, nrun))
    n_batches = min(nrun, n_workers * -(-nrun // (n_workers * per_batch)))
    return np.array_split(np.arange(nrun), n_batches), n_workers


def run_batches(job: Job, batches, n_workers) -> list[dict]:
    """Every batch's results, in order, computed here (one worker) or by the worker pool."""
    with _blas_controller().limit(limits=1, user_api="blas"):
        if n_workers == 1:
            return [run_batch(job, runs) for runs in batches]
        try:
            return list(_worker_pool(n_workers).map(run_batch, itertools.repeat(job), batches))
        except BrokenProcessPool:  # a worker died (e.g. out of memory): start afresh, in this process
            _worker_pool.cache_clear()
            return [run_batch(job, runs) for runs in batches]


@functools.cache
def _blas_controller() -> ThreadpoolController:
    """Finds the loaded BLAS libraries once (3 ms), so later fits change its threads for free."""
    return ThreadpoolController()


@functools.cache
def _worker_pool(n_workers):
    if sys.platform.startswith("linux"):
        return ProcessPoolExecutor(
            n_workers, mp_context=multiprocessing.get_context("fork"), initializer=_single_threaded_blas
        )
    return ThreadPoolExecutor(n_workers)


def _single_threaded_blas():
    _blas_controller().limit(limits=1, user_api="blas")
