"""Explorers draw their first state without a browser, and redraw when a control moves."""

import io

import matplotlib.pyplot as plt
import numpy as np
import pytest

import nmfteach as nt
from nmfteach import widgets


def test_mixing_explorer_rebuilds_the_sample():
    explorer = widgets.mixing_explorer()
    np.testing.assert_allclose(explorer.result, nt.TOY_PROGRAMS["immune"])  # starts as pure immune
    explorer.controls["cell cycle"].value = 2.0
    expected = nt.TOY_PROGRAMS["immune"] + 2 * nt.TOY_PROGRAMS["cell cycle"]
    np.testing.assert_allclose(explorer.result, expected)
    legend = [t.get_text() for t in explorer.figure.axes[0].get_legend().get_texts()]
    assert legend == ["immune × 1.0", "cell cycle × 2.0", "stress × 0.0"]


def test_rank_explorer_refits_and_caches(lecture):
    explorer = widgets.rank_explorer(lecture.X, classes=lecture.labels)
    assert explorer.result.rank == 3 and "purity 1.00" in explorer.figure._suptitle.get_text()
    explorer.controls["rank"].value = 4
    assert explorer.result.rank == 4 and explorer.figure._suptitle.get_text().startswith("K = 4")
    assert explorer.figure.axes[1].images[0].get_array().shape[0] == 4
    explorer.controls["method"].value = "hals"
    assert explorer.result.method == "hals"
    four = explorer.result
    explorer.controls["method"].value = "brunet"
    explorer.controls["method"].value = "hals"
    assert explorer.result is four  # cached: no new fit
    assert explorer.controls["rank"].continuous_update is False


def test_rank_explorer_precomputes_every_K_and_method_at_the_first_seed(lecture, monkeypatch):
    import nmfteach._explorer_draws as draws

    explorer = widgets.rank_explorer(lecture.X, ranks=(2, 4), methods=("hals", "lee"), precompute=True)
    monkeypatch.setattr(draws, "nmf", lambda *a, **k: pytest.fail("a move refitted"))
    for rank, method in [(2, "hals"), (4, "lee"), (3, "lee"), (2, "lee")]:
        explorer.controls["rank"].value, explorer.controls["method"].value = rank, method
        assert (explorer.result.rank, explorer.result.method) == (rank, method)
    monkeypatch.undo()
    explorer.controls["seed"].value = 2  # a new seed is fitted when asked for
    assert explorer.result.settings["seed"] == 2


def test_convergence_explorer(lecture):
    explorer = widgets.convergence_explorer(lecture.X, max_iter=50)
    assert set(explorer.result) == {"lee", "hals", "pgd"}  # ANLS, slow, is offered but not selected at first
    assert "anls" in explorer.controls["methods"].options
    explorer.controls["methods"].value = ("lee", "hals")
    ax = explorer.figure.axes[0]
    assert [line.get_label() for line in ax.lines] == ["lee", "hals"]
    assert explorer.controls["seed"].disabled  # an NNDSVD start does not depend on the seed
    explorer.controls["init"].value = "random"
    assert "'random'" in explorer.figure.axes[0].get_title() and not explorer.controls["seed"].disabled
    before = explorer.png
    explorer.controls["seed"].value = 7
    assert explorer.png != before  # a random start does


def test_noise_explorer_recovery_falls_with_noise():
    explorer = widgets.noise_explorer()
    clean = explorer.result["recovery"]
    explorer.controls["noise_sd"].value = 3.0
    noisy = explorer.result["recovery"]
    assert clean > 0.95 and noisy < clean
    assert explorer.figure.axes[0].get_title().startswith("noise sd 3.0")


def test_rank_choice_explorer(lecture):
    explorer = widgets.rank_choice_explorer(lecture.X, ranks=[2, 3, 4], nrun=4, seed=1, classes=lecture.labels)
    survey_figure, consensus_figure = explorer.figure
    assert "K = 3" in consensus_figure._suptitle.get_text()
    explorer.controls["rank"].value = 2
    survey_figure, consensus_figure = explorer.figure
    assert "K = 2" in consensus_figure._suptitle.get_text()
    markers = [line for ax in survey_figure.axes for line in ax.lines if list(line.get_xdata()) == [2, 2]]
    assert markers  # the K marker moved to 2
    assert explorer.result["fit"].rank == 2


