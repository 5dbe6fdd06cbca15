"""Speed of nmfteach beside R package NMF 0.25 and scikit-learn, in one run on one machine.

    .venv/bin/python benchmarks/run_benchmarks.py [--repeats 3] [--no-r]

Problems (both from the issue that set the targets):
  lecture: the lecture's example, 300 x 30, K=3, "brunet", nrun=30 (target: >= 20x R NMF)
  golub:   Golub ALL/AML, 5000 x 38, K=3, "brunet", nrun=10   (target: >= 5x R NMF)
  nsNMF:   the lecture's example with method "nsNMF" (theta 0.5), nrun=30
  pbmc3k:  real single-cell counts, 2,000 variable genes x 2,638 cells, K=9, 200 "brunet"
           updates of one run, dense and sparse input (targets: sparse >= 5x R NMF and
           >= 2.5x scikit-learn's best of dense and sparse input)
Both programs get the same matrices (the lecture matrix is the one R simulated, shipped in
nmfteach/data/lecture). R runs only if `Rscript` and its NMF package are installed. The KL
multiplicative update is also timed per iteration against scikit-learn's solver="mu".
Timings are medians over --repeats; a results table is printed and saved under
benchmarks/results/ (not committed). Speed is measured here, never in a timed test.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np

import nmfteach as nt

ROOT = Path(__file__).resolve().parents[1]
LECTURE_X = ROOT / "nmfteach" / "data" / "lecture" / "X.csv.gz"
GOLUB_X = ROOT / "nmfteach" / "data" / "golub" / "expression.csv.gz"


def median_time(func, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return float(np.median(times)), result


def r_timings(repeats):
    """{problem: (seconds, iterations of the best run)} from benchmarks/r_nmf_timing.R, or {} without R."""
    if shutil.which("Rscript") is None:
        return {}
    command = [
        "Rscript",
        str(ROOT / "benchmarks" / "r_nmf_timing.R"),
        "fits",
        str(LECTURE_X),
        str(GOLUB_X),
        str(repeats),
    ]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        print("R NMF could not run:", done.stderr.strip().splitlines()[-1:])
        return {}
    rows = [line.split(",") for line in done.stdout.strip().splitlines()]
    return {name: (float(sec), float(iters)) for name, sec, iters in rows}


def sklearn_per_iteration(X, n_iter=200):
    """Seconds per KL multiplicative update: scikit-learn (samples x genes, so X.T) and ours, one
    run on one core each (BLAS held to one thread for scikit-learn too: its own threads make these
    thin products several times slower and the timing erratic)."""
    try:
        from sklearn.decomposition import NMF
        from threadpoolctl import threadpool_limits
    except ImportError:
        return None
    W0, H0 = nt.initialize(X, 3, "random", seed=1)
    model = NMF(3, init="custom", solver="mu", beta_loss="kullback-leibler", max_iter=n_iter, tol=0)
    with threadpool_limits(1, user_api="blas"):
        theirs, _ = median_time(lambda: model.fit_transform(X.T, W=H0.T.copy(), H=W0.T.copy()), 3)
    ours, _ = median_time(lambda: nt.nmf(X, 3, "brunet", init=(W0, H0), max_iter=n_iter, stop="none", trace_every=0), 3)
    return theirs / n_iter, ours / n_iter


def _random_start(explorer):
    """The convergence explorer's seed matters only for random starts (it is disabled otherwise)."""
    explorer.controls["init"].value = "random"
    return explorer


def _small():
    """Lesson 03's small X, W, H."""
    W, H = np.array([[1.0, 0.5], [0.5, 2.0]]), np.array([[3.0, 0.5, 2.0], [0.5, 2.0, 0.5]])
    return np.array([[4.0, 1.0, 3.0], [2.0, 5.0, 1.0]]), W, H


def _counts():
    """Lesson 10's counts, their true groups and library sizes."""
    sizes = np.tile([0.3, 1.0, 3.0], 10)
    reads = nt.simulate_expression(n_genes=300, n_samples=30, rank=3, membership="soft", concentration=0.5,
                                   noise="negative_binomial", depth=20, dispersion=0.1, library_sizes=sizes,
                                   seed=1)  # fmt: skip
    return reads.X, reads.labels, sizes


