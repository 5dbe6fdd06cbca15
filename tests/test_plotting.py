"""Figures render headlessly and show what they claim: panels, labels, orderings, colour limits."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

import nmfteach as nt
from nmfteach import plotting


@pytest.fixture(scope="module")
def lecture_fit(lecture):
    return nt.nmf(lecture.X, 3, "brunet", nrun=10, seed=123)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def heatmap_axes(fig):
    return [
        ax
        for ax in fig.axes
        if ax.images and ax.images[0].get_array().shape[0] > 1 and ax.images[0].get_array().shape[1] > 1
    ]


def test_basis_map_orders_genes_into_blocks(lecture_fit):
    fig = plotting.basis_map(lecture_fit)
    (ax,) = heatmap_axes(fig)
    data = ax.images[0].get_array()
    assert data.shape == (300, 3)
    assert ax.get_xlabel() == "metagene" and "genes" in ax.get_ylabel()
    assert [t.get_text() for t in ax.get_xticklabels()] == ["NMF1", "NMF2", "NMF3"]
    np.testing.assert_allclose(data.sum(axis=1), 1.0)  # rows scaled to sum 1
    # clustering groups genes by their dominant metagene: few changes along the rows
    dominant = np.asarray(data).argmax(axis=1)
    assert (np.diff(dominant) != 0).sum() < 30


def test_coef_map_has_tracks_and_clustered_samples(lecture_fit, lecture):
    fig = plotting.coef_map(lecture_fit, classes=lecture.labels)
    (ax,) = heatmap_axes(fig)
    assert ax.images[0].get_array().shape == (3, 30)
    tracks = [a for a in fig.axes if a.images and a.images[0].get_array().shape[0] == 1]
    assert [a.get_ylabel() for a in tracks] == ["predicted", "class"]
    shown = [t.get_text() for t in ax.get_xticklabels()]
    assert sorted(shown) == sorted(lecture.X.columns)
    classes_in_order = lecture.labels[shown].to_numpy()
    assert (np.diff(classes_in_order) != 0).sum() == 2  # each class in one block
    assert fig._suptitle.get_text() == "Sample weights (H)"


def test_consensus_map(lecture_fit, lecture):
    fig = plotting.consensus_map(lecture_fit, classes=lecture.labels)
    (ax,) = heatmap_axes(fig)
    image = ax.images[0]
    assert image.get_clim() == (0, 1)
    data = np.asarray(image.get_array())
    assert data.shape == (30, 30) and np.allclose(np.diag(data), 1)
    # reordered by the tree: the three stable clusters are blocks on the diagonal
    assert np.allclose(data, np.kron(np.eye(3), np.ones((10, 10))))
    assert "cophenetic 1.000" in fig._suptitle.get_text()
    assert any(ax.collections for ax in fig.axes)  # the dendrogram is drawn
    with pytest.raises(ValueError, match="symmetric"):
        plotting.consensus_map(np.array([[1, 0.2], [0.3, 1]]))


def test_survey_plot(lecture):
    survey = nt.rank_survey(lecture.X, [2, 3, 4], nrun=3, seed=1, method="hals", randomized=True)
    fig = plotting.survey_plot(survey, highlight=3)
    panels = [ax for ax in fig.axes if ax.lines]
    labels = {ax.get_ylabel() for ax in panels}
    assert {"cophenetic correlation", "dispersion", "explained variance"} <= labels
    for ax in panels:
        assert ax.get_xlabel() == "rank K"
        curves = [line for line in ax.lines if len(line.get_xdata()) == 3]
        assert len(curves) == 2  # original and randomized
    assert [t.get_text() for t in panels[0].get_legend().get_texts()] == ["original data", "randomized data"]


def test_convergence_plot(lecture):
    fits = {m: nt.nmf(lecture.X, 3, m, seed=1, max_iter=50, stop="none") for m in ("lee", "hals")}
    fig = plotting.convergence_plot(fits)
    ax = fig.axes[0]
    assert ax.get_yscale() == "log" and ax.get_xlabel() == "iteration"
    assert [line.get_label() for line in ax.lines] == ["lee", "hals"]
    assert len(ax.lines[0].get_xdata()) == 51


def test_a_method_keeps_its_colour_whatever_the_order(lecture):
    fits = {m: nt.nmf(lecture.X, 3, m, seed=1, max_iter=5, stop="none") for m in ("lee", "hals", "pgd")}
    one = plotting.convergence_plot(fits).axes[0].lines
    other = plotting.convergence_plot(dict(reversed(fits.items()))).axes[0].lines
    colour = {line.get_label(): line.get_color() for line in one}
    assert colour == {line.get_label(): line.get_color() for line in other} and len(set(colour.values())) == 3


def test_component_plot_and_ax(lecture_fit, lecture):
    fig, ax = plt.subplots()
    assert plotting.component_plot(lecture_fit, classes=lecture.labels, ax=ax) is fig
    assert len(ax.collections) == 3 and ax.get_xlabel().startswith("component 1")
    assert sum(len(c.get_offsets()) for c in ax.collections) == 30


def test_top_genes_heatmap(lecture_fit, lecture):
    fig = plotting.top_genes_heatmap(lecture.X, lecture_fit, metagene=0, n=10, classes=lecture.labels)
    (ax,) = heatmap_axes(fig)
    assert ax.images[0].get_array().shape == (10, 30)
    expected = list(nt.top_genes(lecture_fit.W, n=10)["NMF1"])
    assert [t.get_text() for t in ax.get_yticklabels()] == expected
    assert "Top 10 genes of metagene NMF1" in fig._suptitle.get_text()


def test_nmf_vs_pca(lecture_fit, lecture):
    fig = plotting.nmf_vs_pca(lecture.X, lecture_fit, classes=lecture.labels)
    maps = [ax for ax in fig.axes if ax.images]
    assert [ax.get_title() for ax in maps] == ["PCA loadings (genes x PCs)", "NMF metagenes W (scaled)"]
    pca, nmf = (np.asarray(ax.images[0].get_array()) for ax in maps)
    assert pca.min() < 0 < pca.max()  # signed, subtractive
    assert nmf.min() >= 0  # additive parts
    scatter = [ax for ax in fig.axes if ax.collections and not ax.images]
    assert len(scatter) >= 2


def test_every_figure_of_a_notebook_is_shown(tmp_path):
    """Figures drawn by nmfteach.plotting in later cells are displayed inline too (a full
    plt.rc_context reset the backend and hid every figure after the first)."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell(
            "import nmfteach as nt\nfrom nmfteach import plotting\n"
            "sim = nt.lecture_example()\nfit = nt.nmf(sim.X, 3, nrun=2, seed=1)"
        ),
        nbformat.v4.new_code_cell("fig = plotting.basis_map(fit)"),
        nbformat.v4.new_code_cell("fig = plotting.coef_map(fit, classes=sim.labels)"),
        nbformat.v4.new_code_cell("fig = plotting.consensus_map(fit)"),
    ]
    NotebookClient(notebook, kernel_name="python3", timeout=120).execute()
    for cell in notebook.cells[1:]:
        assert any("image/png" in output.get("data", {}) for output in cell.outputs), cell.source


