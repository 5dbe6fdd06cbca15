"""The linear mixing model as a data generator: X = W H + noise, with the truth kept.

The lecture's recipe (``simulate_expression()`` with its defaults): K metagenes with entries
U[0, 2]; the S samples split into K equal consecutive groups; each sample uses only its own
group's metagene, with a weight U[1, 2]; Gaussian noise N(0, 0.2²) is added and negative
values are set to 0. Options turn on overlapping (soft) memberships and count noise.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .validation import check_choice, rng_seed

__all__ = ["simulate_expression", "SimulatedExpression"]

NOISE_MODELS = ("gaussian", "poisson", "negative_binomial")


@dataclass(frozen=True, repr=False)
class SimulatedExpression:
    """Simulated data and the truth behind it.

    X: genes x samples DataFrame (``Gene_1``.., ``Sample_1``..); W: true metagenes (genes x K);
    H: true coefficients (K x samples); labels: each sample's dominant metagene, 1..K.
    """

    X: pd.DataFrame
    W: pd.DataFrame
    H: pd.DataFrame
    labels: pd.Series
    settings: dict

    def __repr__(self) -> str:
        G, S = self.X.shape
        sizes = "/".join(str(n) for n in self.labels.value_counts().sort_index())
        return (
            f"<SimulatedExpression: {G} genes x {S} samples, rank {self.W.shape[1]}, "
            f"cluster sizes {sizes}, noise {self.settings['noise']!r}>"
        )


def simulate_expression(
    n_genes=300,
    n_samples=30,
    rank=3,
    noise_sd=0.2,
    seed=None,
    membership="hard",
    concentration=0.3,
    noise="gaussian",
    depth=50.0,
    dispersion=0.2,
    library_sizes=None,
    program_density=1.0,
) -> SimulatedExpression:
    """Simulate genes x samples expression from K metagenes (the lecture's recipe by default).

    X = WH + noise: W (G x K) has entries U[0, 2], H (K x S) is set by ``membership``, and
    "gaussian" gives X = max(WH + E, 0) with E_gs ~ N(0, noise_sd²). The count models draw X_gs
    with mean μ_gs = depth·(WH)_gs·library_sizes_s: "poisson" as Poisson(μ_gs),
    "negative_binomial" as Poisson(λ) with λ ~ Gamma(shape 1/dispersion, scale μ_gs·dispersion),
    so that Var X_gs = μ_gs + dispersion·μ_gs².

    Parameters
    ----------
    n_genes, n_samples, rank : int
        G, S and K (K <= S: every cluster needs a sample).
    noise_sd : float
        Standard deviation of the Gaussian noise; used only by "gaussian".
    seed : int, numpy Generator or None
        For reproducible data (None: fresh random numbers).
    membership : {"hard", "soft"}
        "hard" (each sample uses one metagene, weight U[1, 2]) or "soft" (each sample mixes all
        metagenes with Dirichlet(concentration) proportions, times a U[1, 2] total; its label is
        the largest share).
    concentration : float
        Dirichlet parameter of "soft": small ``concentration`` gives nearly hard clusters.
    noise : {"gaussian", "poisson", "negative_binomial"}
        "gaussian" (WH + N(0, noise_sd²), negatives set to 0), "poisson" (counts with mean
        depth·WH) or "negative_binomial" (counts with mean μ = depth·WH and variance
        μ + dispersion·μ², drawn as a gamma-Poisson mixture).
    depth : float
        Scale of the count models' mean (reads per unit of WH).
    dispersion : float
        The negative binomial's overdispersion (0: Poisson).
    library_sizes : array-like of S positive numbers, or None
        For the count models, one positive factor per sample multiplying its mean (sequencing
        depth differs between samples, as in real RNA-seq); None means all 1.
    program_density : float in (0, 1]
        The chance that a metagene uses a gene (1: all genes, the lecture's recipe). Below 1
        each metagene keeps a random subset (sparse programs: marker genes) and its other
        entries are 0; a gene left in no program joins one at random, so the share used ends
        a little above program_density.

    Returns
    -------
    SimulatedExpression
        X (G x S DataFrame, ``Gene_1``.. x ``Sample_1``..), the true W and H (DataFrames,
        metagenes ``Metagene_1``..), labels (each sample's dominant metagene, 1..K) and the
        settings.
    """
    library_sizes = _checked_settings(
        n_genes, n_samples, rank, membership, noise, noise_sd, depth, dispersion, concentration, program_density,
        library_sizes,
    )  # fmt: skip
    rng = np.random.default_rng(rng_seed(seed))
    W, H, groups = _true_factors(rng, n_genes, n_samples, rank, membership, concentration, program_density)
    X = _observe(rng, W @ H, noise, noise_sd, depth, dispersion, library_sizes)
    genes = [f"Gene_{i + 1}" for i in range(n_genes)]
    samples = [f"Sample_{j + 1}" for j in range(n_samples)]
    programs = [f"Metagene_{k + 1}" for k in range(rank)]
    return SimulatedExpression(
        X=pd.DataFrame(X, index=genes, columns=samples),
        W=pd.DataFrame(W, index=genes, columns=programs),
        H=pd.DataFrame(H, index=programs, columns=samples),
        labels=pd.Series(groups + 1, index=samples, name="true_cluster"),
        settings=dict(
            n_genes=n_genes,
            n_samples=n_samples,
            rank=rank,
            noise_sd=noise_sd,
            seed=seed,
            membership=membership,
            concentration=concentration,
            noise=noise,
            depth=depth,
            dispersion=dispersion,
            library_sizes=library_sizes,
            program_density=program_density,
        ),
    )


def _checked_settings(
    n_genes, n_samples, rank, membership, noise, noise_sd, depth, dispersion, concentration, program_density,
    library_sizes,
):  # fmt: skip
    """Raise on a setting simulate_expression cannot use; return the library sizes as an array."""
    check_choice(membership, ("hard", "soft"), "membership")
    check_choice(noise, NOISE_MODELS, "noise model")
    for name, value in (("noise_sd", noise_sd), ("depth", depth), ("dispersion", dispersion),
                        ("concentration", concentration), ("program_density", program_density)):  # fmt: skip
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value):
            raise ValueError(f"{name} must be a finite number; got {value!r}.")
    for name, value in (("n_genes", n_genes), ("n_samples", n_samples), ("rank", rank)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a whole number >= 1; got {value!r}.")
    if rank > n_samples:
        raise ValueError(f"rank ({rank}) cannot exceed n_samples ({n_samples}): every cluster needs a sample.")
    if not 0 < program_density <= 1:
        raise ValueError(f"program_density is the share of genes a metagene uses, in (0, 1]; got {program_density!r}.")
    if noise_sd < 0 or depth <= 0 or dispersion < 0 or concentration <= 0:
        raise ValueError("noise_sd and dispersion must be >= 0, depth and concentration > 0.")
    library_sizes = np.ones(n_samples) if library_sizes is None else np.asarray(library_sizes, dtype=float)
    if library_sizes.shape != (n_samples,) or not (library_sizes > 0).all():
        raise ValueError(
            f"library_sizes must hold one positive factor per sample ({n_samples}); got shape {library_sizes.shape}."
        )
    return library_sizes


def _true_factors(rng, n_genes, n_samples, rank, membership, concentration, program_density):
    """The true W (U[0, 2], sparse below program_density = 1), H and each sample's group."""
    W = rng.uniform(0.0, 2.0, size=(n_genes, rank))
    if program_density < 1:  # drawn only then, so the lecture's recipe keeps its numbers
        used = rng.random((n_genes, rank)) < program_density
        unused = ~used.any(axis=1)
        used[unused, rng.integers(rank, size=unused.sum())] = True
        W *= used
    groups = np.repeat(np.arange(rank), [len(part) for part in np.array_split(np.arange(n_samples), rank)])
    weight = rng.uniform(1.0, 2.0, size=n_samples)
    if membership == "hard":
        H = np.zeros((rank, n_samples))
        H[groups, np.arange(n_samples)] = weight
    else:
        H = rng.dirichlet(np.full(rank, concentration), size=n_samples).T * weight
        from .result import dominant_metagene  # the cluster rule of predict(), labels 1..K

        groups = dominant_metagene(W, H) - 1
    return W, H, groups


def _observe(rng, mean, noise, noise_sd, depth, dispersion, library_sizes):
    """Noisy data around WH: Gaussian (negatives set to 0), Poisson or negative binomial counts."""
    if noise == "gaussian":
        return np.maximum(mean + rng.normal(0.0, noise_sd, size=mean.shape), 0.0)
    mu = depth * mean * library_sizes
    if noise == "poisson" or dispersion == 0:
        return rng.poisson(mu).astype(float)
    shape = 1.0 / dispersion
    return rng.poisson(rng.gamma(shape, mu / shape)).astype(float)
