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
