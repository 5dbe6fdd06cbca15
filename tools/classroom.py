"""Student versions and grading, without nbgrader (but with its markers and cell metadata).

Instructor notebooks hold the answers between nbgrader's markers::

    ### BEGIN SOLUTION          (code or markdown cells)
    # Hint: one line for the student
    ...the answer...
    ### END SOLUTION

    ### BEGIN HIDDEN TESTS      (in a graded test cell)
    ...asserts the student does not see...
    ### END HIDDEN TESTS

``release()`` writes the student versions: hidden tests are removed, outputs are cleared and
each solution region becomes a stub with the region's hint (markdown regions become "YOUR
ANSWER HERE"). In an assignment the stub raises ``NotImplementedError``; in a lesson it is a
comment, so that Run All runs the whole lesson (the exercise's check says it is not answered
yet), and the solution follows in a collapsed "Solution" block, one click away. Cell metadata
is kept as it is, so an instructor who uses nbgrader can take the instructor notebooks unchanged.

``workspace()`` keeps a student's own folder of student versions (``python3 course.py lab``
opens it): made on first use, never overwritten; a lesson changed since is offered beside the
student's copy.

``grade()`` (in ``grader.py``) runs a filled-in student notebook rebuilt from the instructor
version, with only the student's answers taken from it, and scores each test that runs to its
end; see grader.py for what it guards against. Markdown answers (``solution`` and ``grade``
both true) are listed for grading by hand with the rubric in the instructor version.

Command line (``python3 course.py release`` and ``python3 course.py grade`` call these)::

    python tools/classroom.py release [--out student]
    python tools/classroom.py grade NOTEBOOK [--source INSTRUCTOR_NOTEBOOK] [--cell-timeout S] [--total-timeout S]
"""

from __future__ import annotations

import argparse
import copy
import platform
import re
import sys
import textwrap
from pathlib import Path

import pandas as pd

__all__ = ["student_version", "without_hidden_tests", "without_claims", "release", "workspace", "grade",
           "solution_lines", "is_lesson", "ROOT"]  # fmt: skip

ROOT = Path(__file__).resolve().parents[1]  # the course repository (lessons/ lives here)
BEGIN_SOLUTION, END_SOLUTION = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
HINT = re.compile(r"^\s*#\s*Hint:\s*(.+)$")
STUB = 'raise NotImplementedError("{hint}")'
SOLUTION_TAG = "solution"  # cell tag of a lesson's collapsed solution in its student version
REVEAL = (
    "<details>\n<summary><b>Solution</b> (open it once you have tried)</summary>\n\n"
    "```{language}\n{code}\n```\n\n</details>"
)
CLAIM_TAG = "claim"  # cell tag of the assertions that back the prose


def _regions(lines, begin, end):
    """(start, stop) line numbers of each begin ... end region (both marker lines included)."""
    spans, start = [], None
    for i, line in enumerate(lines):
        if line.strip() == begin:
            if start is not None:
                raise ValueError(f"{begin!r} twice without {end!r} in between")
            start = i
        elif line.strip() == end:
            if start is None:
                raise ValueError(f"{end!r} without {begin!r} before it")
            spans.append((start, i))
            start = None
    if start is not None:
        raise ValueError(f"{begin!r} without a matching {end!r}")
    return spans


def _stub(region, cell_type, where, lesson=False):
    """What replaces one solution region in the student version."""
    indent = re.match(r"\s*", region[0]).group(0)
    if cell_type == "markdown":
        return [f"{indent}YOUR ANSWER HERE"]
    hints = [m.group(1).strip() for m in map(HINT.match, region) if m]
    if not hints:
        raise ValueError(f"{where}: a solution region needs a '# Hint: ...' line for the student's stub")
    if lesson and not indent:  # a comment: the lesson runs on, and the exercise's check says "not answered yet"
        return [
            "# YOUR CODE HERE",
            *textwrap.wrap(f"Hint: {hints[0]}", 100, initial_indent="# ", subsequent_indent="# "),
        ]
    hint = hints[0].replace("\\", "\\\\").replace('"', '\\"')
    return [f"{indent}# YOUR CODE HERE", indent + STUB.format(hint=hint)]


def _solution(lines, spans, cell_type):
    """A lesson's solutions in one collapsed Markdown cell (markers and hints left out), or None."""
    parts = []
    for start, stop in spans:
        body = [line for line in lines[start + 1 : stop] if not HINT.match(line)]
        parts.append(textwrap.dedent("\n".join(body)).strip("\n"))
    code = "\n\n".join(part for part in parts if part)
    if not code:
        return None
    language = "python" if cell_type == "code" else "markdown"
    return REVEAL.format(language=language, code=code)


