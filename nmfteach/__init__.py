"""nmfteach: non-negative matrix factorization for gene expression, written to be read.

X (genes x samples) ≈ W (genes x K metagenes) · H (K x samples coefficients). Genes are rows,
as in the lecture and R package NMF; scikit-learn's ``NMF`` uses the transpose (samples x genes).
"""

from . import selfcheck, textbook
from ._sparse import DensifyWarning
from .consensus import (
    connectivity,
    consensus_clusters,
    consensus_matrix,
    contingency,
    cophenetic,
    correlation_silhouette,
    dispersion,
    entropy,
    purity,
    silhouette,
)
from .counts import highly_variable_genes, library_sizes
from .datasets import PBMC_MARKERS, TOY_PROGRAMS, lecture_example, load_assignment_data, load_golub, load_pbmc3k
from .engine import ConvergenceWarning
from .features import enrichment, extract_features, feature_score, top_genes
from .fit import METHODS, STOP_RULES, NMFResult, nmf
from .init import INIT_METHODS, initialize
from .least_squares import nnls
from .objectives import evar, frobenius, kl_divergence, objective, penalty_weights, rss, smoothing_matrix, sparseness
from .projection import project
from .rank import holdout_error, randomize, rank_survey
from .result import dominant_metagene
from .simulate import SimulatedExpression, simulate_expression
from .sparsity import sparsity_path

__version__ = "0.1.0"

__all__ = [
    "nmf",
    "NMFResult",
    "METHODS",
    "STOP_RULES",
    "initialize",
    "INIT_METHODS",
    "simulate_expression",
    "SimulatedExpression",
    "frobenius",
    "rss",
    "kl_divergence",
    "evar",
    "objective",
    "sparseness",
    "dominant_metagene",
    "connectivity",
    "consensus_matrix",
    "cophenetic",
    "dispersion",
    "consensus_clusters",
    "silhouette",
    "correlation_silhouette",
    "purity",
    "entropy",
    "contingency",
    "feature_score",
    "extract_features",
    "top_genes",
    "rank_survey",
    "randomize",
    "holdout_error",
    "nnls",
    "load_golub",
    "load_pbmc3k",
    "PBMC_MARKERS",
    "highly_variable_genes",
    "library_sizes",
    "project",
    "enrichment",
    "lecture_example",
    "load_assignment_data",
    "plotting",
    "widgets",
    "selfcheck",
    "textbook",
    "ConvergenceWarning",
    "DensifyWarning",
    "penalty_weights",
    "smoothing_matrix",
    "sparsity_path",
    "TOY_PROGRAMS",
]


def __getattr__(name):
    """nt.plotting and nt.widgets are imported on first use: they bring in matplotlib and
    ipywidgets (about a second), which the numerical code does not need."""
    if name in ("plotting", "widgets"):
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'nmfteach' has no attribute {name!r}")
