"""The exercises' self-checks say right, wrong or missing in plain words."""

import types

import numpy as np
import pandas as pd
import pytest

import nmfteach as nt


def test_reconstruction(capsys, lecture):
    fit = nt.nmf(lecture.X, 3, "brunet", nrun=30, seed=123)
    X_hat = fit.W @ fit.H
    squared = (lecture.X - X_hat) ** 2
    right = {
        "X_hat": X_hat,
        "rel_error": np.sqrt(squared.to_numpy().sum() / (lecture.X**2).to_numpy().sum()),
        "worst_gene": squared.sum(axis=1).idxmax(),
    }
    nt.selfcheck.reconstruction(right)
    assert capsys.readouterr().out.startswith("Correct!")
    cases = {
        "transpose": ({"X_hat": X_hat.T}, "the transpose of (300, 30): genes are its rows"),
        "no labels": ({"X_hat": X_hat.to_numpy()}, "make it a table (DataFrame)"),
        "X itself": ({"X_hat": lecture.X}, "not the right values"),
        "squared ratio": ({"rel_error": right["rel_error"] ** 2}, "ratio of the squared norms"),
        "worst by X": ({"worst_gene": (lecture.X**2).sum(axis=1).idxmax()}, "worst_gene is not"),
    }
    for name, (change, message) in cases.items():
        nt.selfcheck.reconstruction({**right, **change})
        out = capsys.readouterr().out
        assert out.startswith("Not yet") and message in out, (name, out)
    nt.selfcheck.reconstruction({})
    assert "Not answered yet: there is no variable `X_hat`" in capsys.readouterr().out


def test_from_sklearn_layout(capsys, lecture):
    flipped = nt.nmf(lecture.X.T, 3, "brunet", seed=1)
    sk_W, sk_H = flipped.W.to_numpy(), flipped.H.to_numpy()
    names = ["NMF1", "NMF2", "NMF3"]
    W = pd.DataFrame(sk_H.T, index=lecture.X.index, columns=names)
    H = pd.DataFrame(sk_W.T, index=names, columns=lecture.X.columns)
    nt.selfcheck.from_sklearn_layout({"W_ours": W, "H_ours": H})
    assert capsys.readouterr().out.startswith("Correct!")
    nt.selfcheck.from_sklearn_layout({"W_ours": sk_W, "H_ours": sk_H})
    assert "that is sk_W, the samples' weights" in capsys.readouterr().out
    nt.selfcheck.from_sklearn_layout({"W_ours": W, "H_ours": sk_H})
    assert "that is sk_H, the metagenes" in capsys.readouterr().out
    nt.selfcheck.from_sklearn_layout({"W_ours": W.to_numpy(), "H_ours": H})
    assert "make it a table" in capsys.readouterr().out
    nt.selfcheck.from_sklearn_layout({"W_ours": W, "H_ours": H.rename(columns=str.lower)})
    assert "not the labels" in capsys.readouterr().out


def test_mixed_sample_says_what_is_wrong(capsys):
    W = nt.TOY_PROGRAMS[["immune", "cell cycle"]].to_numpy()
    x = W @ [2.0, 0.5]
    mixes = W @ np.array([[2.0, 0.0, 1.0], [0.5, 1.0, 1.0]])
    right = {"x": x, "immune_share": 2 * W[:, 0].sum() / x.sum(), "X_new": mixes}
    nt.selfcheck.mixed_sample(right)
    assert capsys.readouterr().out.startswith("Correct! x = 2 · immune + 0.5 · cell cycle; 80%")
    cases = {
        "swapped": ({"x": W @ [0.5, 2.0]}, "the wrong way round"),
        "length": ({"x": [1.0, 2.0]}, "one value per gene (10)"),
        "weightless share": ({"immune_share": W[:, 0].sum() / x.sum()}, "forgot the weight"),
        "transposed": ({"X_new": mixes.T}, "X_new is transposed"),
        "wrong mixes": ({"X_new": mixes * 2}, "X_new is not W times"),
    }
    for name, (change, message) in cases.items():
        nt.selfcheck.mixed_sample({**right, **change})
        out = capsys.readouterr().out
        assert out.startswith("Not yet") and message in out, (name, out)


def test_sample_weights_says_what_is_wrong(capsys):
    H = np.array([[1.0, 0.0, 2.0, 0.5, 1.0, 0.2], [0.0, 1.0, 0.3, 1.5, 1.0, 2.0]])
    right = {"h4": [0.5, 1.5], "H_hat": H, "max_error": 0.0}
    nt.selfcheck.sample_weights(right)
    assert capsys.readouterr().out.startswith("Correct!")
    cases = {
        "sample": ({"h4": [1.0, 0.0]}, "solve the NNLS problem for Sample_4"),
        "transposed": ({"H_hat": H.T}, "H_hat is transposed"),
        "wrong": ({"H_hat": H * 2}, "not the NNLS weights"),
        "error": ({"max_error": 0.5}, "max_error is the largest"),
    }
    for name, (change, message) in cases.items():
        nt.selfcheck.sample_weights({**right, **change})
        out = capsys.readouterr().out
        assert out.startswith("Not yet") and message in out, (name, out)


