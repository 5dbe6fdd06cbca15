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
