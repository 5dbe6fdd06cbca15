"""The draw functions behind ``nmfteach.widgets``' explorers, and their helpers.

Each ``_*_draw`` factory returns the ``draw(**values)`` of one explorer: it makes the figure for
the controls' values and returns (figure or figures, result), caching fits per setting.
"""

from __future__ import annotations

import io
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .consensus import purity
from .engine import ConvergenceWarning
from .fit import nmf
from .plotting import OKABE_ITO, consensus_map, convergence_plot, styled, survey_plot
from .simulate import simulate_expression
from .sparsity import sparsity_path


def _png(figure, dpi=80) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    plt.close(figure)
    return buffer.getvalue()


def _genes_by_metagene(W):
    """Row order that groups genes by their largest metagene, strongest first within a group."""
    return np.lexsort((-W.max(axis=1), W.argmax(axis=1)))


def _mixing_draw(W, largest_weight=2.0):
    """mixing_explorer's draw: the metagenes' stacked contributions to one sample x = W h, on an
    axis fixed by the largest sample the sliders can make (every weight at ``largest_weight``)."""
    top = 1.05 * largest_weight * float(W.to_numpy().sum(axis=1).max())

    @styled
    def draw(**weights):
        h = np.array([weights[name] for name in W.columns])
        parts = W.to_numpy() * h  # each metagene's contribution, genes x K
        fig, ax = plt.subplots(figsize=(7, 3.2))
        fig.subplots_adjust(left=0.08, right=0.98, bottom=0.16, top=0.9)
        bottom = np.zeros(len(W))
        for k, name in enumerate(W.columns):
            ax.bar(W.index, parts[:, k], bottom=bottom, color=OKABE_ITO[k], label=f"{name} × {h[k]:.1f}")
            bottom += parts[:, k]
        ax.set_xlabel("gene"), ax.set_ylabel("expression")
        ax.set_ylim(0, top)  # the same axis for every mix, so a change of weight shows as a change of height
        ax.set_title("A sample rebuilt from metagenes: x = W h (stacked contributions)")
        ax.legend(frameon=False, fontsize=8)
        return fig, pd.Series(W.to_numpy() @ h, index=W.index, name="sample")

    return draw


def _rank_draw(X, classes, nrun, precompute=()):
    """rank_explorer's draw: W and H of a fit per (K, seed, method), fits cached; the settings in
    ``precompute`` (tuples (K, seed, method)) are fitted at once."""
    cache = {}

    def fitted(rank, seed, method):
        key = (rank, seed, method)
        if key not in cache:
            with warnings.catch_warnings():  # a fit that hit max_iter says so in its title instead
                warnings.simplefilter("ignore", ConvergenceWarning)
                cache[key] = nmf(X, rank, method, nrun=nrun, seed=seed, trace_every=0)
        return cache[key]

    for setting in precompute:
        fitted(*setting)

    @styled
    def draw(rank, seed, method):
        fit = fitted(rank, seed, method)
        W, H = np.asarray(fit.W), np.asarray(fit.H)
        fig, (ax_w, ax_h) = plt.subplots(1, 2, figsize=(8, 3.4), gridspec_kw={"width_ratios": [1, 2.5]})
        fig.subplots_adjust(left=0.06, right=0.98, bottom=0.15, top=0.82, wspace=0.25)
        genes = _genes_by_metagene(W)
        ax_w.imshow(W[genes] / W.max(axis=0), aspect="auto", cmap="viridis", interpolation="nearest")
        ax_w.set_title("W (genes grouped)"), ax_w.set_xlabel("metagene"), ax_w.set_ylabel("genes")
        ax_w.set_yticks([]), ax_w.set_xticks(range(rank), labels=[str(k + 1) for k in range(rank)])
        labels = fit.predict()
        samples = np.argsort(np.asarray(labels), kind="stable")
        ax_h.imshow(H[:, samples] / H.sum(axis=0)[samples], aspect="auto", cmap="viridis", interpolation="nearest")
        ax_h.set_title("H (samples by cluster)"), ax_h.set_xlabel("samples"), ax_h.set_ylabel("metagene")
        ax_h.set_xticks([]), ax_h.set_yticks(range(rank), labels=[str(k + 1) for k in range(rank)])
        score = f", purity {purity(np.asarray(labels), np.asarray(classes)):.2f}" if classes is not None else ""
        stopped = "" if fit.runs["converged"].all() else " (stopped at max_iter)"
        fig.suptitle(f"K = {rank}, seed {seed}, {method}: {fit.n_iter} iterations{stopped}{score}")
        return fig, fit

    return draw


