"""Does a student's function use nmfteach? Read its compiled code, and watch it run.

Assignment A1 asks for the update rules written with numpy alone. ``nmfteach_names`` reads
the function's bytecode (not its text: comments and docstrings do not count) and everything it
can reach that was written in the notebook; ``nmfteach_calls`` runs it with a profiler that
records every call into nmfteach, however the function got there.
"""

from __future__ import annotations

import contextlib
import dis
import functools
import sys
import types

# Names that reach code other than the answer's own: nmfteach, and the ways to import or run code by name.
_DYNAMIC = frozenset(
    {"nmfteach", "__import__", "importlib", "eval", "exec", "compile", "sys", "modules", "builtins", "__builtins__",
     "globals", "vars", "getattr", "__dict__", "__globals__", "textbook", "_kernels"}
)  # fmt: skip
_GLOBAL_LOADS = {"LOAD_GLOBAL", "LOAD_NAME", "LOAD_FROM_DICT_OR_GLOBALS"}
_ATTRIBUTE_LOADS = {"LOAD_ATTR", "LOAD_METHOD", "LOAD_SUPER_ATTR"}


def _in_nmfteach(value) -> bool:
    """Is ``value`` nmfteach, one of its modules, or a function, class or object of it?"""
    if isinstance(value, types.ModuleType):
        return value.__name__.split(".")[0] == "nmfteach"
    for module in (getattr(value, "__module__", None), getattr(type(value), "__module__", None)):
        if isinstance(module, str) and module.split(".")[0] == "nmfteach":
            return True
    return False


def nmfteach_names(function) -> list[str]:
    """The names by which ``function`` (or anything of the notebook's it uses) reaches nmfteach.

    Reads the compiled code, not the text, so comments and docstrings that mention nmfteach do
    not count, while an alias (``import nmfteach as np2``), an import inside the function, a
    default argument, a closure, a container (dict, list, partial) holding a part of nmfteach,
    a helper function, or a class or callable object written in the notebook does; so does a
    way to import or run code by name (``__import__``, ``importlib``, ``eval``).

    Parameters
    ----------
    function : callable
        A function (or callable object) written in the notebook.

    Returns
    -------
    list of str
        The names found, sorted; empty when the function uses no part of nmfteach.
    """
    found: set[str] = set()
    seen: set[int] = set()

    def visit_value(name, value, depth=0):
        if depth > 4 or id(value) in seen:
            return
        if _in_nmfteach(value):
            found.add(name)
            return
        seen.add(id(value))
        if isinstance(value, dict):
            for item in [*value.keys(), *value.values()]:
                visit_value(name, item, depth + 1)
        elif isinstance(value, (list, tuple, set, frozenset)):
            for item in value:
                visit_value(name, item, depth + 1)
        elif isinstance(value, functools.partial):
            for item in (value.func, *value.args, *value.keywords.values()):
                visit_value(name, item, depth + 1)
        elif isinstance(value, (staticmethod, classmethod, types.MethodType)):
            visit_value(name, value.__func__, depth + 1)
        elif isinstance(value, types.FunctionType) and value.__module__ == "__main__":
            visit_function(value)  # a helper written in the notebook (numpy's own functions are not read)
        elif isinstance(value, type) and value.__module__ == "__main__":
            for member_name, member in vars(value).items():
                visit_value(f"{name}.{member_name}", member, depth + 1)
        elif getattr(type(value), "__module__", None) == "__main__":  # an object of a class made in the notebook
            visit_value(name, type(value), depth + 1)
            for member_name, member in getattr(value, "__dict__", {}).items():
                visit_value(f"{name}.{member_name}", member, depth + 1)

    def visit_code(code, namespace):
        for instruction in dis.get_instructions(code):
            name = instruction.argval
            if instruction.opname == "IMPORT_NAME" and str(name).split(".")[0] == "nmfteach":
                found.add(str(name))
            elif not isinstance(name, str):
                continue
            elif name in _DYNAMIC:
                found.add(name)
            elif instruction.opname in _GLOBAL_LOADS and name in namespace:
                visit_value(name, namespace[name])
            elif instruction.opname in _GLOBAL_LOADS and name == "__builtins__":
                found.add(name)
        for constant in code.co_consts:
            if isinstance(constant, types.CodeType):  # a nested function, lambda or comprehension
                visit_code(constant, namespace)

    def visit_function(value):
        code = value.__code__
        for default in (*(value.__defaults__ or ()), *(value.__kwdefaults__ or {}).values()):
            visit_value("a default argument", default)
        for cell_name, cell in zip(code.co_freevars, value.__closure__ or ()):
            with contextlib.suppress(ValueError):  # an empty cell
                visit_value(cell_name, cell.cell_contents)
        visit_code(code, value.__globals__)

    visit_value(getattr(function, "__name__", "the function"), function)
    return sorted(found)


def nmfteach_calls(function, *args, **kwargs):
    """Call ``function(*args, **kwargs)`` and list the nmfteach functions it called, however it reached them.

    Parameters
    ----------
    function : callable
        A function written in the notebook.
    *args, **kwargs
        Its arguments.

    Returns
    -------
    result : object
        What the function returned.
    called : list of str
        The nmfteach functions called during the call (``module.function``), sorted; empty when none.
    """
    called: set[str] = set()

    def watch(frame, event, arg):
        if event == "call":
            module = frame.f_globals.get("__name__", "")
            if isinstance(module, str) and module.split(".")[0] == "nmfteach":
                called.add(f"{module}.{frame.f_code.co_name}")

    previous = sys.getprofile()
    sys.setprofile(watch)
    try:
        result = function(*args, **kwargs)
    finally:
        sys.setprofile(previous)
    return result, sorted(called)
