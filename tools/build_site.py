"""Build the lessons' slide decks and a static course site from the committed notebooks.

    python3 course.py site                       # or: .venv/bin/python tools/build_site.py [--out DIR]

Nothing is executed again: the committed outputs are what nbval checks. Written to build/site/
(ignored by git):

    index.html                    the lesson map (from README.md), each lesson's objectives and
                                  time, links to its page and its deck, how to run the course
    lessons/NN_name.html          every lesson as a page: solutions and self-checks collapsed, hidden tests left
                                  out, links to the index and the previous and next lessons
    slides/NN_name.slides.html    reveal.js decks (nbconvert's slides exporter; cells' slide
                                  types in their "slideshow" metadata, see set_slide_types.py)
    slides/reveal.js/             reveal.js (vendored in tools/site/vendor) and our theme
    mathjax/                      MathJax 3 (vendored in tools/site/vendor): formulas offline
    gallery.html, gallery/        every figure and explorer snapshot of every lesson, linked to its place

Explorers (ipywidgets) need a running kernel; pages and decks show the snapshot saved in the
notebook with a note on how to use them for real.
"""

from __future__ import annotations

import argparse
import base64
import copy
import html
import re
import shutil
import sys
import time
from pathlib import Path

import mistune
import nbformat
from classroom import without_claims, without_hidden_tests
from nbconvert import HTMLExporter, SlidesExporter
from traitlets.config import Config

ROOT = Path(__file__).resolve().parents[1]
SITE = Path(__file__).resolve().parent / "site"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
HIDE_INPUT = "nmft-slides-hide-input"
PICTURES = "nmft-slides-pictures"  # a deck shows this cell's several pictures side by side
# room for a slide's pictures (px; an explorer shares its slide with its introduction), enlarged at most 1.5 times
SLIDE_WIDTH, PICTURE_HEIGHT, EXPLORER_HEIGHT, MAX_ZOOM = 1180, 420, 380, 1.5
LONG_OUTPUT, WIDE_OUTPUT = "nmft-slides-long-output", "nmft-slides-wide-output"  # printouts set in 2 columns / small
LONG_LINES, WIDE_CHARACTERS = 26, 100  # a printout longer or wider than this does not fit a slide as it is
MATHJAX_SRC = "../mathjax/tex-svg-full.js"  # from lessons/ and slides/ to the site's copy of MathJax
LONG_CODE = 8  # lines of code above which a deck shows only the cell's output
EXPLORER_NOTE = (
    "Interactive explorer: this is a snapshot. Run the lesson in JupyterLab "
    "(<code>python3 course.py lab</code>) and move its controls."
)


def lessons(root=ROOT):
    return sorted((root / "lessons").glob("[0-9][0-9]_*.ipynb"))


def lesson_info(path: Path) -> dict:
    """Number, title, objectives ("You will learn ...") and time from a lesson's first cell."""
    notebook = nbformat.read(path, as_version=4)
    first = notebook.cells[0].source
    title = re.match(r"#\s*Lesson\s+(\d+)\s*·\s*(.+)", first)
    learn = re.search(r"\*\*You will learn\*\*\s*(.+?)(?:\n\n|$)", first, re.S)
    minutes = re.search(r"\*\*Estimated time:\*\*\s*([^.\n]+)", first)
    if not (title and learn and minutes):
        raise ValueError(
            f"{path.name}: the first cell needs '# Lesson NN · Title', '**You will learn** ...' "
            f"and '**Estimated time:** ...'"
        )
    return {
        "number": title.group(1),
        "title": title.group(2).strip(),
        "learn": learn.group(1).strip(),
        "time": minutes.group(1).strip(),
        "stem": path.stem,
        "notebook": notebook,
    }


