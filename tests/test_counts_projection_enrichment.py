"""Real counts (pbmc3k), highly variable genes, projection of new samples and enrichment tests."""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from scipy.stats import fisher_exact, hypergeom

import nmfteach as nt


@pytest.fixture(scope="module")
def pbmc():
    return nt.load_pbmc3k()


def test_pbmc3k_loads_as_10x_ships_it_with_the_tutorials_cells(pbmc):
    assert pbmc.counts.shape == (32738, 2700) and sp.issparse(pbmc.counts)
    assert pbmc.counts.nnz == 2_286_884 and pbmc.counts.sum() == 6_390_631  # the README's numbers
    assert np.array_equal(pbmc.counts.data, np.round(pbmc.counts.data))  # whole UMI counts
    assert list(pbmc.genes.columns) == ["symbol"] and pbmc.genes.index.name == "gene_id"
    cells = pbmc.cells
    assert cells.index.name == "barcode" and len(cells) == 2700
    # the tutorial's filter, recomputed from the counts, keeps exactly the cells it labelled
    kept = (cells["genes_detected"] > 200) & (cells["genes_detected"] < 2500) & (cells["mito_share"] < 0.05)
    assert (kept == cells["passes_qc"]).all() and kept.sum() == 2638
    assert cells["cell_type"].isna().sum() == 62
    assert cells.loc[cells["passes_qc"], "cell_type"].value_counts()["Naive CD4 T"] == 697
    assert "CC BY 4.0" in nt.load_pbmc3k.__doc__ and "Zheng et al. (2017)" in pbmc.credit
    genes_in_3_cells = int(((pbmc.counts > 0).sum(axis=1) >= 3).sum())
    assert genes_in_3_cells == 13714  # the tutorial's gene filter (min.cells = 3)


def test_highly_variable_genes_find_the_tutorials_top_genes(pbmc):
    keep = (pbmc.counts > 0).sum(axis=1) >= 3
    counts = pbmc.counts[keep][:, pbmc.cells["passes_qc"].to_numpy()]
    symbols = pbmc.genes["symbol"][keep].to_numpy()
    top = nt.highly_variable_genes(counts, 2000)
    assert len(top) == len(set(top)) == 2000
    # the Seurat tutorial's ten most variable genes (vst): all within our first twelve
    tutorial = {"PPBP", "LYZ", "S100A9", "IGLL5", "GNLY", "FTL", "PF4", "FTH1", "GNG11", "S100A8"}
    assert tutorial <= set(symbols[top[:12]])
    dense = nt.highly_variable_genes(counts[:300].toarray(), 50)
    np.testing.assert_array_equal(dense, nt.highly_variable_genes(counts[:300], 50))
    labelled = pd.DataFrame(counts[:300].toarray(), index=[f"g{i}" for i in range(300)])
    assert list(nt.highly_variable_genes(labelled, 5)) == [f"g{i}" for i in dense[:5]]
    with pytest.raises(ValueError, match="negative"):
        nt.highly_variable_genes(-np.ones((5, 4)), 2)
    with pytest.raises(ValueError, match="vary across the cells"):
        nt.highly_variable_genes(np.ones((5, 4)), 2)
    np.testing.assert_allclose(nt.library_sizes(counts[:, :5]), np.asarray(counts[:, :5].sum(axis=0)).ravel())


def _problem(seed=0):
    sim = nt.simulate_expression(n_genes=80, n_samples=30, rank=3, noise="poisson", depth=5, seed=seed)
    return sim.X


def test_projection_by_squared_error_is_the_nnls_solution(lecture):
    fit = nt.nmf(lecture.X.iloc[:, :24], 3, "hals", init="nndsvda")
    new = lecture.X.iloc[:, 24:]
    H_new = fit.project(new)
    W = fit.W.to_numpy()
    np.testing.assert_allclose(H_new.to_numpy(), nt.nnls(W.T @ W, W.T @ new.to_numpy()), rtol=1e-10)
    assert list(H_new.columns) == list(new.columns) and list(H_new.index) == list(fit.W.columns)
    shuffled = new.sample(frac=1.0, random_state=1)  # rows matched by gene name
    np.testing.assert_allclose(nt.project(fit.W, shuffled).to_numpy(), H_new.to_numpy(), rtol=1e-10)
    # the held-out samples land in their true clusters
    truth = lecture.labels.iloc[24:]
    placed = pd.Series(nt.dominant_metagene(fit.W, H_new), index=new.columns)
    assert pd.crosstab(placed, truth).gt(0).sum(axis=1).eq(1).all()