def test_sparsity_explorer_moves_along_the_penalty_path(monkeypatch):
    sim = nt.simulate_expression(
        n_genes=120, n_samples=24, rank=3, seed=8, membership="soft", concentration=0.5, program_density=0.25
    )
    explorer = nt.widgets.sparsity_explorer(sim.X, 3, true_W=sim.W, strengths=(0.0, 0.01, 0.05))
    path = explorer.result["path"]
    assert list(path.index) == [0.0, 0.01, 0.05]
    assert path["zeros_W"].is_monotonic_increasing and path["rel_error"].is_monotonic_increasing
    explorer.controls["alpha"].value = 0.0
    plain = explorer.result["fit"]
    explorer.controls["alpha"].value = 0.05
    sparse = explorer.result["fit"]
    assert np.mean(np.asarray(sparse.W) == 0) > np.mean(np.asarray(plain.W) == 0)
    assert explorer.result["path"] is path  # the path was fitted once
    assert "alpha 0.05" in explorer.figure.texts[0].get_text()
    import nmfteach._explorer_draws as draws

    monkeypatch.setattr(draws, "sparsity_path", lambda *a, **k: pytest.fail("a move refitted"))
    explorer.controls["penalize"].value = "W only"  # the scale dodge: W shrinks, H grows
    dodge = explorer.result["path"]
    assert dodge["l1_W"].iloc[-1] < dodge["l1_W"].iloc[0] and dodge["l1_H"].iloc[-1] > dodge["l1_H"].iloc[0]
    explorer.controls["l1_ratio"].value = 0.0  # every path was fitted when the explorer was made
    assert "l1_ratio 0" in explorer.figure.texts[0].get_text()


def test_counts_explorer_fits_each_scale_once_and_redraws(monkeypatch):
    import nmfteach._explorer_draws as draws

    sizes = np.tile([0.3, 1.0, 3.0], 4)
    reads = nt.simulate_expression(n_genes=60, n_samples=12, rank=3, noise="negative_binomial", depth=20,
                                   dispersion=0.1, library_sizes=sizes, seed=1)  # fmt: skip
    explorer = widgets.counts_explorer(reads.X, classes=reads.labels, library_sizes=sizes, nrun=2)
    calls = []
    monkeypatch.setattr(draws, "nmf", lambda *a, **k: calls.append(a))  # no fit after the explorer is made
    seen = {}
    for scale in widgets.COUNT_SCALES:
        explorer.controls["scale"].value = scale
        seen[scale] = explorer.result
        assert explorer.figure._suptitle.get_text() == scale
    assert calls == [] and len({id(r["fit"]) for r in seen.values()}) == 4
    kl = seen["KL on raw counts"]
    assert kl["depth_correlation"] > 0.9 and 0 <= kl["purity"] <= 1 and kl["fit"].method == "brunet"


def test_reading_explorer_redraws_without_refitting(lecture):
    fit = nt.nmf(lecture.X, 3, "brunet", seed=1)
    explorer = widgets.reading_explorer(fit, lecture.X, classes=lecture.labels)
    strongest = explorer.result["genes"]
    assert strongest == list(nt.top_genes(fit.W, n=10)["NMF1"])
    explorer.controls["ranking"].value = "share (most specific)"
    assert explorer.result["genes"] != strongest and len(explorer.result["genes"]) == 10
    explorer.controls["n_genes"].value = 20
    assert len(explorer.result["genes"]) == 20
    explorer.controls["metagene"].value = "NMF2"
    share = explorer.result["share"]
    parts = fit.W.sum(axis=0).to_numpy()[:, None] * fit.H.to_numpy()
    np.testing.assert_allclose(share.to_numpy(), parts[1] / parts.sum(axis=0))
    assert explorer.figure._suptitle.get_text() == "Reading NMF2"


def test_nmf_pca_explorer_never_beats_the_svd_and_fits_each_rank_once(lecture):
    explorer = widgets.nmf_pca_explorer(lecture.X)
    for rank in (1, 3, 5, 3):
        explorer.controls["rank"].value = rank
        result = explorer.result
        assert result["svd_error"] <= result["nmf_error"] + 1e-12 and result["nmf_negative"] == 0
        assert 0 < result["pca_negative"] < 1


def test_ambiguity_explorer_keeps_the_product_until_a_coefficient_turns_negative():
    X = np.array([[4.0, 1.0, 3.0], [2.0, 5.0, 1.0]])
    W = np.array([[1.0, 0.5], [0.5, 2.0]])
    H = np.array([[3.0, 0.5, 2.0], [0.5, 2.0, 0.5]])
    explorer = widgets.ambiguity_explorer(X, W, H)
    start = explorer.result["objective"]
    for t, c in ((0.0, 1.0), (0.25, 4.0), (0.1, 0.25)):
        explorer.controls["t"].value, explorer.controls["c"].value = t, c
        assert explorer.result["is_nmf"] and np.isclose(explorer.result["objective"], start)
        np.testing.assert_allclose(explorer.result["W"] @ explorer.result["H"], W @ H)
    explorer.controls["t"].value = 0.3
    assert not explorer.result["is_nmf"]
    assert explorer.figure._suptitle.get_text() == "t = 0.3, c = 0.25: not an NMF any more"


