"""The autograder: a filled-in student notebook run with the instructor's tests, in a way the
submission's own cells cannot easily fool.

What it does (README, "For instructors", says the same for teachers):

- **Rebuilds the notebook from the instructor version.** Every cell, its type and metadata come
  from the instructor copy (read into memory before anything runs); the student's notebook only
  supplies the answers: the instructor's solution cells, matched by nbgrader ``grade_id`` (or by
  position when a tool stripped the metadata). Test cells turned into Markdown, test cells marked
  as solutions, or edited tests therefore change nothing.
- **Screens answers** before running them: an answer that reads files, runs code it builds,
  starts processes, reaches into the interpreter or IPython, or changes a library's attributes
  (``exec``, ``open``, ``get_ipython``, ``import os``, ``np.allclose = ...``, ``setattr``, ...)
  is refused and scores 0 for its question.
- **Guards the kernel.** A first cell, before any answer, installs a Python audit hook (it cannot
  be removed) that refuses to open the instructor material or to write into the course or the
  package, and refuses new processes. Before each test a guard cell resets IPython's hooks
  (input transformers, custom exception handlers), re-imports numpy, pandas and nmfteach and prints a
  fingerprint of their functions, compared outside the kernel with the one taken before the
  answers ran.
- **Passes a test only when its cell ran to the end**: the last line of each test prints a
  marker with a secret drawn for this grading, and the cell's execute reply must say "ok". Both
  are read outside the kernel, from the messages it sends.
- **Always reports.** Per-cell and total time limits (the question running when one is hit
  scores 0, those after it are "not run", earlier points are kept); a kernel that dies (e.g.
  ``os._exit``) keeps the points earned before; a file that is not a notebook gets a report
  saying so; output is capped per cell. Afterwards the instructor notebooks and the package
  are compared with their state before the run; anything changed is restored and the
  submission scores 0.

What still needs a sandbox: code written to defeat these checks from inside the kernel (with
ctypes, or by imitating the guard's output) can; the student's code runs with the grader's
permissions. Grade submissions you do not trust in a throwaway account, container or VM.
"""

from __future__ import annotations

import ast
import json
import re
import secrets
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import pandas as pd
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

TOOLS = Path(__file__).resolve().parent
ROOT = TOOLS.parent
sys.path.insert(0, str(TOOLS))
from classroom import is_lesson, notebooks, student_version, without_claims  # noqa: E402

CELL_TIMEOUT, TOTAL_TIMEOUT = 120, 1200  # seconds, unless the command line says otherwise
MAX_OUTPUT = 500_000  # characters kept per cell
MAX_ANSWER = 20_000  # characters in one answer cell
FORBIDDEN_NAMES = {"exec", "eval", "compile", "open", "__import__", "get_ipython", "breakpoint", "input", "setattr",
                   "delattr", "getattr", "globals", "locals", "vars", "memoryview", "__builtins__",
                   "__loader__", "__spec__"}  # fmt: skip
FORBIDDEN_MODULES = {"os", "sys", "subprocess", "importlib", "ctypes", "gc", "builtins", "IPython", "nbformat",
                     "nbclient", "pathlib", "shutil", "socket", "inspect", "io", "pickle", "marshal", "types",
                     "signal", "threading", "multiprocessing", "unittest", "tools", "classroom", "grader",
                     "__main__"}  # fmt: skip
FORBIDDEN_ATTRIBUTES = {"__code__", "__globals__", "__builtins__", "__dict__", "__class__", "__subclasses__",
                        "__getattribute__", "__closure__", "f_globals", "f_locals", "f_back", "gi_frame",
                        "__self__", "__func__", "__wrapped__", "__mro__", "__bases__", "__base__", "__defaults__",
                        "__kwdefaults__", "__array_function__",
                        "__array_ufunc__", "os", "sys", "signal", "threading", "subprocess", "multiprocessing",
                        "importlib", "ctypes", "gc", "builtins", "modules", "shutil", "io", "pathlib",
                        "inspect", "_kernels", "workers"}  # fmt: skip