def test_projection_by_kl_reaches_the_optimum_and_equals_on_sparse():
    X = _problem()
    fit = nt.nmf(X.iloc[:, :20], 3, "brunet", seed=1, nrun=3)
    new = X.iloc[:, 20:]
    H = fit.project(new, tol=1e-14, max_iter=20000).to_numpy()
    W = fit.W.to_numpy()
    # KKT of min D(x ‖ Wh) over h ≥ 0: gradient Wᵀ1 − Wᵀ(x ⊘ Wh) ≥ 0, and 0 where h > 0 (relative to Wᵀ1)
    gradient = 1 - W.T @ (new.to_numpy() / (W @ H)) / W.sum(axis=0)[:, None]
    assert (gradient > -1e-4).all() and (np.abs(gradient[H > 1e-3 * H.max()]) < 1e-4).all()
    from scipy.optimize import minimize  # a general bounded optimizer finds no lower divergence

    x = new.to_numpy()[:, 0]
    kl = lambda h: float(np.sum(x[x > 0] * np.log(x[x > 0] / (W @ h)[x > 0])) - x.sum() + (W @ h).sum())  # noqa: E731
    best = minimize(kl, H[:, 0] + 0.1, bounds=[(1e-12, None)] * 3, method="L-BFGS-B", options={"ftol": 1e-15})
    assert kl(H[:, 0]) <= best.fun + 1e-8 * abs(best.fun)
    sparse = nt.project(W, sp.csr_matrix(new.to_numpy()), "kl", tol=1e-14, max_iter=20000)
    np.testing.assert_allclose(sparse, H, rtol=1e-8)
    # projecting the fitted samples again gives about the fit's own H (it was optimal for its W)
    again = fit.project(X.iloc[:, :20]).to_numpy()
    assert np.abs(again - fit.H.to_numpy()).max() / fit.H.to_numpy().max() < 0.05


def test_projection_errors_say_what_to_do(lecture):
    fit = nt.nmf(lecture.X, 3, "hals", init="nndsvda")
    with pytest.raises(ValueError, match=r"scikit-learn's layout\): pass X_new.T"):
        nt.project(fit.W.to_numpy(), lecture.X.to_numpy().T)
    with pytest.raises(ValueError, match=r"pass X_new.T"):  # sparse, too
        nt.project(fit.W.to_numpy(), sp.csr_matrix(lecture.X.to_numpy().T), "kl")
    with pytest.raises(ValueError, match="300 genes"):
        nt.project(fit.W.to_numpy(), np.ones((12, 2)))
    with pytest.raises(ValueError, match="lacks 1 of the fit's genes"):
        nt.project(fit.W, lecture.X.iloc[1:])
    with pytest.raises(ValueError, match="sample \\(column\\) that is all zero"):
        nt.project(fit.W.to_numpy(), np.zeros((300, 1)), "kl")
    with pytest.raises(ValueError, match="negative"):
        nt.project(fit.W.to_numpy(), -lecture.X.to_numpy())
    with pytest.raises(ValueError, match="loss"):
        nt.project(fit.W, lecture.X, "poisson")


def test_enrichment_is_the_one_sided_hypergeometric_test_with_bh():
    universe = [f"g{i}" for i in range(100)]
    lists = {"A": universe[:10], "B": universe[50:60]}
    sets = {"first": universe[:20] + ["not_in_universe"], "odd": universe[1::2]}
    table = nt.enrichment(lists, sets, universe)
    row = table.set_index(["list", "set"]).loc[("A", "first")]
    assert (row["list_size"], row["set_size"], row["overlap"]) == (10, 20, 10)  # the outsider is left out
    assert row["expected"] == pytest.approx(2.0) and row["fold"] == pytest.approx(5.0)
    assert row["p_value"] == pytest.approx(hypergeom.sf(9, 100, 20, 10))
    assert row["p_value"] == pytest.approx(fisher_exact([[10, 0], [10, 80]], alternative="greater")[1])
    p = table["p_value"].to_numpy()  # sorted ascending
    bh = np.minimum.accumulate((p * len(p) / np.arange(1, len(p) + 1))[::-1])[::-1]
    np.testing.assert_allclose(table["q_value"], np.minimum(bh, 1))
    assert table["p_value"].is_monotonic_increasing and row["genes"] == sorted(universe[:10])
    frame = pd.DataFrame({"A": universe[:10]})  # a table of lists, e.g. top_genes
    assert nt.enrichment(frame, sets, universe)["overlap"].max() == 10
    with pytest.raises(ValueError, match="outside the universe"):
        nt.enrichment({"A": ["x"]}, sets, universe)
    with pytest.raises(ValueError, match="universe is empty"):
        nt.enrichment(lists, sets, [])
