"""The textbook updates (what students read) against the fast kernels (what nmf() runs), the
textbook loop against nmf(), and the method registry."""

import dataclasses

import numpy as np
import pytest
from conftest import small_problem

import nmfteach as nt
from nmfteach import _kernels, textbook
from nmfteach.init import run_starts
from nmfteach.methods import METHODS, Method, resolve_options

KERNEL_CASES = [
    ("brunet", {}),
    ("lee", {}),
    ("lee", {"rescale": False}),
    ("lee", {"rescale": "both"}),
    ("lee", {"alpha_W": 0.02, "alpha_H": 0.01, "l1_ratio": 0.5}),
    ("hals", {}),
    ("hals", {"alpha_W": 0.05, "l1_ratio": 1.0}),
    ("hals", {"alpha_H": 0.02, "l1_ratio": 0.0}),
    ("pgd", {}),
    ("pgd", {"alpha_W": 0.01, "alpha_H": 0.01, "l1_ratio": 0.3}),
    ("nsNMF", {}),
    ("nsNMF", {"theta": 0.8, "rescale": False}),
    ("masked_kl", {}),
    ("masked_frobenius", {}),
]


def relative_difference(a, b) -> float:
    return float(np.abs(a - b).max() / np.abs(b).max())


def _problem(method, options, seed=5):
    X = small_problem(seed, n_genes=60, n_samples=15)
    options = dict(options)
    if METHODS[method].masked:
        options["mask"] = (np.random.default_rng(seed).uniform(size=X.shape) > 0.2).astype(float)
        X = X * options["mask"]
    return X, resolve_options(METHODS[method], options, X)


def textbook_updates(X, method, W, H, options, n_iter):
    record = METHODS[method]
    for it in range(1, n_iter + 1):
        W, H = record.textbook(X, W, H, **options)
        if record.floor_every and it % record.floor_every == 0:
            W, H = np.maximum(W, textbook.MACHINE_EPS), np.maximum(H, textbook.MACHINE_EPS)
    return W, H


def kernel_updates(X, method, W, H, options, n_iter):
    """The kernel on copies of W and H, 2-D (one run) or 3-D (a batch), floored as the engine does."""
    record = METHODS[method]
    W, H = W.copy(), H.copy()
    work = _kernels.make_workspace(*X.shape, W.shape[-1], None if W.ndim == 2 else len(W))
    for it in range(1, n_iter + 1):
        record.kernel(X, W, H, work, **options)
        if record.floor_every and it % record.floor_every == 0:
            np.maximum(W, textbook.MACHINE_EPS, out=W)
            np.maximum(H, textbook.MACHINE_EPS, out=H)
    return W, H


@pytest.mark.parametrize("method, options", KERNEL_CASES)
def test_kernel_equals_textbook_for_one_run(method, options):
    X, options = _problem(method, options)
    W0, H0 = nt.initialize(X, 3, "random", seed=1)
    W_t, H_t = textbook_updates(X, method, W0, H0, options, 50)
    W_k, H_k = kernel_updates(X, method, W0, H0, options, 50)
    assert relative_difference(W_k, W_t) < 1e-12 and relative_difference(H_k, H_t) < 1e-12


@pytest.mark.parametrize("method, options", KERNEL_CASES)
def test_kernel_equals_textbook_on_a_batch_of_runs(method, options):
    X, options = _problem(method, options)
    starts = [nt.initialize(X, 3, "random", seed=s) for s in range(4)]
    W_k, H_k = kernel_updates(
        X, method, np.stack([w for w, _ in starts]), np.stack([h for _, h in starts]), options, 50
    )
    for (W0, H0), Wr, Hr in zip(starts, W_k, H_k):
        W_t, H_t = textbook_updates(X, method, W0, H0, options, 50)
        assert relative_difference(Wr, W_t) < 1e-12 and relative_difference(Hr, H_t) < 1e-12


def test_every_method_has_a_textbook_function_with_its_formula():
    for method in METHODS.values():
        doc = method.textbook.__doc__
        assert method.textbook.__module__ == "nmfteach.textbook" and "←" in doc, method.name
        assert method.kernel is None or method.kernel.__module__ == "nmfteach._kernels"