def _convergence_draw(X, rank, max_iter):
    """convergence_explorer's draw: the methods' objective traces, fits cached."""
    cache = {}

    @styled
    def draw(init, methods, seed):
        fits = {}
        for method in methods:
            key = (init, method, seed)
            if key not in cache:
                # "lee" with H compensated for R's rescaling of W's columns: WH, and so the objective, is
                # unchanged by it, and the updates never increase the objective, as lesson 04 says
                extra = {"rescale": "both"} if method == "lee" else {}
                cache[key] = nmf(X, rank, method, init=init, seed=seed, max_iter=max_iter, stop="none", **extra)
            fits[method] = cache[key]
        fig, ax = plt.subplots(figsize=(6, 3.6))
        fig.subplots_adjust(left=0.15, right=0.97, bottom=0.14, top=0.85)
        title = f"½‖X − WH‖² per iteration, start '{init}'" + (
            "\n(lee: W rescaled, H compensated)" if "lee" in fits else ""
        )
        convergence_plot(fits, ax=ax, title=title)
        return fig, fits

    return draw


def _noise_draw(n_genes, n_samples, true_rank, seed):
    """noise_explorer's draw: true against fitted metagenes per (noise sd, K), fits cached."""
    cache = {}

    @styled
    def draw(noise_sd, rank):
        key = (round(noise_sd, 3), rank)
        if key not in cache:
            sim = simulate_expression(n_genes, n_samples, true_rank, noise_sd=noise_sd, seed=seed)
            cache[key] = sim, nmf(sim.X, rank, "brunet", seed=seed, trace_every=0, max_iter=500)
        sim, fit = cache[key]
        found = np.corrcoef(sim.W.to_numpy().T, np.asarray(fit.W).T)[:true_rank, true_rank:]
        recovery = found.max(axis=1).mean()
        clusters = purity(np.asarray(fit.predict()), sim.labels.to_numpy())
        fig = plt.figure(figsize=(5.5, 3.4))
        ax, bar = fig.add_axes((0.12, 0.15, 0.66, 0.73)), fig.add_axes((0.82, 0.15, 0.03, 0.73))  # fixed boxes:
        image = ax.imshow(found, cmap="viridis", vmin=-1, vmax=1, aspect="auto")  # the map stays put as K changes
        ax.set_xlabel("metagene found"), ax.set_ylabel("true metagene")
        ax.set_xticks(range(rank), labels=[str(k + 1) for k in range(rank)])
        ax.set_yticks(range(true_rank), labels=[str(k + 1) for k in range(true_rank)])
        fig.colorbar(image, cax=bar, label="correlation")
        ax.set_title(f"noise sd {noise_sd:.1f}, K = {rank}: recovery {recovery:.2f}, purity {clusters:.2f}")
        return fig, {"recovery": recovery, "purity": clusters, "fit": fit}

    return draw


def _rank_choice_draw(survey, fits, classes):
    """rank_choice_explorer's draw: the survey with a K marker and that K's consensus map."""

    @styled
    def draw(rank):
        figures = (
            survey_plot(survey, measures=["cophenetic", "dispersion", "evar"], highlight=rank, layout=None),
            consensus_map(
                fits[rank], classes=classes, title=f"Consensus, K = {rank}", layout=None, show_names=False, size=5
            ),
        )
        return figures, {"fit": fits[rank], "survey": survey}

    return draw