def test_svd_error_and_metagene_cosine(capsys, lecture):
    import numpy as np

    X = lecture.X.to_numpy()
    U, s, Vt = np.linalg.svd(X, full_matrices=False)
    error = np.linalg.norm(X - (U[:, :3] * s[:3]) @ Vt[:3]) / np.linalg.norm(X)
    nt.selfcheck.svd_error({"svd_error": error, "rank_99": 3})
    assert capsys.readouterr().out.startswith("Correct!")
    nt.selfcheck.svd_error({"svd_error": 0.5, "rank_99": 3})
    assert capsys.readouterr().out.startswith("Not yet")
    nt.selfcheck.svd_error({"svd_error": error**2, "rank_99": 3})
    assert "ratio of squared norms" in capsys.readouterr().out
    nt.selfcheck.svd_error({"svd_error": error, "rank_99": 2})
    assert "rank_99 is one too small" in capsys.readouterr().out
    nt.selfcheck.svd_error({"svd_error": error, "rank_99": 5})
    assert "rank_99 is the smallest rank" in capsys.readouterr().out
    fit = nt.nmf(lecture.X, 3, "brunet", nrun=30, seed=123)  # the lesson's fit
    unit = fit.W.to_numpy() / np.linalg.norm(fit.W.to_numpy(), axis=0)
    gram = unit.T @ unit
    off = gram[~np.eye(3, dtype=bool)]
    nt.selfcheck.metagene_cosine({"fit": fit, "cosine": off.max()})
    assert capsys.readouterr().out.startswith("Correct!")
    # the check makes the lesson's fit itself: a replaced fit cannot make a wrong answer right
    nt.selfcheck.metagene_cosine({"fit": types.SimpleNamespace(W=np.eye(3)), "cosine": 0.0})
    assert capsys.readouterr().out.startswith("Not yet")
    for wrong, message in [(1.0, "with itself"), (off.min(), "the smallest"), ("0.75", "the text"),
                           (np.corrcoef(fit.W.to_numpy().T)[0, 1:].max(), None)]:  # fmt: skip
        nt.selfcheck.metagene_cosine({"fit": fit, "cosine": wrong})
        out = capsys.readouterr().out
        assert out.startswith("Not yet") and (message is None or message in out), (wrong, out)
    nt.selfcheck.svd_error({"svd_error": np.array([error]), "rank_99": 3})
    assert "not one number" in capsys.readouterr().out


def test_objectives_and_gradients_by_hand(capsys):
    X = np.array([[4.0, 1.0, 3.0], [2.0, 5.0, 1.0]])
    W = np.array([[1.0, 0.5], [0.5, 2.0]])
    H = np.array([[3.0, 0.5, 2.0], [0.5, 2.0, 0.5]])
    WH = W @ H
    right = {"frob": 0.5 * ((X - WH) ** 2).sum(), "grad_H": W.T @ (WH - X)}
    nt.selfcheck.frobenius_by_hand(right)
    assert capsys.readouterr().out.startswith("Correct! ½‖X − WH‖² = 1.5938")
    cases = {
        "no half": ({"frob": ((X - WH) ** 2).sum()}, "not ½‖X − WH‖²"),
        "sign": ({"grad_H": W.T @ (X - WH)}, "wrong sign"),
        "twice": ({"grad_H": 2 * W.T @ (WH - X)}, "twice too large"),
        "W's gradient": ({"grad_H": (WH - X) @ H.T}, "that is the gradient with respect to W"),
    }
    for name, (change, message) in cases.items():
        nt.selfcheck.frobenius_by_hand({**right, **change})
        out = capsys.readouterr().out
        assert out.startswith("Not yet") and message in out, (name, out)
    right = {"kl": (X * np.log(X / WH) - X + WH).sum(), "grad_H_kl": W.T @ (1 - X / WH)}
    nt.selfcheck.kl_by_hand(right)
    assert capsys.readouterr().out.startswith("Correct! D(X ‖ WH) = 0.7113")
    nt.selfcheck.kl_by_hand({**right, "grad_H_kl": -W.T @ (X / WH)})
    assert "misses the derivative of the + WH term" in capsys.readouterr().out
    nt.selfcheck.kl_by_hand({"kl": 1.0})
    assert "no variable `grad_H_kl`" in capsys.readouterr().out


