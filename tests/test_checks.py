"""The exercises' self-checks say right, wrong or missing in plain words."""

import nmfteach as nt


def test_dimensions(capsys, lecture):
    nt.checks.dimensions({"G": 300, "S": 30})
    assert capsys.readouterr().out.startswith("Correct!")
    nt.checks.dimensions({"G": 30, "S": 300})
    assert "Not yet: you have G = 30, S = 300" in capsys.readouterr().out
    nt.checks.dimensions({})
    assert "there is no variable `G`" in capsys.readouterr().out


def test_sklearn_orientation(capsys, lecture):
    nt.checks.sklearn_orientation({"X_sklearn": lecture.X.T})
    assert capsys.readouterr().out.startswith("Correct!")
    nt.checks.sklearn_orientation({"X_sklearn": lecture.X})
    assert "transpose X" in capsys.readouterr().out
    nt.checks.sklearn_orientation({"X_sklearn": lecture.X.T * 2})
    assert "values are not X transposed" in capsys.readouterr().out


def test_mixed_sample(capsys):
    W = nt.widgets.TOY_PROGRAMS[["immune", "cell cycle"]].to_numpy()
    nt.checks.mixed_sample({"x": W @ [2.0, 0.5]})
    assert capsys.readouterr().out.startswith("Correct!")
    nt.checks.mixed_sample({"x": W @ [0.5, 2.0]})
    assert "W @ [2, 0.5]" in capsys.readouterr().out
    nt.checks.mixed_sample({"x": [1.0, 2.0]})
    assert "one value per gene (10)" in capsys.readouterr().out


def test_sample_weights(capsys):
    nt.checks.sample_weights({"h4": [[0.5], [1.5]]})
    assert capsys.readouterr().out.startswith("Correct!")
    nt.checks.sample_weights({"h4": [1.0, 1.0]})
    assert "Not yet: you found [1. 1.]" in capsys.readouterr().out
