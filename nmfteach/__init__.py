"""nmfteach: non-negative matrix factorization for gene expression, written to be read.

X (genes x samples) ≈ W (genes x K metagenes) · H (K x samples coefficients). Genes are rows,
as in the lecture and R package NMF; scikit-learn's ``NMF`` uses the transpose (samples x genes).
"""

from .algorithms import nnls
from .consensus import connectivity, consensus_matrix
from .datasets import lecture_example, load_golub
from .fit import METHODS, STOP_RULES, NMFResult, nmf
from .init import INIT_METHODS, initialize
from .objectives import evar, frobenius, kl_divergence, objective, rss, sparseness
from .simulate import SimulatedExpression, simulate_expression

__version__ = "0.1.0"

__all__ = [
    "nmf", "NMFResult", "METHODS", "STOP_RULES", "initialize", "INIT_METHODS", "simulate_expression",
    "SimulatedExpression", "frobenius", "rss", "kl_divergence", "evar", "objective", "sparseness",
    "connectivity", "consensus_matrix", "nnls", "load_golub", "lecture_example",
]