LIBRARIES = {"np", "numpy", "nt", "nmfteach", "pd", "pandas", "plt", "matplotlib", "scipy", "sp", "math"}
IMPORTED_AS = {  # the modules each library name may stand for
    "np": ("numpy",),
    "numpy": ("numpy",),
    "nt": ("nmfteach",),
    "nmfteach": ("nmfteach",),
    "pd": ("pandas",),
    "pandas": ("pandas",),
    "plt": ("matplotlib.pyplot",),
    "matplotlib": ("matplotlib",),
    "scipy": ("scipy",),
    "sp": ("scipy", "scipy.sparse"),
    "math": ("math",),
}


def grade(notebook_path, source=None, cell_timeout=CELL_TIMEOUT, total_timeout=TOTAL_TIMEOUT, screen=True):
    """Grade a filled-in student notebook; one row per graded cell of the instructor version:
    grade_id, kind ("auto": a test cell, "manual": a written answer to grade by hand), points
    (NaN for manual), max_points and status. ``screen=False`` runs refused answers anyway (only
    for testing the kernel guards)."""
    notebook_path = Path(notebook_path)
    source = Path(source) if source is not None else _instructor_source(notebook_path)
    instructor = nbformat.read(source, as_version=4)  # in memory before any student code runs
    expected = {c.metadata["nbgrader"]["grade_id"]: c for c in instructor.cells if _nbgrader(c).get("grade")}
    report = _Report(expected)
    try:
        submitted = nbformat.reads(notebook_path.read_text(encoding="utf-8"), as_version=4)
        if not isinstance(submitted.get("cells"), list):
            raise ValueError("it has no list of cells")
    except Exception as error:  # invalid JSON, an empty file, {} ...: a report, not a traceback
        report.all_auto(f"not graded: {notebook_path.name} is not a readable notebook ({_short(error)})")
        return report.table()
    try:
        answers, how, notes = _answers(submitted, instructor, lesson=is_lesson(source))
    except Exception as error:
        report.all_auto(f"not graded: {notebook_path.name} is not a readable notebook ({_short(error)})")
        return report.table()
    refusals = {gid: why for gid, code in answers.items() if screen and (why := _screen(code))}
    secret = secrets.token_hex(8)
    runnable, tests = _build(instructor, answers, refusals, secret, how)
    snapshot = _snapshot(source)
    outcome = _execute(runnable, cell_timeout, total_timeout, secret, source)
    changed = _restore(snapshot)
    for grade_id, cell in expected.items():
        meta = _nbgrader(cell)
        if cell.cell_type == "markdown" and meta.get("solution"):
            note = f" (note: {notes[grade_id]})" if grade_id in notes else ""
            report.manual(grade_id, "grade by hand (rubric in the instructor version)" + note)
        elif changed:
            report.auto(grade_id, False, f"not graded: the submission changed {', '.join(changed)} (restored)")
        else:
            passed, status = _verdict(grade_id, tests, outcome, refusals, answers, how)
            odd = [notes[gid] for gid, _ in tests[grade_id][2] if gid in notes]
            report.auto(grade_id, passed, status + "".join(f" (note: {note})" for note in odd))
    return report.table()


class _Report:
    def __init__(self, expected):
        self.expected, self.rows = expected, {}

    def _points(self, grade_id):
        return float(_nbgrader(self.expected[grade_id]).get("points", 0))

    def auto(self, grade_id, passed, status):
        self.rows[grade_id] = (grade_id, "auto", self._points(grade_id) if passed else 0.0, self._points(grade_id),
                               status[:300])  # fmt: skip

    def manual(self, grade_id, status):
        self.rows[grade_id] = (grade_id, "manual", float("nan"), self._points(grade_id), status)

    def all_auto(self, status):
        for grade_id, cell in self.expected.items():
            if cell.cell_type == "markdown" and _nbgrader(cell).get("solution"):
                self.manual(grade_id, status)
            else:
                self.auto(grade_id, False, status)

    def table(self):
        rows = [self.rows[grade_id] for grade_id in self.expected]
        columns = ["grade_id", "kind", "points", "max_points", "status"]
        return pd.DataFrame(rows, columns=columns).set_index("grade_id")


def _nbgrader(cell):
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return meta if isinstance(meta, dict) else {}


def _short(error):
    return f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"[:160]


