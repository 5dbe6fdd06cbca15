"""The assignments' data ship with the package (A2's matrix), without the K that made them."""

import gzip
import re
import sys
import tomllib
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

import nmfteach as nt

ROOT = Path(__file__).resolve().parents[1]
FOLDER = resources.files("nmfteach") / "data" / "assignments"


def test_choose_the_rank_is_shipped_as_genes_x_samples():
    X = nt.load_assignment_data("choose_the_rank")
    assert X.shape == (300, 48) and (X.index.name, X.columns.name) == ("gene", "sample")
    assert list(X.index[:2]) == ["Gene_1", "Gene_2"] and list(X.columns[:2]) == ["Sample_1", "Sample_2"]
    values = X.to_numpy()
    assert values.dtype == float and np.isfinite(values).all() and values.min() >= 0
    assert np.allclose(values, np.round(values, 3))  # as written: 3 decimals


def test_the_package_ships_the_data_and_the_readme_keeps_k_secret():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert "nmfteach.data.assignments" in project["packages"]
    assert set(project["package-data"]["nmfteach.data.assignments"]) >= {"*.csv.gz", "*.md"}
    readme = (FOLDER / "README.md").read_text()
    assert "load_assignment_data" in readme and "choose_the_rank.csv.gz" in readme
    assert not re.search(r"\bK\s*=\s*\d", readme) and "rank=" not in readme


def test_unknown_names_are_refused_with_the_choices():
    with pytest.raises(ValueError, match="choose_the_rank"):
        nt.load_assignment_data("A2")


def test_the_script_writes_the_same_bytes_every_time(tmp_path):
    """tools/make_assignment_data.py: K and the seed come from the command line (here made-up ones)."""
    sys.path.insert(0, str(ROOT / "tools"))
    import make_assignment_data

    first, second = tmp_path / "a.csv.gz", tmp_path / "b.csv.gz"
    assert make_assignment_data.main(["--rank", "3", "--seed", "12345", "--out", str(first)]) == 0
    make_assignment_data.main(["--rank", "3", "--seed", "12345", "--out", str(second)])
    assert first.read_bytes() == second.read_bytes()
    header = gzip.decompress(first.read_bytes()).decode().splitlines()[0]
    assert header.startswith("gene,Sample_1,") and header.count(",") == 48
