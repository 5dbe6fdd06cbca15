"""The exercises' self-checks say right, wrong or missing in plain words."""

import numpy as np
import pandas as pd
import pytest

import nmfteach as nt


def test_dimensions(capsys, lecture):
    nt.selfcheck.dimensions({"G": 300, "S": 30})
    assert capsys.readouterr().out.startswith("Correct!")
    nt.selfcheck.dimensions({"G": 30, "S": 300})
    assert "Not yet: you have G = 30, S = 300" in capsys.readouterr().out
    nt.selfcheck.dimensions({})
    assert "there is no variable `G`" in capsys.readouterr().out


def test_sklearn_orientation(capsys, lecture):
    nt.selfcheck.sklearn_orientation({"X_sklearn": lecture.X.T})
    assert capsys.readouterr().out.startswith("Correct!")
    nt.selfcheck.sklearn_orientation({"X_sklearn": lecture.X})
    assert "transpose X" in capsys.readouterr().out
    nt.selfcheck.sklearn_orientation({"X_sklearn": lecture.X.T * 2})
    assert "values are not X transposed" in capsys.readouterr().out


def test_mixed_sample(capsys):
    W = nt.TOY_PROGRAMS[["immune", "cell cycle"]].to_numpy()
    nt.selfcheck.mixed_sample({"x": W @ [2.0, 0.5]})
    assert capsys.readouterr().out.startswith("Correct!")
    nt.selfcheck.mixed_sample({"x": W @ [0.5, 2.0]})
    assert "W @ [2, 0.5]" in capsys.readouterr().out
    nt.selfcheck.mixed_sample({"x": [1.0, 2.0]})
    assert "one value per gene (10)" in capsys.readouterr().out


def test_sample_weights(capsys):
    nt.selfcheck.sample_weights({"h4": [[0.5], [1.5]]})
    assert capsys.readouterr().out.startswith("Correct!")
    nt.selfcheck.sample_weights({"h4": [1.0, 1.0]})
    assert "Not yet: you found [1. 1.]" in capsys.readouterr().out


def test_svd_error_and_metagene_cosine(capsys, lecture):
    import numpy as np

    X = lecture.X.to_numpy()
    U, s, Vt = np.linalg.svd(X, full_matrices=False)
    nt.selfcheck.svd_error({"svd_error": np.linalg.norm(X - (U[:, :3] * s[:3]) @ Vt[:3]) / np.linalg.norm(X)})
    assert capsys.readouterr().out.startswith("Correct!")
    nt.selfcheck.svd_error({"svd_error": 0.5})
    assert capsys.readouterr().out.startswith("Not yet")
    fit = nt.nmf(lecture.X, 3, "hals", seed=1)
    unit = fit.W.to_numpy() / np.linalg.norm(fit.W.to_numpy(), axis=0)
    gram = unit.T @ unit
    nt.selfcheck.metagene_cosine({"fit": fit, "cosine": gram[~np.eye(3, dtype=bool)].max()})
    assert capsys.readouterr().out.startswith("Correct!")
    nt.selfcheck.metagene_cosine({"fit": fit, "cosine": 1.0})
    assert "largest entry off its diagonal" in capsys.readouterr().out


def test_objectives_by_hand(capsys):
    import numpy as np

    X, W, H = np.array([[4.0, 1.0], [2.0, 5.0]]), np.array([[1.0], [2.0]]), np.array([[2.0, 1.5]])
    space = {"X_small": X, "W_small": W, "H_small": H}
    nt.selfcheck.frobenius_by_hand({**space, "frob": 0.5 * ((X - W @ H) ** 2).sum()})
    assert capsys.readouterr().out.startswith("Correct!")
    nt.selfcheck.frobenius_by_hand({**space, "frob": ((X - W @ H) ** 2).sum()})
    assert "halve the sum" in capsys.readouterr().out
    WH = W @ H
    nt.selfcheck.kl_by_hand({**space, "kl": (X * np.log(X / WH) - X + WH).sum()})
    assert capsys.readouterr().out.startswith("Correct!")
    nt.selfcheck.kl_by_hand({"kl": 1.0})
    assert "no variable `X_small`" in capsys.readouterr().out


