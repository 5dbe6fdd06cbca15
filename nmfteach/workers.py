"""Spreading a fit's runs over the cores: batches, one pool of worker processes, BLAS's threads.

Runs are grouped into batches (as many runs as fit in 2 MiB of G x S scratch space) and the
batches are shared out over workers: processes forked where the system forks safely (Linux;
about 15% faster than threads on the lecture's example), threads elsewhere. BLAS is held to
one thread meanwhile: its own threads only slow down these thin products (K is small) and
fight the workers for the cores. The numbers are the same whatever the number of workers.

The pool is kept between fits (forking costs more than a small fit) but there is never more
than one, it is sized from the CPUs this process may use (its affinity and its cgroup's CPU
quota, not the host's core count), and it is shut down after ``IDLE_SECONDS`` without work.
It is safe across ``os.fork()``: a child process never uses its parent's pool. Inside a
daemonic process (a ``multiprocessing.Pool`` worker), which may not have children, the runs
are done serially. Ctrl-C (``KeyboardInterrupt``) stops the workers at once.
"""

from __future__ import annotations

import functools
import itertools
import math
import multiprocessing
import os
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import numpy as np
from threadpoolctl import ThreadpoolController

from .engine import Job, run_batch
from .validation import positive_int

__all__ = ["plan", "run_batches", "available_cpus", "BATCH_BYTES", "IDLE_SECONDS"]

BATCH_BYTES = 2 * 2**20  # G x S scratch per batch; fastest of 0.25-4 MiB on the lecture's example
IDLE_SECONDS = 60.0  # the worker pool is shut down after this long without a fit

_lock = threading.RLock()
_pool = {"executor": None, "size": 0, "pid": None, "timer": None}


def available_cpus() -> int:
    """The CPUs this process may use: its affinity mask, capped by a cgroup CPU quota (containers)."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    for path, parse in (("/sys/fs/cgroup/cpu.max", _cgroup2_quota), ("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", None)):
        try:
            with open(path) as file:
                text = file.read()
            quota = parse(text) if parse else _cgroup1_quota(text)
        except (OSError, ValueError):
            continue
        if quota:
            cpus = min(cpus, max(1, math.ceil(quota)))
    return max(1, cpus)


def _cgroup2_quota(text):
    quota, period = text.split()[:2]
    return None if quota == "max" else int(quota) / int(period)


def _cgroup1_quota(text):
    quota = int(text)
    if quota <= 0:
        return None
    with open("/sys/fs/cgroup/cpu/cpu.cfs_period_us") as file:
        return quota / int(file.read())


def plan(nrun, shape, n_jobs):
    """Split runs 0..nrun-1 into batches of about BATCH_BYTES of G x S scratch, a multiple of
    the number of workers; return (batches, workers). ``n_jobs`` None means every usable CPU."""
    n_jobs = available_cpus() if n_jobs is None else positive_int(n_jobs, "n_jobs")
    if multiprocessing.current_process().daemon:  # a pool worker may not start processes of its own
        n_jobs = 1
    per_batch = max(1, BATCH_BYTES // (8 * shape[0] * shape[1]))
    n_workers = max(1, min(n_jobs, nrun))
    n_batches = min(nrun, n_workers * -(-nrun // (n_workers * per_batch)))
    return np.array_split(np.arange(nrun), n_batches), n_workers


def run_batches(job: Job, batches, n_workers) -> list[dict]:
    """Every batch's results, in order, computed here (one worker) or by the worker pool."""
    with _blas_controller().limit(limits=1, user_api="blas"):
        if n_workers == 1:
            return [run_batch(job, runs) for runs in batches]
        with _lock:
            executor = _executor(n_workers)
        try:
            return list(executor.map(run_batch, itertools.repeat(job), batches))
        except BrokenProcessPool:  # a worker died (e.g. out of memory): start afresh, in this process
            _release(kill=True)
            return [run_batch(job, runs) for runs in batches]
        except BaseException:  # Ctrl-C, or an error in a run: stop the other workers now
            _release(kill=True)
            raise
        finally:
            _restart_idle_timer()


def _executor(n_workers):
    """The one pool, made (or remade) for ``n_workers`` in this process."""
    if _pool["timer"] is not None:
        _pool["timer"].cancel()
    if _pool["executor"] is not None and (_pool["pid"] != os.getpid() or _pool["size"] != n_workers):
        _release(kill=True)
    if _pool["executor"] is None:
        if sys.platform.startswith("linux"):
            executor = ProcessPoolExecutor(
                n_workers, mp_context=multiprocessing.get_context("fork"), initializer=_worker_setup
            )
        else:
            executor = ThreadPoolExecutor(n_workers)
        _pool.update(executor=executor, size=n_workers, pid=os.getpid())
    return _pool["executor"]


def _release(kill=False):
    """Shut the pool down (its processes killed at once with ``kill``); a forked child only
    forgets its parent's pool."""
    with _lock:
        executor, mine = _pool["executor"], _pool["pid"] == os.getpid()
        _pool.update(executor=None, size=0, pid=None)
        if _pool["timer"] is not None:
            _pool["timer"].cancel()
            _pool["timer"] = None
    if executor is None or not mine:
        return
    processes = list((getattr(executor, "_processes", None) or {}).values())
    executor.shutdown(wait=not kill, cancel_futures=True)  # first: no new work, pending work cancelled
    # a worker the pool started while it was being shut down (e.g. replacing one that exited) is reaped too
    processes += [p for p in (getattr(executor, "_processes", None) or {}).values() if p not in processes]
    if kill:
        for process in processes:
            process.terminate()
        _unblock_queues(executor)
    for process in processes:
        process.join(timeout=5)
        if process.is_alive():
            process.kill()
            process.join(timeout=5)


def _unblock_queues(executor):
    """After its workers were killed, a pool's queue feeder may be stuck writing a large job into a
    pipe nobody reads, and would hold up this process's exit: close the pipe and do not wait."""
    queue = getattr(executor, "_call_queue", None)
    if hasattr(queue, "cancel_join_thread"):
        queue.cancel_join_thread()
    reader = getattr(queue, "_reader", None)
    if reader is not None:
        reader.close()


def _restart_idle_timer():
    with _lock:
        if _pool["executor"] is None:
            return
        if _pool["timer"] is not None:
            _pool["timer"].cancel()
        timer = threading.Timer(IDLE_SECONDS, _release)
        timer.daemon = True
        timer.start()
        _pool["timer"] = timer


def _forget_pool_in_child():
    """After os.fork(): the parent's pool and its processes are not this process's."""
    executor = _pool["executor"]
    _pool.update(executor=None, size=0, pid=None, timer=None)
    if executor is not None:  # so that the child's exit does not try to join its parent's workers
        children = getattr(multiprocessing.process, "_children", set())
        for process in (getattr(executor, "_processes", None) or {}).values():
            children.discard(process)


os.register_at_fork(after_in_child=_forget_pool_in_child)


@functools.cache
def _blas_controller() -> ThreadpoolController:
    """Finds the loaded BLAS libraries once (3 ms), so later fits change its threads for free."""
    return ThreadpoolController()


def _worker_setup():
    """In each worker: BLAS on one thread, Ctrl-C left to the parent (which stops the workers),
    and a watch on the parent: if it dies without shutting the pool down (os._exit, kill -9),
    the worker leaves too instead of waiting for work forever."""
    _blas_controller().limit(limits=1, user_api="blas")
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = os.getppid()

    def leave_with_the_parent():
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=leave_with_the_parent, daemon=True).start()