def _instructor_source(student_path):
    """The instructor notebook with the same file name as a student notebook."""
    matches = [path for path in notebooks() if path.name == Path(student_path).name]
    if not matches:
        raise FileNotFoundError(
            f"no instructor notebook named {Path(student_path).name} under {ROOT / 'lessons'}; "
            f"pass source= (or --source) with the instructor version."
        )
    return matches[0]


# -- answers ---------------------------------------------------------------------------------------


def _answers(submitted, instructor, lesson=False):
    """grade_id -> the student's source for each of the instructor's solution cells, how they
    were found ("id", or "position" when the nbgrader metadata was stripped, or "none"), and notes
    {grade_id: what was odd about that answer} (a grade_id used by several cells)."""
    wanted = [c for c in instructor.cells if _nbgrader(c).get("solution")]
    by_id, copies = {}, {}
    for cell in submitted.cells:
        grade_id = _nbgrader(cell).get("grade_id") if isinstance(cell, dict) else None
        if isinstance(grade_id, str) and isinstance(cell.get("source"), str):
            copies[grade_id] = copies.get(grade_id, 0) + 1
            by_id[grade_id] = cell["source"]  # the last copy: the one in effect after Run All
    notes = {gid: f"the submission has {n} cells marked {gid}; the last one was graded"
             for gid, n in copies.items() if n > 1}  # fmt: skip
    matched = {gid: by_id[gid] for c in wanted if (gid := _nbgrader(c)["grade_id"]) in by_id}
    if matched:
        return matched, "id", notes
    layout = student_version(instructor, lesson=lesson).cells  # what a student version has
    cells = submitted.cells
    if len(cells) == len(layout) and all(
        isinstance(a, dict) and a.get("cell_type") == b.cell_type for a, b in zip(cells, layout)
    ):
        answers = {_nbgrader(b)["grade_id"]: a.get("source", "") for a, b in zip(cells, layout)
                   if _nbgrader(b).get("solution")}  # fmt: skip
        return {gid: code for gid, code in answers.items() if isinstance(code, str)}, "position", notes
    return {}, "none", notes


def _screen(code):
    """Why an answer may not run, or None. Answers compute with numpy, pandas and nmfteach; they do
    not read files, build and run code, start processes, change objects they did not make or
    change libraries."""
    if not isinstance(code, str):
        return "is not text"
    if len(code) > MAX_ANSWER:
        return f"is longer than {MAX_ANSWER:,} characters"
    try:
        return _screen_tree(code)
    except Exception as error:  # whatever it is, it is not an answer the grader can vouch for
        return f"could not be checked ({type(error).__name__})"


def _screen_tree(code):
    from IPython.core.inputtransformer2 import TransformerManager

    source = TransformerManager().transform_cell(code)  # as the kernel will run it: %magics become calls
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None  # the kernel cannot run it either: it fails on its own, with its own message
    if builtin := _builtin_used(source):
        return f"uses {builtin}"
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in FORBIDDEN_ATTRIBUTES:
            return f"uses .{node.attr}"
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
            bad = [name for name in names if name.split(".")[0] in FORBIDDEN_MODULES]
            if bad:
                return f"imports {bad[0]}"
        targets = list(node.targets) if isinstance(node, (ast.Assign, ast.Delete)) else []
        targets += [node.target] if isinstance(node, (ast.AugAssign, ast.AnnAssign, ast.For)) else []
        for target in targets:
            if changed := _changes_a_library(target):
                return f"changes {changed} (answers may change their own tables and arrays, not libraries)"
    for node in _module_level(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Name) and node.value.id in LIBRARIES:
            return f"gives the library {node.value.id} a second name: use {node.value.id} itself"
        if rebound := _rebinds_a_library(node):
            return f"gives the name {rebound} to something else (np, pd, nt, ... stay the libraries)"
        if (bound := _bound_name(node)) and bound.startswith("_") and bound != "_":
            return f"binds {bound} (names starting with _ belong to the grader's tests)"
    return None


