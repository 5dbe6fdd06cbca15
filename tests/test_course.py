"""course.py notices a broken virtual environment and rebuilds or repairs it, saying so."""

import hashlib
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import course  # noqa: E402


def test_an_environment_without_pip_is_broken(tmp_path):
    """What a course.py killed during the first venv creation leaves behind."""
    venv.EnvBuilder(with_pip=False).create(tmp_path / "env")
    assert "no pip" in course.broken_environment(tmp_path / "env")


def test_an_environment_without_pyvenv_cfg_is_broken(tmp_path):
    venv.EnvBuilder(with_pip=False).create(tmp_path / "env")
    (tmp_path / "env" / "pyvenv.cfg").unlink()
    assert "pyvenv.cfg" in course.broken_environment(tmp_path / "env")


def test_the_running_environment_is_healthy_and_complete():
    assert course.broken_environment(Path(sys.prefix)) is None
    assert course.missing_modules(Path(sys.executable), "test") == []


def test_missing_modules_are_found(monkeypatch):
    monkeypatch.setitem(course.REQUIRED, "", ["numpy", "no_such_module_for_the_test"])
    assert course.missing_modules(Path(sys.executable), "") == ["no_such_module_for_the_test"]


def _record(monkeypatch):
    """Record pip runs and environment creations instead of doing them (a created one links python)."""
    calls = []

    def create(folder):
        calls.append(["create", str(folder)])
        (folder / "bin").mkdir(parents=True)
        (folder / "bin" / "python").symlink_to(sys.executable)

    monkeypatch.setattr(course, "run", lambda command, check=True: calls.append([str(c) for c in command]) or 0)
    monkeypatch.setattr(course, "create_environment", create)
    return calls


def test_a_broken_environment_is_rebuilt(monkeypatch, tmp_path, capsys):
    folder = tmp_path / "env"
    venv.EnvBuilder(with_pip=False).create(folder)
    calls = _record(monkeypatch)
    course.ensure_environment("", folder)
    out = capsys.readouterr().out
    assert "is broken (it has no pip" in out and "rebuilding it" in out
    assert calls[0] == ["create", str(folder)] and any("install" in c for c in calls[1:])


def test_packages_removed_behind_the_stamp_are_installed_again(monkeypatch, tmp_path, capsys):
    folder = tmp_path / "env"
    calls = _record(monkeypatch)
    course.create_environment(folder)
    calls.clear()
    monkeypatch.setattr(course, "broken_environment", lambda f: None)
    monkeypatch.setattr(course, "missing_modules", lambda python, extra: ["numpy"])
    digest = hashlib.sha256(course.PINS.read_bytes() + (ROOT / "pyproject.toml").read_bytes() + b".").hexdigest()
    (folder / ".installed-course").write_text(digest)
    course.ensure_environment("", folder)
    assert "numpy missing" in capsys.readouterr().out
    assert any("install" in call and "-e" in call for call in calls)
    monkeypatch.setattr(course, "missing_modules", lambda python, extra: [])
    calls.clear()
    course.ensure_environment("", folder)  # complete now: nothing is installed
    assert calls == []
