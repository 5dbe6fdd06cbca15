"""Samples in component space: NMF's coefficients, and NMF beside PCA (re-exported by ``nmfteach.plotting``)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ._drawing import OKABE_ITO, TOL_MUTED, VALUES, _colours, _labels, _order, styled


@styled
def component_plot(fit, classes=None, components=(0, 1), ax=None, title="Samples in NMF component space"):
    """Each sample as a point at its coefficients on two metagenes, coloured by known classes
    (or by predicted cluster).

    Parameters
    ----------
    fit : NMFResult
        A fit; sample s is drawn at (H_as, H_bs).
    classes : array-like or Series, length S, or None
        Known labels of the samples (None: colour by ``fit.predict()``).
    components : (int, int)
        The metagenes a and b (0-based) on the axes.
    ax : matplotlib Axes or None
        Where to draw (None: a new figure).
    title : str

    Returns
    -------
    matplotlib.figure.Figure
    """
    H = pd.DataFrame(fit.H) if not isinstance(fit.H, pd.DataFrame) else fit.H
    if len(H) < 2:
        raise ValueError("component_plot draws samples on two metagenes; this fit has K = 1.")
    for c in components:
        if isinstance(c, bool) or not isinstance(c, (int, np.integer)) or not 0 <= c < len(H):
            raise ValueError(f"components are metagene numbers from 0 to {len(H) - 1} (K = {len(H)}); got {c!r}.")
    groups = _labels(classes if classes is not None else fit.predict(), H.columns)
    own = ax is None
    fig, ax = plt.subplots(figsize=(5, 4.2), layout="constrained") if own else (ax.figure, ax)
    a, b = components
    palette = TOL_MUTED if classes is not None else OKABE_ITO  # classes and clusters never share colours
    for group, colour in _colours(groups, palette).items():
        members = (groups == group).to_numpy()
        ax.scatter(H.iloc[a, members], H.iloc[b, members], color=colour, label=str(group), edgecolor="white", s=40)
    ax.set_xlabel(f"component {a + 1} ({H.index[a]})"), ax.set_ylabel(f"component {b + 1} ({H.index[b]})")
    ax.set_title(title)
    ax.legend(title="class" if classes is not None else "predicted", frameon=False, fontsize=8)
    return fig


@styled
def nmf_vs_pca(X, fit, classes=None, title="NMF versus PCA on the same data"):
    """Side by side: PCA's first components (signed, dense loadings) and NMF's metagenes
    (non-negative, parts-based), and the samples in each space.

    PCA is the SVD of X with each gene centred, X − mean = UΣVᵀ: its loadings are U's first K
    columns, its sample scores σ_k v_k; NMF's panels show W / max_g W (per metagene) and H.

    Parameters
    ----------
    X : array or DataFrame, G genes x S samples
        The data that were fitted.
    fit : NMFResult
        A fit of X.
    classes : array-like, length S, or None
        Known labels of the samples (None: colour by ``fit.predict()``).
    title : str

    Returns
    -------
    matplotlib.figure.Figure
    """
    A = np.asarray(X, dtype=float)
    centred = A - A.mean(axis=1, keepdims=True)
    U, s, Vt = np.linalg.svd(centred, full_matrices=False)
    K = np.shape(fit.W)[1]
    W = np.asarray(fit.W)
    fig, axes = plt.subplots(2, 2, figsize=(9, 7), layout="constrained")
    limit = np.abs(U[:, :K]).max()
    for ax, data, name, cmap, lims in (
        (axes[0, 0], U[:, :K], "PCA loadings (genes x PCs)", "PuOr", (-limit, limit)),
        (axes[0, 1], W / W.max(axis=0), "NMF metagenes W (scaled)", VALUES, (0, 1)),
    ):
        order = _order(data, axis=0)
        image = ax.imshow(data[order], aspect="auto", cmap=cmap, vmin=lims[0], vmax=lims[1], interpolation="nearest")
        ax.set_title(name), ax.set_xlabel("component"), ax.set_ylabel("genes (clustered)")
        ax.set_xticks(range(K), labels=[str(k + 1) for k in range(K)]), ax.set_yticks([])
        fig.colorbar(image, ax=ax, fraction=0.05)
    scores = (s[:2, None] * Vt[:2]).T
    H = np.asarray(fit.H)
    samples = X.columns if isinstance(X, pd.DataFrame) else pd.RangeIndex(A.shape[1])
    groups = _labels(classes if classes is not None else fit.predict(), samples)
    for ax, points, name, axis_names in (
        (axes[1, 0], scores, "samples on PC1, PC2", ("PC1", "PC2")),
        (axes[1, 1], H[:2].T, "samples on NMF components 1, 2", ("component 1", "component 2")),
    ):
        for group, colour in _colours(groups, TOL_MUTED if classes is not None else OKABE_ITO).items():
            members = (groups == group).to_numpy()
            ax.scatter(points[members, 0], points[members, 1], color=colour, label=str(group), s=30)
        ax.set_title(name), ax.set_xlabel(axis_names[0]), ax.set_ylabel(axis_names[1])
    axes[1, 1].legend(frameon=False, fontsize=8)
    fig.suptitle(title)
    return fig