def _builtin_used(source):
    """A forbidden builtin (open, eval, ...) the code refers to, or None. A name the answer binds
    itself (a parameter called input, say) is its own, not the builtin."""
    import symtable

    top = symtable.symtable(source, "<answer>", "exec")
    own = {symbol.get_name() for symbol in top.get_symbols() if symbol.is_local()}  # bound at module level
    tables = [top]
    while tables:
        table = tables.pop()
        tables.extend(table.get_children())
        for symbol in table.get_symbols():
            name = symbol.get_name()
            if name in FORBIDDEN_NAMES and symbol.is_referenced() and symbol.is_global() and name not in own:
                return name
    return None


def _changes_a_library(target):
    """What an assignment target changes that the answer may not (an attribute of a library or of
    something it cannot name), or None. ``table.columns = ...`` and ``df.loc[i, j] = v`` are fine."""
    part, attributes = target, []
    while isinstance(part, (ast.Attribute, ast.Subscript, ast.Starred)):
        if isinstance(part, ast.Attribute):
            attributes.append(part.attr)
        part = part.value
    if not attributes:
        return None
    if not isinstance(part, ast.Name):
        return f"an attribute ({attributes[-1]}) of an object it did not name"
    if part.id in LIBRARIES:
        return f"{part.id}.{'.'.join(reversed(attributes))}"
    if any(attribute.startswith("__") for attribute in attributes):
        return f"{part.id}.{attributes[-1]}"
    return None


def _module_level(tree):
    """The nodes that bind names in the notebook's namespace: not inside a function, lambda or
    class body, nor a comprehension (except its := targets, which bind outside it)."""
    scopes = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
    comprehensions = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
    stack = list(tree.body)
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, scopes):
            continue  # its name is bound here (yielded), its body is not
        if isinstance(node, comprehensions):
            yield from (n.target for n in ast.walk(node) if isinstance(n, ast.NamedExpr))
            continue
        stack.extend(ast.iter_child_nodes(node))


def _bound_name(node):
    """The name a module-level node binds, or None."""
    if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
        return node.id
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return node.name
    if isinstance(node, (ast.ExceptHandler, ast.MatchAs, ast.MatchStar)):
        return node.name
    return None


def _rebinds_a_library(node):
    """The library name (np, pd, nt, ...) that a module-level ``node`` binds to something other than its library."""
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        for alias in node.names:
            if isinstance(node, ast.Import):
                bound = alias.asname or alias.name.split(".")[0]
                module = alias.name if alias.asname else alias.name.split(".")[0]
            else:
                bound, module = alias.asname or alias.name, f"{node.module}.{alias.name}"
            if bound in LIBRARIES and module not in IMPORTED_AS[bound]:
                return bound
        return None
    bound = _bound_name(node)
    return bound if bound in LIBRARIES else None


# -- the notebook that runs ------------------------------------------------------------------------


def _build(instructor, answers, refusals, secret, how="id"):
    """The instructor's cells (claims left out) with the student's answers, a setup cell first,
    a guard before every test and a marker at the end of every test. Returns the notebook and
    {grade_id: (guard index, test index, [(answer grade_id, its cell index) since the previous test])}."""
    missing = (
        "no answer: the submission's cells carry none of this assignment's grade ids and do not line up with its cells "
        "(was it made from another notebook, or did an editor remove the cells' metadata?)"
        if how == "none"
        else "no answer: no cell of the submission carries the grade id GRADE_ID (was the answer cell deleted and "
        "made again? answer in the cell the notebook gave you)"
    )
    cells, tests, since_last_test = [_code(SETUP.replace("SECRET", secret))], {}, []
    for cell in without_claims(instructor.cells):
        meta, cell = _nbgrader(cell), nbformat.from_dict(json.loads(json.dumps(cell)))
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        if meta.get("solution") and cell.cell_type == "code":
            grade_id = meta["grade_id"]
            since_last_test.append((grade_id, len(cells)))
            if grade_id in refusals:
                cell.source = f"raise RuntimeError('refused by the grader: this answer {refusals[grade_id]}')"
            elif grade_id in answers:
                cell.source = answers[grade_id]
            else:
                cell.source = f"raise NotImplementedError({missing.replace('GRADE_ID', grade_id)!r})"
        elif meta.get("grade") and cell.cell_type == "code":
            tests[meta["grade_id"]] = (len(cells), len(cells) + 1, since_last_test)
            since_last_test = []
            cells.append(_code(GUARD.replace("GRADE_ID", meta["grade_id"]).replace("SECRET", secret)))
            cell.source = f"{cell.source.rstrip()}\nprint('nmfteach-grader-pass {meta['grade_id']} {secret}')"
        cells.append(cell)
    runnable = nbformat.v4.new_notebook(cells=cells, metadata=instructor.metadata)
    return runnable, tests