def readme_lesson_map(root=ROOT) -> dict:
    """lesson number -> topic, from the table under "What the course covers" in README.md."""
    text = (root / "README.md").read_text()
    section = text.split("## What the course covers", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\|\s*(\d\d)\s*\|\s*(.+?)\s*\|\s*$", section, re.M)
    return dict(rows)


def _widget_pictures(state: dict, model_id: str) -> list[str]:
    """The PNG pictures (base64) of the Image widgets inside a widget, in display order."""
    model = state.get(model_id, {})
    if model.get("model_name") == "ImageModel":
        return [b["data"] for b in model.get("buffers", []) if b.get("path") == ["value"]]
    pictures = []
    for child in model.get("state", {}).get("children", []):
        pictures += _widget_pictures(state, child.removeprefix("IPY_MODEL_"))
    return pictures


def prepare(notebook, for_slides: bool):
    """A copy ready to export: explorers replaced by their saved snapshot, widget state and
    hidden tests removed, and (for decks) long code inputs marked to be hidden."""
    notebook = copy.deepcopy(notebook)
    notebook.cells = without_claims(notebook.cells)
    if for_slides:
        notebook.cells = [part for cell in notebook.cells for part in _sections(cell)]
    state = notebook.metadata.pop("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        cell.source = without_hidden_tests(cell.source)
        outputs = []
        for output in cell.outputs:
            view = output.get("data", {}).get(WIDGET_VIEW)
            if view is None:
                outputs.append(output)
                continue
            saved = _widget_pictures(state, view["model_id"])
            sizes = (
                _shown_sizes(list(map(_png_size, saved)), height=EXPLORER_HEIGHT) if for_slides else [None] * len(saved)
            )
            pictures = "".join(
                f'<img src="data:image/png;base64,{png}" alt="explorer snapshot"'
                + (f' width="{size[0]}" height="{size[1]}"' if size else "")
                + ">"
                for png, size in zip(saved, sizes)
            )
            outputs.append(
                nbformat.v4.new_output(
                    "display_data",
                    data={
                        "text/html": f'<div class="nmft-explorer"><p class="nmft-explorer-note">{EXPLORER_NOTE}</p>'
                        f"{pictures}</div>"
                    },
                )
            )
        cell.outputs = outputs
        if for_slides:
            _fit_to_slide(cell)
    return notebook


def _fit_to_slide(cell):
    """Mark a code cell for a deck (tags the deck's style sheet reads) and size its figures for a slide:
    a figure's or explorer's code and long code are left off, several figures sit side by side, each
    figure gets a size that fits with its proportions kept, long or wide printouts are set smaller."""
    tags = cell.metadata.setdefault("tags", [])
    if cell.source.count("\n") >= LONG_CODE or _draws(cell):
        tags.append(HIDE_INPUT)
    drawn = [output for output in cell.outputs if "image/png" in output.get("data", {})]
    if len(drawn) > 1:
        tags.append(PICTURES)
    for output, (width, height) in zip(drawn, _shown_sizes([_png_size(o.data["image/png"]) for o in drawn])):
        output.setdefault("metadata", {})["image/png"] = {"width": width, "height": height}
    printed = [line for output in cell.outputs for line in output.get("text", "").split("\n")]
    if len(printed) > LONG_LINES:
        tags.append(LONG_OUTPUT)
    elif max(map(len, printed), default=0) > WIDE_CHARACTERS:
        tags.append(WIDE_OUTPUT)


def _png_size(png_base64: str) -> tuple[int, int]:
    """(width, height) in pixels of a base64 PNG, from its header."""
    header = base64.b64decode(png_base64[:32])
    return int.from_bytes(header[16:20], "big"), int.from_bytes(header[20:24], "big")


def _shown_sizes(sizes, width=SLIDE_WIDTH, height=PICTURE_HEIGHT, gap=8):
    """Sizes on a slide for pictures set side by side: one scale for all, as large as fits
    ``width`` x ``height`` but at most MAX_ZOOM times their drawn size, proportions kept."""
    if not sizes:
        return []
    room = width - gap * (len(sizes) - 1)
    scale = min(room / sum(w for w, _ in sizes), height / max(h for _, h in sizes), MAX_ZOOM)
    return [(int(w * scale), int(h * scale)) for w, h in sizes]


def _draws(cell) -> bool:
    """Whether a code cell shows a figure or an explorer: on a slide the room reads the picture, not
    the plotting code (the lesson's page and notebook keep it)."""
    return any(
        "image/png" in output.get("data", {}) or "nmft-explorer" in output.get("data", {}).get("text/html", "")
        for output in cell.outputs
    )


def _split_outside_folds(text: str, pattern: str) -> list[str]:
    """``text`` split where ``pattern`` matches, except inside a folded <details> block."""
    parts = []
    for piece in re.split(pattern, text):
        if parts and parts[-1].count("<details") > parts[-1].count("</details"):
            parts[-1] += "\n" + piece
        else:
            parts.append(piece)
    return parts


def _sections(cell):
    """A markdown cell holding several sections, as one cell per section for a deck: each later "## "
    section opens a slide of its own and each "### " heading a sub-slide (not inside a folded
    <details> block), "## Further reading" goes to the speaker notes, and each question of "## Check
    your understanding" gets a sub-slide, so that its answer fits when opened. The parts get the ids
    "<cell id>-2", "<cell id>-3", ... (questions "...-q2", "...-q3") that the speaker notes refer to."""
    if cell.cell_type != "markdown":
        return [cell]
    pieces = []  # (id suffix, text)
    for k, part in enumerate(_split_outside_folds(cell.source, r"\n(?=##?# )"), start=1):
        suffix = "" if k == 1 else f"-{k}"
        questions = [part]
        if part.startswith("## Check your understanding"):
            questions = _split_outside_folds(part, r"\n(?=\*\*\d+\.\*\* )")
            questions[:2] = ["\n".join(questions[:2])]  # the heading stays with the first question
        pieces += [(suffix + (f"-q{q}" if q > 1 else ""), text) for q, text in enumerate(questions, start=1)]
    if len(pieces) == 1:
        return [cell]
    cells = [copy.deepcopy(cell)]
    cells[0].source = pieces[0][1]
    for suffix, part in pieces[1:]:
        extra = nbformat.v4.new_markdown_cell(part)
        extra.id = f"{cell.id}{suffix}"
        kind = "notes" if part.startswith("## Further reading") else "slide" if part.startswith("## ") else "subslide"
        extra.metadata["slideshow"] = {"slide_type": kind}
        cells.append(extra)
    return cells


def note_for(notes: dict[str, str], key: str) -> str:
    """A slide's note; a question of "Check your understanding" (key "...-qN") shares the section's."""
    return notes.get(key) or notes.get(re.sub(r"-q\d+$", "", key), "")


def deck_slides(notebook) -> list[dict]:
    """The slides of a deck made from ``prepare(notebook, for_slides=True)``, in order: for each, its
    key (the id of the cell that opens it), a title (its first line) and its cells."""
    slides = []
    for cell in notebook.cells:
        kind = cell.metadata.get("slideshow", {}).get("slide_type", "-")
        if kind in ("skip", "notes"):
            continue
        if kind in ("slide", "subslide") or not slides:
            first = cell.source.strip().split("\n")[0] if cell.cell_type == "markdown" else ""
            title = re.sub(r"^#+\s*|\*\*", "", first)[:80] or "(code) " + cell.source.strip().split("\n")[0][:70]
            slides.append({"key": cell.id, "title": title, "cells": []})
        slides[-1]["cells"].append(cell)
    return slides


def read_notes(stem: str, root=ROOT) -> dict[str, str]:
    """The speaker notes of a lesson, lessons/speaker_notes/<stem>.md: {slide key: note}. Each note
    sits under a heading "## <slide key> · <the slide's title>" (the title is only for the reader)."""
    path = root / "lessons" / "speaker_notes" / f"{stem}.md"
    notes, key = {}, None
    for line in path.read_text(encoding="utf-8").splitlines() if path.exists() else []:
        heading = re.match(r"## (\S+)(?: · .*)?$", line)
        if heading:
            key = heading.group(1)
            notes[key] = []
        elif key is not None:
            notes[key].append(line)
    return {key: "\n".join(lines).strip() for key, lines in notes.items()}


def with_notes(notebook, notes: dict[str, str]):
    """The deck's notebook with each slide's speaker note as a "notes" cell at the slide's end."""
    ends = {id(slide["cells"][-1]): note_for(notes, slide["key"]) for slide in deck_slides(notebook)}
    cells = []
    for cell in notebook.cells:
        cells.append(cell)
        if ends.get(id(cell)):
            note = nbformat.v4.new_markdown_cell(ends[id(cell)])
            note.metadata["slideshow"] = {"slide_type": "notes"}
            cells.append(note)
    notebook.cells = cells
    return notebook


def _nav(infos, i, slides_href, index_href, lessons_prefix) -> str:
    parts = [f'<a href="{index_href}">Course index</a>']
    if i > 0:
        prev = infos[i - 1]
        parts.insert(
            0,
            f'<a href="{lessons_prefix}{prev["stem"]}.html">← Lesson {prev["number"]} · '
            f"{html.escape(prev['title'])}</a>",
        )
    else:
        parts.insert(0, "<span></span>")
    parts.append(f'<a href="{slides_href}">Slides of this lesson</a>')
    if i + 1 < len(infos):
        nxt = infos[i + 1]
        parts.append(
            f'<a href="{lessons_prefix}{nxt["stem"]}.html">Lesson {nxt["number"]} · {html.escape(nxt["title"])} →</a>'
        )
    else:
        parts.append("<span></span>")
    return f'<nav class="nmft-nav">{"".join(parts)}</nav>'


def _exporters():
    templates = [str(SITE / "templates")]
    page_config = Config()
    page_config.HTMLExporter.extra_template_basedirs = templates
    page_config.HTMLExporter.template_name = "nmfteach_site"
    page = HTMLExporter(config=page_config)
    deck_config = Config()
    deck_config.SlidesExporter.extra_template_basedirs = templates
    deck_config.SlidesExporter.template_name = "nmfteach_slides"
    deck_config.SlidesExporter.reveal_url_prefix = "reveal.js"
    deck_config.SlidesExporter.reveal_theme = "nmfteach"
    deck_config.SlidesExporter.reveal_transition = "none"
    deck_config.SlidesExporter.reveal_width = "1280"
    deck_config.SlidesExporter.reveal_height = "720"
    deck_config.TagRemovePreprocessor.enabled = True
    deck_config.TagRemovePreprocessor.remove_input_tags = {HIDE_INPUT}
    deck = SlidesExporter(config=deck_config)
    return page, deck


def count_slides(deck_html: str) -> tuple[int, int]:
    """(horizontal slides, all slides including sub-slides) of a deck nbconvert wrote."""
    body = deck_html.split('<div class="slides">', 1)[1]
    depth, top, leaves, last_open = 0, 0, 0, False
    for tag in re.finditer(r"<(/?)section\b", body):
        if tag.group(1):  # closing
            leaves += last_open
            last_open = False
            depth -= 1
        else:
            depth += 1
            top += depth == 1
            last_open = True
    return top, leaves


def build(out: Path) -> dict:
    """Write the site and the decks under ``out``; return {lesson stem: (slides, sub-slides)}."""
    out = Path(out)
    if out.exists():
        shutil.rmtree(out)
    (out / "lessons").mkdir(parents=True)
    (out / "slides").mkdir()
    shutil.copytree(SITE / "vendor" / "reveal.js", out / "slides" / "reveal.js")
    shutil.copytree(SITE / "vendor" / "mathjax", out / "mathjax")  # pages and decks typeset offline
    (out / "slides" / "reveal.js" / "dist" / "theme").mkdir(parents=True, exist_ok=True)
    shutil.copy(SITE / "slides.css", out / "slides" / "reveal.js" / "dist" / "theme" / "nmfteach.css")
    site_css = (SITE / "site.css").read_text()
    page, deck = _exporters()
    infos = [lesson_info(path) for path in lessons()]
    counts = {}
    for i, info in enumerate(infos):
        stem = info["stem"]
        nav = _nav(infos, i, f"../slides/{stem}.slides.html", "../index.html", "")
        body, _ = page.from_notebook_node(
            prepare(info["notebook"], for_slides=False),
            resources={"nav": nav, "site_css": site_css, "mathjax_src": MATHJAX_SRC},
        )
        (out / "lessons" / f"{stem}.html").write_text(_site_links(body))
        slides, _ = deck.from_notebook_node(
            with_notes(prepare(info["notebook"], for_slides=True), read_notes(stem)),
            resources={"mathjax_src": MATHJAX_SRC},
        )
        (out / "slides" / f"{stem}.slides.html").write_text(slides)
        counts[stem] = count_slides(slides)
    (out / "help").mkdir()
    for page_path in help_pages():
        (out / "help" / f"{page_path.stem}.html").write_text(help_page(page_path, site_css))
    (out / "index.html").write_text(index_page(infos, readme_lesson_map(), site_css))
    (out / "gallery.html").write_text(gallery_page(infos, out, site_css))
    return counts


def figures(notebook):
    """Every figure and explorer of a lesson, in order: (cell id, kind, caption, [PNG as base64])."""
    state = notebook.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    found = []
    for cell in without_claims(notebook.cells):
        if cell.cell_type != "code":
            continue
        code = [line for line in cell.source.split("\n") if line.strip() and not line.lstrip().startswith("#")]
        drawing = [line for line in code if "plotting." in line or "widgets." in line]  # the call that draws
        caption = (drawing or code or [""])[-1].strip()
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_VIEW in data:  # an explorer: its saved snapshot, else its saved pictures
                pictures = (
                    [data["image/png"]]
                    if "image/png" in data
                    else _widget_pictures(state, data[WIDGET_VIEW]["model_id"])
                )
                found.append((cell.id, "explorer", caption, pictures))
            elif "image/png" in data:
                found.append((cell.id, "figure", caption, [data["image/png"]]))
    return found


def gallery_page(infos, out: Path, site_css: str) -> str:
    """The gallery: every figure and explorer of every lesson, each linked to its place in the lesson.
    The pictures are written as files under out/gallery/."""
    (out / "gallery").mkdir(exist_ok=True)
    sections, count = [], 0
    for info in infos:
        items = []
        for n, (cell_id, kind, caption, pictures) in enumerate(figures(info["notebook"]), start=1):
            images = ""
            for k, png in enumerate(pictures, start=1):
                name = f"{info['stem']}_{n:02d}_{k}.png"
                (out / "gallery" / name).write_bytes(base64.b64decode(png))
                images += f'<img src="gallery/{name}" alt="{kind} {n} of lesson {info["number"]}" loading="lazy">'
                count += 1
            label = "Explorer (snapshot)" if kind == "explorer" else f"Figure {n}"
            items.append(
                f'<figure class="nmft-gallery-item">{images}<figcaption>{label} · '
                f'<a href="lessons/{info["stem"]}.html#cell-id={cell_id}">in the lesson</a><br>'
                f"<code>{html.escape(caption)}</code></figcaption></figure>"
            )
        if items:
            sections.append(
                f'<h2 id="lesson-{info["number"]}">Lesson {info["number"]} · {html.escape(info["title"])}</h2>\n'
                + "\n".join(items)
            )
    contents = " · ".join(f'<a href="#lesson-{info["number"]}">{info["number"]}</a>' for info in infos)
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>nmfteach: every figure and explorer</title>
<style>body {{ font: 16px/1.5 Helvetica, Arial, sans-serif; max-width: 1300px; margin: 2em auto; padding: 0 1em; }}
.nmft-gallery-item {{ display: inline-block; vertical-align: top; margin: 0 1.5em 1.5em 0; max-width: 100%; }}
.nmft-gallery-item img {{ display: block; max-width: 100%; height: auto; border: 1px solid #eee; }}
figcaption {{ font-size: 0.9em; color: #444; max-width: 640px; }}
{site_css}</style></head>
<body><p><a href="index.html">Course index</a></p>
<h1>Every figure and explorer of the course</h1>
<p>{count} pictures, as the lessons show them (explorers as the snapshot saved in the notebook: run the
lesson in JupyterLab to move their controls). Lessons: {contents}</p>
{"".join(sections)}
</body></html>
"""
    return page


def help_pages(root=ROOT):
    """The help pages: lessons/help/*.md (glossary, common mistakes, refresher)."""
    return sorted((root / "lessons" / "help").glob("*.md"))


def _site_links(text: str) -> str:
    """Links between the Markdown pages (page.md, help/page.md) made links between the site's pages."""
    return re.sub(r'(href="(?:help/)?[\w-]+)\.md"', r'\1.html"', text).replace('href="help/', 'href="../help/')


def help_page(path: Path, site_css: str) -> str:
    """One help page as HTML, its links to the other pages pointing at their HTML versions."""
    body = _site_links(mistune.html(path.read_text(encoding="utf-8"))).replace('href="../help/', 'href="')
    title = path.read_text(encoding="utf-8").splitlines()[0].lstrip("# ").strip()
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body {{ font: 16px/1.5 Helvetica, Arial, sans-serif; max-width: 900px; margin: 2em auto; padding: 0 1em; }}
table {{ border-collapse: collapse; }} td, th {{ border-bottom: 1px solid #ddd; padding: 0.4em; text-align: left; }}
pre {{ background: #f5f5f5; padding: 0.8em; }}
{site_css}</style></head>
<body><p><a href="../index.html">Course index</a></p>
{body}
</body></html>
"""


def index_page(infos, topics, site_css) -> str:
    rows = "\n".join(
        f'<tr><td>{info["number"]}</td><td><a href="lessons/{info["stem"]}.html">{html.escape(info["title"])}</a>'
        f'<div class="topic">{mistune.html(topics.get(info["number"], ""))}</div></td>'
        f"<td>{mistune.html(info['learn'])}</td><td>{html.escape(info['time'])}</td>"
        f'<td><a href="slides/{info["stem"]}.slides.html">slides</a></td></tr>'
        for info in infos
    )
    run = mistune.html("""
This site is the course **to read**: every lesson with its figures and printed results exactly as the
notebooks hold them, solutions folded away. To **run** it (change K, the seed, the method or the noise and
see the models answer, do the exercises with their self-checks), install it on your computer, with Python
3.11 to 3.13 and nothing else:

```
git clone <this repository> nmfteach && cd nmfteach
python3 course.py lab        # installs the pinned versions in .venv, then opens your own copy, my-course/
```

or use `environment.yml` with conda, or Binder. Graded assignments are in `lessons/assignments/`
(instructors: see "For instructors" in README.md).
""")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>nmfteach: NMF for gene expression, a course</title>
<style>
body {{ font: 16px/1.5 Helvetica, Arial, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em;
       color: #222; }}
table {{ border-collapse: collapse; width: 100%; }}
td, th {{ border-bottom: 1px solid #ddd; padding: 0.5em; vertical-align: top; text-align: left; }}
td p {{ margin: 0; }} .topic {{ color: #555; font-size: 0.9em; }} pre {{ background: #f5f5f5; padding: 0.8em; }}
{site_css}
</style></head>
<body>
<h1>Non-negative matrix factorization for gene expression</h1>
<p>A course in {len(infos)} lessons, from the linear mixing model X ≈ WH to a real case study, built on
<code>nmfteach</code>, a small Python implementation that reproduces R package NMF. Genes are rows,
as in the lecture and in R.</p>
<h2>Lessons</h2>
<table>
<thead><tr><th>#</th><th>lesson</th><th>you will learn</th><th>time</th><th>deck</th></tr></thead>
<tbody>
{rows}
</tbody></table>
<h2>Help at hand</h2>
<p><a href="help/glossary.html">Glossary</a> · <a href="help/common_mistakes.html">Common mistakes</a> ·
<a href="help/refresher.html">What the lessons assume, and a schedule</a> ·
<a href="gallery.html">Every figure and explorer</a></p>
<h2>How to run the course for real</h2>
{run}
</body></html>
"""


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(ROOT / "build" / "site"), help="folder to write (default build/site)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    counts = build(Path(args.out))
    for stem, (slides, all_slides) in counts.items():
        print(f"{stem:40s} {slides:3d} slides, {all_slides:3d} with sub-slides")
    print(f"built {len(counts)} pages and {len(counts)} decks in {args.out} in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
