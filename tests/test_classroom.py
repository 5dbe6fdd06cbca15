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


def test_the_course_has_twelve_lessons_and_three_assignments():
    assert len(INSTRUCTOR) == 15 and [p.name[:2] for p in ASSIGNMENTS] == ["A1", "A2", "A3"]


def _solution_cells(notebook):
    return [cell for cell in notebook.cells if classroom.SOLUTION_TAG in cell.metadata.get("tags", [])]


def test_student_versions_contain_no_answers_and_keep_the_metadata(released):
    """Assignments: no solution anywhere. Lessons: each solution only in the collapsed cell under its exercise."""
    for source, student_path in released.items():
        instructor = nbformat.read(source, as_version=4)
        student = nbformat.read(student_path, as_version=4)
        reveals = _solution_cells(student)
        working = [cell for cell in student.cells if cell not in reveals]
        text = "\n".join(cell.source for cell in working)
        leaked = [line for line in classroom.solution_lines(instructor) if line in text]
        assert not leaked, f"{source.name}: solution text in the student version: {leaked[:3]}"
        for marker in ("### BEGIN SOLUTION", "### END SOLUTION", "HIDDEN TESTS", "Rubric", "Model answer"):
            assert marker not in "\n".join(cell.source for cell in student.cells), f"{source.name}: {marker!r} left"
        assert "widgets" not in student.metadata
        kept = classroom.without_claims(instructor.cells)  # claim cells are for nbval, not students
        assert not any("claim" in cell.metadata.get("tags", []) for cell in student.cells)
        assert len(working) == len(kept)
        for mine, theirs in zip(working, kept):
            assert mine.cell_type == theirs.cell_type and mine.metadata == theirs.metadata  # nbgrader's metadata kept
            if mine.cell_type == "code":
                assert mine.outputs == [] and mine.execution_count is None
        regions = sum(cell.source.count("### BEGIN SOLUTION") for cell in instructor.cells)
        lines = [line.strip() for line in text.split("\n")]
        if classroom.is_lesson(source):  # stubs are comments, each answer cell followed by its solution, collapsed
            assert sum(line == "# YOUR CODE HERE" for line in lines) == regions > 0
            answer_cells = [i for i, cell in enumerate(student.cells) if "# YOUR CODE HERE" in cell.source]
            assert [i + 1 for i in answer_cells] == [student.cells.index(cell) for cell in reveals]
            for cell in reveals:
                assert cell.cell_type == "markdown" and cell.source.startswith("<details>")
                assert cell.source.rstrip().endswith("</details>") and "<summary>" in cell.source
            revealed = "\n".join(cell.source for cell in reveals)
            assert all(line in revealed for line in classroom.solution_lines(instructor))
        else:
            stubs = sum(line.startswith('raise NotImplementedError("') or line == "YOUR ANSWER HERE" for line in lines)
            assert stubs == regions > 0 and not reveals


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
    """Executed top to bottom (Run All), a student lesson runs to its end without an error: each
    unanswered exercise's check says "Not answered yet". An assignment's only errors are its
    stubs' NotImplementedError (its visible checks wait for an answer)."""
    with ThreadPoolExecutor(2) as pool:  # each notebook has its own kernel: use both cores
        results = dict(zip(released, pool.map(_execute, released.values())))
    for source, (name, errors) in results.items():
        if classroom.is_lesson(source):
            assert not errors, f"{name}: Run All stops at {errors[0]}"
            continue
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
    assert all(status.startswith(("failed", "your answer")) and "NotImplementedError" in status or "not run" in status
               for status in auto["status"]), auto["status"].to_dict()  # fmt: skip


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


