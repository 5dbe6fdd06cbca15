"""Show each slide of a lesson's deck with its speaker note, to write or check the notes.

    .venv/bin/python tools/speaker_notes.py NN [NN ...]        # every slide: key, title, content, note
    .venv/bin/python tools/speaker_notes.py --check           # slides without a note, notes without a slide

The notes live in lessons/speaker_notes/<lesson>.md, one per slide under a heading
"## <slide key> · <slide title>": the key is the id of the cell that opens the slide (a "-2", "-3"
suffix for the later sections of a markdown cell the deck splits), the title is for the reader.
tools/build_site.py puts each note in the deck's speaker view (press S in a deck).
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from build_site import HIDE_INPUT, deck_slides, lessons, note_for, prepare, read_notes

ROOT = Path(__file__).resolve().parents[1]


def slides_and_notes(path: Path):
    notebook = prepare(nbformat.read(path, as_version=4), for_slides=True)
    return deck_slides(notebook), read_notes(path.stem)


def _digest(cell) -> str:
    if cell.cell_type == "markdown":
        return cell.source.strip()
    hidden = HIDE_INPUT in cell.metadata.get("tags", [])
    lines = [f"[code{', not shown on the slide' if hidden else ''}] {cell.source.strip()}"]
    for output in cell.outputs:
        data = output.get("data", {})
        if "image/png" in data:
            lines.append("[figure]")
        elif "text/html" in data and "nmft-explorer" in data["text/html"]:
            lines.append("[explorer snapshot]")
        else:
            text = output.get("text", data.get("text/plain", ""))
            lines.append("[output] " + "\n".join(text.splitlines()[:15]))
    return "\n".join(lines)


def show(path: Path):
    slides, notes = slides_and_notes(path)
    print(f"# {path.stem}: {len(slides)} slides\n")
    for number, slide in enumerate(slides, start=1):
        print(f"=== slide {number} · key {slide['key']} · {slide['title']}")
        for cell in slide["cells"]:
            print(_digest(cell))
        print(f"--- note: {note_for(notes, slide['key']) or '(none)'}\n")


def check() -> list[str]:
    problems = []
    for path in lessons():
        slides, notes = slides_and_notes(path)
        keys = {slide["key"] for slide in slides}
        missing = [slide for slide in slides if not note_for(notes, slide["key"])]
        problems += [f"{path.stem}: slide {slide['key']} ({slide['title']}) has no note" for slide in missing]
        problems += [f"{path.stem}: note {key} belongs to no slide" for key in notes if key not in keys]
    return problems


def main(argv):
    if argv == ["--check"]:
        problems = check()
        print("\n".join(problems) or "every slide has a note, every note a slide")
        return 1 if problems else 0
    for number in argv:
        for path in lessons():
            if path.name.startswith(number):
                show(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
