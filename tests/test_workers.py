"""Worker processes: fork-safety, one pool sized from the usable CPUs, released when idle,
stopped by Ctrl-C; and fits whose connectivity is stored compactly."""

import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import nmfteach as nt
from nmfteach import workers

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="worker processes are forked on Linux")


def _fit(seed=1, n_jobs=2):
    return nt.nmf(nt.lecture_example().X.to_numpy(), 3, nrun=4, seed=seed, max_iter=30, stop="none", n_jobs=n_jobs)


def _wait(pid, seconds):
    """The exit status of child ``pid``, or None if it is still running after ``seconds``."""
    end = time.time() + seconds
    while time.time() < end:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return None


def test_a_forked_child_can_fit_after_its_parent_did():
    """The parent's pool is not the child's: a fit in a child of os.fork() used to hang forever."""
    expected = _fit().objective
    pid = os.fork()
    if pid == 0:  # the child: fit with workers of its own, then leave without running atexit
        try:
            same = _fit().objective == expected
            workers._release(kill=True)
            os._exit(0 if same else 3)
        except BaseException:
            os._exit(4)
    assert _wait(pid, 60) == 0


def test_nmf_with_several_runs_inside_a_pool_worker():
    """multiprocessing.Pool workers are daemonic and may not have children: nmf() runs serially there."""
    expected = [_fit(seed).objective for seed in (1, 2)]
    with multiprocessing.get_context("fork").Pool(2) as pool:
        got = pool.map_async(_objective_in_worker, [1, 2]).get(timeout=60)
    assert got == expected


def _objective_in_worker(seed):
    return _fit(seed).objective


def test_there_is_never_more_than_one_pool():
    workers._release(kill=True)
    _fit(n_jobs=2)
    _fit(n_jobs=3)
    _fit(n_jobs=2)
    assert len(multiprocessing.active_children()) <= 2 and workers._pool["size"] == 2
    workers._release(kill=True)
    deadline = time.monotonic() + 5  # a process the system is still reaping may take a moment to leave the list
    while multiprocessing.active_children() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert multiprocessing.active_children() == [], [(p.name, p.exitcode) for p in multiprocessing.active_children()]


def test_the_pool_is_released_when_idle(monkeypatch):
    monkeypatch.setattr(workers, "IDLE_SECONDS", 0.3)
    workers._release(kill=True)
    _fit()
    assert workers._pool["executor"] is not None
    time.sleep(1.5)
    assert workers._pool["executor"] is None and multiprocessing.active_children() == []
    assert _fit().nrun == 4  # and a later fit makes a new one


def test_the_default_worker_count_is_the_usable_cpus():
    usable = workers.available_cpus()
    assert 1 <= usable <= len(os.sched_getaffinity(0))
    assert workers.plan(50, (300, 30), None)[1] == min(usable, 50)
    assert workers._cgroup2_quota("150000 100000\n") == 1.5 and workers._cgroup2_quota("max 100000\n") is None


def test_ctrl_c_stops_the_workers_of_an_abandoned_fit(tmp_path):
    """SIGINT to the parent alone (as Jupyter's interrupt sends it): the workers must stop too."""
    script = textwrap.dedent("""
        import sys, numpy as np, nmfteach as nt
        from nmfteach import workers
        X = nt.load_golub().X.to_numpy()
        nt.nmf(X, 3, nrun=2, seed=1, max_iter=5, stop="none", n_jobs=2)      # makes the pool
        print(*(p.pid for p in workers._pool["executor"]._processes.values()), flush=True)
        try:
            nt.nmf(X, 3, nrun=20, seed=1, max_iter=100000, stop="none", n_jobs=2)
        except KeyboardInterrupt:
            print("interrupted", flush=True)
    """)
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        worker_pids = [int(pid) for pid in child.stdout.readline().split()]
        assert len(worker_pids) == 2
        time.sleep(1.5)
        child.send_signal(signal.SIGINT)
        out, _ = child.communicate(timeout=30)  # the interrupted script also exits: nothing holds it up
    finally:
        child.kill()
    assert "interrupted" in out and child.returncode == 0
    time.sleep(0.5)
    assert not any(_running(pid) for pid in worker_pids)


def _running(pid):
    try:
        with open(f"/proc/{pid}/status") as status:
            return "\nState:\tZ" not in status.read()
    except FileNotFoundError:
        return False


def test_connectivity_is_kept_as_labels_and_built_on_demand(lecture):
    fit = nt.nmf(lecture.X, 3, nrun=5, seed=3, max_iter=50, stop="none")
    assert fit.labels.shape == (5, 30) and set(np.unique(fit.labels)) <= {1, 2, 3}
    np.testing.assert_array_equal(fit.connectivity, np.stack([nt.connectivity(run) for run in fit.labels]))
    np.testing.assert_allclose(fit.consensus.to_numpy(), fit.connectivity.mean(axis=0))
    np.testing.assert_array_equal(fit.labels[fit.runs["objective"].idxmin()], fit.predict().to_numpy())


def test_workers_leave_when_their_parent_dies_without_shutting_them_down():
    script = textwrap.dedent("""
        import os, nmfteach as nt
        from nmfteach import workers
        nt.nmf(nt.lecture_example().X.to_numpy(), 3, nrun=4, seed=1, max_iter=5, stop="none", n_jobs=2)
        print(*(p.pid for p in workers._pool["executor"]._processes.values()), flush=True)
        os._exit(0)                                  # no atexit: the pool is never shut down
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    worker_pids = [int(pid) for pid in done.stdout.split()]
    assert len(worker_pids) == 2
    time.sleep(3)
    assert not any(_running(pid) for pid in worker_pids)
