"""The autograder cannot be fooled by the ways a review found (issue 14), and always reports.

Each case starts from the student version of A1 (blank: 0 points, complete: 10) and changes it
as a hostile or unlucky student would. ``screen=False`` switches off the screening of answers,
to show that the kernel's own guards hold as well."""

import json

import classroom  # tools/ (conftest puts it on the path)
import grader
import nbformat
import pytest

A1 = classroom.ROOT / "lessons" / "assignments" / "A1_multiplicative_updates.ipynb"
INSTRUCTOR = nbformat.read(A1, as_version=4)
ANSWERS = {c.metadata["nbgrader"]["grade_id"]: c.source for c in INSTRUCTOR.cells
           if c.metadata.get("nbgrader", {}).get("solution")}  # fmt: skip


@pytest.fixture(scope="module")
def blank():
    return classroom.student_version(INSTRUCTOR, A1.name)


def submit(tmp_path, notebook, name=A1.name):
    path = tmp_path / name
    nbformat.write(notebook, path)
    return path


def with_answers(notebook, answers):
    """A copy of ``notebook`` with the given solution cells (grade_id -> source) filled in."""
    notebook = nbformat.from_dict(json.loads(json.dumps(notebook)))
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
    return notebook


def points(report):
    return report.loc[report["kind"] == "auto", "points"].sum()


def test_a_complete_submission_scores_10_and_a_blank_one_0(tmp_path, blank):
    assert points(grader.grade(submit(tmp_path, with_answers(blank, ANSWERS)), A1)) == 10
    assert points(grader.grade(submit(tmp_path, blank), A1)) == 0


def test_test_cells_turned_into_markdown_are_run_anyway(tmp_path, blank):
    cheat = with_answers(blank, {})
    for cell in cheat.cells:
        if cell.metadata.get("nbgrader", {}).get("grade") and cell.cell_type == "code":
            cell.cell_type, cell.source = "markdown", "(no test here)"
            cell.pop("outputs", None), cell.pop("execution_count", None)
    assert points(grader.grade(submit(tmp_path, cheat), A1)) == 0


def test_a_test_cell_marked_as_a_solution_is_still_the_instructors_test(tmp_path, blank):
    cheat = with_answers(blank, {})
    for cell in cheat.cells:
        if cell.metadata.get("nbgrader", {}).get("grade") and cell.cell_type == "code":
            cell.metadata["nbgrader"]["solution"], cell.source = True, "pass"
    assert points(grader.grade(submit(tmp_path, cheat), A1)) == 0


KERNEL_TRICKS = {  # each scored a blank A1 10/10 with the first grader; the status says which guard held
    "later cells blanked": ("get_ipython().input_transformers_cleanup.append(lambda lines: [])", "did not run"),
    "errors swallowed": ("get_ipython().set_custom_exc((BaseException,), lambda *a, **k: None)", "AssertionError"),
    "np.allclose always agrees": ("np.allclose = lambda *a, **k: True\nnp.isclose = lambda *a, **k: True", "changed"),
    "np.array_equal always agrees": ("import numpy\nnumpy.array_equal = lambda *args, **kwargs: True", "changed"),
    "self-check helper always agrees": ("nt.selfcheck.answered = lambda *args, **kwargs: True", "changed"),
}


@pytest.mark.parametrize("screen", [True, False], ids=["screened", "kernel guards only"])
@pytest.mark.parametrize("trick", list(KERNEL_TRICKS))
def test_tricks_inside_the_kernel_earn_nothing(tmp_path, blank, trick, screen):
    code, guard = KERNEL_TRICKS[trick]
    cheat = with_answers(blank, {"a1_q1": code + "\ndef frobenius_step(X, W, H):\n    return W, H"})
    report = grader.grade(submit(tmp_path, cheat), A1, screen=screen)
    assert points(report) == 0, report.to_string()
    status = report.loc["a1_q1_test", "status"]
    assert status.startswith("refused by the grader") if screen else guard in status, status


