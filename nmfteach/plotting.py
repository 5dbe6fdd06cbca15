"""Figures of the lecture in one line each: basis, coefficient and consensus maps, the rank
survey, convergence traces, samples in component space, top genes, NMF versus PCA.

Every function returns a matplotlib Figure (those with a single panel also accept ``ax=``),
labels its axes and never calls ``plt.show()``; in a notebook the figure shows itself.
Colours are colour-blind safe: viridis for values, the Okabe-Ito palette for groups.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter
from scipy.cluster.hierarchy import dendrogram, linkage
from scipy.spatial.distance import squareform

# the course's look (palettes, STYLE, styled, SURVEY_MEASURES) and the drawing helpers live in _drawing
from ._drawing import (
    OKABE_ITO,
    _heatmap,
    _labels,
    _order,
    _sample_tracks,
    _samples_heatmap,
    _track,
    _track_legends,
)
from ._drawing import STYLE as STYLE
from ._drawing import SURVEY_MEASURES as SURVEY_MEASURES
from ._drawing import styled as styled
from ._sample_plots import component_plot, nmf_vs_pca
from .consensus import cophenetic

# survey measures that end at 1 (a perfect score): drawn on an axis that reaches from 0.9 or below
BOUNDED_BY_ONE = ("cophenetic", "dispersion", "silhouette_consensus", "evar", "purity")
# lines on white: the Okabe-Ito colours without the pale yellow
LINE_COLORS = [color for color in OKABE_ITO if color != "#F0E442"]
# a method keeps its colour in every figure and explorer, whatever the order it is drawn in
METHOD_COLORS = {"brunet": "#E69F00", "lee": "#56B4E9", "anls": "#009E73", "pgd": "#CC79A7", "hals": "#D55E00",
                 "nsNMF": "#0072B2", "snmf/r": "#000000", "snmf/l": "#000000"}  # fmt: skip

__all__ = [
    "basis_map",
    "coef_map",
    "consensus_map",
    "survey_plot",
    "convergence_plot",
    "component_plot",
    "top_genes_heatmap",
    "nmf_vs_pca",
    "OKABE_ITO",
]


@styled
def basis_map(fit, title="Metagenes (W)"):
    """W as a heatmap: genes (rows) in the order of their clustering, one column per metagene.

    Rows are scaled to sum to 1 (as R's basismap: W_gk / Σ_k W_gk), so each gene shows where its
    weight lies.

    Parameters
    ----------
    fit : NMFResult
        A fit; its W (G x K) is drawn.
    title : str

    Returns
    -------
    matplotlib.figure.Figure
    """
    W = pd.DataFrame(fit.W) if not isinstance(fit.W, pd.DataFrame) else fit.W
    scaled = W.div(W.sum(axis=1).replace(0, 1), axis=0)
    order = _order(scaled, axis=0, metric="correlation")  # genes with the same profile of shares
    fig, ax = plt.subplots(figsize=(4.5, 6), layout="constrained")
    _heatmap(fig, ax, scaled.to_numpy()[order], title, "metagene", f"genes ({len(W)}, clustered)", xticks=W.columns)
    ax.set_xticks(range(W.shape[1]), labels=[str(c) for c in W.columns])
    return fig


@styled
def coef_map(fit, classes=None, title="Sample weights (H)"):
    """H as a heatmap: metagenes (rows) by samples in the order of their clustering, with tracks
    for the predicted cluster and, if given, the known classes. Columns scaled: H_ks / Σ_k H_ks.

    Parameters
    ----------
    fit : NMFResult
        A fit; its H (K x S) and ``predict()`` are drawn.
    classes : array-like or Series, length S, or None
        Known labels of the samples (a Series is aligned by sample name).
    title : str

    Returns
    -------
    matplotlib.figure.Figure
    """
    H = pd.DataFrame(fit.H) if not isinstance(fit.H, pd.DataFrame) else fit.H
    scaled = H / H.sum(axis=0).replace(0, 1)
    return _samples_heatmap(
        scaled, _sample_tracks(fit, classes, H.columns), "metagene", title, body_height=0.6 * len(H)
    )


@styled
def consensus_map(
    fit_or_C, classes=None, title="Consensus matrix", labels=None, layout="constrained", show_names=True, size=6.5
):
    """The consensus matrix with samples in the order of its average-linkage tree, the tree on
    top, annotation tracks (predicted consensus clusters, known classes) and the cophenetic
    correlation in the title. Pass a multi-run fit or a consensus matrix. ``layout=None`` and
    ``show_names=False`` (no sample names) draw several times faster, for widgets.

    Parameters
    ----------
    fit_or_C : NMFResult or array or DataFrame, S x S
        A fit with ``nrun >= 2`` (adds a track of its consensus clusters) or a consensus matrix.
    classes, labels : array-like or Series, length S, or None
        Known classes and any other clustering of the samples, each drawn as a track.
    title : str
        The figure's title; the cophenetic correlation is appended.
    layout : {"constrained", None}
    show_names : bool
        Label the rows and columns with the sample names (up to 40 samples).
    size : float
        The figure's width and height in inches (smaller in an explorer, so it fits the screen
        with its controls).

    Returns
    -------
    matplotlib.figure.Figure
    """
    fit = fit_or_C if hasattr(fit_or_C, "consensus") else None
    C = pd.DataFrame(fit.consensus if fit is not None else fit_or_C)
    coph = cophenetic(fit_or_C)  # also checks that C is a consensus matrix
    names = C.index
    D = 1 - C.to_numpy()
    np.fill_diagonal(D, 0)
    tree = linkage(squareform(D, checks=False), method="average")
    tracks = {}
    if fit is not None:
        tracks["consensus"] = _labels(fit.predict("consensus"), names)
    if labels is not None:
        tracks["cluster"] = _labels(labels, names)
    if classes is not None:
        tracks["class"] = _labels(classes, names)
    fig = plt.figure(figsize=(size, size), layout=layout)
    grid = fig.add_gridspec(
        len(tracks) + 2,
        1,
        height_ratios=[1.2] + [0.15] * len(tracks) + [5],
        **({} if layout else dict(left=0.2, right=0.78, bottom=0.16, top=0.92, hspace=0.08)),
    )
    ax_tree = fig.add_subplot(grid[0])
    order = dendrogram(tree, ax=ax_tree, no_labels=True, color_threshold=0, above_threshold_color="#444444")["leaves"]
    ax_tree.set_axis_off()
    legends = []
    for i, (name, lab) in enumerate(tracks.items()):
        legends.append((name, _track(fig.add_subplot(grid[i + 1]), lab.iloc[order], name)))
    ax = fig.add_subplot(grid[-1])
    shown = names[order] if show_names else None
    image = _heatmap(fig, ax, C.to_numpy()[np.ix_(order, order)], "", "samples", "samples", xticks=shown, yticks=shown)
    image.set_clim(0, 1)
    fig.suptitle(f"{title} (cophenetic {coph:.3f})")
    _track_legends(fig, legends, constrained=bool(layout))
    return fig


@styled
def survey_plot(survey, measures=None, highlight=None, title="Choosing the rank K", layout="constrained"):
    """Each survey measure against K (one panel each), with the randomized-data curve when the
    survey has one; ``highlight`` marks one K with a vertical line. ``layout=None``: faster.

    Parameters
    ----------
    survey : pandas.DataFrame
        The table of ``rank_survey``.
    measures : list of str or None
        Columns to draw (None: those of ``SURVEY_MEASURES`` the survey has).
    highlight : int or None
        A K to mark.
    title : str
    layout : {"constrained", None}

    Returns
    -------
    matplotlib.figure.Figure
    """
    table = survey if "data" in (survey.index.names or []) else pd.concat({"original": survey}, names=["data"])
    available = [m for m in (measures or SURVEY_MEASURES) if m in table and table[m].notna().any()]
    n_cols = min(3, len(available))
    n_rows = -(-len(available) // n_cols)
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(3.4 * n_cols, 2.7 * n_rows), layout=layout, squeeze=False)
    if not layout:
        fig.subplots_adjust(left=0.08, right=0.98, bottom=0.18, top=0.85, wspace=0.35, hspace=0.45)
    for ax, measure in zip(axes.flat, available):
        for i, (data, part) in enumerate(table.groupby(level="data", sort=False)):
            values = part[measure].droplevel("data")
            if values.notna().any():
                ax.plot(
                    values.index,
                    values.to_numpy(),
                    marker="o",
                    color=OKABE_ITO[4 if i == 0 else 5],
                    linestyle="-" if i == 0 else "--",
                    label=f"{data} data",
                )
        if highlight is not None:
            ax.axvline(highlight, color="#888888", linewidth=1)
        ax.set_xlabel("rank K"), ax.set_ylabel(SURVEY_MEASURES.get(measure, measure))
        ax.set_xticks(sorted(table.index.get_level_values("rank").unique()))
        if measure in BOUNDED_BY_ONE:  # at least 0.9 to 1 shown, so that 0.987 does not look like a collapse
            lowest = float(np.nanmin(table[measure].to_numpy()))
            ax.set_ylim(min(lowest - 0.02, 0.9), 1.005)
    for ax in list(axes.flat)[len(available) :]:
        ax.set_axis_off()
    axes.flat[0].legend(fontsize=8, frameon=False)
    fig.suptitle(title)
    return fig


@styled
def convergence_plot(fits, ax=None, title="Convergence"):
    """The objective against the iteration for several fits ({label: fit}), log scale: how fast
    each method gets where. Fits should share the objective to be compared.

    Parameters
    ----------
    fits : dict
        {label: NMFResult}; each fit's ``history`` is drawn.
    ax : matplotlib Axes or None
        Where to draw (None: a new figure).
    title : str

    Returns
    -------
    matplotlib.figure.Figure
    """
    own = ax is None
    fig, ax = plt.subplots(figsize=(6, 4), layout="constrained") if own else (ax.figure, ax)
    lows, highs = [], []
    for i, (label, fit) in enumerate(fits.items()):
        history = fit.history
        color = METHOD_COLORS.get(label, LINE_COLORS[i % len(LINE_COLORS)])
        ax.plot(history.index, history.to_numpy(), color=color, label=label)
        lows.append(history.min()), highs.append(history.max())
    ax.set_yscale("log")
    # ticks a room can read at the values that matter: 1-2-5 steps over many decades, finer over few
    decades = np.log10(max(highs) / min(lows)) if lows and min(lows) > 0 else 3
    subs = (1.0, 2.0, 5.0) if decades > 2 else (1.0, 1.5, 2.0, 3.0, 5.0, 7.0)
    ax.yaxis.set_major_locator(LogLocator(subs=subs))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.6g}"))
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("iteration"), ax.set_ylabel("objective (log scale)")
    ax.set_title(title)
    ax.legend(frameon=False)
    return fig


@styled
def top_genes_heatmap(X, fit, metagene=0, n=10, classes=None, title=None):
    """Expression of the n top genes of one metagene across samples (samples clustered), with a
    track of the predicted clusters: the lecture's pheatmap figure.

    Parameters
    ----------
    X : array or DataFrame, G genes x S samples
        The data that were fitted.
    fit : NMFResult
        A fit of X.
    metagene : int or str
        The metagene: a position (0-based) or a column name of W.
    n : int
        How many genes, those with the largest entries in the metagene's column of W.
    classes : array-like or Series, length S, or None
        Known labels of the samples, drawn as a second track.
    title : str or None
        The figure's title (None: "Top n genes of metagene ...").

    Returns
    -------
    matplotlib.figure.Figure
    """
    X = pd.DataFrame(X) if not isinstance(X, pd.DataFrame) else X
    W = pd.DataFrame(fit.W) if not isinstance(fit.W, pd.DataFrame) else fit.W
    if isinstance(metagene, (int, np.integer)) and not isinstance(metagene, bool):
        if not 0 <= metagene < W.shape[1]:
            raise ValueError(
                f"metagene must be a number from 0 to {W.shape[1] - 1} (K = {W.shape[1]}); got {metagene}."
            )
        column = W.columns[metagene]
    elif metagene in W.columns:
        column = metagene
    else:
        raise ValueError(f"no metagene named {metagene!r}; the fit's metagenes are {list(W.columns)}.")
    genes = W[column].sort_values(ascending=False, kind="stable").index[:n]
    block = X.loc[genes] if set(genes) <= set(X.index) else X.iloc[list(genes)]
    return _samples_heatmap(
        block,
        _sample_tracks(fit, classes, X.columns),
        "gene",
        title or f"Top {n} genes of metagene {column} across samples",
        body_height=0.3 * n,
    )
