"""Self-checks for the lessons' exercises: each says, in plain words, whether an answer is right.

A check takes the notebook's variables (``globals()``), so it still runs, and says what is
missing, when the exercise has not been done yet. It prints its verdict and returns nothing,
so the notebook shows just the sentence. An answer it cannot read (a text where a number is
asked for, a ragged list, a tuple instead of an array) gets a sentence too, never a traceback.
"""

import functools as _functools

from . import _core
from ._code import nmfteach_calls, nmfteach_names
from ._core import answered, strict, verdict
from .analysis import *  # noqa: F403
from .analysis import __all__ as _analysis
from .basics import *  # noqa: F403
from .basics import __all__ as _basics
from .counts import *  # noqa: F403
from .counts import __all__ as _counts

__all__ = ["strict", "verdict", "answered", "nmfteach_names", "nmfteach_calls", *_basics, *_analysis, *_counts]


def _readable(check):
    """``check``, saying in a sentence (not a traceback) that an answer could not be read."""

    @_functools.wraps(check)
    def guarded(namespace) -> None:
        try:
            check(namespace)
        except NotImplementedError:  # a function of the student's that still holds its stub
            if _core._strict:
                raise AssertionError("the exercise is not done: a function still raises NotImplementedError") from None
            print("Not answered yet: your function still raises NotImplementedError (replace that line).")
        except (TypeError, ValueError, IndexError, KeyError, AttributeError) as error:
            detail = f"{type(error).__name__}: {str(error)[:160]}"
            message = (
                f"your answer could not be read ({detail}). Check that it is the kind of value the exercise "
                "asks for (a number, an array, a table, a name) and that the lesson's own variables are unchanged."
            )
            if _core._strict:
                raise AssertionError(message) from None
            print("Not yet: " + message)

    return guarded


for _name in [*_basics, *_analysis, *_counts]:
    globals()[_name] = _readable(globals()[_name])
