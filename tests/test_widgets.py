"""Explorers draw their first state without a browser, and redraw when a control moves."""

import numpy as np
import pytest

import nmfteach as nt
from nmfteach import widgets


def test_mixing_explorer_rebuilds_the_sample():
    explorer = widgets.mixing_explorer()
    np.testing.assert_allclose(explorer.result, widgets.TOY_PROGRAMS["immune"])   # starts as pure immune
    explorer.controls["cell cycle"].value = 2.0
    expected = widgets.TOY_PROGRAMS["immune"] + 2 * widgets.TOY_PROGRAMS["cell cycle"]
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
    assert explorer.result is four                                   # cached: no new fit
    assert explorer.controls["rank"].continuous_update is False


def test_convergence_explorer(lecture):
    explorer = widgets.convergence_explorer(lecture.X, max_iter=50)
    assert set(explorer.result) == {"lee", "hals", "anls", "pgd"}
    explorer.controls["methods"].value = ("lee", "hals")
    ax = explorer.figure.axes[0]
    assert [line.get_label() for line in ax.lines] == ["lee", "hals"]
    explorer.controls["init"].value = "random"
    assert "'random'" in explorer.figure.axes[0].get_title()


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
    assert markers                                                   # the K marker moved to 2
    assert explorer.result["fit"].rank == 2