def _lesson_04_problem():
    rng = np.random.default_rng(295)
    W_true = rng.uniform(0, 1, size=(8, 3))
    H_true = rng.uniform(0, 2, size=(3, 5)) * (rng.uniform(size=(3, 5)) > 0.5)
    return W_true @ H_true, rng.uniform(0, 1, size=(8, 3)), rng.uniform(0, 1, size=(3, 5))


def test_hals_sweep_says_what_is_wrong(capsys):
    X0, W0, H0 = _lesson_04_problem()
    H_hals = nt.textbook.hals(X0, W0, H0)[1]
    nt.selfcheck.hals_sweep({"H0": H0, "H_hals": H_hals, "n_clipped": 3})
    assert capsys.readouterr().out.startswith("Correct! one sweep takes")
    at_once = np.maximum(0, H0 + (W0.T @ X0 - W0.T @ W0 @ H0) / np.diag(W0.T @ W0)[:, None])
    unclipped = H_hals.copy()
    unclipped[H_hals == 0] = -0.1
    cases = {
        "all rows at once": ({"H_hals": at_once}, "every row from H0 at once"),
        "no clip": ({"H_hals": unclipped}, "your H has negative entries"),
        "H0 changed": ({"H0": H_hals}, "H0 has changed"),
        "count": ({"n_clipped": 5}, "not 5"),
        "wrong": ({"H_hals": H0}, "not one HALS sweep"),
    }
    for name, (change, message) in cases.items():
        nt.selfcheck.hals_sweep({"H0": H0, "H_hals": H_hals, "n_clipped": 3, **change})
        out = capsys.readouterr().out
        assert out.startswith("Not yet") and message in out, (name, out)


def test_projected_step_says_what_is_wrong(capsys):
    X0, W0, H0 = _lesson_04_problem()
    gram = W0.T @ W0
    L = np.linalg.eigvalsh(gram)[-1]
    H_pgd = nt.textbook.pgd(X0, W0, H0)[1]
    right = {"L": L, "H_pgd": H_pgd, "better": "hals"}
    nt.selfcheck.projected_step(right)
    assert capsys.readouterr().out.startswith("Correct! with W0 fixed")
    cases = {
        "trace": ({"L": np.trace(gram)}, "L is the trace of WᵀW"),
        "smallest": ({"L": np.linalg.eigvalsh(gram)[0]}, "L is the smallest eigenvalue"),
        "uphill": ({"H_pgd": np.maximum(0, H0 + (gram @ H0 - W0.T @ X0) / L)}, "you stepped up the gradient"),
        "no projection": ({"H_pgd": H0 - (gram @ H0 - W0.T @ X0) / L}, "your H has negative entries"),
        "winner": ({"better": "pgd"}, "better is not"),
    }
    for name, (change, message) in cases.items():
        nt.selfcheck.projected_step({**right, **change})
        out = capsys.readouterr().out
        assert out.startswith("Not yet") and message in out, (name, out)


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
    sim = nt.simulate_expression(n_genes=300, n_samples=30, rank=3, noise_sd=0.2, seed=123)
    fit = nt.nmf(sim.X, 3, "brunet", seed=1)
    corr = np.corrcoef(sim.W.to_numpy().T, fit.W.to_numpy().T)[:3, 3:]
    matching = {t: fit.W.columns[corr[i].argmax()] for i, t in enumerate(sim.W.columns)}
    right = {
        "matching": matching,
        "recovery": corr.max(axis=1).mean(),
        "worst": sim.W.columns[corr.max(axis=1).argmin()],
    }
    nt.selfcheck.recovery(right)
    assert capsys.readouterr().out.startswith("Correct! recovery 0.997")
    for change, message in (({"recovery": 0.1}, "recovery is the mean"), ({"matching": {}}, "matching should map"),
                            ({"worst": "nothing"}, "worst is the true metagene")):  # fmt: skip
        nt.selfcheck.recovery({**right, **change})
        assert message in capsys.readouterr().out


def test_merge_purity_says_what_is_wrong(capsys, lecture):
    table2 = pd.crosstab(lecture.labels, nt.nmf(lecture.X, 2, "brunet", nrun=10, seed=123).predict())
    right = {"table2": table2, "purity_by_hand": 20 / 30, "merged_groups": [1, 2]}
    nt.selfcheck.merge_purity(right)
    assert capsys.readouterr().out.startswith("Correct! purity 20/30 = 0.667")
    cases = {
        "transposed": ({"table2": table2.T}, "table2 is transposed"),
        "by group": ({"purity_by_hand": 1.0}, "each true group's largest count"),
        "wrong": ({"purity_by_hand": 0.5}, "purity is the sum over clusters"),
        "groups": ({"merged_groups": [1, 3]}, "merged_groups should list"),
        "unreadable groups": ({"merged_groups": "one and two"}, "merged_groups should list"),
    }
    for name, (change, message) in cases.items():
        nt.selfcheck.merge_purity({**right, **change})
        out = capsys.readouterr().out
        assert out.startswith("Not yet") and message in out, (name, out)


