#!/usr/bin/env python3
"""Set up and run the nmfteach course with nothing but Python (3.11 to 3.13).

    python3 course.py lab       install what the course needs, then open JupyterLab on your own
                                copy of the lessons, my-course/ (made on first use, never
                                overwritten: exercises to fill in, solutions one click away)
    python3 course.py lab --instructor
                                open the instructor versions in lessons/ (answers, outputs)
    python3 course.py test      install what the tests need, then run the whole test suite
    python3 course.py release   write the student versions of the lessons and assignments
                                to student/ (or --out FOLDER): answers stubbed, hidden tests removed
    python3 course.py grade NOTEBOOK [--source INSTRUCTOR_NOTEBOOK]
                                run a filled-in student notebook with the hidden tests and
                                report the points of each question
    python3 course.py site      build the lessons' slide decks and a static course site from
                                the committed notebooks into build/site/ (or --out FOLDER)

Both create a virtual environment in .venv (first time only) and install the pinned versions
of constraints.txt into it, so everyone gets the same numbers in the notebooks. Running either
again is safe: when nothing changed, nothing is reinstalled. Extra arguments go to JupyterLab
or pytest, e.g. ``python3 course.py test -k parity``. Only the standard library is used here.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STUDENT_FOLDER = ROOT / "my-course"  # a student's own copies of the lessons (git ignores it)
PINS = ROOT / "constraints.txt"
SUPPORTED = ((3, 11), (3, 13))  # Python versions the pinned wheels exist for


REQUIRED = {  # what each extra must be able to import, checked behind the stamp
    "": ["nmfteach", "numpy", "scipy", "pandas", "matplotlib", "ipywidgets", "jupyterlab", "nbformat", "nbclient"],
    "test": ["pytest", "nbval", "sklearn", "ruff", "playwright"],
}


def venv_python(folder: Path = VENV) -> Path:
    return folder / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def broken_environment(folder: Path = VENV) -> str | None:
    """Why the virtual environment in ``folder`` cannot be used, or None if it can (or is absent)."""
    if not folder.exists():
        return None
    python = venv_python(folder)
    if not (folder / "pyvenv.cfg").exists():
        return "it has no pyvenv.cfg, so its python would run the base interpreter"
    if not python.exists():
        return "it has no python (an interrupted creation?)"
    probe = subprocess.run(
        [str(python), "-c", "import sys; print(sys.prefix)"], capture_output=True, text=True, cwd=folder
    )
    if probe.returncode != 0 or Path(probe.stdout.strip()).resolve() != folder.resolve():
        return "its python does not run as this environment's"
    pip = subprocess.run([str(python), "-m", "pip", "--version"], capture_output=True, text=True)
    if pip.returncode != 0:
        return "it has no pip (its creation was interrupted?)"
    return None


def missing_modules(python: Path, extra: str) -> list[str]:
    """The modules the course (and ``extra``) needs that ``python`` cannot find."""
    wanted = REQUIRED[""] + (REQUIRED.get(extra, []) if extra else [])
    code = "import importlib.util, sys; print(*[m for m in sys.argv[1:] if importlib.util.find_spec(m) is None])"
    done = subprocess.run([str(python), "-c", code, *wanted], capture_output=True, text=True)
    return done.stdout.split() if done.returncode == 0 else wanted


def create_environment(folder: Path) -> None:
    venv.EnvBuilder(with_pip=True, clear=True).create(folder)


def ensure_environment(extra: str, folder: Path = VENV) -> Path:
    """Create .venv if needed and install nmfteach with the pinned dependencies (once per change).
    A broken environment (no pip, no pyvenv.cfg, packages removed) is rebuilt or repaired, saying so."""
    if not SUPPORTED[0] <= sys.version_info[:2] <= SUPPORTED[1]:
        sys.exit(
            f"course.py: this is Python {sys.version.split()[0]}; the course's pinned packages need "
            f"Python {SUPPORTED[0][0]}.{SUPPORTED[0][1]} to {SUPPORTED[1][0]}.{SUPPORTED[1][1]}. "
            f"Run course.py with one of those (or use the conda route in README.md)."
        )
    problem = broken_environment(folder)
    if problem:
        print(f"course.py: the environment in {folder} is broken ({problem}); rebuilding it", flush=True)
        shutil.rmtree(folder, ignore_errors=True)
    python = venv_python(folder)
    if not python.exists():
        print(f"course.py: creating a virtual environment in {folder}", flush=True)
        create_environment(folder)
    target = f".[{extra}]" if extra else "."
    digest = hashlib.sha256(PINS.read_bytes() + (ROOT / "pyproject.toml").read_bytes() + target.encode()).hexdigest()
    stamp = folder / f".installed-{extra or 'course'}"
    installed = stamp.exists() and stamp.read_text() == digest
    if installed and (missing := missing_modules(python, extra)):
        print(f"course.py: {', '.join(missing)} missing from {folder}; installing again", flush=True)
        installed = False
    if not installed:
        print(f"course.py: installing nmfteach{target[1:]} with the versions pinned in {PINS.name}", flush=True)
        run([python, "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
        run([python, "-m", "pip", "install", "--quiet", "-c", str(PINS), "-e", target])
        stamp.write_text(digest)
    return python


def run(command, check=True) -> int:
    result = subprocess.run([str(c) for c in command], cwd=ROOT)
    if check and result.returncode != 0:
        sys.exit(f"course.py: {' '.join(map(str, command))} failed (exit code {result.returncode}).")
    return result.returncode


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("lab", "test", "release", "grade", "site"):
        print(__doc__)
        return 2
    what, rest = argv[0], argv[1:]
    if what in ("release", "grade"):
        python = ensure_environment("")
        return run([python, ROOT / "tools" / "classroom.py", what, *rest], check=False)
    if what == "site":
        python = ensure_environment("")
        return run([python, ROOT / "tools" / "build_site.py", *rest], check=False)
    if what == "lab":
        python = ensure_environment("")
        folder = ROOT / "lessons" if "--instructor" in rest else STUDENT_FOLDER
        rest = [argument for argument in rest if argument != "--instructor"]
        if folder == STUDENT_FOLDER:  # the student versions, kept up to date without touching the student's work
            run([python, ROOT / "tools" / "classroom.py", "workspace", folder])
            print(f"course.py: your notebooks are in {folder} (the instructor versions: course.py lab --instructor)")
        as_root = ["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []  # e.g. in a container
        return run([python, "-m", "jupyterlab", f"--ServerApp.root_dir={folder}", *as_root, *rest], check=False)
    python = ensure_environment("test")
    code = run([python, "-m", "pytest", *rest], check=False)
    if code == 5:
        print("course.py: pytest collected no tests; that is a failure, not a pass.", file=sys.stderr)
        return 1
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
