"""Interactive explorers for the lessons: move a control, see the model answer.

Each function returns an ``Explorer`` (an ipywidgets VBox: controls above a picture). It draws
its first state as soon as it is made, so a notebook executed without a browser still shows a
figure; every later change of a control redraws. The figure is sent as a PNG into an Image
widget (no flicker, no output capture), drawn without matplotlib's constrained layout, which
alone would cost more than the fit. Fits are cached per setting, so going back to a setting is
instant, and sliders that start a fit use ``continuous_update=False``. The latest figure, its
PNG and the result are kept in ``explorer.figure``, ``explorer.png`` and ``explorer.result``.
"""

from __future__ import annotations

import io

import ipywidgets as w
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

# each explorer's draw function (the figure and its fits) lives in _explorer_draws
from ._explorer_draws import (
    COUNT_SCALES,
    _ambiguity_draw,
    _cell_map_draw,
    _convergence_draw,
    _counts_draw,
    _mixing_draw,
    _nmf_pca_draw,
    _noise_draw,
    _png,
    _rank_choice_draw,
    _rank_draw,
    _reading_draw,
    _sparsity_draw,
)
from .datasets import TOY_PROGRAMS
from .rank import rank_survey
from .sparsity import PENALIZE, PENALTY_STRENGTHS

__all__ = [
    "Explorer",
    "slider",
    "mixing_explorer",
    "nmf_pca_explorer",
    "ambiguity_explorer",
    "rank_explorer",
    "convergence_explorer",
    "noise_explorer",
    "rank_choice_explorer",
    "sparsity_explorer",
    "counts_explorer",
    "reading_explorer",
    "cell_map_explorer",
]


class Explorer(w.VBox):
    """Controls (a dict name -> widget) above the picture that ``draw(**values)`` makes; draw
    returns (figure or tuple of figures, result).

    Parameters
    ----------
    title : str
        Shown in bold above the controls.
    controls : dict
        {name: ipywidgets widget}; a change of any value redraws.
    draw : callable
        ``draw(**values)`` -> (Figure or tuple of Figures, result), kept in ``figure``, ``result``.
    prerender : sequence of dict, optional
        Settings ({name: value}) drawn when the explorer is made, so that moving to one of them
        only shows its picture: for explorers whose every setting is fitted in advance and few
        (each picture is about 30 KB).
    """

    def __init__(self, title, controls, draw, prerender=()):
        self.title, self.controls, self._draw = title, controls, draw
        self.figure = self.result = None
        self.png = ()
        self._rendered = {}  # settings -> (figure, result, png), for the prerendered settings
        for values in prerender:
            self._rendered[self._key(values)] = self._render(values)
        self.pictures = w.VBox()
        for control in controls.values():
            control.observe(self.update, names="value")
        super().__init__([w.HTML(f"<b>{title}</b>"), w.HBox(list(controls.values())), self.pictures])
        self.update()

    def snapshot(self) -> bytes:
        """The pictures on show as one PNG, under a line that names the explorer and its controls.

        A notebook keeps it beside the live explorer in the cell's output: JupyterLab draws widgets
        only in a notebook it trusts (one run on this computer), and shows this picture otherwise,
        so an explorer is seen before its lesson is run.

        Returns
        -------
        bytes
            A PNG image.
        """
        images = [plt.imread(io.BytesIO(png), format="png") for png in self.png]
        caption = 26  # pixels
        width, height = max(im.shape[1] for im in images), sum(im.shape[0] for im in images) + caption
        figure = Figure(figsize=(width / 80, height / 80), dpi=80, facecolor="white")
        top = height - caption
        for image in images:
            top -= image.shape[0]
            figure.figimage(image, xo=0, yo=top)
        controls = ", ".join(control.description or name for name, control in self.controls.items())
        figure.text(4 / width, 1 - 5 / height, f"{self.title}: a snapshot (run the cell to move {controls})", va="top")
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=80)
        return buffer.getvalue()

    def _repr_mimebundle_(self, **kwargs):
        """The live explorer, with its snapshot as the picture shown where widgets are not drawn."""
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle:
            bundle["image/png"] = self.snapshot()
            bundle["text/plain"] = f"{self.title}: an explorer; run the cell in JupyterLab to move its controls"
        return bundle

    @staticmethod
    def _key(values):
        return tuple(sorted(values.items()))

    def _render(self, values):
        figure, result = self._draw(**values)
        figures = figure if isinstance(figure, tuple) else (figure,)
        return figure, result, tuple(_png(f) for f in figures)

    @property
    def values(self):
        """The controls' current values.

        Returns
        -------
        dict
            {name: value}, the keyword arguments of ``draw``.
        """
        return {name: control.value for name, control in self.controls.items()}

    def update(self, change=None):
        """Redraw for the controls' current values (called whenever one changes).

        Parameters
        ----------
        change : dict or None
            The ipywidgets change event (not used).

        Returns
        -------
        None
            ``figure``, ``result`` and ``png`` are updated in place.
        """
        values = self.values
        rendered = self._rendered.get(self._key(values))
        self.figure, self.result, self.png = rendered if rendered else self._render(values)
        if len(self.pictures.children) != len(self.png):
            self.pictures.children = [w.Image(format="png") for _ in self.png]
        for picture, png in zip(self.pictures.children, self.png):
            # shown at the size it was drawn (PNG width from its header): not stretched, so not blurred
            picture.value, picture.width = png, str(int.from_bytes(png[16:20], "big"))


