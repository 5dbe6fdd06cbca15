"""Draw every figure and explorer of nmfteach once, into docs/gallery/ (PNG) with an index.

    .venv/bin/python tools/make_gallery.py

Uses the lecture's simulated example (seed 123), so the pictures are the same every time.
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import nmfteach as nt
from nmfteach import plotting, widgets

OUT = Path(__file__).resolve().parents[1] / "docs" / "gallery"


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    sim = nt.lecture_example()
    fit = nt.nmf(sim.X, 3, "brunet", nrun=30, seed=123)
    survey = nt.rank_survey(sim.X, range(2, 7), nrun=10, seed=123, randomized=True, holdout=0.1)
    convergence = {
        m: nt.nmf(sim.X, 3, m, init="nndsvda", max_iter=300, stop="none") for m in ("lee", "hals", "anls", "pgd")
    }
    figures = {
        "basis_map": ("plotting.basis_map(fit)", plotting.basis_map(fit)),
        "coef_map": ("plotting.coef_map(fit, classes=sim.labels)", plotting.coef_map(fit, classes=sim.labels)),
        "consensus_map": (
            "plotting.consensus_map(fit, classes=sim.labels)",
            plotting.consensus_map(fit, classes=sim.labels),
        ),
        "survey_plot": ("plotting.survey_plot(survey, highlight=3)", plotting.survey_plot(survey, highlight=3)),
        "convergence_plot": ("plotting.convergence_plot({method: fit, ...})", plotting.convergence_plot(convergence)),
        "component_plot": (
            "plotting.component_plot(fit, classes=sim.labels)",
            plotting.component_plot(fit, classes=sim.labels),
        ),
        "top_genes_heatmap": (
            "plotting.top_genes_heatmap(sim.X, fit, metagene=0, classes=sim.labels)",
            plotting.top_genes_heatmap(sim.X, fit, metagene=0, classes=sim.labels),
        ),
        "nmf_vs_pca": (
            "plotting.nmf_vs_pca(sim.X, fit, classes=sim.labels)",
            plotting.nmf_vs_pca(sim.X, fit, classes=sim.labels),
        ),
    }
    mixing = widgets.mixing_explorer()
    mixing.controls["cell cycle"].value = 1.5
    ranks = widgets.rank_explorer(sim.X, classes=sim.labels)
    ranks.controls["rank"].value = 4
    conv = widgets.convergence_explorer(sim.X)
    noise = widgets.noise_explorer()
    noise.controls["noise_sd"].value = 1.5
    choice = widgets.rank_choice_explorer(sim.X, nrun=10, classes=sim.labels)
    sparse = nt.simulate_expression(
        n_genes=300,
        n_samples=40,
        rank=3,
        noise_sd=0.2,
        seed=8,
        membership="soft",
        concentration=0.5,
        program_density=0.25,
    )
    sparsity = widgets.sparsity_explorer(sparse.X, true_W=sparse.W)
    sparsity.controls["alpha"].value = 0.05
    figures.update(
        {
            "widget_mixing": ("widgets.mixing_explorer(), cell cycle weight moved to 1.5", mixing.figure),
            "widget_rank": ("widgets.rank_explorer(sim.X, classes=sim.labels), K moved to 4", ranks.figure),
            "widget_convergence": ("widgets.convergence_explorer(sim.X)", conv.figure),
            "widget_noise": ("widgets.noise_explorer(), noise sd moved to 1.5", noise.figure),
            "widget_rank_choice": ("widgets.rank_choice_explorer(sim.X, classes=sim.labels), K = 4", choice.figure[1]),
            "widget_sparsity": (
                "widgets.sparsity_explorer(sparse.X, true_W=sparse.W) on lesson 08's sparse programs, "
                "alpha moved to 0.05",
                sparsity.figure,
            ),
        }
    )
    lines = [
        "# Gallery",
        "",
        "Every figure and explorer of `nmfteach`, drawn by `tools/make_gallery.py` on the "
        "lecture's simulated example (`sim = nt.lecture_example()`, `fit = nt.nmf(sim.X, 3, nrun=30, seed=123)`).",
        "",
    ]
    for name, (call, figure) in figures.items():
        figure.savefig(OUT / f"{name}.png", dpi=72)
        lines += [f"## {name}", "", f"`{call}`", "", f"![{name}]({name}.png)", ""]
    (OUT / "README.md").write_text("\n".join(lines))
    print(f"wrote {len(figures)} pictures to {OUT}")


if __name__ == "__main__":
    main()