def pbmc_matrix():
    """pbmc3k as the real-counts lesson prepares it: genes detected in >= 3 cells, the tutorial's
    2,638 cells, the 2,000 most variable genes (vst): a sparse genes x cells count matrix."""
    data = nt.load_pbmc3k()
    keep = np.asarray((data.counts > 0).sum(axis=1)).ravel() >= 3
    counts = data.counts[keep][:, data.cells["passes_qc"].to_numpy()]
    return counts[nt.highly_variable_genes(counts, 2000)].tocsr()


def pbmc_lines(skip_r, updates=200, rank=9):
    """KL updates on real single-cell counts: R NMF 0.25 (dense), scikit-learn's mu (dense and
    sparse input; cells x genes, so X.T) and nmfteach (dense and sparse), ``updates`` updates of
    one run from the same random start, default settings otherwise (nmfteach then records the
    objective after every update of a single run; its cost is shown separately)."""
    import tempfile

    X = pbmc_matrix()
    dense = X.toarray()
    W0, H0 = nt.initialize(dense, rank, "random", seed=1)
    per_update = {}
    for name, data in (("dense", dense), ("sparse", X)):
        for trace in (None, 0):
            label = f"nmfteach, {name} X" + (", no trace" if trace == 0 else "")
            run = lambda data=data, trace=trace: nt.nmf(  # noqa: E731
                data, rank, "brunet", init=(W0, H0), max_iter=updates, stop="none", trace_every=trace
            )
            per_update[label] = median_time(run, 3)[0] / updates
    try:
        from sklearn.decomposition import NMF

        for name, data in (("dense", dense.T.copy()), ("sparse", X.T.tocsr())):
            model = NMF(rank, init="custom", solver="mu", beta_loss="kullback-leibler", max_iter=updates, tol=0)
            fit = lambda model=model, data=data: model.fit_transform(data, W=H0.T.copy(), H=W0.T.copy())  # noqa: E731
            per_update[f"scikit-learn mu, {name} X"] = median_time(fit, 3)[0] / updates
    except ImportError:
        pass
    if not skip_r and shutil.which("Rscript"):
        with tempfile.TemporaryDirectory() as folder:
            paths = [Path(folder) / f"{n}.csv.gz" for n in ("X", "W0", "H0")]
            np.savetxt(paths[0], dense, delimiter=",", fmt="%.0f")
            for path, A in zip(paths[1:], (W0, H0)):
                np.savetxt(path, A, delimiter=",", fmt="%.17g")
            script = str(ROOT / "benchmarks" / "r_nmf_timing.R")
            done = subprocess.run(
                ["Rscript", script, "pbmc", *map(str, paths), str(updates)], capture_output=True, text=True
            )
            if done.returncode == 0:
                per_update["R NMF 0.25 (dense)"] = float(done.stdout.split(",")[0]) / updates
    G, S = X.shape
    lines = [
        "",
        f"| pbmc3k {G} genes x {S} cells ({X.nnz / (G * S):.0%} non-zero), K = {rank}, brunet, {updates} updates "
        "| ms per update | R NMF / this | this / nmfteach sparse |",
        "|---|---|---|---|",
    ]
    r_time, ours = per_update.get("R NMF 0.25 (dense)", float("nan")), per_update["nmfteach, sparse X"]
    for label, seconds in per_update.items():
        lines.append(f"| {label} | {seconds * 1e3:.1f} | {r_time / seconds:.1f}x | {seconds / ours:.1f}x |")
        print(lines[-1], flush=True)
    return lines


