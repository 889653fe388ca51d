"""Every private scikit-learn helper skffnn uses, imported in this one place.

scikit-learn may move or change its private helpers in any release; keeping
them here makes a change upstream one module to mend. Public scikit-learn API
is imported where it is used.
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
    "lbfgs_convergence_warning",
]


class _ScipyLikeResult:
    """The three fields of scipy's OptimizeResult that scikit-learn's check reads."""

    def __init__(self, n_iter: int, success: bool, message: str):
        self.nit = n_iter
        self.status = 0 if success else 1
        self.message = message


def lbfgs_convergence_warning(
    n_iter: int, success: bool, message: str, max_iter: int
) -> int:
    """scikit-learn's L-BFGS convergence check and warning, word for word.

    Returns the iteration count as scikit-learn's MLP stores it in ``n_iter_``.
    """
    return _check_optimize_result(
        "lbfgs", _ScipyLikeResult(n_iter, success, message), max_iter
    )
