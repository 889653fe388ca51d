"""The skffnn version inside every pickle, joblib and skops file of an estimator.

scikit-learn stamps the pickles of its own estimators with its version and
warns (``InconsistentVersionWarning``) when another version loads one; it
does so only for classes defined in ``sklearn.*``. :class:`VersionStampMixin`
does the same for skffnn's estimators with skffnn's version, through the same
``__getstate__`` / ``__setstate__`` hooks, which pickle, joblib, skops and
``copy.deepcopy`` all use.
"""

from __future__ import annotations

import sys
import warnings

__all__ = ["SkffnnVersionWarning", "VersionStampMixin"]

_KEY = "_skffnn_version"
_UNSTAMPED = "unknown (saved without a version stamp)"


def _current_version() -> str:
    # Looked up when needed: this module is imported while skffnn/__init__.py
    # runs, before __version__ is set there.
    return sys.modules["skffnn"].__version__


class SkffnnVersionWarning(UserWarning):
    """Warning: an estimator was loaded with another skffnn version than saved it.

    The file may then load into an object that behaves differently or fails
    later. Like scikit-learn's ``InconsistentVersionWarning``, it names both
    versions; turn it into an error with
    ``warnings.simplefilter("error", SkffnnVersionWarning)``.

    Parameters
    ----------
    estimator_name : str
        Class name of the loaded estimator.
    current_version : str
        The skffnn version that loads the file.
    original_version : str
        The skffnn version that saved it.

    Examples
    --------
    >>> from skffnn import SkffnnVersionWarning
    >>> w = SkffnnVersionWarning(
    ...     estimator_name="FFNClassifier",
    ...     current_version="0.2.0",
    ...     original_version="0.1.0",
    ... )
    >>> print(w)  # doctest: +ELLIPSIS
    Loading FFNClassifier saved with skffnn 0.1.0 into skffnn 0.2.0: ...
    """

    def __init__(
        self, *, estimator_name: str, current_version: str, original_version: str
    ):
        super().__init__(estimator_name, current_version, original_version)
        self.estimator_name = estimator_name
        self.current_version = current_version
        self.original_version = original_version

    def __str__(self) -> str:
        return (
            f"Loading {self.estimator_name} saved with skffnn "
            f"{self.original_version} into skffnn {self.current_version}: this "
            "might lead to breaking code or invalid results. Refit the model "
            "with this version, or load it with the version that saved it."
        )


class VersionStampMixin:
    """Record ``skffnn.__version__`` in the saved state; warn on another version.

    Put it before ``BaseEstimator`` in the bases: its hooks call the next
    class's, so scikit-learn's own stamp logic (and any ``__getstate__`` of a
    subclass that calls ``super()``) still runs. Loading a state without a
    stamp, or with another version's, warns :class:`SkffnnVersionWarning`;
    the stamp never becomes an attribute.

    Examples
    --------
    >>> import pickle
    >>> from skffnn import FFNRegressor
    >>> state = FFNRegressor().__getstate__()
    >>> state["_skffnn_version"] == __import__("skffnn").__version__
    True
    >>> "_skffnn_version" in vars(pickle.loads(pickle.dumps(FFNRegressor())))
    False
    """

    def __getstate__(self):
        state = super().__getstate__()
        return {**state, _KEY: _current_version()}

    def __setstate__(self, state):
        state = dict(state)
        original = state.pop(_KEY, _UNSTAMPED)
        current = _current_version()
        if original != current:
            warnings.warn(
                SkffnnVersionWarning(
                    estimator_name=type(self).__name__,
                    current_version=current,
                    original_version=original,
                ),
                stacklevel=2,
            )
        super().__setstate__(state)