def test_lee_update_and_fastest_method(capsys, lecture):
    import numpy as np

    rng = np.random.default_rng(0)
    X0, W0, H0 = rng.uniform(0, 5, (6, 4)), rng.uniform(0, 1, (6, 2)), rng.uniform(0, 1, (2, 4))
    space = {"X0": X0, "W0": W0, "H0": H0}
    nt.selfcheck.lee_update({**space, "H_new": H0 * (W0.T @ X0) / (W0.T @ W0 @ H0)})
    assert capsys.readouterr().out.startswith("Correct!")
    nt.selfcheck.lee_update({**space, "H_new": H0})
    assert capsys.readouterr().out.startswith("Not yet")
    race = {m: nt.nmf(lecture.X, 3, m, init="nndsvda", max_iter=100, stop="none") for m in ("lee", "anls")}
    nt.selfcheck.fastest_method({"race": race, "best_method": "anls"})
    assert capsys.readouterr().out.startswith("Correct!")
    nt.selfcheck.fastest_method({"race": race, "best_method": "lee"})
    assert "'lee' is not the smallest" in capsys.readouterr().out


def test_own_recipe_and_recovery(capsys, lecture):
    import numpy as np

    rng = np.random.default_rng(1)
    W = rng.uniform(0, 2, size=(40, 3))
    H = np.zeros((3, 12))
    H[np.repeat([0, 1, 2], 4), np.arange(12)] = rng.uniform(1, 2, size=12)
    X = np.maximum(W @ H + rng.normal(0, 0.2, size=(40, 12)), 0)
    nt.selfcheck.own_recipe({"my_W": W, "my_H": H, "my_X": X})
    assert capsys.readouterr().out.startswith("Correct!")
    nt.selfcheck.own_recipe({"my_W": W, "my_H": H[:, ::-1], "my_X": X})
    assert "samples 1-4 should use metagene 1" in capsys.readouterr().out
    nt.selfcheck.own_recipe({"my_W": W, "my_H": H, "my_X": W @ H - 1})
    assert "negative values of X" in capsys.readouterr().out
    fit = nt.nmf(lecture.X, 3, "hals", seed=1)
    corr = np.corrcoef(lecture.W.to_numpy().T, fit.W.to_numpy().T)[:3, 3:]
    nt.selfcheck.recovery({"sim": lecture, "fit": fit, "recovery": corr.max(axis=1).mean()})
    assert capsys.readouterr().out.startswith("Correct!")
    nt.selfcheck.recovery({"sim": lecture, "fit": fit, "recovery": 0.1})
    assert capsys.readouterr().out.startswith("Not yet")


def test_cluster_table_and_top_gene(capsys, lecture):
    import pandas as pd

    fit = nt.nmf(lecture.X, 3, "hals", seed=1)
    space = {"sim": lecture, "fit": fit}
    nt.selfcheck.cluster_table({**space, "table": pd.crosstab(lecture.labels, fit.predict())})
    assert capsys.readouterr().out.startswith("Correct!")
    nt.selfcheck.cluster_table({**space, "table": pd.crosstab(fit.predict(), lecture.labels).iloc[:, ::-1]})
    assert capsys.readouterr().out.startswith("Not yet")
    nt.selfcheck.top_gene({"fit": fit, "top_gene": fit.W["NMF1"].idxmax()})
    assert capsys.readouterr().out.startswith("Correct!")
    nt.selfcheck.top_gene({"fit": fit, "top_gene": "Gene_0"})
    assert "'Gene_0' is not it" in capsys.readouterr().out


def test_survey_choices(capsys, lecture):
    survey = nt.rank_survey(lecture.X, [2, 3, 4], nrun=3, seed=1, method="hals", holdout=0.1)
    nt.selfcheck.cophenetic_choice({"survey": survey, "best_by_cophenetic": survey["cophenetic"].idxmax()})
    assert capsys.readouterr().out.startswith("Correct!")
    nt.selfcheck.holdout_choice({"survey": survey, "best_by_holdout": 99})
    assert "K = 99 is not it" in capsys.readouterr().out


def test_golub_checks(capsys, golub):
    fit = nt.nmf(golub.X, 3, "brunet", nrun=2, seed=1, max_iter=200, stop="none")
    space = {"fits": {3: fit}, "golub": golub}
    nt.selfcheck.golub_purity({**space, "purity_k3": nt.purity(fit.predict(), golub.samples["subtype"])})
    assert capsys.readouterr().out.startswith("Correct!")
    nt.selfcheck.golub_purity({**space, "purity_k3": 2.0})
    assert capsys.readouterr().out.startswith("Not yet")
    aml = fit.predict()[golub.samples["subtype"] == "AML"].mode().iloc[0]
    nt.selfcheck.aml_metagene({**space, "aml": aml})
    assert capsys.readouterr().out.startswith("Correct!")
    nt.selfcheck.aml_metagene({**space, "aml": 99})
    assert capsys.readouterr().out.startswith("Not yet")