def slider(description, value, low, high, step=1, continuous=False, kind=w.IntSlider):
    """A labelled slider for an Explorer; ``continuous=False`` (redraw on release) where a fit runs.

    Parameters
    ----------
    description : str
        The label.
    value, low, high, step : int or float
        The start value, the range and the step.
    continuous : bool
        Redraw while dragging (True) or on release (False).
    kind : ipywidgets slider class
        ``w.IntSlider`` or ``w.FloatSlider``.

    Returns
    -------
    ipywidgets slider
        An instance of ``kind``.
    """
    return kind(
        value=value,
        min=low,
        max=high,
        step=step,
        description=description,
        continuous_update=continuous,
        style={"description_width": "initial"},
    )


# -- 01: mixing a sample from metagenes ---------------------------------------------------------


def mixing_explorer(W=TOY_PROGRAMS):
    """One sample x = W h built from metagenes: a slider per metagene sets its weight h_k.

    Parameters
    ----------
    W : DataFrame, genes x K metagenes
        The metagenes (named columns); lesson 01's ``TOY_PROGRAMS`` by default.

    Returns
    -------
    Explorer
        Its ``result`` is the sample x = Σ_k h_k W_k (a Series over W's genes).
    """
    controls = {
        name: slider(name, 1.0 if k == 0 else 0.0, 0.0, 2.0, 0.1, True, w.FloatSlider)
        for k, name in enumerate(W.columns)
    }
    return Explorer("Mix a sample from metagenes", controls, _mixing_draw(W))


# -- 04/06: rank, seed and method ----------------------------------------------------------------


def rank_explorer(X, classes=None, ranks=(2, 6), methods=("brunet", "lee", "hals", "anls"), nrun=1, precompute=False):
    """Fit X with the chosen K, seed and method; show W and H (clustered) and the clusters.

    With ``precompute=True`` every K and method at the first seed is fitted when the explorer is
    made (for data where one fit takes longer than a move should: Golub's 5000 genes), so moving
    K or the method answers at once; a new seed still fits anew.

    Parameters
    ----------
    X : array or DataFrame, G genes x S samples
        Non-negative data.
    classes : array-like, length S, or None
        Known labels of the samples: the title then gives the purity of the clusters.
    ranks : (int, int)
        The K slider's range.
    methods : sequence of str
        The methods offered (see ``nmf``), each minimising its own objective.
    nrun : int
        Runs per fit.
    precompute : bool
        Fit every (K, method) at the first seed when the explorer is made.

    Returns
    -------
    Explorer
        Its ``result`` is the NMFResult shown.
    """
    controls = {
        "rank": slider("K", 3, *ranks),
        "seed": slider("seed", 1, 0, 50),
        "method": w.Dropdown(options=list(methods), value=methods[0], description="method"),
    }
    seed = controls["seed"].value
    settings = [(K, seed, m) for K in range(ranks[0], ranks[1] + 1) for m in methods] if precompute else []
    return Explorer("Rank, seed and method", controls, _rank_draw(X, classes, nrun, settings))


