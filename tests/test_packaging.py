"""The promises of the README: two commands, one set of pins, the data shipped with the package."""

import re
import sys
import tomllib
from importlib import resources
from pathlib import Path

import pytest

import nmfteach as nt

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import course  # noqa: E402


def pinned() -> dict:
    lines = (ROOT / "constraints.txt").read_text().splitlines()
    return dict(line.lower().split("==") for line in lines if "==" in line and not line.startswith("#"))


def test_every_dependency_is_pinned():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = project["dependencies"] + project["optional-dependencies"]["test"]
    names = {re.split(r"[<>=!~\[ ;]", spec)[0].lower() for spec in wanted}
    assert names <= set(pinned()), f"not pinned: {names - set(pinned())}"


def test_conda_environment_uses_the_same_pins():
    text = (ROOT / "environment.yml").read_text()
    assert "- -c constraints.txt" in text and "- -e .[test]" in text
    version = tuple(int(v) for v in re.search(r"python=(\d+)\.(\d+)", text).groups())
    assert course.SUPPORTED[0] <= version <= course.SUPPORTED[1]


def test_readme_quick_start_is_two_commands_and_ci_runs_the_test_one():
    readme = (ROOT / "README.md").read_text()
    block = readme.split("## Quick start", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in block.strip().splitlines()]
    assert commands == ["python3 course.py lab", "python3 course.py test"]
    ci = (ROOT / ".ci" / "run").read_text()
    assert "python3 course.py test" in ci and "rm -rf .venv" in ci


def test_no_tests_collected_is_a_failure(monkeypatch):
    monkeypatch.setattr(course, "ensure_environment", lambda extra: Path(sys.executable))
    monkeypatch.setattr(course, "run", lambda command, check=True: 5)
    assert course.main(["test"]) == 1
    monkeypatch.setattr(course, "run", lambda command, check=True: 0)
    assert course.main(["test"]) == 0
    assert course.main([]) == 2


def test_golub_is_shipped_with_its_provenance():
    folder = resources.files("nmfteach") / "data" / "golub"
    assert "Brunet" in (folder / "README.md").read_text()
    golub = nt.load_golub()
    assert golub.X.shape == (5000, 38)
    assert golub.X.to_numpy().min() == 20 and golub.X.to_numpy().max() == 61225
    assert golub.samples["subtype"].value_counts().to_dict() == {"ALL-B": 19, "AML": 11, "ALL-T": 8}
    assert list(golub.samples.index) == list(golub.X.columns)
    assert golub.genes.index.equals(golub.X.index)
    assert golub.genes["M12759_at"] == "IMMUNOGLOBULIN J CHAIN"
    assert "19 ALL-B" in repr(golub)


def test_lecture_example_is_the_lecture_recipe_with_seed_123():
    sim = nt.lecture_example()
    again = nt.simulate_expression(n_genes=300, n_samples=30, rank=3, noise_sd=0.2, seed=123)
    assert sim.X.equals(again.X)


def test_lecture_example_as_r_made_it():
    sim = nt.lecture_example(source="R")
    assert sim.X.shape == (300, 30) and sim.W.shape == (300, 3)
    assert list(sim.labels) == [1] * 10 + [2] * 10 + [3] * 10
    assert (sim.X.to_numpy() >= 0).all() and sim.W.to_numpy().max() <= 2
    assert "set.seed(123)" in (resources.files("nmfteach") / "data" / "lecture" / "README.md").read_text()
    with pytest.raises(ValueError, match="unknown source"):
        nt.lecture_example(source="python")