def _code(source):
    return nbformat.v4.new_code_cell(source)


FINGERPRINT = """
def _nmfteach_grader_fingerprint():
    import builtins, sys, types
    items = []
    for name in MODULES:  # every object numpy's, pandas' and nmfteach's modules hold (submodules aside)
        module = sys.modules.get(name)
        for key, value in sorted(vars(module).items()) if module is not None else ():
            if key.startswith("__") or isinstance(value, types.ModuleType):
                continue
            code = getattr(value, "__code__", None)
            items.append((name, key, id(value), id(code), id(getattr(value, "__defaults__", None))))
            if isinstance(value, type) and value.__module__.split(".")[0] in ("pandas", "nmfteach"):
                members = sorted((k, id(v)) for k, v in vars(value).items() if k != "__slotnames__")  # (pickle's cache)
                items.append(tuple(members))  # its methods too
    for key in ("all", "any", "abs", "len", "isinstance", "print", "hash", "sorted", "round", "min", "max", "sum"):
        value = getattr(builtins, key)
        items.append((key, type(value) is types.BuiltinFunctionType and value.__name__ == key))
    return hash(tuple(items))
"""
SETUP = (
    "# the grader's setup (not part of the assignment)\n"
    "import numpy as np\nimport numpy.linalg, numpy.testing\nimport nmfteach as nt\nimport nmfteach.selfcheck\n"
    "from nmfteach import workers as _workers\n_workers._blas_controller()  # before the hook: it opens libraries\n"
    + FINGERPRINT
    + """
def _nmfteach_grader_hook(protected, no_read):
    import os, sys

    def inside(path, folders):
        path = os.path.realpath(os.fsdecode(path))
        return any(path == f or path.startswith(f + os.sep) for f in folders)

    writing = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC
    changes = {"os.remove", "os.rename", "os.replace", "os.truncate", "os.chmod", "os.chown", "os.symlink",
               "os.link", "os.rmdir", "os.utime", "shutil.rmtree", "shutil.move", "shutil.copyfile", "os.mkdir"}
    refused = {"subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "os.startfile",
               "gc.get_objects", "gc.get_referrers", "gc.get_referents", "sys.addaudithook", "os.killpg"}
    parent = os.getppid()

    def hook(event, args):
        if event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
            mode, flags = args[1], args[2]
            write = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                isinstance(flags, int) and flags & writing)
            folder = os.path.isdir(args[0]) and inside(args[0], protected + no_read)  # a handle for relative opens
            if inside(args[0], no_read) or (write and inside(args[0], protected)) or folder:
                raise PermissionError(f"the grader does not let answers open {os.fsdecode(args[0])}")
        elif event == "os.kill" and (args[0] in (parent, 0) or args[0] < 0):
            raise PermissionError("the grader does not let answers signal the grader")
        elif event in changes and any(isinstance(a, (str, bytes, os.PathLike)) and inside(a, protected)
                                      for a in args):
            raise PermissionError(f"the grader does not let answers change {args[0]}")
        elif event in refused:
            raise PermissionError(f"the grader does not let answers use {event}")

    sys.addaudithook(hook)


_nmfteach_grader_hook(PROTECTED, NO_READ)
del _nmfteach_grader_hook
print("nmfteach-grader-setup", _nmfteach_grader_fingerprint(), "SECRET")
del _nmfteach_grader_fingerprint
"""
)
GUARD = (
    "# the grader's check before the test (not part of the assignment)\n"
    "OVERRIDABLE = {'transform_cell', 'run_cell', 'run_cell_async', 'run_code', 'run_ast_nodes', 'showtraceback',\n"
    "               '_showtraceback', 'should_run_async', 'run_line_magic', 'run_cell_magic', 'CustomTB'}\n"
    + FINGERPRINT
    + """
def _nmfteach_grader_reset():
    import builtins
    from IPython.core.inputtransformer2 import TransformerManager
    shell = get_ipython()
    shell.custom_exceptions = ()
    shell.input_transformer_manager.cleanup_transforms = TransformerManager().cleanup_transforms
    shell.input_transformer_manager.line_transforms = TransformerManager().line_transforms
    shell.input_transformers_post = []
    shell.ast_transformers = []
    for name in [n for n, v in vars(shell).items() if callable(v) and n in OVERRIDABLE]:
        delattr(shell, name)  # the class's own way of running cells and showing errors, not a replacement
    for name in [n for n in list(globals()) if not n.startswith("_") and hasattr(builtins, n)]:
        del globals()[name]  # answers' names that hide a builtin (all, sum, ...)


_nmfteach_grader_reset()
import numpy as np
import pandas as pd
import nmfteach as nt
print("nmfteach-grader-guard GRADE_ID", _nmfteach_grader_fingerprint(), "SECRET")
del _nmfteach_grader_reset, _nmfteach_grader_fingerprint, OVERRIDABLE
"""
)