# -- 02 and 03: NMF against PCA, and the ambiguity of the factors -----------------------------------


def nmf_pca_explorer(X, ranks=(1, 8), method="hals", seed=1):
    """NMF against the truncated SVD / PCA at the chosen rank K: the relative error ‖X − X̂‖/‖X‖ of
    both (NMF's is never below the SVD's, Eckart–Young) and the share of negative loadings (PCA on
    genes centred; NMF's W has none). Every K of the slider is fitted when the explorer is made.

    Parameters
    ----------
    X : array or DataFrame, G genes x S samples
        Non-negative data.
    ranks : (int, int)
        The K slider's range.
    method : str
        The NMF method (a squared-error one compares fairly with the SVD).
    seed : int
        Seeds the fits.

    Returns
    -------
    Explorer
        Its ``result`` is {"svd_error", "nmf_error", "pca_negative", "nmf_negative"}.
    """
    draw = _nmf_pca_draw(X, method, seed, ranks=range(ranks[0], ranks[1] + 1))  # every K the slider reaches
    return Explorer("NMF versus PCA at rank K", {"rank": slider("K", 3, *ranks)}, draw)


def ambiguity_explorer(X, W, H):
    """Two metagenes W (G x 2) and H (2 x S) moved along the family W·M, M⁻¹·H with M = [[c, t], [0, 1]]:
    the product, and so the objective ½‖X − WH‖², never changes, while the factors do, until a
    coefficient turns negative.

    Parameters
    ----------
    X : array, G x S
        The data.
    W : array, G x 2
        The first factor.
    H : array, 2 x S
        The second factor.

    Returns
    -------
    Explorer
        Its ``result`` is {"W", "H", "is_nmf", "objective"} for the current t and c.
    """
    controls = {
        "t": slider("t", 0.2, 0.0, 2.0, 0.05, continuous=True, kind=w.FloatSlider),
        "c": slider("scale c", 1.0, 0.25, 4.0, 0.25, continuous=True, kind=w.FloatSlider),
    }
    return Explorer("Same product, different factors", controls, _ambiguity_draw(X, W, H))


# -- 04: convergence -----------------------------------------------------------------------------


def convergence_explorer(
    X, rank=3, methods=("lee", "hals", "anls", "pgd"), max_iter=300, selected=("lee", "hals", "pgd")
):
    """Objective per iteration for several Frobenius methods from the same start.

    Each fit runs ``max_iter`` updates (``stop="none"``) and records ½‖X − WH‖² = ½ Σ (X − WH)².

    Parameters
    ----------
    X : array or DataFrame, G genes x S samples
        Non-negative data.
    rank : int
        K, the number of metagenes.
    methods : sequence of str
        Frobenius methods (see ``nmf``).
    max_iter : int
        Updates per fit.
    selected : sequence of str
        The methods selected at first: "anls" is left out, its 300 updates take about 0.1 s on the
        lecture example, so that a new seed redraws at once; select it to compare.

    Returns
    -------
    Explorer
        Its ``result`` is {method: NMFResult}.
    """
    controls = {
        "init": w.Dropdown(options=["random", "nndsvd", "nndsvda"], value="nndsvda", description="init"),
        "methods": w.SelectMultiple(
            options=list(methods),
            value=tuple(m for m in methods if m in selected),
            description="methods",
            rows=len(methods),
        ),
        "seed": slider("seed", 1, 0, 50),
    }

    def seed_matters(change=None):  # NNDSVD starts are deterministic: the seed would change nothing
        controls["seed"].disabled = controls["init"].value != "random"

    controls["init"].observe(seed_matters, names="value")
    seed_matters()
    return Explorer("Convergence of the algorithms", controls, _convergence_draw(X, rank, max_iter))


# -- 05: noise -----------------------------------------------------------------------------------