def test_cell_map_explorer_shows_each_metagenes_share_of_every_cell(lecture):
    fit = nt.nmf(lecture.X, 3, "hals", init="nndsvda")
    coordinates = np.random.default_rng(0).normal(size=(lecture.X.shape[1], 2))
    types = lecture.labels.map({1: "a", 2: "b", 3: "c"}).to_numpy()
    new = (lecture.X.iloc[:, :6], coordinates[:6], types[:6])  # projected by the explorer
    explorer = widgets.cell_map_explorer(fit, coordinates, types, new=new)
    explorer._draw = lambda **values: pytest.fail("a move redrew")  # every picture was drawn when it was made
    shares = {}
    for metagene in ("NMF1", "NMF2", "NMF3"):
        explorer.controls["metagene"].value = metagene
        shares[metagene] = explorer.result["shares"]
        assert len(explorer.result["markers"]) == 8 and metagene in explorer.figure._suptitle.get_text()
    np.testing.assert_allclose(sum(shares.values()), 1.0)  # a cell's shares over the metagenes sum to 1
    assert {explorer.result["by_type"].idxmax() for metagene in shares} <= {"a", "b", "c"}
    tops = {}
    for metagene in shares:  # pure simulated clusters: each metagene is most used by one type, a different one each
        explorer.controls["metagene"].value = metagene
        tops[metagene] = explorer.result["by_type"].idxmax()
    assert sorted(tops.values()) == ["a", "b", "c"]
    explorer.controls["cells"].value = "new cells (projected)"
    assert len(explorer.result["shares"]) == 6


def test_convergence_explorers_lee_never_increases_its_objective(lecture):
    """Lesson 04 says multiplicative updates never increase the objective: the explorer's "lee" compensates H
    for R's rescaling of W (rescale="both"), so its trace is monotone from every start."""
    explorer = widgets.convergence_explorer(lecture.X, max_iter=100)
    for init in ("nndsvd", "nndsvda", "random"):
        explorer.controls["init"].value = init
        history = explorer.result["lee"].history.to_numpy()
        assert (np.diff(history) <= 1e-9 * history[:-1]).all(), init
    assert "H compensated" in explorer.figure.axes[0].get_title()


def test_explorer_pictures_are_shown_at_the_size_they_were_drawn():
    explorer = widgets.mixing_explorer()
    picture = explorer.pictures.children[0]
    assert picture.width == str(int(explorer.figure.get_figwidth() * 80))  # the PNG's own width, in pixels


def test_every_explorer_fits_a_1400_by_900_window_with_its_controls(lecture):
    """Pictures shown at their drawn size: at most 1,300 px wide and 700 px tall in all, leaving room for the
    controls and JupyterLab's own bars in a 1400 x 900 window."""
    fit = nt.nmf(lecture.X, 3, "brunet", nrun=4, seed=1)
    sizes = {
        "ambiguity": widgets.ambiguity_explorer(
            np.array([[4.0, 1.0], [2.0, 5.0]]), np.eye(2), np.array([[4.0, 1.0], [2.0, 5.0]])
        )
    }
    sizes.update(
        rank=widgets.rank_explorer(lecture.X),
        mixing=widgets.mixing_explorer(),
        nmf_pca=widgets.nmf_pca_explorer(lecture.X, ranks=(1, 3)),
        convergence=widgets.convergence_explorer(lecture.X, max_iter=20),
        noise=widgets.noise_explorer(),
        rank_choice=widgets.rank_choice_explorer(lecture.X, ranks=[2, 3], nrun=2, seed=1),
        reading=widgets.reading_explorer(fit, lecture.X),
    )
    for name, explorer in sizes.items():
        widths = [int.from_bytes(png[16:20], "big") for png in explorer.png]
        heights = [int.from_bytes(png[20:24], "big") for png in explorer.png]
        assert max(widths) <= 1300 and sum(heights) <= 700, (name, widths, heights)


def test_an_explorer_is_displayed_with_its_snapshot_for_where_widgets_are_not_drawn(lecture):
    """An explorer's output holds the live widget and a PNG of its pictures stacked under a caption naming its
    controls: JupyterLab shows that PNG in a notebook it does not trust (not run on this computer), and never
    the widget's Python repr."""
    explorer = widgets.rank_choice_explorer(lecture.X, ranks=[2, 3], nrun=2, seed=1)
    bundle = explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert "Explorer(" not in bundle["text/plain"] and "run the cell" in bundle["text/plain"]
    png = bundle["image/png"]
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    widths = [int.from_bytes(p[16:20], "big") for p in explorer.png]
    heights = [int.from_bytes(p[20:24], "big") for p in explorer.png]
    assert len(explorer.png) == 2 and width == max(widths) and height == sum(heights) + 26
    # the pictures themselves, pixel for pixel, under the caption
    stacked = plt.imread(io.BytesIO(png), format="png")
    first = plt.imread(io.BytesIO(explorer.png[0]), format="png")
    assert np.abs(stacked[26 : 26 + first.shape[0], : first.shape[1], :3] - first[..., :3]).max() < 2 / 255