def _sparsity_draw(X, rank, true_W, strengths, method, precompute=()):
    """sparsity_explorer's draw: W at one alpha beside the penalty path, paths cached; the paths
    in ``precompute`` (tuples (penalize, l1_ratio)) are fitted at once."""
    paths = {}
    truth = None if true_W is None else np.asarray(true_W)

    def fitted(penalize, l1_ratio):
        if (penalize, l1_ratio) not in paths:
            paths[penalize, l1_ratio] = sparsity_path(X, rank, penalize, l1_ratio, strengths, method)
        return paths[penalize, l1_ratio]

    for setting in precompute:
        fitted(*setting)

    @styled
    def draw(alpha, penalize, l1_ratio):
        table, fits = fitted(penalize, l1_ratio)
        W = np.asarray(fits[alpha].W)
        fig, (ax_w, ax_p) = plt.subplots(1, 2, figsize=(8.5, 3.4), gridspec_kw={"width_ratios": [1, 2]})
        fig.subplots_adjust(left=0.05, right=0.97, bottom=0.16, top=0.82, wspace=0.25)
        genes = _genes_by_metagene(truth if truth is not None else W)  # grouped by (true) program
        scaled = W[genes] / np.where(W.max(axis=0) > 0, W.max(axis=0), 1)
        cmap = plt.get_cmap("viridis").with_extremes(bad="white")
        ax_w.imshow(np.ma.masked_equal(scaled, 0.0), aspect="auto", cmap=cmap, vmin=0, vmax=1, interpolation="nearest")
        ax_w.set_title(f"W, {100 * np.mean(W == 0):.0f}% exact zeros (white)", fontsize=9)
        ax_w.set_xlabel("metagene"), ax_w.set_ylabel("genes"), ax_w.set_yticks([])
        ax_w.set_xticks(range(rank), labels=[str(k + 1) for k in range(rank)])
        x = np.arange(len(strengths))
        ax_p.plot(x, table["sparseness_W"], "o-", color=OKABE_ITO[0], label="sparseness of W")
        ax_p.plot(x, table["sparseness_H"], "s-", color=OKABE_ITO[2], label="sparseness of H")
        ax_p.plot(x, table["rel_error"], "^--", color=OKABE_ITO[5], label="relative error ‖X − WH‖ / ‖X‖")
        ax_p.set_ylim(0, 1), ax_p.set_ylabel("sparseness (Hoyer) or error")  # all three lie in [0, 1]
        ax_p.set_xticks(x, labels=[f"{a:g}" for a in strengths], fontsize=8), ax_p.set_xlabel("alpha")
        ax_p.axvline(list(strengths).index(alpha), color="0.5", lw=1)
        ax_p.legend(frameon=False, fontsize=8, loc="upper left")
        row = table.loc[alpha]
        fig.suptitle(
            f"{penalize}, l1_ratio {l1_ratio:g}, alpha {alpha:g}: {int(row['metagenes'])} metagenes, "
            f"error {row['rel_error']:.3f}, sparseness of W {row['sparseness_W']:.2f}"
        )
        return fig, {"fit": fits[alpha], "path": table}

    return draw


COUNT_SCALES = {  # name -> (method, transform of the counts, given the library size factors s)
    "KL on raw counts": ("brunet", lambda counts, s: counts),
    "squared error on log2(CPM + 1)": ("hals", lambda counts, s: np.log2(counts / counts.sum(axis=0) * 1e6 + 1)),
    "squared error on log2(counts / s + 1)": ("hals", lambda counts, s: np.log2(counts / s + 1)),
    "squared error on Anscombe 2·sqrt(counts + 3/8)": ("hals", lambda counts, s: 2 * np.sqrt(counts + 3 / 8)),
}