def without_hidden_tests(source: str) -> str:
    """A cell's source without its hidden-test regions (markers included)."""
    lines = source.split("\n")
    for start, stop in reversed(_regions(lines, BEGIN_HIDDEN, END_HIDDEN)):
        del lines[start : stop + 1]
    return "\n".join(lines).rstrip("\n")


def without_claims(cells):
    """The cells without the claim cells: assertions tagged "claim" that keep the prose true to
    its outputs (nbval runs them; students, slides and the site do not need them)."""
    return [cell for cell in cells if CLAIM_TAG not in cell.metadata.get("tags", [])]


def student_version(notebook, name="notebook", lesson=False):
    """A copy of an instructor notebook (nbformat) with claim cells left out, solutions stubbed,
    hidden tests removed, outputs and widget state cleared. ``lesson=True``: stubs at the top
    level of a cell are comments, and each answer cell is followed by its solution, collapsed."""
    import nbformat

    student = copy.deepcopy(notebook)
    student.metadata.pop("widgets", None)
    # what JupyterLab would write on opening (the kernel's name and Python version): the notebook opens unmodified
    student.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    if "language_info" in student.metadata:
        student.metadata["language_info"]["version"] = platform.python_version()
    cells = []
    for number, cell in enumerate(without_claims(student.cells)):
        lines = without_hidden_tests(cell.source).split("\n")
        spans = _regions(lines, BEGIN_SOLUTION, END_SOLUTION)
        solution = _solution(lines, spans, cell.cell_type) if lesson and spans else None
        for start, stop in reversed(spans):
            lines[start : stop + 1] = _stub(lines[start : stop + 1], cell.cell_type, f"{name}, cell {number}", lesson)
        cell.source = "\n".join(lines).rstrip("\n")
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            cell.metadata.pop("execution", None)
        cells.append(cell)
        if solution:
            reveal = nbformat.v4.new_markdown_cell(solution, metadata={"tags": [SOLUTION_TAG]})
            reveal.id = f"{cell.get('id', number)}-solution"[:64]
            cells.append(reveal)
    student.cells = cells
    return student


def is_lesson(path) -> bool:
    """A lesson (lessons/NN_*.ipynb), not an assignment."""
    return Path(path).parent.name != "assignments"


def solution_lines(notebook):
    """The answer lines of an instructor notebook: inside solution regions, not hint or marker
    lines, long enough to be telling, and not quoted anywhere outside the regions (for the
    tests that look for leaked answers)."""
    inside, outside = set(), []
    for cell in notebook.cells:
        lines = cell.source.split("\n")
        spans = _regions(lines, BEGIN_SOLUTION, END_SOLUTION)
        covered = {i for start, stop in spans for i in range(start, stop + 1)}
        for i, line in enumerate(lines):
            if i in covered:
                inside.add(line.strip())
            else:
                outside.append(line)
    given = "\n".join(outside)  # e.g. a line quoted in the exercise's instructions
    return {
        line
        for line in inside
        if len(line) >= 12 and line not in given and not HINT.match(line) and not line.startswith("###")
    }


def notebooks(root=ROOT):
    """The instructor notebooks: lessons/NN_*.ipynb and lessons/assignments/*.ipynb."""
    lessons = root / "lessons"
    return sorted(lessons.glob("[0-9][0-9]_*.ipynb")) + sorted((lessons / "assignments").glob("*.ipynb"))


def release(out=None, root=ROOT, sources=None):
    """Write the student version of every instructor notebook under ``out`` (default
    ``student/`` in the repository), keeping the folder layout of lessons/. Returns the paths."""
    import nbformat

    out = Path(out) if out is not None else root / "student"
    written = []
    for source in sources or notebooks(root):
        target = out / source.relative_to(root)
        target.parent.mkdir(parents=True, exist_ok=True)
        notebook = nbformat.read(source, as_version=4)
        nbformat.write(student_version(notebook, source.name, lesson=is_lesson(source)), target)
        written.append(target)
    return written


WORKSPACE_RECORD = ".course-versions.json"  # in the student's folder: what course.py lab last wrote there