def test_the_instructor_notebook_cannot_be_read_or_rewritten(tmp_path, blank):
    before = A1.read_bytes()
    steal = (
        f"import json\nsolutions = json.load(open({str(A1)!r}))\n"
        f"open({str(A1)!r}, 'w').write('{{}}')\n"
        "def frobenius_step(X, W, H):\n    return W, H"
    )
    for screen in (True, False):
        report = grader.grade(submit(tmp_path, with_answers(blank, {"a1_q1": steal})), A1, screen=screen)
        assert points(report) == 0 and A1.read_bytes() == before
    assert points(grader.grade(submit(tmp_path, blank), A1)) == 0  # the next blank submission too


def test_the_package_cannot_be_changed(tmp_path, blank):
    init = classroom.ROOT / "nmfteach" / "__init__.py"
    before = init.read_bytes()
    append = f"open({str(init)!r}, 'a').write('\\nimport builtins\\n')\ndef frobenius_step(X, W, H):\n    return W, H"
    report = grader.grade(submit(tmp_path, with_answers(blank, {"a1_q1": append})), A1, screen=False)
    assert points(report) == 0 and init.read_bytes() == before


def test_an_endless_answer_times_out_and_earlier_points_are_kept(tmp_path, blank):
    answers = {"a1_q1": ANSWERS["a1_q1"], "a1_q2": "while True:\n    pass"}
    report = grader.grade(submit(tmp_path, with_answers(blank, answers)), A1, cell_timeout=3, total_timeout=120)
    assert report.loc["a1_q1_test", "points"] == 3
    assert report.loc["a1_q2_test", "points"] == 0
    assert points(report) == 3


def test_a_total_time_limit_stops_the_run_with_a_report(tmp_path, blank):
    report = grader.grade(submit(tmp_path, with_answers(blank, ANSWERS)), A1, total_timeout=0.5)
    assert points(report) < 10 and report["status"].str.contains("total time limit").any()


@pytest.mark.parametrize("screen", [True, False])
def test_an_answer_that_ends_the_kernel_keeps_the_points_earned_before(tmp_path, blank, screen):
    answers = {"a1_q1": ANSWERS["a1_q1"], "a1_q2": "import os\nos._exit(1)"}
    report = grader.grade(submit(tmp_path, with_answers(blank, answers)), A1, screen=screen)
    assert report.loc["a1_q1_test", "points"] == 3 and points(report) == 3
    expected = "refused" if screen else "kernel died"
    assert expected in report.loc["a1_q2_test", "status"]


@pytest.mark.parametrize("content", ["", "{not json", "{}", "[]", '{"cells": 3}'])
def test_a_file_that_is_not_a_notebook_gets_a_report(tmp_path, content):
    path = tmp_path / A1.name
    path.write_text(content)
    report = grader.grade(path, A1)
    assert points(report) == 0 and len(report) == 5
    assert report.loc["a1_q1_test", "status"].startswith("not graded:") and "not a readable notebook" in str(
        report.loc["a1_q1_test", "status"]
    )


def test_a_notebook_stripped_of_its_nbgrader_metadata_is_matched_by_position(tmp_path, blank):
    complete = with_answers(blank, ANSWERS)
    for cell in complete.cells:
        cell.metadata.pop("nbgrader", None)
    report = grader.grade(submit(tmp_path, complete), A1)
    assert points(report) == 10 and "matched by position" in report.loc["a1_q1_test", "status"]


def test_huge_output_is_capped_and_the_answer_still_counts(tmp_path, blank):
    loud = "print('x' * 200_000)\nfor _ in range(50):\n    print('y' * 100_000)\n" + ANSWERS["a1_q1"]
    report = grader.grade(submit(tmp_path, with_answers(blank, {"a1_q1": loud})), A1)
    assert report.loc["a1_q1_test", "points"] == 3


def test_the_command_line_takes_time_limits(tmp_path, blank, capsys):
    path = submit(tmp_path, with_answers(blank, ANSWERS))
    assert (
        classroom._main(["grade", str(path), "--source", str(A1), "--cell-timeout", "60", "--total-timeout", "600"])
        == 0
    )
    assert "automatic: 10 of 10 points" in capsys.readouterr().out


