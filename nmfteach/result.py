"""The result of ``nmf()``: the best run's factors, every run's record, and R NMF's summaries."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ._sparse import as_sparse_data, is_sparse
from .consensus import (
    connectivity,
    consensus_clusters,
    cophenetic,
    correlation_silhouette,
    dispersion,
    entropy,
    purity,
    silhouette,
)
from .engine import Job
from .init import metagene_names
from .methods import get_method
from .objectives import evar, rss, sparseness
from .validation import align_to_samples, as_data_matrix, check_choice

__all__ = ["NMFResult", "assemble", "dominant_metagene"]


def dominant_metagene(W, H, what: str = "samples") -> np.ndarray:
    """Each sample's (or gene's) cluster: the metagene that contributes most of its expression.

    Sample j's total expression Σ_i (WH)_ij is a sum of K parts, (Σ_i W_ik)·H_kj; gene i's total
    Σ_j (WH)_ij a sum of W_ik·(Σ_j H_kj). The label is the k of the largest part (ties: the
    first, as R's ``which.max``). R NMF's ``predict()`` takes the largest H_kj (or W_ik) instead,
    which changes when a metagene is rescaled (W_k·c, H_k/c: the same fit); these parts do not.
    For "lee" and "nsNMF", whose W columns R rescales to sum 1, both rules agree.

    Parameters
    ----------
    W, H : numpy.ndarray
        G x K and K x S (or stacks of them, runs x G x K and runs x K x S).
    what : {"samples", "features"}
        Label the samples (columns of X) or the genes (rows).

    Returns
    -------
    numpy.ndarray of int
        Labels 1..K: length S for "samples", G for "features" (runs x S or runs x G if stacked).
    """
    W, H = np.asarray(W, dtype=float), np.asarray(H, dtype=float)
    if what == "samples":
        return (W.sum(axis=-2)[..., :, None] * H).argmax(axis=-2) + 1
    if what == "features":
        return (W * H.sum(axis=-1)[..., None, :]).argmax(axis=-1) + 1
    raise ValueError(f'what must be "samples" or "features"; got {what!r}.')


@dataclass(repr=False)
class NMFResult:
    """The result of ``nmf()``: the best run's factors plus what every run left behind.

    W (genes x K) and H (K x samples) are DataFrames labelled like X when X was a DataFrame,
    arrays otherwise. ``history`` is the best run's objective, indexed by iteration (0 is the
    start). ``runs`` has one row per run; ``labels`` each run's cluster of each sample (runs x
    samples, 1..K); ``consensus`` is the mean connectivity over runs. ``connectivity`` (runs x
    samples x samples) is built from ``labels`` when asked for, so a fit of thousands of
    samples does not keep it in memory.
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
    labels: np.ndarray = field(repr=False)
    consensus: object = field(repr=False)
    settings: dict = field(default_factory=dict)

    @property
    def connectivity(self) -> np.ndarray:
        """Each run's connectivity matrix, built from ``labels`` on demand.

        Returns
        -------
        numpy.ndarray
            runs x samples x samples, 1.0 where a run put two samples in the same cluster.
        """
        return np.stack([connectivity(run_labels) for run_labels in self.labels])

    @property
    def nrun(self) -> int:
        """The number of runs (starts) of the fit.

        Returns
        -------
        int
            The number of rows of ``runs``.
        """
        return len(self.runs)

    @property
    def smoothing(self):
        """The middle factor S of a model X ≈ WSH (nsNMF's smoothing matrix); the identity otherwise.

        Returns
        -------
        numpy.ndarray
            S, K x K: (1 − θ) I + (θ/K) 11ᵀ for nsNMF, I for every other method.
        """
        method = get_method(self.method)
        return np.eye(self.rank) if method.middle is None else method.middle(self.rank, self.settings)

    def fitted(self):
        """The reconstruction WH (genes x samples); WSH for nsNMF.

        Returns
        -------
        array or DataFrame, G x S
            WSH (S = I except for nsNMF), labelled like X when X was a DataFrame.
        """
        WH = np.asarray(self.W) @ self.smoothing @ np.asarray(self.H)
        if isinstance(self.W, pd.DataFrame):
            return pd.DataFrame(WH, index=self.W.index, columns=self.H.columns)
        return WH

    def predict(self, what: str = "samples"):
        """Cluster labels 1..K, as R NMF's ``predict()`` but independent of the metagenes' scale.

        "samples": each sample goes to the metagene contributing most of its expression,
        the largest (Σ_i W_ik)·H_kj; "features": each gene likewise, the largest W_ik·(Σ_j H_kj)
        (see ``nt.dominant_metagene``). R takes the largest H_kj or W_ik, which a rescaling of
        a metagene (W_k·c, H_k/c, the same fit) can change; for "lee" and "nsNMF" (W's columns
        summing to 1) both agree. "consensus": the samples' average-linkage tree on
        1 − consensus, cut into K groups. Ties go to the first metagene (as R's ``which.max``).

        Parameters
        ----------
        what : {"samples", "features", "consensus"}
            What to cluster, and how (see above).

        Returns
        -------
        numpy.ndarray or pandas.Series
            One label in 1..K per sample (length S) or gene (length G); a Series named
            "cluster", indexed by the samples or genes, when X was a DataFrame.
        """
        check_choice(what, ("samples", "features", "consensus"), "prediction target")
        if what == "samples":
            labels, names = dominant_metagene(self.W, self.H, "samples"), getattr(self.H, "columns", None)
        elif what == "features":
            labels, names = dominant_metagene(self.W, self.H, "features"), getattr(self.W, "index", None)
        else:
            labels, names = consensus_clusters(self.consensus, self.rank), getattr(self.H, "columns", None)
        return labels if names is None else pd.Series(labels, index=names, name="cluster")

    def project(self, X_new, max_iter=2000, tol=1e-8):
        """Coefficients of new samples (not in the fit) on this fit's metagenes, W held fixed,
        under the fit's own loss: KL for "brunet" and "nsNMF", squared error otherwise (see
        ``nt.project``). For nsNMF the metagenes are W S, the model's X ≈ (W S) H.

        Parameters
        ----------
        X_new : array, DataFrame or scipy.sparse matrix, G genes x n new samples
            The new samples, genes as rows (the fit's genes; matched by name for DataFrames).
        max_iter, tol : int, float
            KL only: the most updates, and the relative decrease below which they stop.

        Returns
        -------
        numpy.ndarray or pandas.DataFrame, K x n
            H_new; ``nt.dominant_metagene(fit.W, H_new)`` then places each new sample.
        """
        from .projection import project

        metagenes = self.W @ self.smoothing if self.method == "nsNMF" else self.W
        if isinstance(self.W, pd.DataFrame):
            metagenes = pd.DataFrame(np.asarray(metagenes), index=self.W.index, columns=self.W.columns)
        loss = get_method(self.method).loss
        return project(metagenes, X_new, "kl" if loss == "kl" else "frobenius", max_iter=max_iter, tol=tol)

    def silhouette(self, what: str = "samples"):
        """Silhouette width of every sample or gene, as R NMF's ``silhouette(fit, what=)``.

        "samples": clusters from H, distance 1 − correlation of the samples' coefficients;
        "features": clusters from W, distance 1 − correlation of the genes' loadings;
        "consensus": consensus clusters, distance 1 − consensus.

        s(i) = (b − a) / max(a, b), with a the mean distance from i to the rest of its cluster
        and b the smallest mean distance to another cluster (see ``nmfteach.silhouette``).

        Parameters
        ----------
        what : {"samples", "features", "consensus"}
            Which items and which distance (see above).

        Returns
        -------
        numpy.ndarray or pandas.Series
            One width in [−1, 1] per sample or gene; a Series named "silhouette", indexed by
            the samples or genes, when X was a DataFrame.
        """
        labels = self.predict(what)
        if what == "samples":
            widths = correlation_silhouette(np.asarray(self.H).T, np.asarray(labels))
        elif what == "features":
            widths = correlation_silhouette(np.asarray(self.W), np.asarray(labels))
        else:
            widths = silhouette(1 - np.asarray(self.consensus), np.asarray(labels))
        return widths if not isinstance(labels, pd.Series) else pd.Series(widths, index=labels.index, name="silhouette")

    def summary(self, X=None, classes=None) -> pd.Series:
        """The fit in numbers, like R NMF's ``summary(fit, class=classes, target=X)``.

        Always: rank, runs, iterations, objective, sparseness of W (per metagene) and H (per
        sample), silhouettes of samples (on H), genes (on W) and the consensus, cophenetic and
        dispersion (NaN with a single run: stability needs several). With X: rss and evar.
        With known classes (one per sample): purity and entropy of the predicted clusters.

        Silhouettes are means of ``silhouette(what)``; cophenetic and dispersion are those of
        ``consensus`` (dispersion = Σ 4 (C − ½)² / S²); rss = ‖X − WSH‖², evar = 1 − rss / Σ X²
        (S = I except for nsNMF).

        Parameters
        ----------
        X : array, DataFrame or scipy.sparse matrix, G genes x S samples, or None
            The data that were fitted, for rss and evar.
        classes : array-like or Series, length S, or None
            Known labels of the samples, for purity and entropy.

        Returns
        -------
        pandas.Series
            Named "summary": rank, nrun, n_iter, objective, sparseness_W, sparseness_H,
            silhouette_samples, silhouette_genes, silhouette_consensus, cophenetic, dispersion,
            then rss, evar (with X) and purity, entropy (with classes).
        """
        W, H = np.asarray(self.W), np.asarray(self.H)
        samples = self.predict("samples")
        out = {
            "rank": self.rank,
            "nrun": self.nrun,
            "n_iter": self.n_iter,
            "objective": self.objective,
            "sparseness_W": _sparseness_nonzero(W),
            "sparseness_H": _sparseness_nonzero(H),
            "silhouette_samples": _mean_or_nan(self.silhouette, "samples"),
            "silhouette_genes": _mean_or_nan(self.silhouette, "features"),
        }
        several = self.nrun > 1
        C = np.asarray(self.consensus)
        out["silhouette_consensus"] = _mean_or_nan(self.silhouette, "consensus") if several else np.nan
        out["cophenetic"] = _mean_or_nan(cophenetic, C) if several else np.nan  # NaN if all runs agree on all
        out["dispersion"] = dispersion(C) if several else np.nan
        if X is not None:  # of the model's reconstruction: WSH for nsNMF, as R NMF
            A = as_sparse_data(X) if is_sparse(X) else as_data_matrix(X)[0]
            out["rss"] = rss(A, W @ self.smoothing, H)
            out["evar"] = evar(A, W @ self.smoothing, H)
        if classes is not None:  # matched to the samples by name when classes is a Series indexed by them
            known = align_to_samples(classes, getattr(self.H, "columns", pd.RangeIndex(self.H.shape[1])))
            out["purity"] = purity(np.asarray(samples), known)
            out["entropy"] = entropy(np.asarray(samples), known)
        return pd.Series(out, name="summary")

    def __repr__(self) -> str:
        G, S = np.shape(self.W)[0], np.shape(self.H)[1]
        s = self.settings
        runs = f"best of {self.nrun} runs" if self.nrun > 1 else "1 run"
        return (
            f"<NMFResult method={self.method!r} rank={self.rank}: {G} genes x {S} samples\n"
            f"  {self.objective_name} = {self.objective:.6g} after {self.n_iter} "
            f"iterations (stop rule {s['stop']!r}, max_iter {s['max_iter']})\n"
            f"  {runs}, init {s['init']!r}, seed {s['seed']}>"
        )


