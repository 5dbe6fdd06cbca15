"""Student versions (generated, never hand-kept) and the autograder."""

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import classroom  # tools/classroom.py (conftest puts tools/ on the path)
import nbformat
import pytest
from nbclient import NotebookClient

INSTRUCTOR = classroom.notebooks()
ASSIGNMENTS = [path for path in INSTRUCTOR if path.parent.name == "assignments"]
POINTS = {"A1_multiplicative_updates.ipynb": 10, "A2_choose_the_rank.ipynb": 7, "A3_golub_analysis.ipynb": 8}


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    """Every student notebook, generated afresh: {instructor path: student path}."""
    out = tmp_path_factory.mktemp("student")
    written = classroom.release(out)
    return dict(zip(INSTRUCTOR, written))


def test_the_course_has_eleven_lessons_and_three_assignments():
    assert len(INSTRUCTOR) == 14 and [p.name[:2] for p in ASSIGNMENTS] == ["A1", "A2", "A3"]


def test_student_versions_contain_no_answers_and_keep_the_metadata(released):
    for source, student_path in released.items():
        instructor = nbformat.read(source, as_version=4)
        student = nbformat.read(student_path, as_version=4)
        text = "\n".join(cell.source for cell in student.cells)
        leaked = [line for line in classroom.solution_lines(instructor) if line in text]
        assert not leaked, f"{source.name}: solution text in the student version: {leaked[:3]}"
        for marker in ("### BEGIN SOLUTION", "### END SOLUTION", "HIDDEN TESTS", "Rubric", "Model answer"):
            assert marker not in text, f"{source.name}: {marker!r} left in the student version"
        assert "widgets" not in student.metadata
        kept = classroom.without_claims(instructor.cells)  # claim cells are for nbval, not students
        assert not any("claim" in cell.metadata.get("tags", []) for cell in student.cells)
        assert len(student.cells) == len(kept)
        for mine, theirs in zip(student.cells, kept):
            assert mine.cell_type == theirs.cell_type and mine.metadata == theirs.metadata  # nbgrader's metadata kept
            if mine.cell_type == "code":
                assert mine.outputs == [] and mine.execution_count is None
        regions = sum(cell.source.count("### BEGIN SOLUTION") for cell in instructor.cells)
        lines = [line.strip() for line in text.split("\n")]
        stubs = sum(line.startswith('raise NotImplementedError("') or line == "YOUR ANSWER HERE" for line in lines)
        assert stubs == regions > 0


def test_every_exercise_is_graded_in_the_instructor_versions():
    for source in INSTRUCTOR:
        notebook = nbformat.read(source, as_version=4)
        graded = [c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade")]
        tests = [c for c in graded if c.cell_type == "code"]
        assert tests and all("### BEGIN HIDDEN TESTS" in c.source for c in tests), source.name
        assert all(c.metadata["nbgrader"]["points"] > 0 for c in graded)
        ids = [c.metadata["nbgrader"]["grade_id"] for c in notebook.cells if "nbgrader" in c.metadata]
        assert len(ids) == len(set(ids)), f"{source.name}: grade_ids must be unique"


def _execute(path):
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(path.parent)}},
    ).execute()
    return path.name, [
        (o["ename"], o["evalue"])
        for c in notebook.cells
        if c.cell_type == "code"
        for o in c.outputs
        if o.output_type == "error"
    ]


@pytest.mark.slow
def test_student_versions_run_and_only_the_stubs_fail(released):
    """Executed top to bottom, a student notebook's only errors are its stubs' NotImplementedError
    (cells that need an answer say "Not yet" instead of failing)."""
    with ThreadPoolExecutor(2) as pool:  # each notebook has its own kernel: use both cores
        results = list(pool.map(_execute, released.values()))
    for name, errors in results:
        assert errors, f"{name}: the stubs should raise"
        others = [error for error in errors if error[0] != "NotImplementedError"]
        assert not others, f"{name}: errors other than the stubs: {others}"


@pytest.mark.slow
@pytest.mark.parametrize("source", ASSIGNMENTS, ids=lambda p: p.stem)
def test_the_autograder_gives_full_marks_to_the_instructor_version(source):
    report = classroom.grade(source)
    auto = report[report["kind"] == "auto"]
    assert (auto["status"] == "passed").all(), auto["status"].to_dict()
    assert auto["points"].sum() == auto["max_points"].sum() == POINTS[source.name]
    assert (report["kind"] == "manual").any()  # written answers are left for a person


