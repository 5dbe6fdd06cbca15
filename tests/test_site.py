"""The slide decks and the static site, built from the committed notebooks by tools/build_site.py."""

import html
import re
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted((ROOT / "lessons").glob("[0-9][0-9]_*.ipynb"))
# Bounds on the decks, from their cells' slide types: each lesson has 3-16 sections
# (horizontal slides) and 6-40 slides in all (sub-slides keep each one on a 1280 x 720 screen);
# outside that, a slide type is surely wrong.
SECTIONS, ALL_SLIDES = (3, 16), (6, 40)
sys.path.insert(0, str(ROOT / "tools"))
import build_site  # noqa: E402


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "build_site.py"), "--out", str(out)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-3000:]
    print(f"site built in {time.perf_counter() - start:.1f} s")
    return out


def test_every_cell_of_every_lesson_has_a_slide_type():
    allowed = {"slide", "subslide", "fragment", "skip", "notes", "-"}
    for path in LESSONS:
        for cell in nbformat.read(path, as_version=4).cells:
            assert cell.metadata.get("slideshow", {}).get("slide_type") in allowed, f"{path.name}: {cell.source[:60]}"


def test_claim_cells_are_left_out_of_the_decks():
    for path in LESSONS:
        for cell in nbformat.read(path, as_version=4).cells:
            if "claim" in cell.metadata.get("tags", []):
                assert cell.metadata["slideshow"]["slide_type"] == "skip", f"{path.name}: {cell.source[:60]}"


def test_every_lesson_has_a_page_and_a_deck_of_sensible_size(site):
    for path in LESSONS:
        assert (site / "lessons" / f"{path.stem}.html").stat().st_size > 10_000
        deck = (site / "slides" / f"{path.stem}.slides.html").read_text()
        sections, slides = build_site.count_slides(deck)
        assert SECTIONS[0] <= sections <= SECTIONS[1], f"{path.stem}: {sections} sections"
        assert ALL_SLIDES[0] <= slides <= ALL_SLIDES[1], f"{path.stem}: {slides} slides"
        assert 'src="reveal.js/dist/reveal.js"' in deck and "unpkg.com/reveal" not in deck  # works offline
        assert (site / "slides" / "reveal.js" / "dist" / "reveal.js").exists()


def _links(page: str):
    return re.findall(r'(?:href|src)="([^"#:]+)(?:#[^"]*)?"', page)


def test_every_link_of_the_index_and_the_pages_resolves(site):
    index = (site / "index.html").read_text()
    links = _links(index)
    assert len(links) == 2 * len(LESSONS) + 4  # a page and a deck per lesson; the three help pages, the gallery
    for link in links:
        assert (site / link).is_file(), link
    pages = [site / "lessons" / f"{path.stem}.html" for path in LESSONS] + sorted((site / "help").glob("*.html"))
    pages.append(site / "gallery.html")
    assert len(pages) == len(LESSONS) + 4
    for page in pages:
        for link in _links(page.read_text()):
            assert (page.parent / link).resolve().is_file(), f"{page.name}: {link}"
    assert 'href="../help/glossary.html"' in (site / "lessons" / f"{LESSONS[0].stem}.html").read_text()
    for info in map(build_site.lesson_info, LESSONS):  # objectives and time of every lesson
        assert html.escape(info["title"]) in index and html.escape(info["time"]) in index


def test_consecutive_lessons_link_to_each_other(site):
    for before, after in zip(LESSONS, LESSONS[1:]):
        assert f'href="{after.stem}.html"' in (site / "lessons" / f"{before.stem}.html").read_text()
        assert f'href="{before.stem}.html"' in (site / "lessons" / f"{after.stem}.html").read_text()


