"""Export fitted skffnn estimators to ONNX, for onnxruntime and other runtimes.

Importing this module registers converters for :class:`~skffnn.FFNClassifier`
and :class:`~skffnn.FFNRegressor` with skl2onnx, so that ``skl2onnx.to_onnx``
and ``skl2onnx.convert_sklearn`` convert them, alone or inside a scikit-learn
``Pipeline``. :func:`to_onnx` is a shortcut that does both. It needs skffnn's
optional extra ``onnx`` (skl2onnx, onnx, onnxruntime).

The graph is written from the fitted attributes (``coefs_``, ``intercepts_``,
the hidden activations, ``out_activation_``, ``classes_``) and computes what
the estimator computes:

- every hidden activation (``identity``, ``logistic``/``sigmoid``, ``tanh``,
  ``relu``, ``softplus``), one name or one per hidden layer, any depth
  including ``hidden_layer_sizes=()``;
- the classifier's ``predict`` (output ``label``) and ``predict_proba``
  (output ``probabilities``; binary as ``[sigmoid(-z), sigmoid(z)]``,
  multilabel as a label-indicator matrix), with skl2onnx's classifier
  options ``zipmap``, ``nocl`` and ``output_class_labels``;
- the regressor's ``predict`` (output ``variable``) with shape
  ``(n_samples, n_outputs)``, through the identity or the exp link
  (``loss='poisson'``).

A float32 input (``FloatTensorType``, or a float32 sample) gives a float32
graph, a float64 input (``DoubleTensorType``) a graph in double throughout.
onnxruntime's own ``Sigmoid`` clamps large logits (in float32 it returns
``6e-8`` for ``sigmoid(-30) = 9e-14``) and its ``Softplus`` has no double
kernel, so the sigmoid, softplus and the output heads are built from ``Exp``
and ``Log`` in the stable forms of :mod:`skffnn.functional`: tiny
probabilities keep their relative precision. A float32 graph evaluates them in
double and rounds once, as skffnn does for float32 data; its matrix products,
``relu`` and ``tanh`` stay in float32, as the estimator's do (its float32
``tanh`` is NumPy's, within an ULP of the true value).

The graphs need ONNX opset 11 (``Equal`` on doubles); a ``target_opset``
below :data:`MIN_OPSET` raises a ValueError at conversion instead of writing a
graph onnxruntime cannot load.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ._activations import hidden_activations
from ._classes import FFNClassifier, FFNRegressor
from ._namespace import to_host
from ._optional import import_optional

_PURPOSE = "ONNX export (skffnn.onnx)"
onnx = import_optional("onnx", "onnx", purpose=_PURPOSE)
skl2onnx = import_optional("skl2onnx", "onnx", purpose=_PURPOSE)

# Only after the import above has named the extra, if it was missing.
from onnx import TensorProto, numpy_helper  # noqa: E402
from skl2onnx import update_registered_converter  # noqa: E402
from skl2onnx._parse import (  # noqa: E402
    _parse_sklearn_classifier,
    _parse_sklearn_simple_model,
)
from skl2onnx.common.data_types import (  # noqa: E402
    BooleanTensorType,
    DoubleTensorType,
    FloatTensorType,
    Int64TensorType,
    StringTensorType,
)
from skl2onnx.common.utils import (  # noqa: E402
    check_input_and_output_numbers,
    check_input_and_output_types,
)
from skl2onnx.common.utils_classifier import get_label_classes  # noqa: E402

__all__ = ["CLASSIFIER_OPTIONS", "MIN_OPSET", "to_onnx"]

CLASSIFIER_OPTIONS: dict[str, list] = {
    "zipmap": [True, False, "columns"],
    "nocl": [True, False],
    "output_class_labels": [False, True],
}
"""The conversion options FFNClassifier accepts (those of skl2onnx's MLP)."""

MIN_OPSET: int = 11
"""The lowest ``target_opset`` (of the main ONNX domain) the converters write.

Below opset 11 ``Equal`` takes no doubles (the graph's ``log1p`` compares
them), below opset 9 ``Where`` does not exist: onnxruntime would refuse the
graph when it loads it.
"""

_HIDDEN = ("identity", "logistic", "sigmoid", "tanh", "relu", "softplus")
_OUTPUT = {
    FFNClassifier: ("logistic", "softmax"),
    FFNRegressor: ("identity", "exp"),
}
_INPUT_TYPES = [BooleanTensorType, DoubleTensorType, FloatTensorType, Int64TensorType]


# --------------------------------------------------------------------------
# What the graph needs from the fitted estimator
# --------------------------------------------------------------------------


def _check_convertible(est) -> list[str]:
    """Check ``est`` is fitted and supported; return its hidden activations."""
    check_is_fitted(est, ["coefs_", "intercepts_", "out_activation_"])
    n_hidden = len(est.coefs_) - 1
    # What the estimator predicts with: the activations of the last fit (a
    # set_params(activation=...) since then changes nothing until a refit),
    # else the hyperparameter (weights set by hand).
    act = getattr(est, "_fitted_activations", None) or est.activation
    try:
        names = hidden_activations(act, n_hidden)
    except ValueError as exc:
        raise ValueError(f"Cannot export {type(est).__name__}: {exc}") from None
    # A gate skffnn gains later needs its own ONNX form here first.
    unknown = sorted(set(names) - set(_HIDDEN))
    if unknown:
        raise ValueError(
            f"Cannot export hidden activation(s) {unknown} to ONNX; supported: "
            f"{list(_HIDDEN)}."
        )
    outputs = _OUTPUT[FFNClassifier if isinstance(est, FFNClassifier) else FFNRegressor]
    if est.out_activation_ not in outputs:
        raise ValueError(
            f"Cannot export out_activation_={est.out_activation_!r} of "
            f"{type(est).__name__}; supported: {list(outputs)}."
        )
    return names


def _is_multilabel(est) -> bool:
    # Binary targets have one logistic output, multiclass a softmax: several
    # logistic outputs are one per label.
    return est.out_activation_ == "logistic" and est.n_outputs_ > 1


def _is_double(variable) -> bool:
    return isinstance(variable.type, DoubleTensorType)


# --------------------------------------------------------------------------
# Parsers and shape calculators
# --------------------------------------------------------------------------


def _parse_classifier(scope, model, inputs, custom_parsers=None):
    # skl2onnx's parser reads classes_ before any shape calculator runs: an
    # unfitted model would fail there with an AttributeError on a private name.
    _check_convertible(model)
    zipmap = scope.get_options(model, {"zipmap": True})["zipmap"]
    if zipmap is True and _is_double(inputs[0]):
        # skl2onnx would write a graph that onnxruntime refuses to load.
        raise ValueError(
            f"Option zipmap={zipmap!r} (skl2onnx's default) needs float32 "
            "probabilities: onnxruntime's ZipMap operator rejects the double "
            "ones of a float64 input. Pass options={'zipmap': False} for one "
            "probability tensor, or a float32 sample / FloatTensorType input."
        )
    return _parse_sklearn_classifier(scope, model, inputs, custom_parsers)


def _parse_regressor(scope, model, inputs, custom_parsers=None):
    _check_convertible(model)
    return _parse_sklearn_simple_model(scope, model, inputs, custom_parsers)


def _classifier_shapes(operator) -> None:
    check_input_and_output_numbers(operator, input_count_range=1, output_count_range=2)
    check_input_and_output_types(operator, good_input_types=_INPUT_TYPES)
    est = operator.raw_operator
    n = operator.inputs[0].get_first_dimension()
    tensor = DoubleTensorType if _is_double(operator.inputs[0]) else FloatTensorType
    n_classes = len(est.classes_)
    if _is_multilabel(est):
        operator.outputs[0].type = Int64TensorType([n, n_classes])
    else:
        labels = get_label_classes(operator.scope_inst, est)
        string = np.asarray(labels).dtype.kind in "USO"
        operator.outputs[0].type = (StringTensorType if string else Int64TensorType)(
            [n]
        )
    operator.outputs[1].type = tensor([n, n_classes])


def _regressor_shapes(operator) -> None:
    check_input_and_output_numbers(operator, input_count_range=1, output_count_range=1)
    check_input_and_output_types(operator, good_input_types=_INPUT_TYPES)
    tensor = DoubleTensorType if _is_double(operator.inputs[0]) else FloatTensorType
    n = operator.inputs[0].get_first_dimension()
    operator.outputs[0].type = tensor([n, operator.raw_operator.n_outputs_])


# --------------------------------------------------------------------------
# Graph building
# --------------------------------------------------------------------------


class _Graph:
    """Adds nodes to skl2onnx's container under unique names."""

    def __init__(self, scope, container, dtype):
        self.scope = scope
        self.container = container
        self.dtype = np.dtype(dtype)

    def name(self, seed: str) -> str:
        return self.scope.get_unique_variable_name(seed)

    def const(self, value, dtype=None, seed: str = "c") -> str:
        name = self.name(seed)
        if dtype is str:
            # The container copies only the raw data of a TensorProto, and
            # strings have none: give it the values.
            words = [str(v).encode("utf-8") for v in value]
            self.container.add_initializer(
                name, TensorProto.STRING, [len(words)], words
            )
            return name
        # A model fitted on another array library (torch, CuPy): host copies.
        array = np.asarray(to_host(value), dtype=dtype or self.dtype)
        tensor = numpy_helper.from_array(array, name)
        self.container.add_initializer(name, None, None, tensor)
        return name

    def op(self, op_type: str, *inputs: str, out: str | None = None, **attrs) -> str:
        out = out or self.name(op_type.lower())
        domain = attrs.pop("op_domain", "")
        self.container.add_node(
            op_type,
            list(inputs),
            [out],
            op_domain=domain,
            name=self.scope.get_unique_operator_name(op_type),
            **attrs,
        )
        return out

    def cast(self, x: str, dtype, out: str | None = None) -> str:
        return self.op("Cast", x, out=out, to=_PROTO[np.dtype(dtype)])


_PROTO = {
    np.dtype(np.float32): TensorProto.FLOAT,
    np.dtype(np.float64): TensorProto.DOUBLE,
    np.dtype(np.int64): TensorProto.INT64,
}


def _in_double(g: _Graph, x: str, build) -> str:
    """``build(x)`` evaluated in double, returned in the graph's dtype.

    skffnn evaluates its sigmoid, softplus and softmax in float64 and rounds
    once for float32 data; doing the same keeps a float32 graph's results
    within a rounding of the estimator's.
    """
    if g.dtype == np.float64:
        return build(x)
    return g.cast(build(g.cast(x, np.float64)), g.dtype)


def _sigmoid(g: _Graph, x: str) -> str:
    """``sigmoid(x)`` in double as ``[1 or e] / (1 + e)``, ``e = exp(-|x|)``."""
    e = g.op("Exp", g.op("Neg", g.op("Abs", x)))
    one = g.const(1.0, np.float64)
    numerator = g.op("Where", g.op("Less", x, g.const(0.0, np.float64)), e, one)
    return g.op("Div", numerator, g.op("Add", e, one))


def _log1p(g: _Graph, u: str) -> str:
    """``log1p(u)`` for ``u >= 0`` in double; ONNX has no Log1p operator.

    Kahan's ``log(w) * u / (w - 1)`` with ``w = 1 + u`` cancels the rounding
    of ``w`` (a few ULP over all u), and is ``u`` where ``w`` rounds to 1.
    """
    one = g.const(1.0, np.float64)
    w = g.op("Add", u, one)
    ratio = g.op("Div", u, g.op("Sub", w, one))
    return g.op("Where", g.op("Equal", w, one), u, g.op("Mul", g.op("Log", w), ratio))


def _softplus(g: _Graph, x: str) -> str:
    """``max(x, 0) + log1p(exp(-|x|))`` in double, as functional.softplus."""
    e = g.op("Exp", g.op("Neg", g.op("Abs", x)))
    return g.op("Add", g.op("Max", x, g.const(0.0, np.float64)), _log1p(g, e))


def _hidden(g: _Graph, name: str, z: str) -> str:
    if name == "identity":
        return z
    if name == "relu":
        return g.op("Relu", z)
    if name == "tanh":
        # In the graph's dtype, as the estimator: np.tanh on float32 buffers.
        return g.op("Tanh", z)
    if name in ("logistic", "sigmoid"):
        return _in_double(g, z, lambda x: _sigmoid(g, x))
    return _in_double(g, z, lambda x: _softplus(g, x))


def _scores(g: _Graph, est, names: list[str], x: str) -> str:
    """The network's output scores (logits) of the graph input ``x``."""
    a = x
    for layer, (W, b) in enumerate(zip(est.coefs_, est.intercepts_)):
        z = g.op(
            "Add",
            g.op("MatMul", a, g.const(W, seed="coefficient")),
            g.const(np.reshape(to_host(b), (1, -1)), seed="intercepts"),
        )
        a = _hidden(g, names[layer], z) if layer < len(names) else z
    return a


def _graph_for(scope, container, operator) -> tuple[_Graph, str]:
    """The graph builder for ``operator`` and its input in the graph's dtype.

    A double input gives a double graph; anything else (float, int64, bool)
    a float32 graph, as skl2onnx's converters do.
    """
    if container.target_opset < MIN_OPSET:
        raise ValueError(
            f"Cannot export {type(operator.raw_operator).__name__} to ONNX "
            f"opset {container.target_opset}: skffnn's converters need "
            f"target_opset >= {MIN_OPSET} (skffnn.onnx.MIN_OPSET), the first "
            "opset whose Equal operator takes doubles. Pass "
            f"target_opset={MIN_OPSET} or later, or leave it out."
        )
    variable = operator.inputs[0]
    dtype = np.float64 if _is_double(variable) else np.float32
    g = _Graph(scope, container, dtype)
    wanted = DoubleTensorType if dtype == np.float64 else FloatTensorType
    if isinstance(variable.type, wanted):
        return g, variable.full_name
    return g, g.cast(variable.full_name, dtype)


def _convert_classifier(scope, operator, container) -> None:
    est = operator.raw_operator
    names = _check_convertible(est)
    g, x = _graph_for(scope, container, operator)
    label_out, proba_out = operator.outputs[0].full_name, operator.outputs[1].full_name
    z = _scores(g, est, names, x)

    if est.out_activation_ == "softmax":
        proba = _in_double(g, z, lambda x: g.op("Softmax", x, axis=1))
    elif len(est.classes_) == 1 and not _is_multilabel(est):
        ones = g.op("Shape", z)
        value = numpy_helper.from_array(np.ones(1, g.dtype))
        proba = g.op("ConstantOfShape", ones, value=value)
    elif est.n_outputs_ == 1:
        # Both columns from the logit, as predict_proba: sigmoid(-z), sigmoid(z).
        both = g.op("Concat", g.op("Neg", z), z, axis=1)
        proba = _in_double(g, both, lambda x: _sigmoid(g, x))
    else:
        proba = _in_double(g, z, lambda x: _sigmoid(g, x))
    g.op("Identity", proba, out=proba_out)

    if _is_multilabel(est):
        on = g.op("Greater", proba, g.const(0.5))
        g.cast(on, np.int64, out=label_out)
        return
    if len(est.classes_) == 2:
        # predict thresholds sigmoid(z) at 0.5, as LabelBinarizer does.
        positive = g.op("Gather", proba, g.const(1, np.int64), axis=1)
        index = g.cast(g.op("Greater", positive, g.const(0.5)), np.int64)
    else:
        index = g.op("ArgMax", proba, axis=1, keepdims=0)
    labels = np.asarray(get_label_classes(scope, est))
    if labels.dtype.kind in "USO":
        table = g.const(labels, str)
    else:
        table = g.const(labels.astype(np.int64), np.int64)
    g.op("Gather", table, index, axis=0, out=label_out)


def _convert_regressor(scope, operator, container) -> None:
    est = operator.raw_operator
    names = _check_convertible(est)
    g, x = _graph_for(scope, container, operator)
    z = _scores(g, est, names, x)
    out = operator.outputs[0].full_name
    if est.out_activation_ == "exp":
        g.op("Exp", z, out=out)
    else:
        g.op("Identity", z, out=out)


update_registered_converter(
    FFNClassifier,
    "SkffnnFFNClassifier",
    _classifier_shapes,
    _convert_classifier,
    parser=_parse_classifier,
    options=CLASSIFIER_OPTIONS,
)
update_registered_converter(
    FFNRegressor,
    "SkffnnFFNRegressor",
    _regressor_shapes,
    _convert_regressor,
    parser=_parse_regressor,
)

# The Tabular estimators' converters (issue 21) live in their own module.
from ._tabular import _onnx as _tabular_onnx  # noqa: E402, F401

# --------------------------------------------------------------------------
# The shortcut
# --------------------------------------------------------------------------


def to_onnx(model: Any, X_sample: Any, **kwargs: Any) -> Any:
    """Convert a fitted estimator (or a pipeline ending in one) to ONNX.

    ``skl2onnx.to_onnx`` after checking that ``model`` is fitted: the input
    type comes from ``X_sample`` (float32 data gives a float32 graph, float64
    data a graph in double).

    Parameters
    ----------
    model : estimator
        A fitted FFNClassifier or FFNRegressor, or a fitted scikit-learn
        pipeline (or other estimator skl2onnx converts) that contains one.
    X_sample : array-like of shape (n_samples, n_features)
        A few rows of input, for the input's name, type and width.
    **kwargs
        Passed to ``skl2onnx.to_onnx``, e.g. ``options={"zipmap": False}``
        for the classifier's probabilities as one tensor instead of a list of
        dictionaries, or ``target_opset`` (at least :data:`MIN_OPSET`).

    Returns
    -------
    onnx.ModelProto
        Inputs: ``X``. Outputs: ``label`` and ``probabilities`` (classifier),
        ``variable`` of shape ``(n_samples, n_outputs)`` (regressor).

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If ``model`` is not fitted.
    ValueError
        If ``target_opset`` is below :data:`MIN_OPSET`.

    Examples
    --------
    >>> import numpy as np
    >>> import onnxruntime as ort
    >>> from sklearn.datasets import load_iris
    >>> from skffnn import FFNClassifier
    >>> from skffnn.onnx import to_onnx
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = FFNClassifier((8,), solver="lbfgs", max_iter=300, random_state=0)
    >>> clf = clf.fit(X, y)
    >>> onx = to_onnx(clf, X[:1], options={"zipmap": False})
    >>> session = ort.InferenceSession(onx.SerializeToString())
    >>> label, proba = session.run(None, {"X": X[:3]})
    >>> label.tolist()
    [0, 0, 0]
    >>> bool(np.allclose(proba, clf.predict_proba(X[:3]), rtol=1e-12, atol=0))
    True
    """
    check_is_fitted(model)
    if not hasattr(X_sample, "dtype") and not hasattr(X_sample, "dtypes"):
        X_sample = np.asarray(X_sample)
    return skl2onnx.to_onnx(model, X_sample, **kwargs)