def test_specific_genes_says_what_is_wrong(capsys, lecture):
    W = nt.nmf(lecture.X, 3, "brunet", nrun=30, seed=123).W
    scaled = W / W.sum(axis=0)
    specific = list((scaled["NMF1"] / scaled.sum(axis=1)).sort_values(ascending=False).index[:10])
    nt.selfcheck.specific_genes({"specific": specific, "overlap": 0})
    assert capsys.readouterr().out.startswith("Correct! the 10 most specific genes")
    unscaled = list((W["NMF1"] / W.sum(axis=1)).sort_values(ascending=False).index[:10])
    cases = {
        "strongest": ({"specific": list(nt.top_genes(W, n=10)["NMF1"])}, "largest loadings"),
        "unscaled": ({"specific": unscaled}, "scale each metagene"),
        "order": ({"specific": specific[::-1]}, "wrong order"),
        "short": ({"specific": specific[:5]}, "holds 5"),
        "shares": ({"specific": (scaled["NMF1"] / scaled.sum(axis=1)).nlargest(10)}, "give their names"),
        "overlap": ({"overlap": 3}, "overlap is the number"),
    }
    for name, (change, message) in cases.items():
        nt.selfcheck.specific_genes({"specific": specific, "overlap": 0, **change})
        out = capsys.readouterr().out
        assert out.startswith("Not yet") and message in out, (name, out)


def _survey_of(original, randomized):
    rows = {("original", k): v for k, v in original.items()} | {("randomized", k): v for k, v in randomized.items()}
    index = pd.MultiIndex.from_tuples(list(rows), names=["data", "rank"])
    return pd.DataFrame({"cophenetic": list(rows.values())}, index=index)


def _right_rule(cophenetic, tol):
    ks, values = list(cophenetic.index), list(cophenetic)
    for k, now, after in zip(ks, values, values[1:]):
        if now - after > tol:
            return k
    return None


def test_brunets_rule_is_tried_on_series_the_student_never_saw(capsys):
    survey = _survey_of({2: 0.987, 3: 1.0, 4: 1.0, 5: 0.99995, 6: 1.0}, {2: 0.89, 3: 0.90, 4: 0.91, 5: 0.94, 6: 0.91})
    right = {"survey": survey, "brunet_rule": _right_rule, "rule_original": None, "rule_randomized": 5}
    nt.selfcheck.cophenetic_rule(right)
    assert capsys.readouterr().out.startswith("Correct! on the data the cophenetic never falls")

    def by_position(cophenetic, tol):  # positions, not the K of the index
        values = list(cophenetic)
        return next((i for i in range(len(values) - 1) if values[i] - values[i + 1] > tol), None)

    def any_fall(cophenetic, tol):  # ignores tol
        return _right_rule(cophenetic, 0.0)

    def text_none(cophenetic, tol):
        return _right_rule(cophenetic, tol) or "None"

    def crashes(cophenetic, tol):
        return cophenetic[99]

    cases = {
        "typed": ({"brunet_rule": 3}, "is not a function"),
        "positions": ({"brunet_rule": by_position}, "not positions"),
        "tol": ({"brunet_rule": any_fall}, "within tol"),
        "text": ({"brunet_rule": text_none}, "Return None itself"),
        "crash": ({"brunet_rule": crashes}, "raised KeyError"),
        "original": ({"rule_original": 4}, "rule_original is 4"),
        "randomized": ({"rule_randomized": None}, "rule_randomized is None"),
        "quoted": ({"rule_randomized": "5"}, "no quotes"),
    }
    for name, (change, message) in cases.items():
        nt.selfcheck.cophenetic_rule({**right, **change})
        out = capsys.readouterr().out
        assert out.startswith("Not yet") and message in out, (name, out)


