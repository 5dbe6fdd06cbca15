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
    wrong_recipes = {  # each passed the old check (a hostile review): every one must now fail, saying why
        "W's entries should be drawn uniformly": {"my_W": 0 * W, "my_X": np.maximum(rng.normal(0, 0.2, (40, 12)), 0)},
        "one draw per sample": {"my_H": (H > 0) * 1.0, "my_X": np.maximum(W @ ((H > 0) * 1.0), 0)},
        "sd, not variance": {"my_X": np.maximum(W @ H + rng.normal(0, 0.2**0.5, (40, 12)), 0)},
        "not Gaussian": {"my_X": np.maximum(W @ H + rng.uniform(-0.2 * 3**0.5, 0.2 * 3**0.5, (40, 12)), 0)},
        "not made positive": {"my_X": np.abs(W @ H + rng.normal(0, 0.2, size=(40, 12)))},
    }
    for says, changed in wrong_recipes.items():
        nt.selfcheck.own_recipe({"my_W": W, "my_H": H, "my_X": X, **changed})
        out = capsys.readouterr().out
        assert out.startswith("Not yet") and says in out, (says, out)
    for seed in range(40):  # and the recipe itself passes from any seed
        rng = np.random.default_rng(seed)
        W_s = rng.uniform(0, 2, size=(40, 3))
        H_s = np.zeros((3, 12))
        H_s[np.repeat([0, 1, 2], 4), np.arange(12)] = rng.uniform(1, 2, size=12)
        X_s = np.maximum(W_s @ H_s + rng.normal(0, 0.2, size=(40, 12)), 0)
        nt.selfcheck.own_recipe({"my_W": W_s, "my_H": H_s, "my_X": X_s})
        assert capsys.readouterr().out.startswith("Correct!"), seed
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
    nt.selfcheck.holdout_choice({"survey": survey, "best_by_holdout": survey["holdout_mse"].idxmin()})
    assert capsys.readouterr().out.startswith("Correct!")
    nt.selfcheck.holdout_choice({"survey": survey, "best_by_holdout": 99})
    assert "K = 99 is not it" in capsys.readouterr().out
    nt.selfcheck.holdout_choice({"survey": survey, "best_by_holdout": str(survey["holdout_mse"].idxmin())})
    assert capsys.readouterr().out.startswith("Correct!")  # "3" is 3
    nt.selfcheck.holdout_choice({"survey": survey, "best_by_holdout": "three"})
    assert capsys.readouterr().out.startswith("Not yet")


def test_a_tie_in_the_survey_is_the_smallest_k(capsys):
    import pandas as pd

    survey = pd.DataFrame(
        {"cophenetic": [0.98, 1.0, 1.0 - 1e-12, 0.99, 1.0]}, index=pd.Index([2, 3, 4, 5, 6], name="rank")
    )
    nt.selfcheck.cophenetic_choice({"survey": survey, "best_by_cophenetic": 3})
    assert "K = 3, 4, 6 tie" in capsys.readouterr().out
    nt.selfcheck.cophenetic_choice({"survey": survey, "best_by_cophenetic": 4})
    assert "ties with the best cophenetic, but it is not the smallest" in capsys.readouterr().out


def test_an_answer_that_cannot_be_read_gets_a_sentence_not_a_traceback(capsys):
    cases = [
        (nt.selfcheck.sample_weights, {"h4": "high"}),
        (nt.selfcheck.sample_weights, {"h4": [[0.5, 1.0], [1.5]]}),  # ragged
        (nt.selfcheck.own_recipe, {"my_W": "W", "my_H": None, "my_X": (1, 2)}),
        (nt.selfcheck.stability_by_hand, {"C_by_hand": "C", "dispersion_by_hand": [1, 2], "cophenetic_by_hand": {}}),
    ]
    for check, answer in cases:
        check(answer)
        assert capsys.readouterr().out.startswith("Not yet: your answer could not be read")
        with pytest.raises(AssertionError, match="could not be read"), nt.selfcheck.strict():
            check(answer)


def test_stability_by_hand_uses_the_lessons_toy_runs(capsys):
    import numpy as np

    runs = nt.selfcheck.analysis.TOY_RUNS
    C = nt.consensus_matrix(runs)
    right = {"C_by_hand": C, "dispersion_by_hand": nt.dispersion(C), "cophenetic_by_hand": nt.cophenetic(C)}
    nt.selfcheck.stability_by_hand(right)
    assert capsys.readouterr().out.startswith("Correct!")
    trivial = np.array([[1, 1, 2, 2, 2, 2]] * 4)  # a student's easier toy: its own answers must not pass
    C_easy = nt.consensus_matrix(trivial)
    easy = {"toy_runs": trivial, "C_by_hand": C_easy, "dispersion_by_hand": 1.0, "cophenetic_by_hand": 1.0}
    nt.selfcheck.stability_by_hand(easy)
    assert "toy_runs is not the lesson's" in capsys.readouterr().out
    nt.selfcheck.stability_by_hand({**easy, "toy_runs": runs})
    assert capsys.readouterr().out.startswith("Not yet")


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


_ANSWERS = '''
import functools
import numpy as np
import nmfteach as nt
import nmfteach as numpy_like
from nmfteach import textbook
from nmfteach.textbook import lee as plain

def good(X, W, H):
    """The nmfteach update (nt.textbook.lee, nmf) written out."""
    # nt.textbook.lee would earn nothing: this comment must not count
    H = H * (W.T @ X) / (W.T @ W @ H)
    return W * (X @ H.T) / (W @ H @ H.T), H

def uses_helper_ok(X, W, H):
    return good(X, W, H)

def direct(X, W, H): return nt.textbook.lee(X, W, H)
def alias(X, W, H): return numpy_like.textbook.lee(X, W, H)
def imported_name(X, W, H): return plain(X, W, H)
def helper(X, W, H): return textbook.brunet(X, W, H)
def via_helper(X, W, H): return helper(X, W, H)
def default(X, W, H, step=plain): return step(X, W, H)
def dynamic(X, W, H): return __import__("nmf" + "teach").nmf(X, 3)
def make():
    step = plain
    def closure(X, W, H): return step(X, W, H)
    return closure
closure = make()
partial = functools.partial(plain)
def via_partial(X, W, H): return partial(X, W, H)
class Stepper:
    def step(self, X, W, H): return nt.textbook.lee(X, W, H)
stepper = Stepper()
def via_object(X, W, H): return stepper.step(X, W, H)
def comprehension(X, W, H): return [nt.nmf(X, 3) for _ in range(1)]
def evaluated(X, W, H): return (lambda: eval("nt"))()
renamed = nt.textbook.brunet
'''


def test_nmfteach_names_reads_the_code_not_the_text():
    namespace = {"__name__": "__main__"}
    exec(compile(_ANSWERS, "<notebook>", "exec"), namespace)
    assert nt.selfcheck.nmfteach_names(namespace["good"]) == []
    assert nt.selfcheck.nmfteach_names(namespace["uses_helper_ok"]) == []
    for name in (
        "direct",
        "alias",
        "imported_name",
        "via_helper",
        "default",
        "dynamic",
        "closure",
        "via_partial",
        "via_object",
        "comprehension",
        "evaluated",
        "renamed",
    ):
        assert nt.selfcheck.nmfteach_names(namespace[name]), name