def noise_explorer(n_genes=300, n_samples=30, true_rank=3, seed=123):
    """Simulate the lecture's data with more or less noise, fit K metagenes, and see how well
    the true metagenes and clusters are recovered.

    X = WH + N(0, noise sd²) noise (negatives set to 0, see ``simulate_expression``), fitted by
    "brunet" (D(X‖WH) = Σ X log(X/WH) − X + WH). Recovery: the mean over the true metagenes of
    their largest correlation with a fitted one; purity of the clusters against the truth.

    Parameters
    ----------
    n_genes, n_samples, true_rank : int
        G, S and the true K of the simulated data.
    seed : int
        Seeds the simulation and the fit.

    Returns
    -------
    Explorer
        Its ``result`` is {"recovery": float, "purity": float, "fit": NMFResult}.
    """
    controls = {
        "noise_sd": slider("noise sd", 0.2, 0.0, 3.0, 0.1, False, w.FloatSlider),
        "rank": slider("K fitted", true_rank, 2, 6),
    }
    return Explorer("Noise against recovery", controls, _noise_draw(n_genes, n_samples, true_rank, seed))


# -- 10: counts ----------------------------------------------------------------------------------


def counts_explorer(counts, classes, library_sizes, rank=3, nrun=10, seed=1):
    """RNA-seq counts on four scales, each with its objective: KL on the raw counts, squared
    error on log2(CPM + 1), on log2(counts / s + 1) and on Anscombe's 2·sqrt(counts + 3/8).
    Shows how much sequencing depth stays in H (its column totals, W's columns scaled to sum 1,
    against library size) and the clusters against the true groups. Fitted once per scale.

    Parameters
    ----------
    counts : array or DataFrame, G genes x S samples
        Raw counts.
    classes : array-like, length S
        The true groups of the samples.
    library_sizes : array-like, length S
        Each sample's library size (its depth).
    rank, nrun, seed : int
        K, runs per fit and the seed of the fits.

    Returns
    -------
    Explorer
        Its ``result`` is {"fit": NMFResult, "purity": float, "depth_correlation": float}.
    """
    controls = {"scale": w.Dropdown(options=list(COUNT_SCALES), value="KL on raw counts", description="scale",
                                    layout=w.Layout(width="420px"))}  # fmt: skip
    return Explorer("Counts: scale, objective and depth", controls,
                    _counts_draw(counts, classes, library_sizes, rank, nrun, seed))  # fmt: skip


# -- 06: reading a fit ---------------------------------------------------------------------------


def reading_explorer(fit, X, classes=None, max_genes=30):
    """Read one metagene of a fit: its top genes in the data (ranked by loading, or by share of
    their loading, the most specific first) and its share of every sample's expression,
    (Σ_i W_ik)·H_kj over the sum across metagenes. Nothing is refitted: a change only redraws.

    Parameters
    ----------
    fit : NMFResult
        The fit to read.
    X : DataFrame, G genes x S samples
        The data it was fitted to.
    classes : array-like, length S, or None
        Known classes of the samples, for the colours of the shares.
    max_genes : int
        The largest number of genes the slider offers.

    Returns
    -------
    Explorer
        Its ``result`` is {"genes": list, "own_mean": float, "other_mean": float, "share": Series}:
        the genes shown, their mean in the metagene's own samples and elsewhere, and the shares.
    """
    controls = {
        "metagene": w.Dropdown(options=list(fit.W.columns), value=fit.W.columns[0], description="metagene"),
        "ranking": w.Dropdown(
            options=["loading (strongest)", "share (most specific)"], value="loading (strongest)", description="rank by"
        ),  # fmt: skip
        "n_genes": slider("genes", 10, 5, max_genes),
    }
    return Explorer("Reading a metagene", controls, _reading_draw(fit, X, classes))


# -- 07: choosing the rank -----------------------------------------------------------------------