@pytest.mark.parametrize(
    "method, stop",
    [
        ("brunet", "connectivity"),
        ("lee", "connectivity"),
        ("hals", "objective"),
        ("anls", "objective"),
        ("pgd", "objective"),
        ("nsNMF", "connectivity"),
        ("snmf/r", "objective"),
        ("snmf/l", "none"),
    ],
)
def test_the_textbook_loop_gives_what_nmf_gives(lecture, method, stop):
    """textbook.run, the ~20 lines a student reads, against nmf() with the same start and rule."""
    X = lecture.X.to_numpy()
    W0, H0 = nt.initialize(X, 3, "nndsvd")
    fit = nt.nmf(X, 3, method, init=(W0, H0), stop=stop, max_iter=600)
    options = resolve_options(METHODS[method], {}, X)
    if METHODS[method].prepare:
        W0, H0 = METHODS[method].prepare(W0, H0)
    W, H, history = textbook.run(X, W0, H0, method, max_iter=600, stop=stop, **options)
    assert len(history) - 1 == fit.n_iter
    assert relative_difference(np.asarray(fit.W), W) < 1e-10 and relative_difference(np.asarray(fit.H), H) < 1e-10
    assert history[-1] == pytest.approx(fit.objective, rel=1e-10)


def test_a_new_method_is_one_record(monkeypatch, lecture):
    """The driver never asks for a method by name: a record with a textbook function is enough,
    and nmf() runs it batched like any other (best run = the textbook loop from its start)."""

    def h_only(X, W, H):
        """Frobenius MU on H only:  H ← H ⊙ WᵀX ⊘ WᵀWH"""
        return W, H * (W.T @ X) / (W.T @ W @ H)

    monkeypatch.setitem(METHODS, "h_only", Method("h_only", "MU on H only", h_only, None, "frobenius", "objective"))
    X = lecture.X.to_numpy()
    fit = nt.nmf(X, 3, "h_only", seed=1, nrun=3, max_iter=50, stop="none")
    assert fit.method == "h_only" and fit.n_iter == 50 and fit.objective_name == "½‖X − WH‖²" and fit.nrun == 3
    best = int(fit.runs["objective"].idxmin())
    W0, H0 = run_starts(X, [best], 3, "random", fit.settings["seed"])
    W, H, history = textbook.run(X, W0[0], H0[0], "h_only", max_iter=50, stop="none")
    np.testing.assert_allclose(np.asarray(fit.W), W, rtol=1e-12)
    np.testing.assert_allclose(np.asarray(fit.H), H, rtol=1e-12)
    assert history[-1] == pytest.approx(fit.objective, rel=1e-12)


def test_registry_records_are_complete():
    for name, method in METHODS.items():
        assert name == method.name and method.loss in ("kl", "frobenius")
        assert method.default_stop in nt.STOP_RULES
        assert (method.default_stop == "kkt") == (method.gradient is not None)
        assert len({o.name for o in method.options}) == len(method.options)
        assert dataclasses.is_dataclass(method)


def test_snmf_objective_is_the_one_its_updates_decrease():
    """R NMF reports ½(‖X − WH‖² + η‖W‖² + β Σ_j ‖H_j‖₁²) for snmf/r, but its W step solves the
    system with η² (it stacks η·I under Hᵀ); nmfteach reports the objective with η², which every
    update decreases, while R's reported value can rise."""
    X = small_problem(4)
    fit = nt.nmf(X, 3, "snmf/r", init="nndsvd", eta=3.0, beta=0.05, max_iter=40, stop="none")
    W, H = np.asarray(fit.W), np.asarray(fit.H)
    ours = 0.5 * (np.sum((X - W @ H) ** 2) + 9.0 * np.sum(W**2) + 0.05 * np.sum(H.sum(axis=0) ** 2))
    assert fit.objective == pytest.approx(ours, rel=1e-12)
    assert (np.diff(fit.history.to_numpy()) <= 1e-9 * fit.history.to_numpy()[:-1]).all()