def assemble(job: Job, parts, rows=None, cols=None) -> NMFResult:
    """The result of a fit from its batches' results: the best run's factors (labelled like X),
    every run's objective and iterations, the connectivity and consensus matrices."""
    merged = {key: [item for part in parts for item in part[key]] for key in parts[0]}
    W, H, objectives, histories = (
        np.array(merged["W"]),
        np.array(merged["H"]),
        merged["objectives"],
        merged["histories"],
    )
    n_iter, converged = np.array(merged["n_iter"]), np.array(merged["converged"])
    best = int(np.argmin(objectives))
    labels = dominant_metagene(W, H, "samples")  # scale-free, unlike R's largest H (see predict)
    consensus = _consensus(labels)
    W_best, H_best = W[best], H[best]
    if rows is not None:
        names = metagene_names(job.rank)
        W_best = pd.DataFrame(W_best, index=rows, columns=names)
        H_best = pd.DataFrame(H_best, index=names, columns=cols)
        consensus = pd.DataFrame(consensus, index=cols, columns=cols)
    runs = pd.DataFrame({"objective": objectives, "n_iter": n_iter, "converged": converged}).rename_axis("run")
    if job.method.restart:
        runs["restarts"] = np.array(merged["restarts"])
    init = job.init if isinstance(job.init, str) else "(W0, H0)"
    options = {k: v for k, v in job.options.items() if k != "mask"}
    settings = dict(
        init=init,
        seed=job.seed,
        max_iter=job.max_iter,
        stop=job.stop,
        tol=job.tol,
        trace_every=job.trace_every,
        **options,
    )
    return NMFResult(
        W=W_best,
        H=H_best,
        method=job.method.name,
        rank=job.rank,
        objective=float(objectives[best]),
        objective_name=job.method.objective_name(job.options),
        n_iter=int(n_iter[best]),
        history=histories[best],
        runs=runs,
        labels=labels,
        consensus=consensus,
        settings=settings,
    )


def _consensus(labels):
    """Mean connectivity over runs, one run at a time (never runs x samples x samples at once)."""
    total = np.zeros((labels.shape[1], labels.shape[1]))
    for run_labels in labels:
        total += run_labels[:, None] == run_labels[None, :]
    return total / len(labels)


def _sparseness_nonzero(A):
    """Hoyer's sparseness of A's columns that are not all 0 (a strong penalty can zero a whole
    metagene, for which sparseness is undefined); NaN if all are."""
    keep = np.abs(A).sum(axis=0) > 0
    return sparseness(A[:, keep]) if keep.any() and A.shape[0] > 1 else np.nan  # K = 1: undefined for H


def _mean_or_nan(width_function, *args):
    """The (average) value of a measure, or NaN where it is undefined (e.g. all items in one cluster)."""
    try:
        return float(np.mean(width_function(*args)))
    except ValueError:
        return np.nan
