"""Give every cell of the lessons a slide type (cell metadata "slideshow"), by the rules below.

    .venv/bin/python tools/set_slide_types.py [--force] [lessons/NN_*.ipynb ...]

Cells that already have a slide type keep it (so a hand-made choice survives) unless --force.
The rules aim at one idea per slide, readable from the back of the room:

- the title cell and every "## " section open a new slide; "### Exercise" too (the task is
  shown; its solution and self-check are skipped); other "### " headings open a sub-slide;
- "**What to see**" paragraphs appear as a fragment under their figure (a sub-slide if long);
- other text continues the current slide when short, else opens a sub-slide;
- a code cell with a figure gets its own sub-slide; other code continues the slide unless it
  or its output is long; the imports cell, solutions, self-checks and claim cells are skipped;
- explorers stay on the slide that introduces them (the deck shows a snapshot of the widget);
- "## Further reading" goes to the speaker notes.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
LONG_TEXT = 500  # characters of markdown that deserve a sub-slide of their own
LONG_OUTPUT = 1200  # characters of text output, likewise


def _output_text(cell) -> int:
    size = 0
    for output in cell.get("outputs", []):
        size += len(output.get("text", ""))
        data = output.get("data", {})
        size += len(data.get("text/plain", "")) if "text/html" not in data else 2 * LONG_OUTPUT
    return size


def _is_imports(cell) -> bool:
    lines = [line for line in cell.source.split("\n") if line.strip()]
    return bool(lines) and all(line.startswith(("import ", "from ")) for line in lines)


def slide_type(cell, index: int) -> str:
    nbgrader = cell.metadata.get("nbgrader", {})
    if "claim" in cell.metadata.get("tags", []):  # assertions backing the prose: not for the audience
        return "skip"
    if nbgrader.get("solution") and cell.cell_type == "code" or nbgrader.get("grade") and cell.cell_type == "code":
        return "skip"
    text = cell.source.lstrip()
    if cell.cell_type == "markdown":
        if index == 0:
            return "slide"
        if text.startswith("## Further reading"):
            return "notes"
        if text.startswith("## ") or text.startswith("### Exercise"):
            return "slide"
        if text.startswith("### "):
            return "subslide"
        if text.startswith("**What to see"):
            return "fragment" if len(text) < 700 else "subslide"
        return "subslide" if len(text) > LONG_TEXT else "-"
    if _is_imports(cell):
        return "skip"
    outputs = cell.get("outputs", [])
    if any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs):
        return "-"
    if any("image/png" in o.get("data", {}) for o in outputs):
        return "subslide"
    return "subslide" if _output_text(cell) > LONG_OUTPUT or cell.source.count("\n") > 12 else "-"


def main(argv):
    force = "--force" in argv
    paths = [Path(a) for a in argv if a != "--force"] or sorted((ROOT / "lessons").glob("[0-9][0-9]_*.ipynb"))
    for path in paths:
        notebook = nbformat.read(path, as_version=4)
        changed = 0
        for index, cell in enumerate(notebook.cells):
            if force or "slideshow" not in cell.metadata:
                new = {"slide_type": slide_type(cell, index)}
                changed += cell.metadata.get("slideshow") != new
                cell.metadata["slideshow"] = new
        if changed:
            nbformat.write(notebook, path)
        print(f"{path.name}: {changed} cells given a slide type")


if __name__ == "__main__":
    main(sys.argv[1:])
