"""Every private scikit-learn helper skffnn uses, imported in this one place.

scikit-learn may move or change its private helpers in any release; keeping
them here makes a change upstream one module to mend. Public scikit-learn API
is imported where it is used. The experimental callback API, private parts
included, has its own adapter: :mod:`skffnn._callbacks`.
"""

from __future__ import annotations

from sklearn.base import _fit_context
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.multiclass import _check_partial_fit_first_call
from sklearn.utils.optimize import _check_optimize_result
from sklearn.utils.validation import _check_sample_weight

__all__ = [
    "Interval",
    "Options",
    "StrOptions",
    "_check_optimize_result",
    "_check_partial_fit_first_call",
    "_check_sample_weight",
    "_fit_context",
]