def _counts_draw(counts, classes, library_sizes, rank, nrun, seed):
    """counts_explorer's draw: H's column totals against library size, and the clusters, per scale.
    Every scale is fitted once, when the explorer is made, so that a change of scale only redraws."""
    counts = np.asarray(counts, dtype=float)
    factors = counts.sum(axis=0) / counts.sum(axis=0).mean()
    classes = np.asarray(classes)
    fits = {name: nmf(transform(counts, factors), rank, method, nrun=nrun, seed=seed)
            for name, (method, transform) in COUNT_SCALES.items()}  # fmt: skip

    @styled
    def draw(scale):
        fit = fits[scale]
        W, H = np.asarray(fit.W), np.asarray(fit.H)
        totals = (H * W.sum(axis=0)[:, None]).sum(axis=0)  # H with W's columns scaled to sum 1, per sample
        depth = float(np.corrcoef(totals, library_sizes)[0, 1])
        clusters = np.asarray(fit.predict())
        score = purity(clusters, classes)
        fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.4))
        fig.subplots_adjust(left=0.08, right=0.98, bottom=0.17, top=0.82, wspace=0.35)
        for k, group in enumerate(np.unique(classes)):
            chosen = classes == group
            left.scatter(np.asarray(library_sizes)[chosen], totals[chosen], color=OKABE_ITO[k], label=f"group {group}")
        left.set_xlabel("library size"), left.set_ylabel("H column total (W scaled)")
        left.set_title(f"depth in H: correlation {depth:.2f}"), left.legend(frameon=False, fontsize=8)
        table = pd.crosstab(pd.Series(classes, name="true group"), pd.Series(clusters, name="cluster"))
        right.imshow(table.to_numpy(), cmap="Blues", aspect="auto")
        dark = 0.5 * table.to_numpy().max()  # cells the colour map draws dark: white numbers there
        for (i, j), n in np.ndenumerate(table.to_numpy()):
            right.text(j, i, str(n), ha="center", va="center", color="white" if n > dark else "black")
        right.set_xticks(range(table.shape[1]), labels=table.columns), right.set_xlabel("cluster")
        right.set_yticks(range(table.shape[0]), labels=table.index), right.set_ylabel("true group")
        right.set_title(f"clusters: purity {score:.2f}")
        fig.suptitle(scale)
        return fig, {"fit": fit, "purity": score, "depth_correlation": depth}

    return draw


def _reading_draw(fit, X, classes):
    """reading_explorer's draw: a metagene's top genes in the data, and its share of every sample."""
    X = pd.DataFrame(X)
    W, H = fit.W, fit.H
    parts = W.sum(axis=0).to_numpy()[:, None] * H.to_numpy()  # (Σ_i W_ik)·H_kj, the dominant-metagene parts
    shares = pd.DataFrame(parts / parts.sum(axis=0), index=W.columns, columns=H.columns)
    scaled = W / W.sum(axis=0)
    specificity = scaled.div(scaled.sum(axis=1), axis=0)  # each gene's share of its (scaled) loading
    clusters = fit.predict()
    order = np.argsort(clusters.to_numpy(), kind="stable")  # samples grouped by cluster
    labels = np.asarray(classes) if classes is not None else clusters.to_numpy()

    @styled
    def draw(metagene, ranking, n_genes):
        score = W[metagene] if ranking.startswith("loading") else specificity[metagene]
        genes = list(score.sort_values(ascending=False, kind="stable").index[:n_genes])
        own = (clusters == int(metagene.removeprefix("NMF"))).to_numpy()
        values = X.loc[genes].to_numpy()
        own_mean, other_mean = float(values[:, own].mean()), float(values[:, ~own].mean())
        fig, (left, right) = plt.subplots(1, 2, figsize=(9.5, 3.6), gridspec_kw={"width_ratios": [3, 2]})
        fig.subplots_adjust(left=0.1, right=0.98, bottom=0.15, top=0.8, wspace=0.3)
        left.imshow(values[:, order] / values.max(axis=1, keepdims=True), aspect="auto", cmap="viridis")
        left.set_yticks(range(len(genes)), labels=genes, fontsize=8), left.set_xticks([])
        left.set_xlabel("samples, grouped by cluster")
        left.set_title(f"top {n_genes} by {ranking.split(' ')[0]}: mean {own_mean:.2f} in its samples, "
                       f"{other_mean:.2f} elsewhere", fontsize=9)  # fmt: skip
        groups = list(dict.fromkeys(labels[order]))
        colours = [OKABE_ITO[groups.index(label) % len(OKABE_ITO)] for label in labels[order]]
        right.bar(range(len(order)), shares.loc[metagene].to_numpy()[order], color=colours)
        right.set_ylim(0, 1), right.set_xticks([]), right.set_xlabel("samples (colour: known class)")
        right.set_ylabel("share of the sample"), right.set_title(f"{metagene}'s share of each sample", fontsize=9)
        fig.suptitle(f"Reading {metagene}")
        result = {"genes": genes, "own_mean": own_mean, "other_mean": other_mean, "share": shares.loc[metagene]}
        return fig, result

    return draw


