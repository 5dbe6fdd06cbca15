"""Self-checks for the lessons' exercises: each says, in plain words, whether an answer is right.

A check takes the notebook's variables (``globals()``), so it still runs, and says what is
missing, when the exercise has not been done yet. It prints its verdict and returns nothing,
so the notebook shows just the sentence.
"""

from ._core import answered, strict, verdict
from .analysis import *  # noqa: F403
from .analysis import __all__ as _analysis
from .basics import *  # noqa: F403
from .basics import __all__ as _basics

__all__ = ["strict", "verdict", "answered", *_basics, *_analysis]
