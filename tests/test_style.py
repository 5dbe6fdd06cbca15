"""The code passes ruff, configured in pyproject.toml: lint rules and the formatter's style."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _ruff(*args):
    done = subprocess.run([sys.executable, "-m", "ruff", *args], cwd=ROOT, capture_output=True, text=True)
    if "No module named ruff" in done.stderr:
        pytest.fail("ruff is not installed: it is part of the test extra (pip install -e '.[test]')")
    return done


def test_ruff_check_finds_nothing():
    done = _ruff("check", ".")
    assert done.returncode == 0, done.stdout + done.stderr


def test_ruff_format_would_change_nothing():
    done = _ruff("format", "--check", ".")
    assert done.returncode == 0, "run `ruff format .`:\n" + done.stdout + done.stderr
