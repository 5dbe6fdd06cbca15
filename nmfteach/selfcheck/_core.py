"""The machinery of the self-checks: verdicts, strict mode for graded tests, fetching answers."""

from __future__ import annotations

import contextlib
import functools
import numbers

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


def _is_number(value) -> bool:
    """One real number: a Python or numpy int or float (not a bool, a text, or a container of one)."""
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def _close(answer, expected, rtol=1e-6) -> bool:
    """Is the answer one number, equal to the expected one up to rounding?"""
    return bool(_is_number(answer) and np.isclose(float(answer), expected, rtol=rtol))


def _not_one_number(name, value) -> str | None:
    """What is wrong when ``name`` should hold one number but holds a text or a container of one."""
    if _is_number(value):
        return None
    if isinstance(value, str):
        return f"`{name}` is the text {value!r}; store the number itself (no quotes)."
    if isinstance(value, (bool, np.bool_)):
        return f"`{name}` is {value}, a yes/no value; store a number."
    if hasattr(value, "shape") or isinstance(value, (list, tuple, set, dict)):
        kind = type(value).__name__
        return (
            f"`{name}` is of type {kind} (holding {np.size(value)} value(s)), not one number: take the single "
            f"value out, e.g. with .item(), float(...) or an index."
        )
    return None


def _fetch(namespace, *names):
    """The notebook variables ``names``, or None (saying which are missing) if any is not there."""
    missing = [name for name in names if name not in namespace]
    if missing and _strict:
        raise AssertionError(f"no variable {', '.join(f'`{name}`' for name in missing)}: the exercise is not done.")
    for name in missing:
        print(f"Not answered yet: there is no variable `{name}` (write your solution in the cell above and run it).")
    if missing:
        return None
    homemade = [name for name in names if _defined_in_the_notebook(namespace[name])]
    masked = [name for name in names if _masked(namespace[name])]
    if homemade or masked:  # objects that could answer "equal" (or "not different") to anything
        what = "an object of a class defined in this notebook" if homemade else "a masked array"
        message = f"`{(homemade or masked)[0]}` is {what}; the answer is a number, an array, a table or a text."
        if _strict:
            raise AssertionError(message)
        print("Not yet: " + message)
        return None
    quoted = [name for name in names if isinstance(namespace[name], str) and _parses_as_number(namespace[name])]
    if quoted:  # no answer is a number written as text
        message = f"`{quoted[0]}` is the text {namespace[quoted[0]]!r}; store the number itself (no quotes)."
        if _strict:
            raise AssertionError(message)
        print("Not yet: " + message)
        return None
    return tuple(namespace[name] for name in names)


def _parses_as_number(text) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _with_items(value) -> list:
    """value, and the items of a list, tuple or dict it is (a dict's keys and values)."""
    if isinstance(value, dict):
        return [value, *value.values(), *value]
    return [value, *value] if isinstance(value, (list, tuple)) else [value]


def _defined_in_the_notebook(value) -> bool:
    """Is value (or an item of a list, tuple or dict it holds) of a class defined in __main__?"""
    return any(cls.__module__ == "__main__" for item in _with_items(value) for cls in type(item).__mro__)


def _masked(value) -> bool:
    """Is value (or an item of a list, tuple or dict it holds) a numpy masked array, such as np.ma.masked?"""
    return any(isinstance(item, np.ma.MaskedArray) for item in _with_items(value))


@functools.lru_cache(maxsize=1)
def _lecture_fit():
    """The lessons' fit of the lecture's example (K = 3, 30 runs, seed 123), made again here once
    (answers cannot change it): (X, fit)."""
    from ..datasets import lecture_example
    from ..fit import nmf

    X = lecture_example().X
    return X, nmf(X, 3, "brunet", nrun=30, seed=123)


def answered(namespace, *names) -> bool:
    """Are the notebook variables ``names`` all there? If not, say which are missing (an
    assignment's visible check runs only when they are, so an unanswered notebook still runs)."""
    return _fetch(namespace, *names) is not None


def _same_array(answer, expected, **tolerance) -> bool:
    """Does the answer have the expected shape and (up to rounding) the expected values?"""
    answer = np.asarray(answer, dtype=float)
    return answer.shape == expected.shape and bool(np.allclose(answer, expected, **tolerance))
