"""Every private scikit-learn helper skffnn uses, imported in this one place.

scikit-learn may move or change its private helpers in any release; keeping
them here makes a change upstream one module to mend. Public scikit-learn API
is imported where it is used. The experimental callback API, private parts
included, has its own adapter: :mod:`skffnn._callbacks`.

This module is also the one owner of the differences between the
scikit-learn versions skffnn supports (``pyproject.toml`` sets the window, CI
tests both ends of it) in these helpers: where one changed between them, the
wrapper here gives every version the newest behaviour, so that the rest of the
package never asks which version is installed. (Whether the callback API
exists, scikit-learn 1.9's, is :mod:`skffnn._callbacks`' fact.)
"""

from __future__ import annotations

import inspect

from sklearn import __version__ as _sklearn_version
from sklearn.base import _fit_context
from sklearn.externals import array_api_compat
from sklearn.utils._array_api import (
    _convert_to_numpy,
    _is_numpy_namespace,
    _max_precision_float_dtype,
)
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.multiclass import _check_partial_fit_first_call
from sklearn.utils.optimize import _check_optimize_result
from sklearn.utils.validation import _check_sample_weight as _sk_check_sample_weight

__all__ = [
    "ARRAY_API_SUPPORTED",
    "Interval",
    "Options",
    "StrOptions",
    "_check_optimize_result",
    "_check_partial_fit_first_call",
    "_check_sample_weight",
    "_convert_to_numpy",
    "_fit_context",
    "_is_numpy_namespace",
    "_max_precision_float_dtype",
    "array_api_compat",
]

# Array API dispatch: scikit-learn 1.9's contract (its check_array_api_input
# keeps ``classes_`` in y's namespace, as skffnn does); 1.7's check expects them
# in X's. skffnn computes in X's namespace only where the installed
# scikit-learn has 1.9's contract, and says so elsewhere.
ARRAY_API_SUPPORTED = tuple(int(p) for p in _sklearn_version.split(".")[:2]) >= (1, 9)

# scikit-learn 1.9 added ``allow_all_zero_weights`` (refusing all-zero weights
# by default); older helpers accept them, and their MLPs divide by zero.
_REFUSES_ALL_ZERO = (
    "allow_all_zero_weights" in inspect.signature(_sk_check_sample_weight).parameters
)
_ALL_ZERO_MESSAGE = "Sample weights must contain at least one non-zero number."


def _check_sample_weight(sample_weight, X, *, dtype=None, ensure_non_negative=False):
    """scikit-learn's ``_check_sample_weight``, refusing all-zero weights.

    Every supported version gives the newest helper's behaviour: an all-zero
    ``sample_weight`` raises its ValueError (weights that sum to zero define
    no loss) instead of failing later on a division by zero.

    Parameters
    ----------
    sample_weight : array-like of shape (n_samples,), float or None
        The weights to check (None: ones).
    X : array-like of shape (n_samples, n_features)
        The data they weigh.
    dtype : dtype, default=None
        The weights' dtype (None: float64 unless already floating).
    ensure_non_negative : bool, default=False
        Refuse negative weights.

    Returns
    -------
    ndarray of shape (n_samples,)
        The checked weights.

    Examples
    --------
    >>> import numpy as np
    >>> from skffnn._sklearn import _check_sample_weight
    >>> _check_sample_weight([0.0, 0.0], np.ones((2, 1)))
    Traceback (most recent call last):
    ValueError: Sample weights must contain at least one non-zero number.
    """
    checked = _sk_check_sample_weight(
        sample_weight, X, dtype=dtype, ensure_non_negative=ensure_non_negative
    )
    if not _REFUSES_ALL_ZERO and not checked.any():
        raise ValueError(_ALL_ZERO_MESSAGE)
    return checked