@pytest.mark.parametrize("layout", ["constrained", None])
def test_classes_and_clusters_never_share_a_colour_and_legends_cover_nothing(lecture_fit, lecture, layout):
    fig = plotting.consensus_map(lecture_fit, classes=lecture.labels, layout=layout, show_names=layout is not None)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    colours = {
        legend.get_title().get_text(): {h.get_facecolor() for h in legend.legend_handles} for legend in fig.legends
    }
    assert set(colours) == {"consensus", "class"} and not colours["consensus"] & colours["class"]
    for legend in fig.legends:
        box = legend.get_window_extent(renderer)
        assert not any(box.overlaps(ax.get_tightbbox(renderer)) for ax in fig.axes), "a legend covers a panel"
    plt.close(fig)


def test_sample_plots_colour_classes_like_the_maps_and_clusters_apart(lecture_fit, lecture):
    """component_plot and nmf_vs_pca: known classes in Tol's muted colours (as the maps' class track),
    predicted clusters in Okabe-Ito (as the maps' cluster track)."""
    from matplotlib.collections import PathCollection
    from matplotlib.colors import to_hex

    from nmfteach._drawing import OKABE_ITO, TOL_MUTED

    def scatter_colours(fig):
        return {
            to_hex(c.get_facecolor()[0]) for ax in fig.axes for c in ax.collections if isinstance(c, PathCollection)
        }

    for draw in (plotting.component_plot, lambda fit, **kw: plotting.nmf_vs_pca(lecture.X, fit, **kw)):
        with_classes = scatter_colours(draw(lecture_fit, classes=lecture.labels))
        assert with_classes <= {c.lower() for c in TOL_MUTED}
        predicted = scatter_colours(draw(lecture_fit))
        assert predicted <= {c.lower() for c in OKABE_ITO}
        plt.close("all")


def test_no_text_in_any_figure_or_explorer_is_smaller_than_the_minimum(lecture_fit, lecture):
    """Readable on a projector: every title, label, tick, legend and colour-bar text is at least MIN_FONT points
    (8) in every figure the package draws, the explorers' included."""
    from matplotlib.text import Text

    from nmfteach import widgets
    from nmfteach._drawing import MIN_FONT

    fits = {m: nt.nmf(lecture.X, 3, m, seed=1, max_iter=30, stop="none") for m in ("lee", "hals")}
    survey = nt.rank_survey(lecture.X, range(2, 5), nrun=2, seed=1, randomized=True)
    figures = {
        "basis_map": plotting.basis_map(lecture_fit),
        "coef_map": plotting.coef_map(lecture_fit, classes=lecture.labels),
        "consensus_map": plotting.consensus_map(lecture_fit, classes=lecture.labels),
        "survey_plot": plotting.survey_plot(survey, highlight=3),
        "convergence_plot": plotting.convergence_plot(fits),
        "component_plot": plotting.component_plot(lecture_fit, classes=lecture.labels),
        "top_genes_heatmap": plotting.top_genes_heatmap(lecture.X, lecture_fit, metagene=0, n=40),
        "nmf_vs_pca": plotting.nmf_vs_pca(lecture.X, lecture_fit, classes=lecture.labels),
    }
    explorers = {
        "mixing": widgets.mixing_explorer(),
        "rank": widgets.rank_explorer(lecture.X),
        "noise": widgets.noise_explorer(),
        "rank_choice": widgets.rank_choice_explorer(lecture.X, ranks=[2, 3], nrun=2, seed=1),
        "reading": widgets.reading_explorer(lecture_fit, lecture.X),
        "convergence": widgets.convergence_explorer(lecture.X, max_iter=20),
    }
    for name, explorer in explorers.items():
        drawn = explorer.figure if isinstance(explorer.figure, tuple) else (explorer.figure,)
        figures.update({f"{name} explorer {i}": figure for i, figure in enumerate(drawn)})
    for name, figure in figures.items():
        figure.canvas.draw()  # tick labels exist once drawn
        small = {
            (t.get_text()[:20], t.get_fontsize())
            for t in figure.findobj(Text)
            if t.get_visible() and t.get_text().strip() and t.get_fontsize() < MIN_FONT
        }
        assert not small, (name, sorted(small)[:5])