def rank_choice_explorer(X, ranks=range(2, 7), nrun=10, seed=123, classes=None):
    """The rank survey with a K marker, and the consensus map of the chosen K (every K fitted and
    drawn when the explorer is made, so a move only shows its picture).

    Parameters
    ----------
    X : array or DataFrame, G genes x S samples
        Non-negative data.
    ranks : iterable of int
        The values of K surveyed (see ``rank_survey``).
    nrun : int
        Runs per K.
    seed : int
        The survey's seed.
    classes : array-like or Series, length S, or None
        Known labels of the samples, for purity and the consensus map's track.

    Returns
    -------
    Explorer
        Its ``result`` is {"fit": NMFResult of the chosen K, "survey": the survey table}.
    """
    ranks = list(ranks)
    survey, fits = rank_survey(X, ranks, nrun=nrun, seed=seed, classes=classes, return_fits=True)
    controls = {
        "rank": w.SelectionSlider(options=ranks, value=ranks[len(ranks) // 2], description="K", continuous_update=False)
    }
    every_K = [{"rank": K} for K in ranks]  # all fitted by the survey: draw each once, now
    return Explorer("Choosing K", controls, _rank_choice_draw(survey, fits, classes), prerender=every_K)


# -- 08: sparsity --------------------------------------------------------------------------------


def sparsity_explorer(X, rank=3, true_W=None, strengths=PENALTY_STRENGTHS, method="hals"):
    """Penalty strength against sparseness and error: W at the chosen alpha (exact zeros white)
    beside the whole path of sparseness and error. Every path the controls reach (3 choices of
    factors x 3 of l1_ratio, each a fit per alpha) is fitted when the explorer is made, a few
    seconds, so that every move only redraws.

    Each fit minimises ½‖X − WH‖² + λ1_W ΣW + ½ λ2_W ‖W‖² + λ1_H ΣH + ½ λ2_H ‖H‖² (see
    ``sparsity_path`` and ``penalty_weights``).

    Parameters
    ----------
    X : array or DataFrame, G genes x S samples
        Non-negative data.
    rank : int
        K, the number of metagenes.
    true_W : array or DataFrame, G x K, or None
        The true metagenes, if known: genes are then grouped by their true program.
    strengths : sequence of float
        The values of alpha (the slider's options).
    method : str
        A penalized Frobenius method (see ``sparsity_path``).

    Returns
    -------
    Explorer
        Its ``result`` is {"fit": NMFResult at the chosen alpha, "path": the path's table}.
    """
    controls = {
        "alpha": w.SelectionSlider(
            options=list(strengths), value=strengths[len(strengths) // 2], description="alpha", continuous_update=False
        ),
        "penalize": w.Dropdown(options=list(PENALIZE), value="W and H", description="penalize"),
        "l1_ratio": w.SelectionSlider(
            options=[0.0, 0.5, 1.0], value=1.0, description="l1_ratio", continuous_update=False
        ),
    }
    reachable = [(penalize, l1) for penalize in PENALIZE for l1 in controls["l1_ratio"].options]
    draw = _sparsity_draw(X, rank, true_W, strengths, method, precompute=reachable)
    return Explorer("Penalty strength against sparseness and error", controls, draw)


# -- 11: real cells --------------------------------------------------------------------------------


def cell_map_explorer(fit, coordinates, cell_types, genes=None, new=None):
    """One metagene at a time on real cells: each cell on a map (e.g. the tutorial's UMAP),
    coloured by the share of its expression that the metagene carries (soft membership), that
    share averaged per cell type, and the metagene's marker genes (largest W_gk·W_gk/Σ_l W_gl:
    large and specific). Nothing is refitted: every picture is drawn when the explorer is made.

    Parameters
    ----------
    fit : NMFResult
        A fit of genes x cells.
    coordinates : array or DataFrame, cells x 2
        Where to draw each fitted cell.
    cell_types : array-like, one per fitted cell
        Reference labels (e.g. the tutorial's cell types).
    genes : array-like or None
        Gene names for W's rows (default: W's index, or row numbers).
    new : (X_new, coordinates_new, cell_types_new) or None
        Cells not in the fit (genes x cells, the fit's genes), projected onto its metagenes with
        ``fit.project``: a second choice of cells to show.

    Returns
    -------
    Explorer
        Its ``result`` is {"shares": each shown cell's share, "by_type": the mean per type,
        "markers": the metagene's 8 marker genes}.
    """
    names = list(getattr(fit.W, "columns", [f"NMF{k + 1}" for k in range(fit.rank)]))
    genes = list(getattr(fit.W, "index", range(len(fit.W)))) if genes is None else list(genes)
    cells = ["fitted cells"] + ([] if new is None else ["new cells (projected)"])
    controls = {
        "metagene": w.Dropdown(options=names, value=names[0], description="metagene"),
        "cells": w.Dropdown(options=cells, value=cells[0], description="cells"),
    }
    every = [{"metagene": m, "cells": c} for m in names for c in cells]
    draw = _cell_map_draw(fit, coordinates, cell_types, genes, new)
    return Explorer("Metagenes in real cells", controls, draw, prerender=every)
