"""The target encoder of one fit: what y means to the network, decided once.

One object per ``fit`` / ``partial_fit`` call, built on the client from a
summary of y (y itself in memory; the blocks' summaries on dask) and then
used, unchanged, by every batch or block of that call:

- :class:`ClassTarget` (the classifier): ``classes_``, the label binarizer,
  the class weights resolved once against ``classes_`` (a ``partial_fit``
  batch or a dask block without some class weighs its rows exactly as the
  whole data does), the head (binary or multinomial log-loss);
- :class:`RegressionTarget` (the regressor): the number of target columns, the
  Poisson rule ``y >= 0``, the head (the ``loss``).

Both answer the same questions: ``check(y)`` (the rules of one block of y),
``summarize(y)`` (what the client needs to build the encoder), ``build``,
``encode(y, dtype)`` (y as the network's 2-D target), ``weights(y, sw, dtype)``
(sample weights times class weights), ``check_weighted(values)``,
``n_columns``, ``head_name`` and ``fitted_attributes()`` (what the estimator
stores). The in-memory path and :mod:`skffnn._dask` use them alike, so the two
cannot drift apart; neither writes on the estimator.
"""

from __future__ import annotations

from numbers import Real
from types import SimpleNamespace

import numpy as np
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils.multiclass import (
    check_classification_targets,
    type_of_target,
    unique_labels,
)

from ._sklearn import _check_partial_fit_first_call, _check_sample_weight

__all__ = ["ClassTarget", "RegressionTarget", "checked_sample_weight", "decode_labels"]


def checked_sample_weight(sample_weight, X):
    """Sample weights as X's dtype: finite, non-negative, one per row (or None)."""
    if sample_weight is None:
        return None
    sw = _check_sample_weight(sample_weight, X, dtype=X.dtype, ensure_non_negative=True)
    if not np.isfinite(sw).all():
        raise ValueError("sample_weight contains NaN or infinity.")
    return sw


