"""Every public function documents its parameters and what it returns, in numpydoc layout.

Checked: the functions in ``nmfteach.__all__`` (modules, classes and constants skipped), those in
``nmfteach.plotting.__all__`` and ``nmfteach.widgets.__all__``, and the public methods and
properties of ``NMFResult`` and ``widgets.Explorer`` (a property needs only ``Returns``). A
section is its title on a line of its own, then a line of dashes of the same length.
"""

import inspect

import pytest

import nmfteach as nt
from nmfteach import plotting, widgets

SKIPPED_KINDS = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)


def _functions(module):
    """(id, function) for each function in ``module.__all__``."""
    found = []
    for name in module.__all__:
        obj = getattr(module, name)
        if inspect.isfunction(obj):
            found.append((f"{module.__name__}.{name}", obj))
    return found


def _members(cls):
    """(id, function, is_property) for each public method and property defined by ``cls``."""
    found = []
    for name, obj in vars(cls).items():
        if name.startswith("_"):
            continue
        if isinstance(obj, property):
            found.append((f"{cls.__name__}.{name}", obj.fget, True))
        elif inspect.isfunction(obj):
            found.append((f"{cls.__name__}.{name}", obj, False))
    return found


FUNCTIONS = [(name, function, False) for module in (nt, plotting, widgets) for name, function in _functions(module)]
FUNCTIONS += _members(nt.NMFResult) + _members(widgets.Explorer)


def _has_section(doc: str, title: str) -> bool:
    lines = doc.splitlines()
    return any(line == title and below == "-" * len(title) for line, below in zip(lines, lines[1:]))


def _takes_parameters(function) -> bool:
    parameters = inspect.signature(function).parameters.values()
    return any(p.name != "self" and p.kind not in SKIPPED_KINDS for p in parameters)


def test_the_list_is_complete():
    names = {name for name, _, _ in FUNCTIONS}
    assert {"nmfteach.nmf", "nmfteach.initialize", "nmfteach.plotting.basis_map", "nmfteach.widgets.slider"} <= names
    assert {"NMFResult.predict", "NMFResult.summary", "NMFResult.nrun", "NMFResult.smoothing"} <= names
    assert len(names) == len(FUNCTIONS)


@pytest.mark.parametrize(("name", "function", "is_property"), FUNCTIONS, ids=[name for name, _, _ in FUNCTIONS])
def test_docstring_has_numpydoc_sections(name, function, is_property):
    doc = inspect.getdoc(function)
    assert doc, f"{name} has no docstring"
    if not is_property and _takes_parameters(function):
        assert _has_section(doc, "Parameters"), f"{name}: no 'Parameters' section (title, then a line of dashes)"
    assert _has_section(doc, "Returns"), f"{name}: no 'Returns' section (title, then a line of dashes)"
