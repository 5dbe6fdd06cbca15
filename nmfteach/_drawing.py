"""The course's look and the drawing helpers behind ``nmfteach.plotting``: colours (the Okabe-Ito
palette for groups, viridis for values), the shared style, annotation tracks, clustered orders
and heatmaps.

``nmfteach.plotting`` imports the public names back (OKABE_ITO, STYLE, styled, SURVEY_MEASURES),
so they are used from there as before.
"""

from __future__ import annotations

import functools

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import ListedColormap
from matplotlib.patches import Patch
from scipy.cluster.hierarchy import leaves_list, linkage

from .validation import align_to_samples

OKABE_ITO = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000"]
# Known classes get colours of their own (Paul Tol's "muted" set, also colour-blind safe), so that a
# class and a cluster never share a colour and a reader does not take "class ALL-B" for "cluster 1".
TOL_MUTED = ["#332288", "#CC6677", "#999933", "#882255", "#DDCC77", "#44AA99", "#88CCEE", "#117733", "#AA4499"]
CLASS_TRACKS = ("class",)
VALUES = "viridis"
MIN_FONT = 8  # points: the smallest text in any figure (gene names, legends), still legible on a projector
STYLE = {
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.labelsize": 9,
    "figure.titlesize": 11,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "figure.dpi": 100,
    "axes.prop_cycle": plt.cycler(color=OKABE_ITO),
}

SURVEY_MEASURES = {  # survey_plot's measures and their axis labels
    "cophenetic": "cophenetic correlation",
    "dispersion": "dispersion",
    "silhouette_consensus": "consensus silhouette",
    "evar": "explained variance",
    "objective": "objective",
    "holdout_mse": "held-out MSE",
    "purity": "purity",
}


def styled(function):
    """Draw with the course's shared look (STYLE), whatever the notebook's matplotlib settings.

    Only STYLE's own settings are set and restored: ``plt.rc_context`` restores every setting,
    the backend included, and in Jupyter that stops later figures from being shown inline."""

    @functools.wraps(function)
    def draw(*args, **kwargs):
        before = {key: plt.rcParams[key] for key in STYLE}
        plt.rcParams.update(STYLE)
        try:
            return function(*args, **kwargs)
        finally:
            plt.rcParams.update(before)

    return draw


def _labels(values, index):
    """A Series of group labels aligned to ``index`` (a Series by its index, arrays and lists in
    order; anything else, e.g. the wrong length, is a clear error)."""
    return pd.Series(align_to_samples(values, pd.Index(index)), index=index)


def _colours(labels: pd.Series, palette=OKABE_ITO) -> dict:
    groups = sorted(pd.unique(labels.dropna()), key=str)
    return {group: palette[i % len(palette)] for i, group in enumerate(groups)}


def _track(ax, labels: pd.Series, name: str, horizontal=True):
    """One annotation track: a strip of group colours, named; returns its legend's handles.
    Known classes are coloured from another palette than clusters."""
    colours = _colours(labels, TOL_MUTED if name in CLASS_TRACKS else OKABE_ITO)
    codes = labels.map({g: i for i, g in enumerate(colours)}).to_numpy(dtype=float)
    strip = codes[None, :] if horizontal else codes[:, None]
    ax.imshow(
        strip,
        aspect="auto",
        cmap=ListedColormap(list(colours.values())),
        vmin=-0.5,
        vmax=len(colours) - 0.5,
        interpolation="nearest",
    )
    ax.set_xticks([]), ax.set_yticks([])
    (ax.set_ylabel if horizontal else ax.set_xlabel)(name, rotation=0 if horizontal else 90, ha="right", va="center")
    return [Patch(color=c, label=str(g)) for g, c in colours.items()]


def _track_legends(fig, legends, constrained=True):
    """One legend per track, titled with the track's name, stacked to the right of the figure
    (outside the axes, so that they cover nothing)."""
    places = ("outside right upper", "outside right center", "outside right lower")
    for i, (name, handles) in enumerate(legends):
        where = (
            dict(loc=places[min(i, 2)])
            if constrained
            else dict(loc="upper left", bbox_to_anchor=(0.845, 0.9 - 0.28 * i))
        )
        fig.legend(handles=handles, title=name, fontsize=8, title_fontsize=9, frameon=False, **where)


def _order(A, axis, metric="euclidean"):
    """Leaf order of an average-linkage tree on the rows (axis 0) or columns (axis 1); Euclidean
    distance by default, as R's dist() and pheatmap."""
    data = np.asarray(A, dtype=float)
    data = data if axis == 0 else data.T
    if len(data) < 3:
        return np.arange(len(data))
    return leaves_list(linkage(data, method="average", metric=metric))


def _heatmap(fig, ax, data, title, xlabel, ylabel, xticks=None, yticks=None):
    image = ax.imshow(data, aspect="auto", cmap=VALUES, interpolation="nearest")
    ax.set_title(title), ax.set_xlabel(xlabel), ax.set_ylabel(ylabel)
    for setter, ticks, n in ((ax.set_xticks, xticks, data.shape[1]), (ax.set_yticks, yticks, data.shape[0])):
        if ticks is None or n > 40:
            setter([])
        else:
            setter(range(n), labels=list(ticks), fontsize=MIN_FONT)
    if xticks is not None and data.shape[1] <= 40:
        plt.setp(ax.get_xticklabels(), rotation=90)
    fig.colorbar(image, ax=ax, fraction=0.05, pad=0.02)
    return image


def _sample_tracks(fit, classes, samples):
    """Annotation tracks per sample: the fit's predicted clusters and, if given, known classes."""
    tracks = {"predicted": _labels(fit.predict(), samples)}
    if classes is not None:
        tracks["class"] = _labels(classes, samples)
    return tracks


def _samples_heatmap(data: pd.DataFrame, tracks, ylabel, title, body_height):
    """Rows x samples as a heatmap, samples in the order of their clustering, under one
    annotation track per entry of ``tracks``, with the tracks' legend on the right."""
    order = _order(data, axis=1)
    fig = plt.figure(figsize=(7.5, 2.2 + 0.3 * len(tracks) + body_height), layout="constrained")
    grid = fig.add_gridspec(len(tracks) + 1, 1, height_ratios=[0.3] * len(tracks) + [body_height])
    legends = []
    for i, (name, labels) in enumerate(tracks.items()):
        legends.append((name, _track(fig.add_subplot(grid[i]), labels.iloc[order], name)))
    _heatmap(
        fig,
        fig.add_subplot(grid[-1]),
        data.to_numpy()[:, order],
        "",
        "samples (clustered)",
        ylabel,
        xticks=data.columns[order],
        yticks=data.index,
    )
    fig.suptitle(title)
    _track_legends(fig, legends)
    return fig