def workspace(out, root=ROOT, sources=None):
    """Keep a student's folder of student versions up to date without ever overwriting their work.

    A notebook missing from ``out`` is written. One that is there is left alone; if the course's
    version has changed since it was written, the new version is written beside it as
    ``NAME (new version).ipynb`` (replacing only an earlier unedited "new version"). A copy the
    student never changed (same bytes as written) is simply replaced. The help pages
    (lessons/help/*.md) are kept the same way. Returns what was done, as sentences for the terminal."""
    import hashlib
    import json

    import nbformat

    out = Path(out)
    record_path = out / WORKSPACE_RECORD
    try:
        record = json.loads(record_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        record = {}
    said = []
    pages = sorted((root / "lessons" / "help").glob("*.md"))  # glossary, common mistakes, refresher
    for source in sources or [*notebooks(root), *pages]:
        relative = source.relative_to(root / "lessons").as_posix()
        target, mine = out / relative, record.get(relative, {})
        if source.suffix == ".md":
            data = source.read_bytes()
        else:
            notebook = student_version(nbformat.read(source, as_version=4), source.name, lesson=is_lesson(source))
            data = (nbformat.writes(notebook).rstrip("\n") + "\n").encode("utf-8")
        new = hashlib.sha256(data).hexdigest()
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            record[relative] = {"written": new}
            said.append(f"new: {relative}")
        elif new in (mine.get("written"), mine.get("offered")) or not mine:
            continue  # up to date, already offered, or not a copy this function made
        elif hashlib.sha256(target.read_bytes()).hexdigest() == mine["written"]:
            target.write_bytes(data)  # the student never changed it: nothing of theirs is lost
            record[relative] = {"written": new}
            said.append(f"updated (you had not changed it): {relative}")
        else:
            beside = target.with_name(f"{target.stem} (new version){target.suffix}")
            offered = beside.exists() and hashlib.sha256(beside.read_bytes()).hexdigest() == mine.get("offered")
            if beside.exists() and not offered:
                said.append(f"{relative} has a new version, but {beside.name} has edits of yours: left alone")
                continue
            beside.write_bytes(data)
            mine["offered"] = new
            said.append(f"{relative} has changed since your copy was made: the new version is {beside.name} beside it")
    record_path.parent.mkdir(parents=True, exist_ok=True)
    record_path.write_text(json.dumps(record, indent=1, sort_keys=True), encoding="utf-8")
    return said


def grade(notebook_path, source=None, **limits):
    """Grade a filled-in student notebook (``grader.grade``; ``limits``: cell_timeout, total_timeout)."""
    import grader

    return grader.grade(notebook_path, source, **limits)


def _main(argv=None):
    parser = argparse.ArgumentParser(prog="python tools/classroom.py", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    to_release = commands.add_parser("release", help="write the student versions of every lesson and assignment")
    to_release.add_argument("--out", default=None, help="folder to write to (default: student/ in the repository)")
    to_keep = commands.add_parser("workspace", help="make or update a student's own folder (never overwriting work)")
    to_keep.add_argument("out", help="the student's folder")
    to_grade = commands.add_parser("grade", help="grade a filled-in student notebook")
    to_grade.add_argument("notebook")
    to_grade.add_argument("--source", default=None, help="the instructor version (default: found by file name)")
    to_grade.add_argument("--cell-timeout", type=float, default=None, help="seconds a cell may run (default 120)")
    to_grade.add_argument("--total-timeout", type=float, default=None, help="seconds the whole run may take (1200)")
    args = parser.parse_args(argv)
    if args.command == "workspace":
        for sentence in workspace(args.out):
            print(f"course.py: {sentence}")
        return 0
    if args.command == "release":
        written = release(args.out)
        print(f"wrote {len(written)} student notebooks to {Path(args.out) if args.out else ROOT / 'student'}")
        return 0
    limits = {"cell_timeout": args.cell_timeout, "total_timeout": args.total_timeout}
    try:
        report = grade(args.notebook, args.source, **{k: v for k, v in limits.items() if v is not None})
    except FileNotFoundError as error:  # no instructor version to grade against
        print(f"grade: {error}", file=sys.stderr)
        return 2
    auto = report[report["kind"] == "auto"]
    with pd.option_context("display.max_colwidth", 80, "display.width", 160):
        print(report.to_string())
    print(
        f"\nautomatic: {auto['points'].sum():g} of {auto['max_points'].sum():g} points"
        + (
            f"; written answers worth {report.loc[report['kind'] == 'manual', 'max_points'].sum():g} points to grade "
            f"by hand"
            if (report["kind"] == "manual").any()
            else ""
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(_main())
