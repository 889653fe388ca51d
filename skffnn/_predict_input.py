"""Predict-time validation of ``X``: scikit-learn's, with a fast path for common input.

scikit-learn's MLP validates ``X`` on every prediction with
``validate_data(est, X, accept_sparse=["csr", "csc"], reset=False)``; at one
row that call is most of its prediction time (some 50-90 us: feature-name
checks, tags, namespace dispatch). For the common case, a plain float32 or
float64 ``numpy.ndarray`` of the fitted width with finite values and an
estimator fitted without feature names, that call returns ``X`` itself and
says nothing: the fast path checks exactly those conditions and returns ``X``
too. Anything else (lists, other dtypes, sparse matrices, data frames, NaN
or infinity, a wrong shape, feature names) goes to ``validate_data``, which
accepts, converts, warns or raises exactly as it does for scikit-learn.
"""

from __future__ import annotations

import numpy as np
from sklearn.utils.validation import validate_data

__all__ = ["validated_predict_input"]

_FAST_DTYPES = (np.dtype(np.float64), np.dtype(np.float32))


def _all_finite(X: np.ndarray) -> bool:
    """Whether a float array is all finite, by its sum (one pass, no temporary).

    scikit-learn's own first pass; a sum that overflows although every entry
    is finite sends the input to ``validate_data``, which then looks closer.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        return bool(np.isfinite(X.sum(dtype=np.float64)))


def validated_predict_input(estimator, X):
    """``validate_data(estimator, X, accept_sparse=["csr", "csc"], reset=False)``.

    Parameters
    ----------
    estimator : fitted estimator
        Its ``n_features_in_`` (and ``feature_names_in_``, if fitted with
        names) are checked against ``X``.
    X : object
        The input of ``predict``, ``predict_proba``, ...

    Returns
    -------
    X : ndarray or sparse matrix
        What ``validate_data`` returns: ``X`` itself on the fast path.

    Examples
    --------
    >>> import numpy as np
    >>> from skffnn import FFNRegressor
    >>> from skffnn._predict_input import validated_predict_input
    >>> X = np.random.RandomState(0).normal(size=(20, 3))
    >>> est = FFNRegressor(hidden_layer_sizes=(4,), solver="lbfgs").fit(X, X[:, 0])
    >>> Xq = X[:2].copy()
    >>> validated_predict_input(est, Xq) is Xq  # the fast path: X itself
    True
    >>> validated_predict_input(est, Xq.tolist())  # lists go to validate_data
    array([[ 1.76405235,  0.40015721,  0.97873798],
           [ 2.2408932 ,  1.86755799, -0.97727788]])
    """
    state = estimator.__dict__
    if (
        type(X) is np.ndarray
        and X.ndim == 2
        and X.dtype in _FAST_DTYPES
        and X.shape[0] > 0
        and X.shape[1] == state.get("n_features_in_")
        and "feature_names_in_" not in state
        and _all_finite(X)
    ):
        return X
    return validate_data(estimator, X, accept_sparse=["csr", "csc"], reset=False)
