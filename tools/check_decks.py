"""Walk every slide of every deck in Chromium and report what would fail in front of a room.

    .venv/bin/python tools/check_decks.py [--site build/site] [NN ...]   # NN: only these lessons' decks

For each slide: content taller or wider than the slide (reveal.js's 1280 x 720 box, in a 1280 x 720
window), also with any one of its folded answers opened, code or printed output wider than its box, a picture
shown out of proportion, and a slide without speaker notes. Build the site
first (python3 course.py site). tests/test_browser.py runs the same walk and fails on any finding.
Needs Python's playwright and Debian's chromium (/usr/bin/chromium).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
WINDOW = {"width": 1280, "height": 720}
SLACK = 2  # px of rounding

# measured on the slide shown: its box, its content, boxes whose content is wider than they are,
# whether it has speaker notes, and the height of each part (for a report a person can act on)
MEASURE = """slack => {
  const slide = Reveal.getCurrentSlide(), config = Reveal.getConfig(), scale = Reveal.getScale();
  const wide = [...slide.querySelectorAll("pre, .jp-OutputArea-output, table")]
    .filter(e => e.scrollWidth > e.clientWidth + slack)
    .map(e => e.tagName.toLowerCase() + " " + e.scrollWidth + " > " + e.clientWidth + " px");
  const parts = [...slide.children].filter(e => e.tagName !== "ASIDE").map(e => {
    const text = (e.innerText || "").trim().split("\\n")[0].slice(0, 60);
    const picture = e.querySelector("img") ? "[picture] " : "";
    return Math.round(e.getBoundingClientRect().height / scale) + " px  " + picture + text;
  });
  const distorted = [...slide.querySelectorAll("img")].filter(i => i.naturalWidth && i.width && i.height &&
      Math.abs((i.width / i.height) / (i.naturalWidth / i.naturalHeight) - 1) > 0.02)
    .map(i => "picture " + i.naturalWidth + " x " + i.naturalHeight + " shown " + i.width + " x " + i.height);
  // each folded answer opened in turn, as an instructor opens one in front of the room
  let opened = 0;
  const folds = [...slide.querySelectorAll("details:not([open])")];
  for (const fold of folds) {
    fold.open = true;
    opened = Math.max(opened, slide.scrollHeight);
    fold.open = false;
  }
  return {height: slide.scrollHeight, width: slide.scrollWidth, box: [config.width, config.height],
          wide: wide, distorted: distorted, opened: opened,
          notes: (Reveal.getSlideNotes(slide) || "").trim().length, parts: parts};
}"""


def walk(site: Path, only=(), browser=None, screenshots=None, window=WINDOW) -> dict:
    """{deck name: [finding, ...]} for every deck under site/slides (those starting with ``only``).

    ``browser``: a Playwright Chromium to use (else one is launched); ``screenshots``: a folder to
    save a picture of every slide in (deck/slide_NN.png); ``window``: the window's size."""
    if browser is None:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            try:
                return walk(site, only, chromium, screenshots, window)
            finally:
                chromium.close()
    findings = {}
    page = browser.new_page(viewport=window)
    # offline, as in a lecture hall without a network: only the site's own files load
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort())
    try:
        for deck in sorted(Path(site).glob("slides/*.slides.html")):
            if only and not deck.name.startswith(tuple(only)):
                continue
            name = deck.name.removesuffix(".slides.html")
            findings[name] = _walk_deck(page, deck, screenshots and Path(screenshots) / name)
    finally:
        page.close()
    return findings


def _walk_deck(page, deck: Path, screenshots) -> list[str]:
    page.goto(deck.as_uri())
    page.wait_for_function("() => window.Reveal && Reveal.isReady()", timeout=30_000)
    page.wait_for_function("() => !window.MathJax || (MathJax.startup && MathJax.startup.promise)", timeout=30_000)
    page.evaluate("() => window.MathJax ? MathJax.startup.promise : null")  # formulas typeset: their final size
    if screenshots:
        screenshots.mkdir(parents=True, exist_ok=True)
    found = []
    for i in range(page.evaluate("() => Reveal.getTotalSlides()")):
        page.evaluate("i => { const at = Reveal.getIndices(Reveal.getSlides()[i]); Reveal.slide(at.h, at.v); }", i)
        page.wait_for_function(
            "() => [...Reveal.getCurrentSlide().querySelectorAll('img')].every(img => img.complete)", timeout=10_000
        )
        m = page.evaluate(MEASURE, SLACK)
        (width, height), problems = m["box"], []
        if m["height"] > height + SLACK:
            problems.append(f"{m['height'] - height} px too tall")
        if m["width"] > width + SLACK:
            problems.append(f"{m['width'] - width} px too wide")
        if m["opened"] > height + SLACK:
            problems.append(f"{m['opened'] - height} px too tall with a folded answer opened")
        problems += [f"{box} wide" for box in m["wide"]] + m["distorted"]
        if not m["notes"]:
            problems.append("no speaker notes")
        if problems:
            found.append(f"slide {i + 1}: {'; '.join(problems)}  | parts: " + " / ".join(m["parts"]))
        if screenshots:
            page.screenshot(path=str(screenshots / f"slide_{i + 1:02d}.png"))
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--site", default=str(ROOT / "build" / "site"))
    parser.add_argument("only", nargs="*", help="lesson numbers (00, 04, ...) whose decks to check")
    args = parser.parse_args(argv)
    findings = walk(Path(args.site), args.only)
    for deck, found in findings.items():
        print(f"{deck}: {'fits, every slide has notes' if not found else f'{len(found)} slides to fix'}")
        for line in found:
            print("   ", line)
    return 1 if any(findings.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
