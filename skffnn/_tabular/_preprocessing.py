"""Robust scaling followed by smooth clipping: RealMLP's preprocessing, public."""

from __future__ import annotations

from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from .._persistence import VersionStampMixin
from .._sklearn import Interval
from ._gates import smooth_clip, smooth_clip_grad

__all__ = ["RobustSmoothClipScaler"]


class RobustSmoothClipScaler(
    VersionStampMixin, OneToOneFeatureMixin, TransformerMixin, BaseEstimator
):
    """Robust scaling then smooth clipping, ``x / sqrt(1 + (x / c)^2)``.

    Each column is centred on its median and divided by its interquartile
    range; where that range is 0 (a column with few distinct values) by half
    its full range instead; a constant column maps to 0. The result is then
    squashed smoothly into ``(-c, c)``: values near 0 pass almost unchanged,
    outliers are bounded without the kink of a hard clip. From RealMLP
    (Holzmueller et al., "Better by Default", NeurIPS 2024).

    Parameters
    ----------
    clip : float or None, default=3.0
        The bound ``c`` of the smooth clip; None leaves the robust scaling
        unclipped.

    Attributes
    ----------
    center_ : ndarray of shape (n_features,)
        The training medians.
    scale_ : ndarray of shape (n_features,)
        The factors applied after centring (0 for a constant column).
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features,)
        Defined only when X has feature names that are all strings.

    Examples
    --------
    >>> import numpy as np
    >>> from skffnn import RobustSmoothClipScaler
    >>> X = np.array([[1.0, 5.0], [2.0, 5.0], [3.0, 5.0], [4.0, 5.0], [100.0, 5.0]])
    >>> RobustSmoothClipScaler().fit_transform(X).round(2)  # outlier -> below 3
    array([[-0.95,  0.  ],
           [-0.49,  0.  ],
           [ 0.  ,  0.  ],
           [ 0.49,  0.  ],
           [ 2.99,  0.  ]])
    """

    _parameter_constraints: dict = {
        "clip": [Interval(Real, 0, None, closed="neither"), None],
    }

    def __init__(self, clip=3.0):
        self.clip = clip

    def fit(self, X, y=None):
        """Learn the medians and the robust scales of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input rows.
        y : ignored
            Not used; present for the scikit-learn API.

        Returns
        -------
        self : RobustSmoothClipScaler
            The fitted transformer.
        """
        self._validate_params()
        X = validate_data(self, X, dtype=[np.float64, np.float32])
        self.center_ = np.median(X, axis=0)
        q25, q75 = np.quantile(X, [0.25, 0.75], axis=0)
        spread = (q75 - q25).astype(X.dtype)
        flat = spread == 0
        spread[flat] = 0.5 * (X.max(0) - X.min(0))[flat]
        with np.errstate(divide="ignore"):
            scale = np.where(spread > 0, 1.0 / np.where(spread > 0, spread, 1), 0.0)
        self.scale_ = scale.astype(X.dtype)
        return self

    def transform(self, X):
        """Scale and smoothly clip ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input rows.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_features)
            The scaled, smoothly clipped rows.
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        Z = (X - self.center_.astype(X.dtype)) * self.scale_.astype(X.dtype)
        return Z if self.clip is None else smooth_clip(Z, X.dtype.type(self.clip))

    def transform_gradient(self, X):
        """Elementwise derivative of :meth:`transform` with respect to ``X``.

        The local gradient of the whole gate, ``scale * clip'(scale (x - center))``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input rows.

        Returns
        -------
        grad : ndarray of shape (n_samples, n_features)
            ``d transform(X) / dX``, elementwise.
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        Z = (X - self.center_) * self.scale_
        if self.clip is None:
            return np.broadcast_to(self.scale_, X.shape).copy()
        return self.scale_ * smooth_clip_grad(Z, self.clip)
