"""Re-execute every lesson and assignment top to bottom, in place, and report run times.

    .venv/bin/python tools/run_lessons.py [lessons/01_*.ipynb ...]

Run it after any change to nmfteach that could alter printed results, then commit the
notebooks: nbval (python3 course.py test) compares every committed output with a fresh run.
"""

import sys
import time
from pathlib import Path

import nbformat
from classroom import notebooks
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}  # ipykernel's own


def run(path: Path) -> float:
    notebook = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        record_timing=False,
    ).execute()
    seconds = time.perf_counter() - start
    notebook.metadata["kernelspec"] = dict(KERNELSPEC)  # as JupyterLab writes it: the notebook opens unmodified
    nbformat.write(notebook, path)
    return seconds


def main(paths):
    paths = [Path(p) for p in paths] or notebooks(ROOT)
    for path in paths:
        print(f"{path.name:45s} {run(path):6.1f} s", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