def test_no_page_or_deck_shows_an_error(site):
    for built in list((site / "lessons").glob("*.html")) + list((site / "slides").glob("*.html")):
        text = built.read_text()
        assert "Traceback (most recent call last)" not in text, built.name
        assert 'data-mime-type="application/vnd.jupyter.stderr"' not in text, built.name
        assert "Explorer(children=" not in text, built.name  # explorers show their snapshot
        assert "HIDDEN TESTS" not in text, built.name
        assert "# claim:" not in text, built.name  # claim cells back the prose for nbval; readers need not see them


def test_solutions_and_their_checks_are_collapsed_on_the_pages_and_left_out_of_the_decks(site):
    for path in LESSONS:
        notebook = nbformat.read(path, as_version=4)
        solutions = [c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("solution")]
        page = (site / "lessons" / f"{path.stem}.html").read_text()
        folded = re.findall(r'<details class="nmft-solution">.*?</details>', page, flags=re.S)
        assert len(folded) == len(solutions) > 0
        outside = re.sub(r'<details class="nmft-solution">.*?</details>', "", page, flags=re.S)
        deck = (site / "slides" / f"{path.stem}.slides.html").read_text()
        marker = "BEGIN SOLUTION"
        assert marker in "".join(folded) and marker not in outside and marker not in deck
        assert '<details class="nmft-solution" open' not in page
        checks = [c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code"]
        folded_checks = re.findall(r'<details class="nmft-check">.*?</details>', page, flags=re.S)
        assert len(folded_checks) == len(checks) > 0  # their verdict names the answer: folded too
        assert "Correct!" not in re.sub(r'<details class="nmft-check">.*?</details>', "", page, flags=re.S)


def test_explorers_show_a_snapshot(site):
    page = (site / "lessons" / "07_choosing_the_rank.html").read_text()
    assert re.search(r'class="nmft-explorer".*?<img[^>]*src="data:image/png;base64,', page, flags=re.S)


@pytest.mark.browser
def test_a_deck_opens_and_moves_to_the_next_slide_in_the_browser(site):
    from test_browser import ARTIFACTS, CHROMIUM, CHROMIUM_FLAGS, _playwright

    sync_playwright = _playwright()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto((site / "slides" / "01_linear_mixing_model.slides.html").as_uri())
            page.wait_for_function("() => window.Reveal && Reveal.isReady()", timeout=30_000)
            first = page.locator(".reveal .slides section.present").first
            assert "Lesson 01" in first.inner_text()
            assert page.evaluate("() => Reveal.getTotalSlides()") >= ALL_SLIDES[0]
            page.screenshot(path=str(ARTIFACTS / "deck_01_slide_1.png"))
            page.keyboard.press("ArrowRight")
            page.wait_for_function("() => Reveal.getIndices().h === 1", timeout=10_000)
            assert "Lesson 01" not in page.locator(".reveal .slides section.present").first.inner_text()
            page.screenshot(path=str(ARTIFACTS / "deck_01_slide_2.png"))
        finally:
            browser.close()


EXTERNAL = re.compile(
    r"<(?:script|link|img)\b[^>]*\b(?:src|href)=[\"'](?:https?:)?//"  # a script, style sheet or image from elsewhere
    r"|url\(\s*[\"']?(?:https?:)?//"  # a font or image in CSS
    r"|@import\s+(?:url\()?[\"']?(?:https?:)?//",
    re.IGNORECASE,
)


def test_no_page_or_deck_loads_anything_from_outside_the_site(site):
    """The site works with no network: every script, style and font comes from the site's own folder (links to
    other sites, which a reader follows on purpose, are fine)."""
    files = [p for p in site.rglob("*") if p.suffix in (".html", ".css")]
    assert len(files) > 24
    for path in files:
        found = EXTERNAL.findall(path.read_text(errors="replace"))
        assert not found, f"{path.relative_to(site)} loads from outside the site: {found[:3]}"
    assert (site / "mathjax" / "tex-svg-full.js").stat().st_size > 1_000_000
    for path in [*site.glob("lessons/*.html"), *site.glob("slides/*.slides.html")]:
        text = path.read_text()
        if "$" in text:  # a page with formulas loads the site's MathJax
            assert 'src="../mathjax/tex-svg-full.js"' in text, path.name


def test_decks_link_home_and_keep_further_reading_in_the_speaker_notes(site):
    for path in sorted(site.glob("slides/*.slides.html")):
        text = path.read_text()
        assert 'class="nmft-deck-home" href="../index.html"' in text, path.name
        notes = re.findall(r'<aside class="notes">(.*?)</aside>', text, flags=re.S)
        on_slides = re.sub(r'<aside class="notes">.*?</aside>', "", text, flags=re.S)
        if "Further-reading" in text:
            assert any("Further-reading" in note for note in notes), path.name
            assert "Further-reading" not in on_slides, f"{path.name}: further reading on a slide"


def test_a_deck_splits_a_cell_at_its_headings_but_never_inside_a_folded_answer():
    cell = nbformat.v4.new_markdown_cell(
        "## One\ntext\n### Two\nmore\n<details><summary>answer</summary>\n\n### not a slide\n</details>\n## Three"
    )
    cell.id = "abc"
    parts = build_site._sections(cell)
    assert [p.source.split("\n")[0] for p in parts] == ["## One", "### Two", "## Three"]
    assert "### not a slide" in parts[1].source
    assert [p.id for p in parts] == ["abc", "abc-2", "abc-3"]
    assert [p.metadata.get("slideshow", {}).get("slide_type") for p in parts[1:]] == ["subslide", "slide"]
    check = nbformat.v4.new_markdown_cell(
        "## Check your understanding\n\n**1.** Why?\n\n<details>\n\n**2.** not a question\n</details>\n\n**2.** How?"
    )
    check.id = "xyz"
    questions = build_site._sections(check)
    assert [p.id for p in questions] == ["xyz", "xyz-q2"] and questions[1].source == "**2.** How?"


def test_every_slide_has_speaker_notes_and_every_note_a_slide():
    """lessons/speaker_notes/<lesson>.md holds a note for each slide of the lesson's deck, keyed by the id of the
    cell that opens it (tools/speaker_notes.py shows them); a note whose slide is gone is an error too."""
    import speaker_notes

    assert speaker_notes.check() == []
    for path in LESSONS:
        slides, notes = speaker_notes.slides_and_notes(path)
        assert all(len(speaker_notes.note_for(notes, s["key"]).split()) >= 12 for s in slides), path.stem  # real notes


def test_the_decks_carry_each_note_to_the_speaker_view(site):
    for path in LESSONS:
        deck = (site / "slides" / f"{path.stem}.slides.html").read_text()
        asides = re.findall(r'<aside class="notes">(.*?)</aside>', deck, flags=re.S)
        _, leaves = build_site.count_slides(deck)
        assert len(asides) >= leaves, (path.stem, len(asides), leaves)


def test_the_gallery_shows_every_figure_and_explorer_linked_to_its_place(site):
    page = (site / "gallery.html").read_text()
    expected = 0
    for path in LESSONS:
        lesson = (site / "lessons" / f"{path.stem}.html").read_text()
        found = build_site.figures(nbformat.read(path, as_version=4))
        assert found, path.stem
        expected += sum(len(pictures) for _, _, _, pictures in found)
        for cell_id, _, _, _ in found:
            assert f'href="lessons/{path.stem}.html#cell-id={cell_id}"' in page
            assert f'id="cell-id={cell_id}"' in lesson  # the link lands on the cell
    pictures = re.findall(r'<img src="(gallery/[^"]+)"', page)
    assert len(pictures) == expected > 30  # 25 figures and 12 explorers (one with two pictures)
    assert all((site / picture).stat().st_size > 1000 for picture in pictures)
    assert 'href="gallery.html"' in (site / "index.html").read_text()
