"""Numbers from R that the lessons type in (R is not needed to run the lessons) are the ones R wrote."""

import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]


def _typed_series(source: str, name: str) -> dict:
    """The {K: value} dict typed after '"name": ' in a code cell."""
    found = re.search(re.escape(f'"{name}": ') + r"\{([^}]*)\}", source)
    assert found, f"no {name!r} values in the cell"
    return {int(k): float(v) for k, v in re.findall(r"(\d+):\s*([0-9.]+)", found.group(1))}


def test_lesson_09_quotes_r_s_golub_survey_as_the_r_script_wrote_it():
    rules = pd.read_csv(ROOT / "tests" / "fixtures" / "r_nmf" / "golub_cluster_rules.csv").set_index("rank")
    lesson = nbformat.read(ROOT / "lessons" / "09_case_study_golub.ipynb", as_version=4)
    (cell,) = [c for c in lesson.cells if c.cell_type == "code" and "r_cophenetic = " in c.source]
    for column, name in (("r_summary", "R NMF"), ("dominant_metagene", "R's runs, dominant metagene")):
        typed = _typed_series(cell.source, name)
        assert sorted(typed) == [2, 3, 4, 5]
        for k, value in typed.items():
            assert value == pytest.approx(round(rules.loc[k, column], 4), abs=1e-12), (name, k)
    # R's own summary() is its largest-coefficient rule, recomputed by hand in the script
    assert (rules["r_summary"] - rules["largest_H"]).abs().max() < 1e-12


def test_lesson_09_k2_sentence_matches_what_r_wrote():
    """R's predict() puts one ALL-B sample with AML (its consensus two); the dominant metagene AML_13 with ALL."""
    misplaced = pd.read_csv(ROOT / "tests" / "fixtures" / "r_nmf" / "golub_k2_misplaced.csv").set_index("rule")
    samples = {rule: value.split(";") for rule, value in misplaced["misplaced"].items()}
    all_b = [s for s in misplaced["misplaced"].str.split(";").sum() if s.startswith("ALL_") and "B-cell" in s]
    assert len(samples["largest_H"]) == 1 and set(samples["largest_H"]) <= set(all_b)
    assert len(samples["consensus"]) == 2 and set(samples["consensus"]) <= set(all_b)
    assert samples["dominant_metagene"] == ["AML_13"]
    lesson = nbformat.read(ROOT / "lessons" / "09_case_study_golub.ipynb", as_version=4)
    (cell,) = [c for c in lesson.cells if c.cell_type == "markdown" and "At K = 2 the rule matters" in c.source]
    text = " ".join(cell.source.split())
    assert "puts one ALL-B sample with the AML samples (and R's consensus clusters put two there)" in text
    assert "puts one AML sample (AML_13) with the ALL samples" in text
