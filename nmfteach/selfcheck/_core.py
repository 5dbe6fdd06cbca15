"""The machinery of the self-checks: verdicts, strict mode for graded tests, fetching answers."""

from __future__ import annotations

import contextlib

import numpy as np

_strict = False


@contextlib.contextmanager
def strict():
    """Inside ``with strict():`` a check raises AssertionError (with its hint) instead of
    printing "Not yet", and prints nothing when the answer is right. The graded (hidden) tests
    use it, so that a wrong or missing answer fails its test cell."""
    global _strict
    before, _strict = _strict, True
    try:
        yield
    finally:
        _strict = before


def verdict(ok: bool, right: str, wrong: str) -> None:
    if _strict:
        if not ok:
            raise AssertionError(wrong)
        return
    print(("Correct! " + right) if ok else ("Not yet: " + wrong))


def _close(answer, expected, rtol=1e-6) -> bool:
    """Is the answer one number, equal to the expected one up to rounding?"""
    return bool(np.isscalar(answer) and np.isclose(float(answer), expected, rtol=rtol))


def _fetch(namespace, *names):
    """The notebook variables ``names``, or None (saying which are missing) if any is not there."""
    missing = [name for name in names if name not in namespace]
    if missing and _strict:
        raise AssertionError(f"no variable {', '.join(f'`{name}`' for name in missing)}: the exercise is not done.")
    for name in missing:
        print(f"Not yet: there is no variable `{name}`; run your solution cell first.")
    return None if missing else tuple(namespace[name] for name in names)


def answered(namespace, *names) -> bool:
    """Are the notebook variables ``names`` all there? If not, say which are missing (an
    assignment's visible check runs only when they are, so an unanswered notebook still runs)."""
    return _fetch(namespace, *names) is not None


def _same_array(answer, expected, **tolerance) -> bool:
    """Does the answer have the expected shape and (up to rounding) the expected values?"""
    answer = np.asarray(answer, dtype=float)
    return answer.shape == expected.shape and bool(np.allclose(answer, expected, **tolerance))
