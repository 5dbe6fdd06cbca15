"""Shared fixtures: the lecture's simulated example, the Golub data and R NMF reference values."""

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # figures render headlessly in tests

import numpy as np
import pandas as pd
import pytest

import nmfteach as nt

R_FIXTURES = Path(__file__).parent / "fixtures" / "r_nmf"
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))  # the course's tools: classroom, build_site


def r_matrix(name: str) -> np.ndarray:
    """A matrix written by tests/fixtures/r_nmf/make_fixtures.R (17 significant digits)."""
    return np.loadtxt(R_FIXTURES / f"{name}.csv.gz", delimiter=",", ndmin=2)


def r_value(case: str, what: str) -> float:
    table = pd.read_csv(R_FIXTURES / "summary.csv")
    return float(table.loc[(table.case == case) & (table.what == what), "value"].item())


@pytest.fixture(scope="session")
def lecture():
    return nt.lecture_example()


@pytest.fixture(scope="session")
def golub():
    return nt.load_golub()


@pytest.fixture(scope="session")
def golub_nndsvd(golub):
    return nt.initialize(golub.X, 3, "nndsvd")


def small_problem(seed: int, n_genes: int = 40, n_samples: int = 12, rank: int = 3):
    """A small random non-negative matrix with some exact zeros, for property tests."""
    rng = np.random.default_rng(seed)
    X = rng.gamma(1.0, 2.0, size=(n_genes, rank)) @ rng.gamma(1.0, 1.0, size=(rank, n_samples))
    X += rng.uniform(0, 0.5, size=X.shape)
    X[rng.uniform(size=X.shape) < 0.05] = 0.0
    return X
