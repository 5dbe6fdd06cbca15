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
import numpy as np
import pandas as pd

from .consensus import purity
from .datasets import TOY_PROGRAMS
from .fit import nmf
from .plotting import OKABE_ITO, consensus_map, convergence_plot, styled, survey_plot
from .rank import rank_survey
from .simulate import simulate_expression
from .sparsity import PENALIZE, PENALTY_STRENGTHS, sparsity_path

__all__ = [
    "Explorer",
    "slider",
    "mixing_explorer",
    "rank_explorer",
    "convergence_explorer",
    "noise_explorer",
    "rank_choice_explorer",
    "sparsity_explorer",
]


class Explorer(w.VBox):
    """Controls (a dict name -> widget) above the picture that ``draw(**values)`` makes; draw
    returns (figure or tuple of figures, result)."""

    def __init__(self, title, controls, draw):
        self.controls, self._draw = controls, draw
        self.figure = self.result = None
        self.png = ()
        self.pictures = w.VBox()
        for control in controls.values():
            control.observe(self.update, names="value")
        super().__init__([w.HTML(f"<b>{title}</b>"), w.HBox(list(controls.values())), self.pictures])
        self.update()

    @property
    def values(self):
        return {name: control.value for name, control in self.controls.items()}

    def update(self, change=None):
        """Redraw for the controls' current values (called whenever one changes)."""
        self.figure, self.result = self._draw(**self.values)
        figures = self.figure if isinstance(self.figure, tuple) else (self.figure,)
        self.png = tuple(_png(figure) for figure in figures)
        if len(self.pictures.children) != len(self.png):
            self.pictures.children = [w.Image(format="png") for _ in self.png]
        for picture, png in zip(self.pictures.children, self.png):
            picture.value = png


def _png(figure, dpi=80) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    plt.close(figure)
    return buffer.getvalue()


def _genes_by_metagene(W):
    """Row order that groups genes by their largest metagene, strongest first within a group."""
    return np.lexsort((-W.max(axis=1), W.argmax(axis=1)))


def slider(description, value, low, high, step=1, continuous=False, kind=w.IntSlider):
    """A labelled slider for an Explorer; ``continuous=False`` (redraw on release) where a fit runs."""
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
    """One sample x = W h built from metagenes: a slider per metagene sets its weight h_k."""
    controls = {
        name: slider(name, 1.0 if k == 0 else 0.0, 0.0, 2.0, 0.1, True, w.FloatSlider)
        for k, name in enumerate(W.columns)
    }

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
        ax.set_title("A sample rebuilt from metagenes: x = W h (stacked contributions)")
        ax.legend(frameon=False, fontsize=8)
        return fig, pd.Series(W.to_numpy() @ h, index=W.index, name="sample")

    return Explorer("Mix a sample from metagenes", controls, draw)


# -- 04/06: rank, seed and method ----------------------------------------------------------------


def rank_explorer(X, classes=None, ranks=(2, 6), methods=("brunet", "lee", "hals", "anls"), nrun=1):
    """Fit X with the chosen K, seed and method; show W and H (clustered) and the clusters."""
    controls = {
        "rank": slider("K", 3, *ranks),
        "seed": slider("seed", 1, 0, 50),
        "method": w.Dropdown(options=list(methods), value=methods[0], description="method"),
    }
    cache = {}

    @styled
    def draw(rank, seed, method):
        key = (rank, seed, method)
        if key not in cache:
            cache[key] = nmf(X, rank, method, nrun=nrun, seed=seed, trace_every=0)
        fit = cache[key]
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
        fig.suptitle(f"K = {rank}, seed {seed}, {method}: {fit.n_iter} iterations{score}")
        return fig, fit

    return Explorer("Rank, seed and method", controls, draw)


# -- 04: convergence -----------------------------------------------------------------------------