def _nmf_pca_draw(X, method, seed, ranks=()):
    """nmf_pca_explorer's draw: relative errors of the truncated SVD and of NMF, and negative loadings.
    The fits of ``ranks`` are made at once (a slider's reach), others when first asked for."""
    import warnings

    from .fit import ConvergenceWarning

    X = np.asarray(X, dtype=float)
    U, s, Vt = np.linalg.svd(X, full_matrices=False)
    loadings = np.linalg.svd(X - X.mean(axis=1, keepdims=True), full_matrices=False)[0]  # PCA: genes centred
    fits = {}

    def fitted(rank):
        if rank not in fits:
            with warnings.catch_warnings():  # above the true K a fit may use all its iterations on noise
                warnings.simplefilter("ignore", ConvergenceWarning)
                fits[rank] = nmf(X, rank, method, seed=seed, trace_every=0)
        return fits[rank]

    for rank in ranks:
        fitted(rank)

    @styled
    def draw(rank):
        fit = fitted(rank)
        errors = [np.linalg.norm(X - (U[:, :rank] * s[:rank]) @ Vt[:rank]) / np.linalg.norm(X),
                  np.linalg.norm(X - fit.fitted()) / np.linalg.norm(X)]  # fmt: skip
        negative = [float(np.mean(loadings[:, :rank] < 0)), float(np.mean(np.asarray(fit.W) < 0))]
        fig, (left, right) = plt.subplots(1, 2, figsize=(8, 3))
        fig.subplots_adjust(left=0.1, right=0.97, bottom=0.18, top=0.82, wspace=0.35)
        left.bar(["SVD", "NMF"], errors, color=[OKABE_ITO[4], OKABE_ITO[0]])
        left.set_ylabel("‖X − approximation‖ / ‖X‖"), left.set_title(f"rank {rank}: error")
        right.bar(["PCA", "NMF"], negative, color=[OKABE_ITO[4], OKABE_ITO[0]])
        right.set_ylabel("share of negative loadings"), right.set_title("signs"), right.set_ylim(0, 1)
        result = {"svd_error": errors[0], "nmf_error": errors[1], "pca_negative": negative[0],
                  "nmf_negative": negative[1]}  # fmt: skip
        return fig, result

    return draw


def _ambiguity_draw(X, W, H):
    """ambiguity_explorer's draw: the pair W·M, M⁻¹·H for M = [[c, t], [0, 1]], and its objective."""
    X, W, H = (np.asarray(A, dtype=float) for A in (X, W, H))

    @styled
    def draw(t, c):
        M = np.array([[c, t], [0.0, 1.0]])
        W_t, H_t = W @ M, np.linalg.solve(M, H)  # the same product W·H for every t and c
        is_nmf = bool((H_t >= 0).all() and (W_t >= 0).all())
        fig, (left, right) = plt.subplots(1, 2, figsize=(8, 3))
        fig.subplots_adjust(left=0.09, right=0.97, bottom=0.2, top=0.8, wspace=0.3)
        for k in range(2):
            left.bar(np.arange(W.shape[0]) + 0.35 * k, W_t[:, k], width=0.35, label=f"metagene {k + 1}")
            right.bar(np.arange(H.shape[1]) + 0.35 * k, H_t[k], width=0.35, label=f"metagene {k + 1}")
        # bars grouped by gene and by sample, labelled as such (not by a position on a number line)
        left.set_xticks(np.arange(W.shape[0]) + 0.175, labels=[f"gene {g + 1}" for g in range(W.shape[0])])
        right.set_xticks(np.arange(H.shape[1]) + 0.175, labels=[f"sample {j + 1}" for j in range(H.shape[1])])
        left.set_title("W·M"), left.set_ylabel("loading"), left.legend(frameon=False)
        right.set_title("M⁻¹·H" + ("" if is_nmf else "  (negative: not an NMF)")), right.set_ylabel("coefficient")
        right.axhline(0, color="black", linewidth=0.8)
        objective = 0.5 * float(np.sum((X - W_t @ H_t) ** 2))  # by hand: nt.frobenius refuses negative factors
        where = f"t = {t:g}, c = {c:g}: "
        fig.suptitle(where + (f"½‖X − WH‖² = {objective:.4f}" if is_nmf else "not an NMF any more"))
        return fig, {"W": W_t, "H": H_t, "is_nmf": is_nmf, "objective": objective}

    return draw