class ClassTarget:
    """The classifier's encoding: classes, binarizer, class weights, head."""

    def __init__(self, binarizer: LabelBinarizer, classes, class_weights=None):
        self.binarizer = binarizer
        self.classes = classes
        # One weight per entry of ``classes`` (float64), or None.
        self.class_weights = class_weights

    # -- the rules of one block, and its summary ----------------------------
    @staticmethod
    def check(y):
        """Raise unless ``y`` holds class labels (or a label indicator)."""
        if y.shape[0]:
            check_classification_targets(y)
        return y

    @staticmethod
    def summarize(y) -> dict:
        """Labels and their counts (1-D y), or the indicator's type and width."""
        if y.ndim == 1:
            labels, counts = np.unique(y, return_counts=True)
            return {"ndim": 1, "labels": labels, "counts": counts}
        kind = type_of_target(y) if y.shape[0] else "multilabel-indicator"
        return {"ndim": 2, "type": kind, "columns": y.shape[1]}

    # -- one encoder per call -------------------------------------------------
    @classmethod
    def build(
        cls, summaries, estimator, *, incremental, first_pass, classes=None, y=None
    ):
        """The encoder of this call, from the blocks' summaries, or from y itself.

        In memory ``y`` is given (and ``summaries`` may be None: counting
        the classes is only needed for class_weight='balanced').

        A fresh fit defines the classes; a warm start must see the same ones;
        ``partial_fit`` takes them from ``classes`` on its first call and
        refuses labels outside them later (scikit-learn's rules and messages).
        """
        # In memory the binarizer sees y itself (scikit-learn's own errors).
        stand_in = y if y is not None else _labels_stand_in(summaries)
        class_weight = getattr(estimator, "class_weight", None)
        if incremental and isinstance(class_weight, str):
            raise ValueError(
                "class_weight='balanced' is not supported for partial_fit: the "
                "class frequencies of one batch are not those of the data. Pass "
                "a dict of weights computed on the whole data instead."
            )
        previous = getattr(estimator, "classes_", None)
        if incremental:
            probe = SimpleNamespace(classes_=previous)
            if _check_partial_fit_first_call(probe, classes):
                multilabel = stand_in.ndim == 2
                binarizer = LabelBinarizer().fit(
                    stand_in if multilabel else probe.classes_
                )
                _check_labels(unique_labels(stand_in), probe.classes_, warm_start=False)
                return cls._with_weights(binarizer, probe.classes_, class_weight)
        elif first_pass:
            binarizer = LabelBinarizer().fit(stand_in)
            counts = _balanced_counts(class_weight, summaries, y, binarizer.classes_)
            return cls._with_weights(
                binarizer, binarizer.classes_, class_weight, counts
            )
        _check_labels(unique_labels(stand_in), previous, warm_start=not incremental)
        counts = _balanced_counts(class_weight, summaries, y, previous)
        return cls._with_weights(
            estimator._label_binarizer, previous, class_weight, counts
        )

    @classmethod
    def _with_weights(cls, binarizer, classes, class_weight, counts=None):
        if class_weight is None:
            return cls(binarizer, classes)
        if binarizer.y_type_ == "multilabel-indicator":
            raise ValueError("class_weight is not supported for multilabel targets.")
        if isinstance(class_weight, dict):
            _check_class_weight_dict(class_weight, classes)
            weights = np.array(
                [float(class_weight.get(c, 1.0)) for c in classes.tolist()]
            )
        else:  # 'balanced', as compute_class_weight: n / (k * count)
            weights = counts.sum() / (len(classes) * counts.astype(np.float64))
        return cls(binarizer, classes, weights)

    # -- what the rest of the fit asks --------------------------------------
    @property
    def n_columns(self) -> int:
        if self.binarizer.y_type_ == "multilabel-indicator":
            return len(self.binarizer.classes_)
        return 1 if len(self.binarizer.classes_) <= 2 else len(self.binarizer.classes_)

    @property
    def head_name(self) -> str:
        multiclass = self.binarizer.y_type_ == "multiclass"
        return "log_loss" if multiclass else "binary_log_loss"

    @property
    def stratifies(self) -> bool:
        """Whether the early-stopping split is stratified (single output)."""
        return self.n_columns == 1  # as scikit-learn's MLP

    def encode(self, y, dtype):
        """One-hot / indicator targets in the network's dtype.

        One class fits (as scikit-learn's MLP does): the network learns a
        constant, and prediction returns that class with probability 1.
        """
        if y.shape[0] == 0:
            return np.empty((0, self.n_columns), dtype)
        return self.binarizer.transform(y).astype(dtype)

    def weights(self, y, sample_weight, dtype):
        """Checked sample weights times the class weights (None: uniform)."""
        if self.class_weights is None:
            return sample_weight
        cw = self.class_weights[np.searchsorted(self.classes, y)].astype(dtype)
        return cw if sample_weight is None else sample_weight * cw

    def check_weighted(self, values) -> None:
        """A binary target needs both classes among the rows of positive weight.

        ``values``: the distinct values of the encoded target's first column
        on rows of positive weight. A multilabel indicator's first column is
        one label among several, so it is not checked.
        """
        if self.binarizer.y_type_ == "binary" and len(self.classes) == 2:
            if np.unique(values).size < 2:
                raise ValueError(
                    "Only one class has non-zero sample weight; a classifier "
                    "needs at least 2 classes with positive weight."
                )

    def fitted_attributes(self) -> dict:
        return {"classes_": self.classes, "_label_binarizer": self.binarizer}


class RegressionTarget:
    """The regressor's encoding: the target's columns, the Poisson rule, head."""

    def __init__(self, n_columns: int, loss: str):
        self.n_columns, self.head_name = n_columns, loss

    @staticmethod
    def check(y):
        """Raise unless ``y`` is numeric and finite."""
        try:
            y = y.astype(np.float64, copy=False) if y.dtype.kind in "OUSb" else y
        except (TypeError, ValueError) as exc:
            raise ValueError(f"y is not numeric: {exc}") from exc
        if not np.isfinite(y).all():
            raise ValueError("Input y contains NaN or infinity.")
        return y

    @staticmethod
    def summarize(y) -> dict:
        return {"ndim": y.ndim, "columns": 1 if y.ndim == 1 else y.shape[1]}

    @classmethod
    def build(
        cls, summaries, estimator, *, incremental, first_pass, classes=None, y=None
    ):
        if summaries is None:
            summaries = [cls.summarize(y)]
        return cls(summaries[0]["columns"], estimator.loss)

    stratifies = False

    def encode(self, y, dtype):
        """Targets as a 2-D array in the network's dtype; Poisson needs y >= 0."""
        if self.head_name == "poisson" and np.any(y < 0):
            raise ValueError(
                "loss='poisson' requires non-negative y, but y has negative "
                f"values (min {y.min()})."
            )
        return y.reshape(y.shape[0], self.n_columns).astype(dtype)

    def weights(self, y, sample_weight, dtype):
        return sample_weight

    def check_weighted(self, values) -> None:
        """Any weights do for regression."""

    def fitted_attributes(self) -> dict:
        return {}


