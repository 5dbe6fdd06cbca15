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
    if missing:
        return None
    homemade = [name for name in names if _defined_in_the_notebook(namespace[name])]
    if homemade:  # an object of a class made in the notebook could answer "equal" to anything
        message = (
            f"`{homemade[0]}` is an object of a class defined in this notebook; the answer is a number, "
            f"an array, a table or a text."
        )
        if _strict:
            raise AssertionError(message)
        print("Not yet: " + message)
        return None
    return tuple(namespace[name] for name in names)


def _defined_in_the_notebook(value) -> bool:
    """Is value (or an item of a list, tuple or dict it holds) of a class defined in __main__?"""
    items = (
        list(value.values()) + list(value)
        if isinstance(value, dict)
        else (list(value) if isinstance(value, (list, tuple)) else [])
    )
    return any(cls.__module__ == "__main__" for cls in type(value).__mro__) or any(
        any(cls.__module__ == "__main__" for cls in type(item).__mro__) for item in items
    )


def answered(namespace, *names) -> bool:
    """Are the notebook variables ``names`` all there? If not, say which are missing (an
    assignment's visible check runs only when they are, so an unanswered notebook still runs)."""
    return _fetch(namespace, *names) is not None


def _same_array(answer, expected, **tolerance) -> bool:
    """Does the answer have the expected shape and (up to rounding) the expected values?"""
    answer = np.asarray(answer, dtype=float)
    return answer.shape == expected.shape and bool(np.allclose(answer, expected, **tolerance))


# Names that reach code other than the answer's own: nmfteach, and the ways to import or run code by name.
_DYNAMIC = frozenset(
    {
        "nmfteach",
        "__import__",
        "importlib",
        "eval",
        "exec",
        "compile",
        "sys",
        "modules",
        "builtins",
        "__builtins__",
        "globals",
        "vars",
        "getattr",
        "__dict__",
        "__globals__",
        "textbook",
        "_kernels",
    }
)


def _reaches_nmfteach(value) -> bool:
    """Is ``value`` nmfteach, a part of it, or something wrapping a part of it (a partial, a bound method)?"""
    for candidate in (value, getattr(value, "func", None), getattr(value, "__func__", None)):
        if candidate is None:
            continue
        module = candidate.__name__ if isinstance(candidate, type(np)) else getattr(candidate, "__module__", None)
        if isinstance(module, str) and module.split(".")[0] == "nmfteach":
            return True
        if isinstance(getattr(type(candidate), "__module__", None), str) and type(candidate).__module__.startswith(
            "nmfteach"
        ):
            return True
    return False


def nmfteach_names(function) -> list[str]:
    """The names by which ``function`` (or a notebook function or class it uses) reaches nmfteach.

    Reads the compiled code, not the text, so comments and docstrings that mention nmfteach do
    not count, while an alias (``import nmfteach as np2``), a default argument, a closure, a
    helper function or a dynamic import (``__import__``, ``importlib``, ``eval``) does.

    Parameters
    ----------
    function : callable
        A function written in the notebook.

    Returns
    -------
    list of str
        The names found, sorted; empty when the function uses no part of nmfteach.
    """
    found: set[str] = set()
    seen: set[int] = set()

    def visit_value(name, value):
        if _reaches_nmfteach(value):
            found.add(name)
        elif callable(value) and getattr(value, "__module__", None) == "__main__":
            visit_function(value)  # a helper written in the notebook: read it too
        elif getattr(type(value), "__module__", None) == "__main__":
            visit_function(type(value))  # an object of a class written in the notebook

    def visit_code(code, namespace):
        if id(code) in seen:
            return
        seen.add(id(code))
        for name in code.co_names:
            if name in _DYNAMIC:
                found.add(name)
            elif name in namespace:
                visit_value(name, namespace[name])
        for constant in code.co_consts:
            if hasattr(constant, "co_names"):  # a nested function, lambda or comprehension
                visit_code(constant, namespace)

    def visit_function(value):
        if id(value) in seen:
            return
        seen.add(id(value))
        if isinstance(value, type):
            for member in vars(value).values():
                member = getattr(member, "__func__", member)
                if hasattr(member, "__code__"):
                    visit_function(member)
            return
        code = getattr(value, "__code__", None)
        if code is None:
            return
        for default in (*(value.__defaults__ or ()), *(value.__kwdefaults__ or {}).values()):
            visit_value("a default argument", default)
        for cell_name, cell in zip(code.co_freevars, value.__closure__ or ()):
            with contextlib.suppress(ValueError):  # an empty cell
                visit_value(cell_name, cell.cell_contents)
        visit_code(code, getattr(value, "__globals__", {}))

    visit_value(getattr(function, "__name__", "the function"), function)  # it may be nmfteach's own function
    visit_function(function)
    return sorted(found)