def test_holdout_by_hand_says_what_is_wrong(capsys, lecture):
    X = lecture.X.to_numpy()
    hidden = np.random.default_rng(1).uniform(size=X.shape) < 0.1
    heldout, training = {}, {}
    for k in range(2, 7):
        squared = (nt.nmf(X, k, "masked_kl", mask=~hidden, seed=1, stop="none", max_iter=1000).fitted() - X) ** 2
        heldout[k], training[k] = squared[hidden].mean(), squared[~hidden].mean()
    right = {"heldout_mse": heldout, "training_mse": training, "best_by_holdout": 3}
    nt.selfcheck.holdout_by_hand(right)
    assert capsys.readouterr().out.startswith("Correct! the error on the seen entries falls")
    seen_all = {k: nt.nmf(X, k, "brunet", seed=1, stop="none", max_iter=1000).fitted() for k in range(2, 7)}
    unmasked = {k: float(np.mean((fitted - X)[hidden] ** 2)) for k, fitted in seen_all.items()}
    cases = {
        "swapped": ({"heldout_mse": training}, "the entries the fit saw"),
        "fit saw them": ({"heldout_mse": unmasked}, "a fit that did not see them"),
        "training": ({"training_mse": heldout}, "training_mse is not"),
        "best": ({"best_by_holdout": 6}, "best_by_holdout is not"),
        "keys": ({"heldout_mse": {3: 0.1}}, "dictionaries {K: error}"),
    }
    for name, (change, message) in cases.items():
        nt.selfcheck.holdout_by_hand({**right, **change})
        out = capsys.readouterr().out
        assert out.startswith("Not yet") and message in out, (name, out)


