"""Connectivity and consensus matrices (Brunet et al. 2004).

A run of NMF assigns each sample to the metagene with its largest coefficient. Its
connectivity matrix has C_ij = 1 when samples i and j share a metagene, 0 otherwise. The
consensus matrix is the mean connectivity over runs from different random starts: entries near
0 or 1 mean the runs agree, entries near 1/2 mean the clustering is unstable.
"""

from __future__ import annotations

import numpy as np

__all__ = ["connectivity", "consensus_matrix"]


def connectivity(labels) -> np.ndarray:
    """Samples x samples 0/1 matrix: 1 where two samples have the same cluster label."""
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError(f"labels must be one label per sample (1-D); got shape {labels.shape}.")
    return (labels[:, None] == labels[None, :]).astype(float)


def consensus_matrix(label_sets) -> np.ndarray:
    """Mean connectivity over several runs' sample labels (runs x samples)."""
    label_sets = np.asarray(label_sets)
    if label_sets.ndim != 2 or label_sets.shape[0] == 0:
        raise ValueError("label_sets must be a runs x samples array of cluster labels, with at least one run.")
    return np.mean([connectivity(labels) for labels in label_sets], axis=0)