def widget_lines():
    """Widget updates on the lecture's example: moving a control to a setting not seen before
    (median of 5), which makes the new fit and its figure and renders the PNG the widget shows."""
    import matplotlib

    matplotlib.use("Agg")
    from nmfteach import widgets

    sim = nt.lecture_example()
    golub = nt.load_golub()
    fit = nt.nmf(sim.X, 3, "brunet", nrun=30, seed=123)
    explorers = {  # name: (how the lesson makes the explorer, the control moved, the values it is moved to)
        "rank_explorer: K": (lambda: widgets.rank_explorer(sim.X), "rank", [4, 5, 6, 2, 3]),
        "rank_explorer: seed": (lambda: widgets.rank_explorer(sim.X), "seed", [2, 3, 4, 5, 6]),
        "noise_explorer: noise sd": (widgets.noise_explorer, "noise_sd", [0.5, 0.8, 1.1, 1.4, 1.7]),
        "mixing_explorer: weight": (widgets.mixing_explorer, "stress", [0.5, 1.0, 1.5, 2.0, 0.2]),
        "convergence_explorer: seed": (
            lambda: _random_start(widgets.convergence_explorer(sim.X)),
            "seed",
            [2, 3, 4, 5, 6],
        ),
        "rank_choice_explorer: K": (lambda: widgets.rank_choice_explorer(sim.X, nrun=10), "rank", [2, 3, 5, 6, 4]),
        # every path the controls reach is fitted when the explorer is made
        "sparsity_explorer: alpha": (lambda: widgets.sparsity_explorer(sim.X), "alpha", [0.0, 0.01, 0.05, 0.1, 0.003]),
        "sparsity_explorer: l1_ratio": (lambda: widgets.sparsity_explorer(sim.X), "l1_ratio", [0.0, 0.5, 1.0]),
        "sparsity_explorer: factors": (lambda: widgets.sparsity_explorer(sim.X), "penalize", ["W only", "H only"]),
        "nmf_pca_explorer: K": (lambda: widgets.nmf_pca_explorer(sim.X), "rank", [4, 5, 6, 2, 1]),
        "ambiguity_explorer: t": (lambda: widgets.ambiguity_explorer(*_small()), "t", [0.05, 0.1, 0.15, 0.25, 0.3]),
        "reading_explorer: metagene": (lambda: widgets.reading_explorer(fit, sim.X), "metagene", ["NMF2", "NMF3"]),
        "reading_explorer: genes": (lambda: widgets.reading_explorer(fit, sim.X), "n_genes", [15, 20, 25, 30, 5]),
        "counts_explorer: scale": (
            lambda: widgets.counts_explorer(*_counts()),
            "scale",
            list(widgets.COUNT_SCALES)[1:],
        ),
        # lesson 09 (Golub, 5000 genes): every K and method at the first seed is fitted when it is made
        "Golub rank_explorer: K": (lambda: _golub_explorer(golub), "rank", [2, 4, 5, 3]),
        "Golub rank_explorer: method": (lambda: _golub_explorer(golub), "method", ["lee", "hals", "anls", "brunet"]),
        "Golub rank_explorer: seed (a new fit)": (lambda: _golub_explorer(golub), "seed", [2, 3, 4]),
        # lesson 11 (pbmc3k, 2,111 cells): every metagene drawn when it is made, no fit after
        "pbmc3k cell_map_explorer: metagene": (_pbmc_explorer, "metagene", ["NMF2", "NMF5", "NMF8", "NMF1"]),
    }
    lines = [
        "",
        "| widget update (fit + figure + PNG) | made in (s) | median update (ms) | slowest (ms) |",
        "|---|---|---|---|",
    ]
    for name, (make, control, values) in explorers.items():
        start = time.perf_counter()
        explorer = make()
        made = time.perf_counter() - start
        times = []
        for value in values:
            start = time.perf_counter()
            explorer.controls[control].value = value
            times.append(time.perf_counter() - start)
        lines.append(f"| {name} | {made:.1f} | {np.median(times) * 1e3:.0f} | {max(times) * 1e3:.0f} |")
        print(lines[-1], flush=True)
    return lines


def _pbmc_explorer():
    """Lesson 11's explorer: its KL fit of the training cells (made here, not timed as a move)."""
    import warnings

    from nmfteach import widgets

    data = nt.load_pbmc3k()
    cells = data.cells[data.cells["passes_qc"]]
    X = pbmc_matrix()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", nt.ConvergenceWarning)
        fit = nt.nmf(X, 9, "brunet", init="nndsvda", stop="objective", tol=1e-4)
    return widgets.cell_map_explorer(fit, cells[["umap_1", "umap_2"]].to_numpy(), cells["cell_type"].to_numpy())


def _golub_explorer(golub):
    import warnings

    from nmfteach import widgets

    with warnings.catch_warnings():  # brunet at K = 5 stops at max_iter; the lesson says so
        warnings.simplefilter("ignore", nt.ConvergenceWarning)
        return widgets.rank_explorer(golub.X, classes=golub.samples["subtype"], ranks=(2, 5), precompute=True)