def test_an_answer_that_cannot_be_read_gets_a_sentence_not_a_traceback(capsys):
    cases = [
        (nt.selfcheck.sample_weights, {"h4": "high", "H_hat": None, "max_error": 0}),
        (nt.selfcheck.sample_weights, {"h4": [[0.5, 1.0], [1.5]], "H_hat": None, "max_error": 0}),  # ragged
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


@pytest.mark.slow
def test_golub_checks_say_what_is_wrong(capsys, golub):
    from scipy.stats import hypergeom

    fit = nt.nmf(golub.X, 3, "brunet", nrun=30, seed=123)
    t_metagene = f"NMF{fit.predict()[golub.samples['subtype'] == 'ALL-T'].mode().iloc[0]}"
    chosen = set(nt.extract_features(fit.W)[t_metagene])
    gene_set = set(golub.genes.index[golub.genes.str.contains("T cell|T-cell", case=False)])
    k, G = len(chosen & gene_set), len(golub.genes)
    right = {"t_metagene": t_metagene, "overlap": k, "expected_overlap": len(chosen) * len(gene_set) / G,
             "p_value": hypergeom.sf(k - 1, G, len(gene_set), len(chosen))}  # fmt: skip
    from nmfteach.selfcheck import analysis

    analysis._golub_fits.cache_clear()
    nt.selfcheck.t_cell_enrichment(right)  # the first check says why it takes a while, the next ones do not
    first = capsys.readouterr().out.splitlines()
    assert first[0].startswith("(Fitting the Golub data to check against") and first[1].startswith("Correct! 11 of")
    nt.selfcheck.t_cell_enrichment(right)
    assert capsys.readouterr().out.startswith("Correct! 11 of NMF2's 73 marker genes")
    cases = {
        "P(X > k)": ({"p_value": hypergeom.sf(k, G, len(gene_set), len(chosen))}, "that is P(X > overlap)"),
        "P(X = k)": ({"p_value": hypergeom.pmf(k, G, len(gene_set), len(chosen))}, "that is P(X = overlap)"),
        "metagene": ({"t_metagene": "NMF1"}, "not the metagene the ALL-T samples use"),
        "expected": ({"expected_overlap": 11.0}, "expected_overlap is what a random list"),
    }
    for name, (change, message) in cases.items():
        nt.selfcheck.t_cell_enrichment({**right, **change})
        out = capsys.readouterr().out
        assert out.startswith("Not yet") and message in out, (name, out)

    held_out = list(np.random.default_rng(23).choice(golub.X.columns, size=8, replace=False))
    train = nt.nmf(golub.X.drop(columns=held_out), 3, "brunet", nrun=10, seed=123)
    H_new = nt.nnls(train.W.T @ train.W, train.W.T @ golub.X[held_out])
    subtype = golub.samples["subtype"]
    names = pd.crosstab(train.predict(), subtype.drop(held_out)).idxmax(axis=1)
    predicted = pd.Series(names.loc[nt.dominant_metagene(train.W, H_new)].to_numpy(), index=held_out)
    right = {"H_new": H_new, "predicted_subtypes": predicted, "accuracy": 7 / 8}
    nt.selfcheck.metagene_classifier(right)
    assert capsys.readouterr().out.startswith("Correct! 7 of the 8 held-out samples get their true subtype")
    least_squares = np.linalg.lstsq(train.W.to_numpy(), golub.X[held_out].to_numpy(), rcond=None)[0]
    cases = {
        "transposed": ({"H_new": np.asarray(H_new).T}, "one column per new sample"),
        "plain least squares": ({"H_new": least_squares}, "non-negative least squares, not plain ones"),
        "clipped least squares": ({"H_new": np.maximum(least_squares, 0)}, "not the NNLS solution"),
        "labels": ({"predicted_subtypes": predicted.iloc[::-1].set_axis(held_out)}, "not each new sample's"),
        "accuracy": ({"accuracy": 0.5}, "accuracy is the share"),
        "copied labels": ({"predicted_subtypes": subtype[held_out], "accuracy": 1.0}, "never from the labels"),
    }
    for name, (change, message) in cases.items():
        nt.selfcheck.metagene_classifier({**right, **change})
        out = capsys.readouterr().out
        assert out.startswith("Not yet") and message in out, (name, out)


def test_deconvolution_says_what_is_wrong(capsys):
    truth = nt.simulate_expression(n_genes=200, n_samples=12, rank=3, membership="soft", concentration=2.0,
                                   noise_sd=0.05, seed=10)  # fmt: skip
    S, B = truth.W.to_numpy(), truth.X.to_numpy()
    raw, raw_two = nt.nnls(S.T @ S, S.T @ B), nt.nnls(S[:, :2].T @ S[:, :2], S[:, :2].T @ B)
    props, props_two = raw / raw.sum(axis=0), raw_two / raw_two.sum(axis=0)
    norm = np.linalg.norm(B)
    residuals = (np.linalg.norm(B - S @ raw) / norm, np.linalg.norm(B - S[:, :2] @ raw_two) / norm)
    right = {"props": props, "props_two": props_two, "residuals": residuals}
    nt.selfcheck.deconvolution(right)
    assert capsys.readouterr().out.startswith("Correct! with all three signatures")
    other = nt.nnls(S[:, 1:].T @ S[:, 1:], S[:, 1:].T @ B)  # the last two signatures instead of the first two
    scaled = (np.linalg.norm(B - S @ props) / norm, np.linalg.norm(B - S[:, :2] @ props_two) / norm)
    cases = {
        "unscaled": ({"props": raw}, "do not sum to 1"),
        "transposed": ({"props": props.T}, "has shape (12, 3)"),
        "other pair": ({"props_two": other / other.sum(axis=0)}, "not the NNLS solution"),
        "scaled residuals": ({"residuals": scaled}, "use the unscaled coefficients"),
        "wrong residuals": ({"residuals": (0.1, 0.1)}, "residuals should be"),
    }
    for name, (change, message) in cases.items():
        nt.selfcheck.deconvolution({**right, **change})
        out = capsys.readouterr().out
        assert out.startswith("Not yet") and message in out, (name, out)


def test_median_ratio_says_what_is_wrong(capsys):
    from nmfteach.selfcheck.analysis import _lesson_10_counts

    counts, sizes = _lesson_10_counts()
    with np.errstate(divide="ignore"):
        logs = np.log(counts)
    reference = logs.mean(axis=1)
    usable = np.isfinite(reference)
    sf = np.exp(np.median(logs[usable] - reference[usable, None], axis=0))
    totals = counts.sum(axis=0) / counts.sum(axis=0).mean()
    right = {"sf_median": sf, "sf_total": totals,
             "correlations": (np.corrcoef(sf, sizes)[0, 1], np.corrcoef(totals, sizes)[0, 1])}  # fmt: skip
    nt.selfcheck.median_ratio(right)
    assert capsys.readouterr().out.startswith("Correct! 251 of 300 genes")
    with np.errstate(divide="ignore", invalid="ignore"):
        with_zeros = np.exp(np.median(logs - reference[:, None], axis=0))
    cases = {
        "zeros kept": ({"sf_median": with_zeros}, "a gene with a zero count"),
        "mean": ({"sf_median": np.exp((logs[usable] - reference[usable, None]).mean(axis=0))}, "median"),
        "rescaled": ({"sf_median": sf / sf.mean()}, "right up to a constant"),
        "totals": ({"sf_total": counts.sum(axis=0)}, "sf_total is each sample's total"),
        "correlations": ({"correlations": (0.5, 0.5)}, "correlations should be"),
    }
    for name, (change, message) in cases.items():
        nt.selfcheck.median_ratio({**right, **change})
        out = capsys.readouterr().out
        assert out.startswith("Not yet") and message in out, (name, out)


def test_lesson_08_checks(capsys, lecture):
    from nmfteach.selfcheck.analysis import _lesson_08_path

    path = _lesson_08_path()
    gained = path.loc[0.02, "zeros_W"] - path.loc[0.0, "zeros_W"]
    cost = path.loc[0.02, "rel_error"] / path.loc[0.0, "rel_error"] - 1
    right = {"chosen_alpha": 0.02, "zeros_gained": gained, "error_cost": cost}
    nt.selfcheck.penalty_choice(right)
    assert capsys.readouterr().out.startswith("Correct! alpha = 0.02 raises the error by 3.6% and the share of exact")
    wrong = [({"chosen_alpha": 0.03}, "past the limit"), ({"chosen_alpha": 0.01}, "not the largest"),
             ({"zeros_gained": 0.5}, "zeros_gained is"), ({"error_cost": 100 * cost}, "not a percentage"),
             ({"chosen_alpha": "0.02"}, "is the text '0.02'"), ({"chosen_alpha": pd.Index([0.02])}, "of type Index"),
             ({"chosen_alpha": True}, "yes/no value"), ({"error_cost": 1 + cost}, "the ratio minus 1"),
             ({"zeros_gained": 100 * right["zeros_gained"]}, "not in percent"),
             ({"zeros_gained": round(right["zeros_gained"], 2) + 0.001}, "rounded numbers")]  # fmt: skip
    for change, message in wrong:
        nt.selfcheck.penalty_choice({**right, **change})
        assert message in capsys.readouterr().out
    fake = pd.DataFrame({"rel_error": [1.0, 1.02, 2.0], "zeros_W": [0, 0.5, 0.9]}, index=[0, 0.01, 0.1])
    nt.selfcheck.penalty_choice({"path": fake, "chosen_alpha": 0.01, "zeros_gained": 0.5, "error_cost": 0.02})
    assert capsys.readouterr().out.startswith("Not yet")  # the check builds its own path: a made-up one earns nothing
    nt.selfcheck.penalty_choice({})
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


def test_strict_raises_instead_of_printing_and_restores_itself(capsys, lecture):
    X = lecture.X.to_numpy()
    U, s, Vt = np.linalg.svd(X, full_matrices=False)
    right = {"svd_error": np.linalg.norm(X - (U[:, :3] * s[:3]) @ Vt[:3]) / np.linalg.norm(X), "rank_99": 3}
    with nt.selfcheck.strict():
        nt.selfcheck.svd_error(right)  # right: silent
        with pytest.raises(AssertionError, match="singular triplets"):
            nt.selfcheck.svd_error({"svd_error": 0.5, "rank_99": 3})
        with pytest.raises(AssertionError, match="no variable `svd_error`"):
            nt.selfcheck.svd_error({})
    assert capsys.readouterr().out == ""
    nt.selfcheck.svd_error({"svd_error": 0.5, "rank_99": 3})  # outside: prints again
    assert "Not yet" in capsys.readouterr().out
    with pytest.raises(RuntimeError), nt.selfcheck.strict():
        raise RuntimeError("an error inside the block")
    nt.selfcheck.svd_error({"svd_error": 0.5, "rank_99": 3})  # restored after an error too
    assert "Not yet" in capsys.readouterr().out


def test_a_masked_array_is_not_an_answer(capsys):
    nt.selfcheck.svd_error({"svd_error": np.ma.masked, "rank_99": np.ma.masked})
    assert "`svd_error` is a masked array" in capsys.readouterr().out
    with nt.selfcheck.strict(), pytest.raises(AssertionError, match="masked array"):
        nt.selfcheck.svd_error({"svd_error": 0.1, "rank_99": [np.ma.masked]})


def test_an_object_that_claims_to_equal_anything_is_not_an_answer(capsys):
    class Anything:
        def __eq__(self, other):
            return True

    Anything.__module__ = "__main__"  # as if defined in a notebook
    nt.selfcheck.svd_error({"svd_error": Anything(), "rank_99": 3})
    assert "class defined in this notebook" in capsys.readouterr().out
    with nt.selfcheck.strict(), pytest.raises(AssertionError, match="class defined in this notebook"):
        nt.selfcheck.svd_error({"svd_error": [Anything()], "rank_99": 3})


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
_impl = {"f": nt.textbook.masked_frobenius}
def in_a_dict(X, W, H): return _impl["f"](X, W, H, np.ones_like(X))
def dict_default(X, W, H, _t={"tb": nt.textbook}): return _t["tb"].lee(X, W, H)
class Callable:
    def __call__(self, X, W, H): return nt.textbook.masked_frobenius(X, W, H, np.ones_like(X))
callable_object = Callable()
class Holder:
    tb = nt.textbook
def class_attribute(X, W, H): return Holder.tb.lee(X, W, H)
partial_lambda = functools.partial(lambda X, W, H: nt.textbook.lee(X, W, H))
def imports_inside(X, W, H):
    from nmfteach.textbook import masked_frobenius
    return masked_frobenius(X, W, H, np.ones_like(X))
T = nt.textbook  # a global named like an attribute: W.T must not count
from numpy import einsum
def honest_transpose(X, W, H):
    H = H * einsum("gk,gs->ks", W, X) / (W.T @ W @ H)
    return W * (X @ H.T) / (W @ H @ H.T), H
'''


def test_nmfteach_names_reads_the_code_not_the_text():
    namespace = {"__name__": "__main__"}
    exec(compile(_ANSWERS, "<notebook>", "exec"), namespace)
    assert nt.selfcheck.nmfteach_names(namespace["good"]) == []
    assert nt.selfcheck.nmfteach_names(namespace["uses_helper_ok"]) == []
    assert nt.selfcheck.nmfteach_names(namespace["honest_transpose"]) == []
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
        "in_a_dict",
        "dict_default",
        "callable_object",
        "class_attribute",
        "partial_lambda",
        "imports_inside",
        "renamed",
    ):
        assert nt.selfcheck.nmfteach_names(namespace[name]), name


def test_nmfteach_calls_sees_every_call_into_nmfteach_however_it_was_reached():
    X, W, H = nt.lecture_example().X.to_numpy()[:20, :8], np.full((20, 2), 0.5), np.full((2, 8), 0.5)
    hidden = {"step": nt.textbook.masked_frobenius}

    def cheat(X, W, H):
        return hidden["step"](X, W, H, np.ones_like(X))

    def honest(X, W, H):
        H = H * (W.T @ X) / (W.T @ W @ H)
        return W * (X @ H.T) / (W @ H @ H.T), H

    (W1, H1), called = nt.selfcheck.nmfteach_calls(cheat, X, W, H)
    assert called == ["nmfteach.textbook.masked_frobenius"]
    (W2, H2), none = nt.selfcheck.nmfteach_calls(honest, X, W, H)
    assert none == [] and np.allclose(W1, W2) and np.allclose(H1, H2)


@pytest.mark.slow
def test_lesson_11_checks_say_what_is_wrong(capsys):
    from nmfteach.selfcheck import counts as checks

    fit, X, held_out, types, symbols = checks._pbmc_lesson()
    W = np.asarray(fit.W)
    markers = checks._specific_markers(W, symbols)
    names = checks._names_from(checks._enrichment(markers, symbols))
    enriched = nt.enrichment(markers, nt.PBMC_MARKERS, universe=symbols)
    right = {"markers": markers, "enriched": enriched, "metagene_names": names}
    nt.selfcheck.name_metagenes(right)
    assert capsys.readouterr().out.splitlines()[-1].startswith("Correct! 8 of the 9 metagenes")
    by_loading = {m: [str(symbols[g]) for g in np.argsort(-W[:, k], kind="stable")[:30]] for k, m in enumerate(markers)}
    unnamed = next(m for m, name in names.items() if name is None)
    cases = {
        "by loading": ({"markers": by_loading}, "largest loadings"),
        "too few": ({"markers": {m: g[:10] for m, g in markers.items()}}, "should hold 30 genes"),
        "a list": ({"markers": list(markers.values())}, "one entry per metagene"),
        "named despite q": ({"metagene_names": {**names, unnamed: "B"}}, "q-value is below 0.05"),
        "unknown name": ({"metagene_names": {**names, "NMF1": "T cells"}}, "a key of marker_sets"),
        "genome universe": (
            {"enriched": nt.enrichment(markers, nt.PBMC_MARKERS, universe=list(symbols) + ["CCR7", "CD8A", "CD3E"])},
            "the universe is the genes the fit saw",
        ),
        "not a table": ({"enriched": None}, "table of the enrichment test"),
    }
    for name, (change, message) in cases.items():
        nt.selfcheck.name_metagenes({**right, **change})
        out = capsys.readouterr().out
        assert out.startswith("Not yet") and message in out, (name, out)

    H_new = nt.project(W, X[:, held_out], "kl")
    train_types = types[~held_out]
    type_of = pd.crosstab(fit.predict(), train_types).idxmax(axis=1)
    predicted = type_of.loc[nt.dominant_metagene(W, H_new)].to_numpy()
    accuracy = float(np.mean(predicted == types[held_out]))
    training = float(np.mean(type_of.loc[fit.predict()].to_numpy() == train_types))
    right = {"H_new": H_new, "predicted": predicted, "accuracy": accuracy, "training_accuracy": training}
    nt.selfcheck.place_new_cells(right)
    assert capsys.readouterr().out.startswith("Correct! 73% of the held-out cells")
    cases = {
        "least squares": ({"H_new": nt.project(W, X[:, held_out], "frobenius")}, "least-squares projection"),
        "transposed": ({"H_new": H_new.T}, "metagenes x held-out cells"),
        "labels": ({"predicted": types[held_out]}, "own labels"),
        "percent": ({"accuracy": 100 * accuracy}, "not as percentages"),
        "rounded": ({"accuracy": round(accuracy, 2)}, "close but rounded"),
        "text": ({"accuracy": "0.73"}, "store the number itself"),
        "training": ({"training_accuracy": accuracy}, "training_accuracy is the same share"),
    }
    for name, (change, message) in cases.items():
        nt.selfcheck.place_new_cells({**right, **change})
        out = capsys.readouterr().out
        assert out.startswith("Not yet") and message in out, (name, out)