def test_lesson_version_of_a_small_notebook_keeps_running_and_collapses_the_solution():
    code = nbformat.v4.new_code_cell(
        "x = 1\n### BEGIN SOLUTION\n# Hint: add the two numbers\ny = x + 1\nz = 2 * y\n### END SOLUTION\nprint('done')"
    )
    check = nbformat.v4.new_code_cell("print('checked')")
    student = classroom.student_version(_toy(code, check), lesson=True)
    assert [c.cell_type for c in student.cells] == ["code", "markdown", "code"]
    assert student.cells[0].source == "x = 1\n# YOUR CODE HERE\n# Hint: add the two numbers\nprint('done')"
    reveal = student.cells[1]
    assert reveal.metadata["tags"] == [classroom.SOLUTION_TAG]
    assert reveal.source == (
        "<details>\n<summary><b>Solution</b> (open it once you have tried)</summary>\n\n"
        "```python\ny = x + 1\nz = 2 * y\n```\n\n</details>"
    )
    assert student.cells[2].source == "print('checked')"
    nbformat.validate(student)  # unique cell ids included


def _edit(path, text):
    notebook = nbformat.read(path, as_version=4)
    notebook.cells[0].source += text
    nbformat.write(notebook, path)


def test_the_students_folder_is_made_once_and_their_work_is_never_overwritten(tmp_path):
    """course.py lab's folder: every lesson and assignment, no solution in sight; a second start keeps
    an edited notebook byte for byte; a changed lesson is offered beside the student's copy."""
    root = tmp_path / "course"
    (root / "lessons" / "assignments").mkdir(parents=True)
    for source in INSTRUCTOR:
        target = root / source.relative_to(classroom.ROOT)
        target.write_bytes(source.read_bytes())
    mine = tmp_path / "my-course"
    (root / "lessons" / "help").mkdir()
    for page in (classroom.ROOT / "lessons" / "help").glob("*.md"):
        (root / "lessons" / "help" / page.name).write_bytes(page.read_bytes())
    said = classroom.workspace(mine, root=root)
    assert len(said) == 15 + 3 and all(sentence.startswith("new: ") for sentence in said)
    written = sorted(p.relative_to(mine).as_posix() for p in mine.rglob("*.ipynb"))
    assert written == sorted(p.relative_to(classroom.ROOT / "lessons").as_posix() for p in INSTRUCTOR)
    assert sorted(p.name for p in (mine / "help").glob("*.md")) == ["common_mistakes.md", "glossary.md", "refresher.md"]
    for source in INSTRUCTOR:
        student = nbformat.read(mine / source.relative_to(classroom.ROOT / "lessons"), as_version=4)
        text = "\n".join(c.source for c in student.cells if classroom.SOLUTION_TAG not in c.metadata.get("tags", []))
        assert not [line for line in classroom.solution_lines(nbformat.read(source, as_version=4)) if line in text]
    lesson, untouched = mine / "04_algorithms.ipynb", mine / "05_simulating_data.ipynb"
    _edit(lesson, "\n# my own note")
    edited = lesson.read_bytes()
    assert classroom.workspace(mine, root=root) == []  # nothing changed: nothing done
    assert lesson.read_bytes() == edited
    for name in ("04_algorithms.ipynb", "05_simulating_data.ipynb"):  # the course changes both lessons
        _edit(root / "lessons" / name, "\n# a correction")
    said = classroom.workspace(mine, root=root)
    assert lesson.read_bytes() == edited  # the student's work, byte for byte
    offered = mine / "04_algorithms (new version).ipynb"
    assert offered.exists() and "# a correction" in offered.read_text()
    assert any("04_algorithms.ipynb has changed" in s and offered.name in s for s in said)
    assert "# a correction" in untouched.read_text()  # never edited by the student: simply updated
    assert any(s.startswith("updated") and "05_simulating_data" in s for s in said)
    assert classroom.workspace(mine, root=root) == []  # offered once


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
    assert "wrote 15 student notebooks" in done.stdout
    assert len(list(tmp_path.rglob("*.ipynb"))) == 15
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
    assert "numpy alone" in report.loc["a1_q1_test", "status"]