# -- running it ------------------------------------------------------------------------------------


class _GradingClient(NotebookClient):
    """nbclient with output capped per cell, and every stdout line and execute reply recorded
    as the kernel sends them (read here, outside the kernel)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.stdout, self.replies, self.size = {}, {}, {}

    def output(self, outs, msg, display_id, cell_index):
        content = msg.get("content", {})
        if msg.get("msg_type") == "stream" and content.get("name") == "stdout":
            self.stdout[cell_index] = self.stdout.get(cell_index, "")[-2000:] + content.get("text", "")
        size = len(json.dumps(content))
        self.size[cell_index] = self.size.get(cell_index, 0) + size
        if self.size[cell_index] > MAX_OUTPUT:
            return None  # dropped: the cell printed more than the grader keeps
        return super().output(outs, msg, display_id, cell_index)


def _execute(notebook, cell_timeout, total_timeout, secret, source):
    """Run the cells in order, in a scratch folder; returns what happened to each cell."""
    protected = sorted({str(ROOT.resolve()), str(Path(source).resolve().parent)})
    no_read = sorted({str((ROOT / "lessons").resolve()), str(Path(source).resolve().parent)})
    notebook.cells[0].source = (
        notebook.cells[0].source.replace("PROTECTED", repr(protected)).replace("NO_READ", repr(no_read))
    )
    modules = _fingerprinted_modules()
    for cell in notebook.cells:
        if cell.cell_type == "code" and cell.source.startswith("# the grader's"):
            cell.source = cell.source.replace("MODULES", repr(modules))
    outcome = {"stopped": None, "stopped_at": None}
    with tempfile.TemporaryDirectory(prefix="nmfteach-grade-") as scratch:
        client = _GradingClient(
            notebook,
            timeout=cell_timeout,
            kernel_name="python3",
            allow_errors=True,
            interrupt_on_timeout=True,
            error_on_timeout={"ename": "TimeoutError", "evalue": f"the cell ran longer than {cell_timeout} s"},
            resources={"metadata": {"path": scratch}},
        )
        client.on_cell_executed = lambda cell, cell_index, execute_reply: client.replies.__setitem__(
            cell_index, (execute_reply or {}).get("content", {})
        )
        deadline, index = time.monotonic() + total_timeout, 0
        try:
            with client.setup_kernel(env=_kernel_environment(scratch)):
                for index, cell in enumerate(notebook.cells):
                    if cell.cell_type != "code":
                        continue
                    if time.monotonic() > deadline:
                        outcome.update(
                            stopped=f"the total time limit ({total_timeout} s) was reached", stopped_at=index
                        )
                        break
                    client.execute_cell(cell, index)
        except DeadKernelError:
            outcome.update(stopped="the kernel died (an answer ended the Python process?)", stopped_at=index)
        except CellTimeoutError:
            outcome.update(stopped=f"a cell could not be stopped after {cell_timeout} s", stopped_at=index)
    outcome.update(stdout=client.stdout, replies=client.replies, secret=secret)
    return outcome


def _kernel_environment(scratch):
    """The grader's environment, with IPython's settings (and startup files) in the scratch folder, so
    that an answer cannot leave a startup file behind for the next grading."""
    import os

    env = dict(os.environ)
    env["IPYTHONDIR"] = str(Path(scratch) / "ipython")
    return env


PANDAS_MODULES = ("pandas", "pandas.core.generic", "pandas.core.frame", "pandas.core.series",
                  "pandas.core.indexes.base")  # fmt: skip


def _fingerprinted_modules():
    """The modules whose functions the guard fingerprints: numpy's and nmfteach's as the setup
    cell imports them (found in a fresh interpreter of the same environment), and pandas' main ones."""
    import subprocess

    code = (
        "import sys, numpy, numpy.linalg, numpy.testing, nmfteach, nmfteach.selfcheck, nmfteach.workers\n"
        "print(*sorted(m for m in sys.modules if m.split('.')[0] in ('numpy', 'nmfteach')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return done.stdout.split() + list(PANDAS_MODULES)  # and pandas' tables (their classes' methods included)


def _verdict(grade_id, tests, outcome, refusals, answers, how):
    """(passed, status) for one test, from what the kernel sent."""
    guard, test, answered_here = tests[grade_id]
    stopped_at = outcome["stopped_at"]
    if stopped_at is not None and stopped_at <= test:
        return False, (f"failed: {outcome['stopped']}" if stopped_at in (guard, test) else
                       f"not run: {outcome['stopped']} before this question")  # fmt: skip
    for gid, _ in answered_here:  # a refused answer fails the test that follows it
        if gid in refusals:
            return False, f"refused by the grader: the answer ({gid}) {refusals[gid]}"
    reply = outcome["replies"].get(test, {})
    if outcome["replies"].get(guard, {}).get("ename") == "TimeoutError" or reply.get("ename") == "TimeoutError":
        return False, "failed: timed out (this test, or an earlier cell still running, passed the cell time limit)"
    secret = outcome["secret"]
    setup = _printed(outcome["stdout"].get(0, ""), "nmfteach-grader-setup", secret)
    check = _printed(outcome["stdout"].get(guard, ""), f"nmfteach-grader-guard {grade_id}", secret)
    if setup is None or check is None:
        return False, "failed: the grader's check before this test did not run (the notebook changed how cells run)"
    if check != setup:
        return False, "failed: numpy, nmfteach or IPython was changed by the notebook (the grader's check)"
    if reply.get("status") == "error":
        failed = f"failed: {reply.get('ename', 'error')}: {reply.get('evalue', '')}".strip()
        for gid, index in answered_here:  # say first why the answer itself did not run (a SyntaxError, ...)
            own = outcome["replies"].get(index, {})
            if own.get("status") == "error":
                evalue = re.sub(r"\(\S+\.py, line (\d+)\)", r"(line \1 of the answer)", own.get("evalue", ""))
                if evalue.startswith("no answer"):  # the grader's placeholder, not the student's code
                    return False, f"{evalue} ({gid}); {failed}"
                return False, f"your answer ({gid}) raised {own.get('ename', 'an error')}: {evalue}; {failed}"
        return False, failed
    if f"nmfteach-grader-pass {grade_id} {secret}" not in outcome["stdout"].get(test, ""):
        return False, "failed: the test did not run to its end"
    if how == "position":
        return True, "passed (answers matched by position: the notebook's nbgrader metadata was removed)"
    return True, "passed"


def _printed(text, prefix, secret):
    """The value a grader line printed (``prefix value secret``), or None."""
    for line in text.splitlines():
        parts = line.split()
        if line.startswith(prefix) and len(parts) >= 3 and parts[-1] == secret:
            return parts[-2]
    return None


# -- the course's own files ------------------------------------------------------------------------


def _snapshot(source):
    """The bytes of the instructor notebooks and the package's source, before the run."""
    paths = set(notebooks()) | {Path(source).resolve()} | set((ROOT / "nmfteach").rglob("*.py"))
    paths |= set((ROOT / "tools").glob("*.py")) | {ROOT / name for name in ("course.py", "pyproject.toml")}
    return {path: path.read_bytes() for path in paths if path.is_file()}


def _restore(snapshot):
    """Put back anything the run changed; return the changed files' names."""
    changed = []
    for path, data in snapshot.items():
        if not path.is_file() or path.read_bytes() != data:
            path.write_bytes(data)
            changed.append(path.name)
    return changed