def expression_shares(W, H):
    """Each sample's share of its modelled expression from each metagene (K x S, columns sum to 1):
    (Σ_g W_gk) H_kj / Σ_l (Σ_g W_gl) H_lj, the quantity whose largest entry is the dominant metagene."""
    parts = np.asarray(W).sum(axis=0)[:, None] * np.asarray(H)
    return parts / np.maximum(parts.sum(axis=0, keepdims=True), np.finfo(float).tiny)


def _cell_map_draw(fit, coordinates, cell_types, genes, new):
    """cell_map_explorer's draw: cells on a map coloured by one metagene's share of their
    expression, that share averaged per cell type, and the metagene's marker genes."""
    W = np.asarray(fit.W)
    shares = {"fitted cells": expression_shares(W, fit.H)}
    maps = {"fitted cells": np.asarray(coordinates, dtype=float)}
    types = {"fitted cells": np.asarray(cell_types)}
    if new is not None:
        X_new, coordinates_new, types_new = new
        shares["new cells (projected)"] = expression_shares(W, fit.project(X_new))  # W fixed, the fit's loss
        maps["new cells (projected)"] = np.asarray(coordinates_new, dtype=float)
        types["new cells (projected)"] = np.asarray(types_new)
    specific = W * (W / np.maximum(W.sum(axis=1, keepdims=True), np.finfo(float).tiny))  # large and specific
    names = list(getattr(fit.W, "columns", [f"NMF{k + 1}" for k in range(W.shape[1])]))
    order = sorted(set(np.asarray(cell_types)))

    @styled
    def draw(metagene, cells):
        k = names.index(metagene)
        share, xy, label = shares[cells][k], maps[cells], types[cells]
        fig, (ax_map, ax_bar) = plt.subplots(1, 2, figsize=(9.5, 4), gridspec_kw={"width_ratios": [1.25, 1]})
        fig.subplots_adjust(left=0.04, right=0.98, bottom=0.12, top=0.84, wspace=0.45)
        dots = ax_map.scatter(xy[:, 0], xy[:, 1], c=share, s=3, cmap="viridis", vmin=0, vmax=1, linewidths=0)
        ax_map.set_xticks([]), ax_map.set_yticks([]), ax_map.set_xlabel("UMAP 1"), ax_map.set_ylabel("UMAP 2")
        ax_map.set_title(f"{cells}: share of each cell's expression", fontsize=9)
        fig.colorbar(dots, ax=ax_map, fraction=0.04, pad=0.02)
        means = pd.Series(share).groupby(label).mean().reindex(order)
        ax_bar.barh(range(len(order)), means.to_numpy(), color=OKABE_ITO[4])
        ax_bar.set_yticks(range(len(order)), labels=order, fontsize=8), ax_bar.invert_yaxis()
        ax_bar.set_xlim(0, 1), ax_bar.set_xlabel(f"mean share from {metagene}")
        top = [str(genes[g]) for g in np.argsort(-specific[:, k], kind="stable")[:8]]
        fig.suptitle(f"{metagene}: {', '.join(top)}\nused most by {means.idxmax()} (mean share {means.max():.2f})")
        return fig, {"shares": share, "by_type": means, "markers": top}

    return draw