REALISTIC = {  # found by a hostile review of the first version of this grader; each scored points
    "an ndarray subclass that agrees with everything": (
        "class Anything(np.ndarray):\n"
        "    def __array_function__(self, func, types, args, kwargs):\n"
        "        return True if func.__name__ in ('allclose', 'isclose') else super().__array_function__(func, types,"
        " args, kwargs)\n"
        "def frobenius_step(X, W, H):\n"
        "    return np.zeros_like(W).view(Anything), np.zeros_like(H).view(Anything)"
    ),
    "numpy under another name": (
        "alias = np\nclass Yes:\n    def __call__(self, *a, **k):\n        return True\n"
        "alias.allclose = alias.isclose = Yes()\ndef frobenius_step(X, W, H):\n    return W.copy(), H.copy()"
    ),
    "a magic line before exec": '%pwd\nexec("def frobenius_step(X, W, H):\\n    return W, H")',
    "nmfteach's own update, written around the check": (
        "def frobenius_step(X, W, H):\n"
        "    fit = nt.fit.nmf (X, W.shape[1], 'lee', init=(W, H), max_iter=1, stop='none', rescale=False)\n"
        "    return fit.W, fit.H"
    ),
}


@pytest.mark.parametrize("attack", list(REALISTIC))
def test_realistic_attacks_earn_nothing(tmp_path, blank, attack):
    report = grader.grade(submit(tmp_path, with_answers(blank, {"a1_q1": REALISTIC[attack]})), A1)
    assert report.loc["a1_q1_test", "points"] == 0, report.loc["a1_q1_test", "status"]


def test_changing_the_given_data_and_faking_the_results_earns_nothing(tmp_path, blank):
    answers = {
        "a1_q3": "X = W0 @ H0\nfrob_trace = kl_trace = [0.0] * 201\nW_frob, H_frob, W_kl, H_kl = W0, H0, W0, H0",
        "a1_q4": (
            "class Zero(float):\n    def __rsub__(self, other):\n        return 0.0\n"
            "class Fit:\n    method, n_iter, settings, objective = 'lee', 200, {'rescale': False}, Zero(1.0)\n"
            "lee_fit = brunet_fit = Fit()\nfrob_gap = kl_gap = 0.0"
        ),
    }
    report = grader.grade(submit(tmp_path, with_answers(blank, answers)), A1)
    assert points(report) == 0, report.to_string()


@pytest.mark.parametrize(
    "change",
    [
        lambda cell: cell.metadata["nbgrader"].__setitem__("grade_id", ["a1_q1"]),
        lambda cell: cell.__setitem__("source", {"not": "text"}),
        lambda cell: cell.__setitem__("source", "x = " + "+".join(["1"] * 300_000)),
    ],
    ids=["a list as grade_id", "a source that is not text", "an enormous answer"],
)
def test_odd_cells_give_a_report_not_a_traceback(tmp_path, blank, change):
    notebook = with_answers(blank, {})
    cell = next(c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "a1_q1")
    change(cell)
    path = tmp_path / A1.name
    path.write_text(json.dumps(notebook))
    report = grader.grade(path, A1)
    assert points(report) == 0 and len(report) == 5


GUARDED = {  # need screen=False to reach the kernel; the kernel's guards must hold on their own
    "replacing how IPython transforms cells": (
        "_shell = get_ipython()\n"
        "_shell.transform_cell = lambda cell: cell.splitlines()[-1] + '\\n' if 'pass' in cell else cell\n"
        "def frobenius_step(X, W, H):\n    return W, H"
    ),
    "signalling the grader, and a folder handle for relative opens": (
        "import os\nrefused = 0\n"
        "for attempt in (lambda: os.kill(os.getppid(), 0), lambda: os.open(ROOT, os.O_RDONLY)):\n"
        "    try:\n        attempt()\n    except PermissionError:\n        refused += 1\n"
        "if refused == 2:  # both refused: then (only then) answer correctly, so that the test passes\n"
        "    def frobenius_step(X, W, H):\n"
        "        H = H * (W.T @ X) / (W.T @ W @ H)\n        return W * (X @ H.T) / (W @ (H @ H.T)), H"
    ).replace("ROOT", repr(str(classroom.ROOT))),
}