def survey_lines(problems, skip_r):
    """Rank surveys, K = 2..6 (lecture) and 2..5 (Golub), 30 runs per K, beside R's nmf(X, ranks, ...)."""
    r = {}
    if not skip_r and shutil.which("Rscript"):
        command = ["Rscript", str(ROOT / "benchmarks" / "r_nmf_timing.R"), "survey", str(LECTURE_X), str(GOLUB_X)]
        done = subprocess.run(command, capture_output=True, text=True)
        rows = [line.split(",") for line in done.stdout.strip().splitlines()] if done.returncode == 0 else []
        r = {name: (float(sec), coph) for name, sec, coph in rows}
    lines = [
        "",
        "| rank survey, brunet, 30 runs per K | nmfteach (s) | cophenetic per K | R NMF 0.25 (s) | "
        "R cophenetic per K | speed-up vs R |",
        "|---|---|---|---|---|---|",
    ]
    for (name, (X, _, _)), ranks in zip(problems.items(), (range(2, 7), range(2, 6))):  # the brunet problems
        label = name.split("_k3")[0].split("_")[0] + f"_survey_k{ranks[0]}-{ranks[-1]}_nrun30"
        start = time.perf_counter()
        table = nt.rank_survey(X, ranks, nrun=30, seed=123)
        ours = time.perf_counter() - start
        r_sec, r_coph = r.get(label, (float("nan"), "n/a"))
        coph = ";".join(f"{c:.4f}" for c in table["cophenetic"])
        lines.append(f"| {label} | {ours:.1f} | {coph} | {r_sec:.1f} | {r_coph} | {r_sec / ours:.1f}x |")
        print(lines[-1], flush=True)
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-r", action="store_true", help="skip R NMF even if it is installed")
    parser.add_argument(
        "--survey",
        action="store_true",
        help="also time rank surveys (30 runs per K); R NMF needs about 4 minutes for them",
    )
    args = parser.parse_args()

    lecture = np.loadtxt(LECTURE_X, delimiter=",")
    problems = {  # name: (X, nrun, method)
        "lecture_300x30_k3_nrun30": (lecture, 30, "brunet"),
        "golub_5000x38_k3_nrun10": (nt.load_golub().X.to_numpy(), 10, "brunet"),
        "lecture_300x30_k3_nrun30_nsNMF": (lecture, 30, "nsNMF"),
    }
    r = {} if args.no_r else r_timings(args.repeats)
    lines = [
        f"# nmfteach benchmarks ({time.strftime('%Y-%m-%d')}, {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores, numpy {np.__version__})",
        "",
        "| problem | nmfteach 1 thread (s) | nmfteach all cores (s) | iterations (mean; best run) | "
        "R NMF 0.25 (s) | R iterations (best run) | speed-up vs R |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, (X, nrun, method) in problems.items():

        def fit_all(n_jobs=None, X=X, method=method, nrun=nrun):
            return nt.nmf(X, 3, method, nrun=nrun, seed=123, n_jobs=n_jobs)

        one, _ = median_time(lambda: fit_all(n_jobs=1), args.repeats)
        every, fit = median_time(fit_all, args.repeats)
        r_sec, r_iter = r.get(name, (float("nan"), float("nan")))
        lines.append(
            f"| {name} | {one:.3f} | {every:.3f} | {fit.runs['n_iter'].mean():.1f}; {fit.n_iter} | "
            f"{r_sec:.2f} | {r_iter:.0f} | {r_sec / every:.1f}x |"
        )
        print(lines[-1], flush=True)
    lines += [
        "",
        "| KL multiplicative update, per iteration | scikit-learn mu (ms) | nmfteach brunet (ms) | ratio |",
        "|---|---|---|---|",
    ]
    for name, (X, _, method) in problems.items():
        if method != "brunet":
            continue
        timing = sklearn_per_iteration(X)
        if timing:
            lines.append(
                f"| {name.split('_k3')[0]} | {timing[0] * 1e3:.3f} | {timing[1] * 1e3:.3f} | "
                f"{timing[0] / timing[1]:.1f}x |"
            )
    lines += pbmc_lines(skip_r=args.no_r)
    lines += widget_lines()
    if args.survey:
        lines += survey_lines(problems, skip_r=args.no_r)
    report = "\n".join(lines)
    print(report)
    out = ROOT / "benchmarks" / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.md").write_text(report + "\n")


if __name__ == "__main__":
    main()