def test_proportions_and_log_cpm(capsys):
    import numpy as np

    rng = np.random.default_rng(0)
    S = rng.uniform(0, 2, (30, 3))
    props = rng.dirichlet(np.ones(3), size=5).T
    bulk = S @ props
    nt.selfcheck.proportions({"signatures": S, "bulk": bulk, "props": props})
    assert capsys.readouterr().out.startswith("Correct!")
    nt.selfcheck.proportions({"signatures": S, "bulk": bulk, "props": props * 2})
    assert capsys.readouterr().out.startswith("Not yet")
    counts = rng.poisson(5, (20, 4)).astype(float) + 1
    nt.selfcheck.log_cpm({"counts": counts, "logcpm": np.log2(counts / counts.sum(axis=0) * 1e6 + 1)})
    assert capsys.readouterr().out.startswith("Correct!")
    nt.selfcheck.log_cpm({"counts": counts, "logcpm": np.log2(counts + 1)})
    assert "multiply by 1e6" in capsys.readouterr().out


def test_lesson_08_checks(capsys, lecture):
    path = pd.DataFrame(
        {"rel_error": [0.100, 0.101, 0.104, 0.2], "zeros_W": [0.0, 0.1, 0.3, 0.6]},
        index=pd.Index([0.0, 0.01, 0.03, 0.1], name="alpha"),
    )
    nt.selfcheck.penalty_choice({"path": path, "chosen_alpha": 0.03})
    assert capsys.readouterr().out.startswith("Correct! alpha = 0.03")
    nt.selfcheck.penalty_choice({"path": path, "chosen_alpha": 0.1})
    assert "0.1 is not it" in capsys.readouterr().out
    nt.selfcheck.penalty_choice({"path": path})
    assert "no variable `chosen_alpha`" in capsys.readouterr().out
    fit = nt.nmf(lecture.X, 3, "nsNMF", seed=1, theta=0.7, max_iter=50, stop="none")
    S = 0.3 * np.eye(3) + 0.7 / 3
    W, H = np.asarray(fit.W), np.asarray(fit.H)
    nt.selfcheck.smoothing_by_hand({"smooth_fit": fit, "S_by_hand": S, "reconstruction": W @ S @ H})
    assert capsys.readouterr().out.startswith("Correct!")
    nt.selfcheck.smoothing_by_hand({"smooth_fit": fit, "S_by_hand": S, "reconstruction": W @ H})
    assert "S_by_hand is right" in capsys.readouterr().out
    nt.selfcheck.smoothing_by_hand({"smooth_fit": fit, "S_by_hand": np.eye(3), "reconstruction": W @ H})
    assert "θ = 0.7" in capsys.readouterr().out


def test_strict_raises_instead_of_printing_and_restores_itself(capsys):
    with nt.selfcheck.strict():
        nt.selfcheck.dimensions({"G": 300, "S": 30})  # right: silent
        with pytest.raises(AssertionError, match="Genes are the rows"):
            nt.selfcheck.dimensions({"G": 30, "S": 300})
        with pytest.raises(AssertionError, match="no variable `G`"):
            nt.selfcheck.dimensions({})
    assert capsys.readouterr().out == ""
    nt.selfcheck.dimensions({"G": 30, "S": 300})  # outside: prints again
    assert "Not yet" in capsys.readouterr().out
    with pytest.raises(RuntimeError), nt.selfcheck.strict():
        raise RuntimeError("an error inside the block")
    nt.selfcheck.dimensions({"G": 30, "S": 300})  # restored after an error too
    assert "Not yet" in capsys.readouterr().out


def test_an_object_that_claims_to_equal_anything_is_not_an_answer(capsys):
    class Anything:
        def __eq__(self, other):
            return True

    Anything.__module__ = "__main__"  # as if defined in a notebook
    nt.selfcheck.dimensions({"G": Anything(), "S": 30})
    assert "class defined in this notebook" in capsys.readouterr().out
    with nt.selfcheck.strict(), pytest.raises(AssertionError, match="class defined in this notebook"):
        nt.selfcheck.dimensions({"G": 300, "S": [Anything()]})