@pytest.mark.parametrize("attack", list(GUARDED))
def test_expert_attacks_meet_the_kernel_guards(tmp_path, blank, attack):
    report = grader.grade(submit(tmp_path, with_answers(blank, {"a1_q1": GUARDED[attack]})), A1, screen=False)
    expected = 3 if attack.startswith("signalling") else 0
    assert report.loc["a1_q1_test", "points"] == expected, report.loc["a1_q1_test", "status"]


@pytest.mark.parametrize(
    ("answer", "refused"),
    [
        ("import numpy as np\nimport pandas as pd\nimport nmfteach as nt\nimport matplotlib.pyplot as plt", False),
        ("from matplotlib import pyplot as plt\nimport scipy as sp", False),
        ("def frobenius_step(X, W, H, np=None):\n    return W, H", False),  # a parameter is local
        ("import scipy.sparse as sp\ndef f(x):\n    sp = x + 1\n    return [math for math in range(sp)]", False),
        ("def double(input):\n    return input * 2", False),  # the parameter, not the builtin
        ("table.columns = ['a', 'b']\ntable.loc['AML', 1] = 0\ntable.index.name = 'subtype'", False),  # own tables
        ("for _ in range(3):\n    pass", False),
        ("x = [(np := 1) for _ in range(3)]", True),
        ("xp = np", True),
        ("D = pd.DataFrame.__mro__", True),
        ("type(table).equals = None", True),
        ("pd.crosstab = None", True),
        ("_survey_at_q1 = None", True),  # the tests' names
        ("def g(open):\n    pass\nopen('answers.txt')", True),  # the builtin, whatever a parameter is called
        ("np = 3", True),
        ("def np(x):\n    return x", True),
        ("class nt:\n    nmf = None", True),
        ("import numpy as nt", True),
        ("from numpy import linalg as np", True),
        ("for pd in range(3):\n    pass", True),
        ("try:\n    pass\nexcept Exception as nt:\n    pass", True),
        ("(np := 3)", True),
        ("del pd", True),
    ],
)
def test_answers_may_not_give_a_library_name_to_something_else(answer, refused):
    why = grader._screen(answer)
    assert (why is not None) == refused, why


def test_the_report_says_why_an_answer_did_not_run_and_notes_duplicated_cells(tmp_path, blank):
    notebook = with_answers(blank, {"a1_q1": "def frobenius_step(X, W, H):\n    return W H"})
    (template,) = [c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "a1_q2"]
    answered = nbformat.v4.new_code_cell(ANSWERS["a1_q2"], metadata=template.metadata)  # answered in a copy
    notebook.cells.insert(notebook.cells.index(template) + 1, answered)
    report = grader.grade(submit(tmp_path, notebook), A1)
    status = report.loc["a1_q1_test", "status"]
    assert report.loc["a1_q1_test", "points"] == 0 and status.startswith("your answer (a1_q1) raised SyntaxError")
    assert "(line 2 of the answer)" in status and "NameError" in status  # then the test's own failure
    assert report.loc["a1_q2_test", "points"] == 3
    note = "note: the submission has 2 cells marked a1_q2; the last one was graded"
    assert note in report.loc["a1_q2_test", "status"]


def test_a_notebook_of_another_assignment_is_reported_as_such(tmp_path, blank):
    other = classroom.ROOT / "lessons" / "04_algorithms.ipynb"
    notebook = nbformat.read(other, as_version=4)
    report = grader.grade(submit(tmp_path, notebook), A1)
    assert points(report) == 0
    status = report.loc["a1_q1_test", "status"]
    assert "do not line up with its cells (was it made from another notebook" in status