def convergence_explorer(X, rank=3, methods=("lee", "hals", "anls", "pgd"), max_iter=300):
    """Objective per iteration for several Frobenius methods from the same start."""
    controls = {
        "init": w.Dropdown(options=["random", "nndsvd", "nndsvda"], value="nndsvda", description="init"),
        "methods": w.SelectMultiple(
            options=list(methods), value=tuple(methods), description="methods", rows=len(methods)
        ),
        "seed": slider("seed", 1, 0, 50),
    }
    cache = {}

    @styled
    def draw(init, methods, seed):
        fits = {}
        for method in methods:
            key = (init, method, seed)
            if key not in cache:
                cache[key] = nmf(X, rank, method, init=init, seed=seed, max_iter=max_iter, stop="none")
            fits[method] = cache[key]
        fig, ax = plt.subplots(figsize=(6, 3.6))
        fig.subplots_adjust(left=0.13, right=0.97, bottom=0.14, top=0.9)
        convergence_plot(fits, ax=ax, title=f"½‖X − WH‖² per iteration, start '{init}'")
        return fig, fits

    def seed_matters(change=None):  # NNDSVD starts are deterministic: the seed would change nothing
        controls["seed"].disabled = controls["init"].value != "random"

    controls["init"].observe(seed_matters, names="value")
    seed_matters()
    return Explorer("Convergence of the algorithms", controls, draw)


# -- 05: noise -----------------------------------------------------------------------------------


def noise_explorer(n_genes=300, n_samples=30, true_rank=3, seed=123):
    """Simulate the lecture's data with more or less noise, fit K metagenes, and see how well
    the true metagenes and clusters are recovered."""
    controls = {
        "noise_sd": slider("noise sd", 0.2, 0.0, 3.0, 0.1, False, w.FloatSlider),
        "rank": slider("K fitted", true_rank, 2, 6),
    }
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
        fig, ax = plt.subplots(figsize=(5.5, 3.4))
        fig.subplots_adjust(left=0.12, right=0.95, bottom=0.15, top=0.88)
        image = ax.imshow(found, cmap="viridis", vmin=-1, vmax=1)
        ax.set_xlabel("metagene found"), ax.set_ylabel("true metagene")
        ax.set_xticks(range(rank), labels=[str(k + 1) for k in range(rank)])
        ax.set_yticks(range(true_rank), labels=[str(k + 1) for k in range(true_rank)])
        fig.colorbar(image, ax=ax, label="correlation")
        ax.set_title(f"noise sd {noise_sd:.1f}, K = {rank}: recovery {recovery:.2f}, purity {clusters:.2f}")
        return fig, {"recovery": recovery, "purity": clusters, "fit": fit}

    return Explorer("Noise against recovery", controls, draw)


# -- 07: choosing the rank -----------------------------------------------------------------------


def rank_choice_explorer(X, ranks=range(2, 7), nrun=10, seed=123, classes=None):
    """The rank survey with a K marker, and the consensus map of the chosen K (fits made once)."""
    ranks = list(ranks)
    survey, fits = rank_survey(X, ranks, nrun=nrun, seed=seed, classes=classes, return_fits=True)
    controls = {
        "rank": w.SelectionSlider(options=ranks, value=ranks[len(ranks) // 2], description="K", continuous_update=False)
    }

    @styled
    def draw(rank):
        figures = (
            survey_plot(survey, measures=["cophenetic", "dispersion", "evar"], highlight=rank, layout=None),
            consensus_map(fits[rank], classes=classes, title=f"Consensus, K = {rank}", layout=None, show_names=False),
        )
        return figures, {"fit": fits[rank], "survey": survey}

    return Explorer("Choosing K", controls, draw)


# -- 08: sparsity --------------------------------------------------------------------------------


def sparsity_explorer(X, rank=3, true_W=None, strengths=PENALTY_STRENGTHS, method="hals"):
    """Penalty strength against sparseness and error: W at the chosen alpha (exact zeros white)
    beside the whole path of sparseness and error, fitted once per (factors, l1_ratio)."""
    controls = {
        "alpha": w.SelectionSlider(
            options=list(strengths), value=strengths[len(strengths) // 2], description="alpha", continuous_update=False
        ),
        "penalize": w.Dropdown(options=list(PENALIZE), value="W and H", description="penalize"),
        "l1_ratio": w.SelectionSlider(
            options=[0.0, 0.5, 1.0], value=1.0, description="l1_ratio", continuous_update=False
        ),
    }
    paths = {}
    truth = None if true_W is None else np.asarray(true_W)

    @styled
    def draw(alpha, penalize, l1_ratio):
        key = (penalize, l1_ratio)
        if key not in paths:
            paths[key] = sparsity_path(X, rank, penalize, l1_ratio, strengths, method)
        table, fits = paths[key]
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

    return Explorer("Penalty strength against sparseness and error", controls, draw)
