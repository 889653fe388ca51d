"""Warnings reported at the user's line, not inside the package.

A warning raised while fitting (no convergence, divergence, a clipped batch
size) is about the user's call: it is reported at the first frame of the call
stack outside skffnn and scikit-learn, so that ``fit`` called directly, through
a ``Pipeline`` or through ``GridSearchCV`` points at the line that called it,
however many frames the package and scikit-learn's wrappers (``_fit_context``,
the callback decorator, a meta-estimator) put in between.
"""

from __future__ import annotations

import os
import sys
import warnings

import sklearn

__all__ = ["warn_user"]

_INSIDE = tuple(
    os.path.dirname(os.path.abspath(module.__file__)) + os.sep
    for module in (sys.modules[__package__], sklearn)
)


def _user_stacklevel() -> int:
    """The ``stacklevel`` of the first caller outside skffnn and scikit-learn."""
    frame, level = sys._getframe(2), 2  # the caller of warn_user
    while frame is not None and frame.f_code.co_filename.startswith(_INSIDE):
        frame, level = frame.f_back, level + 1
    return level


def warn_user(message: str, category: type[Warning] = UserWarning) -> None:
    """``warnings.warn(message, category)``, reported at the user's line."""
    warnings.warn(message, category, stacklevel=_user_stacklevel())