# -- helpers of ClassTarget ------------------------------------------------------
def _labels_stand_in(summaries):
    """Labels standing in for y: the blocks' labels, or a multilabel indicator."""
    if summaries[0]["ndim"] == 1:
        return unique_labels(*[s["labels"] for s in summaries])
    for s in summaries:
        if s["type"] != "multilabel-indicator":
            where = f"y's {s['where']}" if "where" in s else "y"
            raise ValueError(
                f"{where} is {s['type']!r}; a 2-D y must be a multilabel "
                "indicator matrix (multioutput targets are not supported)."
            )
    k = summaries[0]["columns"]
    return np.array([[0] * k, [1] * k])


def _balanced_counts(class_weight, summaries, y, classes):
    """Rows per class for class_weight='balanced' (else None: not counted)."""
    if class_weight != "balanced":
        return None
    if summaries is None:
        summaries = [ClassTarget.summarize(y)]
    return _counts(summaries, classes)


def _counts(summaries, classes):
    """Rows per class of ``classes`` over every block (1-D y), else None."""
    if summaries[0]["ndim"] != 1:
        return None
    counts = np.zeros(len(classes), np.int64)
    for s in summaries:
        if len(s["labels"]):
            counts[np.searchsorted(classes, s["labels"])] += s["counts"]
    return counts


def _check_labels(labels, classes, *, warm_start: bool) -> None:
    if warm_start:
        if set(labels) != set(classes):
            raise ValueError(
                "warm_start can only be used where `y` has the same "
                "classes as in the previous call to fit. Previously "
                f"got {classes}, `y` has {labels}"
            )
    elif len(np.setdiff1d(labels, classes, assume_unique=True)):
        raise ValueError(
            "`y` has classes not in `self.classes_`. "
            f"`self.classes_` has {classes}. 'y' has {labels}."
        )


def _check_class_weight_dict(class_weight: dict, classes) -> None:
    """Name a class weight that is negative, not finite, or for no class."""
    known = set(classes.tolist())
    unknown = [k for k in class_weight if k not in known]
    if unknown:
        raise ValueError(
            f"class_weight names labels that are not classes of y: {unknown}; "
            f"the classes are {classes.tolist()}."
        )
    for label, weight in class_weight.items():
        if not (isinstance(weight, Real) and np.isfinite(weight) and weight >= 0):
            raise ValueError(
                f"class_weight[{label!r}] = {weight!r}: class weights must be "
                "finite and non-negative."
            )


def decode_labels(binarizer: LabelBinarizer, proba: np.ndarray):
    """``binarizer.inverse_transform(proba)``, without its checks where it can.

    For the dense 0/1 binarizer a fit makes, the same labels as scikit-learn's
    ``inverse_transform`` computes them (the first class of maximal
    probability; the positive class above 0.5; the indicator above 0.5),
    some 30-60 us sooner per call.
    """
    lb = binarizer
    if (
        type(lb) is not LabelBinarizer
        or lb.sparse_input_
        or (lb.pos_label, lb.neg_label) != (1, 0)
        or type(proba) is not np.ndarray
    ):
        return lb.inverse_transform(proba)
    classes = lb.classes_
    if lb.y_type_ == "multiclass" and proba.ndim == 2:
        return classes[proba.argmax(axis=1)]
    if lb.y_type_ == "binary" and proba.ndim == 1:
        on = (proba > 0.5).astype(np.int64)
        return np.repeat(classes[0], len(on)) if len(classes) == 1 else classes[on]
    if lb.y_type_ == "multilabel-indicator" and proba.ndim == 2:
        return (proba > 0.5).astype(np.int64)
    return lb.inverse_transform(proba)