@pytest.mark.slow
@pytest.mark.parametrize("source", ASSIGNMENTS, ids=lambda p: p.stem)
def test_the_autograder_gives_zero_to_an_unanswered_student_version(source, released):
    report = classroom.grade(released[source], source=source)
    auto = report[report["kind"] == "auto"]
    assert auto["points"].sum() == 0 and len(auto) > 0
    assert all(status.startswith("failed") for status in auto["status"])


def test_the_autograder_gives_partial_marks_for_one_answer(released, tmp_path):
    source = ASSIGNMENTS[0]
    instructor = nbformat.read(source, as_version=4)
    student = nbformat.read(released[source], as_version=4)
    for mine, theirs in zip(student.cells, instructor.cells):  # answer Q1 only
        if mine.metadata.get("nbgrader", {}).get("grade_id") == "a1_q1":
            mine.source = theirs.source
    one_answer = tmp_path / source.name
    nbformat.write(student, one_answer)
    report = classroom.grade(one_answer, source=source)
    assert report.loc["a1_q1_test", "points"] == 3
    assert report.loc[report["kind"] == "auto", "points"].sum() == 3


def test_tests_edited_by_a_student_are_replaced_by_the_instructors(released, tmp_path):
    """A student who deletes the assertions of a test cell still gets the real test."""
    source = ASSIGNMENTS[0]
    student = nbformat.read(released[source], as_version=4)
    for cell in student.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "a1_q1_test":
            cell.source = "pass"
    edited = tmp_path / source.name
    nbformat.write(student, edited)
    report = classroom.grade(edited, source=source)
    assert report.loc["a1_q1_test", "points"] == 0


def _toy(*cells):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = list(cells)
    return notebook


def test_student_version_of_a_small_notebook():
    code = nbformat.v4.new_code_cell(
        'def f(x):\n    ### BEGIN SOLUTION\n    # Hint: say "double"\n    return 2 * x\n'
        "    ### END SOLUTION\nprint(f(1))"
    )
    code.outputs = [nbformat.v4.new_output("stream", text="2\n")]
    code.execution_count = 3
    answer = nbformat.v4.new_markdown_cell("Why?\n### BEGIN SOLUTION\nBecause.\n### END SOLUTION")
    test = nbformat.v4.new_code_cell("assert f(1) == 2\n### BEGIN HIDDEN TESTS\nassert f(3) == 6\n### END HIDDEN TESTS")
    student = classroom.student_version(_toy(code, answer, test))
    assert student.cells[0].source == (
        'def f(x):\n    # YOUR CODE HERE\n    raise NotImplementedError("say \\"double\\"")\nprint(f(1))'
    )
    assert student.cells[0].outputs == [] and student.cells[0].execution_count is None
    assert student.cells[1].source == "Why?\nYOUR ANSWER HERE"
    assert student.cells[2].source == "assert f(1) == 2"
    compile(student.cells[0].source, "stub", "exec")  # the stub is valid Python


@pytest.mark.parametrize(
    "source, message",
    [
        ("### BEGIN SOLUTION\nx = 1\n### END SOLUTION", "Hint"),
        ("### BEGIN SOLUTION\n# Hint: h\nx = 1", "without a matching"),
        ("x = 1\n### END SOLUTION", "without '### BEGIN SOLUTION' before it"),
    ],
)
def test_malformed_regions_are_reported(source, message):
    with pytest.raises(ValueError, match=message):
        classroom.student_version(_toy(nbformat.v4.new_code_cell(source)))


def test_the_release_command_writes_every_notebook(tmp_path):
    done = subprocess.run(
        [sys.executable, str(classroom.ROOT / "tools" / "classroom.py"), "release", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "wrote 14 student notebooks" in done.stdout
    assert len(list(tmp_path.rglob("*.ipynb"))) == 14
    assert (tmp_path / "lessons" / "assignments" / "A2_choose_the_rank.ipynb").exists()


def test_an_a1_answer_that_calls_nmfteachs_own_updates_earns_nothing(released, tmp_path):
    """nt.textbook prints the very updates A1 asks for: answers that call them (or nt.nmf) score 0."""
    source = ASSIGNMENTS[0]
    student = nbformat.read(released[source], as_version=4)
    borrowed = {
        "a1_q1": "def frobenius_step(X, W, H):\n    return nt.textbook.lee(X, W, H, rescale=False)",
        "a1_q2": "kl_step = nt.textbook.brunet",
    }
    for cell in student.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in borrowed:
            cell.source = borrowed[grade_id]
    cheat = tmp_path / source.name
    nbformat.write(student, cheat)
    report = classroom.grade(cheat, source=source)
    assert report.loc["a1_q1_test", "points"] == 0 and report.loc["a1_q2_test", "points"] == 0
    assert "yourself" in report.loc["a1_q1_test", "status"]
