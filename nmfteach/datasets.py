"""Data sets used by the lessons and assignments: the lecture's simulated example, Golub ALL/AML,
single-cell PBMC counts (10x Genomics) and the assignments' data.

All ship inside the package, each with its provenance in a README beside it: the Golub data
(5000 genes x 38 samples, Brunet et al. 2004) under ``nmfteach/data/golub``, the matrix the
lecture's R code simulated under ``nmfteach/data/lecture``, 10x Genomics' pbmc3k counts under
``nmfteach/data/pbmc3k``, and the assignments' data under ``nmfteach/data/assignments``.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import numpy as np
import pandas as pd

from .simulate import SimulatedExpression, simulate_expression
from .validation import check_choice

__all__ = [
    "load_golub",
    "load_pbmc3k",
    "PBMC3k",
    "PBMC_MARKERS",
    "lecture_example",
    "load_assignment_data",
    "Golub",
    "LECTURE_SEED",
    "TOY_PROGRAMS",
    "ASSIGNMENT_DATA",
]

LECTURE_SEED = 123

# The assignments' data sets (nmfteach/data/assignments/<name>.csv.gz), by name.
ASSIGNMENT_DATA = {"choose_the_rank": "A2 · Choose the rank: simulated expression, 300 genes x 48 samples"}

# Lesson 01's toy metagenes: three programs over ten marker genes (genes x programs), used by its
# mixing explorer and self-checks.
TOY_PROGRAMS = pd.DataFrame(
    {
        "immune": [3.0, 2.5, 2.0, 1.5, 0.2, 0.1, 0.0, 0.1, 0.3, 0.2],
        "cell cycle": [0.1, 0.0, 0.2, 0.3, 2.8, 2.4, 2.0, 1.6, 0.2, 0.1],
        "stress": [0.2, 0.3, 0.0, 0.1, 0.1, 0.3, 0.4, 0.2, 2.2, 2.6],
    },
    index=["CD3E", "CD8A", "GZMB", "PTPRC", "MKI67", "TOP2A", "CCNB1", "CDK1", "HSPA1A", "DNAJB1"],
)


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
    """The Golub leukemia data as used by Brunet et al. (2004); see the package's data README.

    Returns
    -------
    Golub
        X (5000 probes x 38 samples DataFrame, axes "probe" and "sample"), samples (their
        ``disease``, ``cell_type`` and ``subtype``, in X's column order) and genes (the probe
        descriptions, in X's row order).
    """
    folder = resources.files("nmfteach") / "data" / "golub"
    with resources.as_file(folder) as path:
        X = pd.read_csv(path / "expression.csv.gz", index_col=0).astype(float)
        samples = pd.read_csv(path / "samples.csv", index_col="sample", keep_default_na=False)
        genes = pd.read_csv(path / "genes.csv.gz", index_col="probe")["description"]
    X.index.name, X.columns.name = "probe", "sample"
    samples = samples.loc[X.columns]
    return Golub(X=X, samples=samples, genes=genes.loc[X.index])


# Canonical marker genes of the blood cell types in pbmc3k, named as the tutorial's labels: the
# markers the Seurat and scanpy pbmc3k tutorials use (IL7R, CCR7, S100A4, CD14, LYZ, MS4A1, CD79A,
# CD8A, CD8B, FCGR3A, MS4A7, GNLY, NKG7, FCER1A, CST3, PPBP, LGALS3, S100A8), completed with
# standard lineage genes of each type. Used to name metagenes with an enrichment test.
PBMC_MARKERS = {
    "Naive CD4 T": ["IL7R", "CCR7", "LEF1", "TCF7", "SELL"],
    "Memory CD4 T": ["IL7R", "S100A4", "IL32", "LTB"],
    "CD8 T": ["CD8A", "CD8B", "GZMK", "CCL5"],
    "NK": ["GNLY", "NKG7", "GZMB", "PRF1", "KLRD1"],
    "B": ["MS4A1", "CD79A", "CD79B", "CD19", "BANK1"],
    "CD14+ Mono": ["CD14", "LYZ", "S100A8", "S100A9", "FCN1", "LGALS3"],
    "FCGR3A+ Mono": ["FCGR3A", "MS4A7", "LST1", "IFITM3"],
    "DC": ["FCER1A", "CST3", "CLEC10A", "CD1C"],
    "Platelet": ["PPBP", "PF4", "GNG11", "TUBB1"],
}

PBMC3K_CREDIT = (
    '"3k PBMCs from a Healthy Donor", 10x Genomics (2016), CC BY 4.0; Zheng et al. (2017), Massively parallel '
    "digital transcriptional profiling of single cells, Nat Commun 8:14049. Cell types: the Seurat pbmc3k "
    "tutorial's clusters, named by marker genes (via rnabioco/clustifyr, MIT)."
)


@dataclass(frozen=True, repr=False)
class PBMC3k:
    """Raw UMI counts of 2,700 blood cells (10x Genomics pbmc3k), genes as rows.

    counts: scipy.sparse CSR array, 32,738 genes x 2,700 cells, whole numbers (UMIs) stored as
    floats; genes: one row per gene (index ``gene_id``, Ensembl) with its ``symbol``; cells: one
    row per cell (index ``barcode``) with ``umis`` (total count), ``genes_detected`` (genes with
    a count), ``mito_share`` (share of UMIs from mitochondrial genes, symbols "MT-"),
    ``cell_type`` (the Seurat tutorial's label; missing for the 62 cells its quality filter
    removed), ``passes_qc`` (kept by that filter) and ``umap_1``, ``umap_2`` (the tutorial's
    UMAP coordinates, for drawing cells on a map)."""

    counts: object
    genes: pd.DataFrame
    cells: pd.DataFrame
    credit: str = PBMC3K_CREDIT

    def __repr__(self) -> str:
        G, S = self.counts.shape
        share = self.counts.nnz / (G * S)
        return (
            f"<pbmc3k (10x Genomics): {G} genes x {S} cells, {share:.1%} of counts non-zero; "
            f"{int(self.cells['passes_qc'].sum())} cells with a tutorial cell type>"
        )


def load_pbmc3k() -> PBMC3k:
    """Real single-cell RNA-seq counts: 10x Genomics' "3k PBMCs from a Healthy Donor".

    The files ship unchanged, in 10x's layout (``matrix.mtx.gz``, ``genes.tsv.gz``,
    ``barcodes.tsv``), with the Seurat pbmc3k tutorial's cell types (``cell_types.csv``): see
    ``nmfteach/data/pbmc3k/README.md``. Credit: "3k PBMCs from a Healthy Donor", 10x Genomics
    (2016), licensed CC BY 4.0; Zheng et al. (2017), *Nat Commun* 8:14049.

    The tutorial keeps the 2,638 cells with 200 < genes detected < 2,500 and a mitochondrial
    share below 5% (``cells["passes_qc"]``); its cell types are clusters named by marker genes,
    a reference rather than the truth.

    Returns
    -------
    PBMC3k
        counts (scipy.sparse CSR array, genes x cells), genes and cells tables, and the credit line.
    """
    import scipy.io
    import scipy.sparse

    with resources.as_file(resources.files("nmfteach") / "data" / "pbmc3k") as path:
        counts = scipy.sparse.csr_array(scipy.io.mmread(path / "matrix.mtx.gz"), dtype=float)
        genes = pd.read_csv(path / "genes.tsv.gz", sep="\t", header=None, names=["gene_id", "symbol"])
        barcodes = pd.read_csv(path / "barcodes.tsv", header=None)[0].rename("barcode")
        tutorial = pd.read_csv(path / "cell_types.csv", index_col="barcode")
    genes = genes.set_index("gene_id")
    mito = genes["symbol"].str.startswith("MT-").to_numpy()
    umis = counts.sum(axis=0)
    cells = pd.DataFrame(
        {
            "umis": umis,
            "genes_detected": (counts > 0).sum(axis=0),
            "mito_share": counts[mito].sum(axis=0) / umis,
            "cell_type": tutorial["classified"].reindex(barcodes).to_numpy(),
            "passes_qc": barcodes.isin(tutorial.index).to_numpy(),
            "umap_1": tutorial["UMAP_1"].reindex(barcodes).to_numpy(),
            "umap_2": tutorial["UMAP_2"].reindex(barcodes).to_numpy(),
        },
        index=pd.Index(barcodes, name="barcode"),
    )
    return PBMC3k(counts=counts, genes=genes, cells=cells)


def lecture_example(source: str = "numpy") -> SimulatedExpression:
    """The lecture's simulated example: 300 genes x 30 samples, K = 3, noise sd 0.2, seed 123.

    Parameters
    ----------
    source : {"numpy", "R"}
        "numpy": the lecture's recipe run by ``simulate_expression`` with numpy's random
        numbers; every property the lecture shows holds, individual values differ from R's.
        "R": the very matrix (and truth) the lecture's R code made with ``set.seed(123)``,
        shipped with the package, so a fit finds the slide's own top genes.

    Returns
    -------
    SimulatedExpression
        X (300 genes x 30 samples DataFrame), the true W and H, each sample's true cluster
        (``labels``, 1..3) and the settings.
    """
    check_choice(source, ("numpy", "R"), "source")
    if source == "numpy":
        return simulate_expression(n_genes=300, n_samples=30, rank=3, noise_sd=0.2, seed=LECTURE_SEED)
    folder = resources.files("nmfteach") / "data" / "lecture"
    with resources.as_file(folder) as path:
        X, W, H = (np.loadtxt(path / f"{name}.csv.gz", delimiter=",", ndmin=2) for name in ("X", "W_true", "H_true"))
    genes = [f"Gene_{i + 1}" for i in range(X.shape[0])]
    samples = [f"Sample_{j + 1}" for j in range(X.shape[1])]
    programs = [f"Metagene_{k + 1}" for k in range(W.shape[1])]
    return SimulatedExpression(
        X=pd.DataFrame(X, index=genes, columns=samples),
        W=pd.DataFrame(W, index=genes, columns=programs),
        H=pd.DataFrame(H, index=programs, columns=samples),
        labels=pd.Series(H.argmax(axis=0) + 1, index=samples, name="true_cluster"),
        settings=dict(
            n_genes=300,
            n_samples=30,
            rank=3,
            noise_sd=0.2,
            seed=LECTURE_SEED,
            membership="hard",
            noise="gaussian",
            source="R (set.seed(123))",
        ),
    )


def load_assignment_data(name: str) -> pd.DataFrame:
    """A data set of the assignments, shipped with the package (see its README).

    Parameters
    ----------
    name : str
        The data set's name: "choose_the_rank" (assignment A2, simulated expression whose K is
        not disclosed).

    Returns
    -------
    pandas.DataFrame
        The matrix, genes x samples (axes named "gene" and "sample"), as floats.
    """
    check_choice(name, tuple(ASSIGNMENT_DATA), "assignment data set")
    with resources.as_file(resources.files("nmfteach") / "data" / "assignments" / f"{name}.csv.gz") as path:
        X = pd.read_csv(path, index_col=0).astype(float)
    X.index.name, X.columns.name = "gene", "sample"
    return X
