"""Data sets used by the lessons: the lecture's simulated example and Golub ALL/AML.

The Golub data (5000 genes x 38 samples, Brunet et al. 2004) ship inside the package under
``nmfteach/data/golub``, with their provenance in ``README.md`` there.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import pandas as pd

from .simulate import SimulatedExpression, simulate_expression

__all__ = ["load_golub", "lecture_example", "Golub", "LECTURE_SEED"]

LECTURE_SEED = 123


@dataclass(frozen=True, repr=False)
class Golub:
    """X: 5000 probes x 38 samples (raw array intensities); samples: one row per sample with
    ``disease`` (ALL/AML), ``cell_type`` and ``subtype`` (ALL-B, ALL-T, AML); genes: probe
    descriptions."""

    X: pd.DataFrame
    samples: pd.DataFrame
    genes: pd.Series

    def __repr__(self) -> str:
        counts = ", ".join(f"{n} {k}" for k, n in self.samples["subtype"].value_counts().sort_index().items())
        return f"<Golub ALL/AML: {self.X.shape[0]} genes x {self.X.shape[1]} samples ({counts})>"


def load_golub() -> Golub:
    """The Golub leukemia data as used by Brunet et al. (2004); see the package's data README."""
    folder = resources.files("nmfteach") / "data" / "golub"
    with resources.as_file(folder) as path:
        X = pd.read_csv(path / "expression.csv.gz", index_col=0).astype(float)
        samples = pd.read_csv(path / "samples.csv", index_col="sample", keep_default_na=False)
        genes = pd.read_csv(path / "genes.csv.gz", index_col="probe")["description"]
    X.index.name, X.columns.name = "probe", "sample"
    samples = samples.loc[X.columns]
    return Golub(X=X, samples=samples, genes=genes.loc[X.index])


def lecture_example() -> SimulatedExpression:
    """The lecture's simulated example: 300 genes x 30 samples, K = 3, noise sd 0.2, seed 123.

    The recipe is the lecture's; the random numbers are numpy's, not R's, so individual values
    (and the lecture's list of top genes) differ while every property it shows holds.
    """
    return simulate_expression(n_genes=300, n_samples=30, rank=3, noise_sd=0.2, seed=LECTURE_SEED)
