"""ONNX converters of the Tabular estimators (registered by :mod:`skffnn.onnx`).

The graph holds the whole prediction: robust scaling and smooth clipping, the
periodic embedding, the scaling layer, the k members' input scalings (one
batched MatMul per layer for all members), the activations, the k heads and
the average of the members' probabilities (or predictions, de-standardised
and clipped). It is evaluated in double, as the estimators predict, and
rounded once at the end for a float32 input.
"""

from __future__ import annotations

import numpy as np
from sklearn.utils.validation import check_is_fitted

from .. import onnx as _onnx
from .._namespace import to_host
from ._estimators import TabularFFNClassifier, TabularFFNRegressor
from ._gates import SELU_ALPHA, SELU_SCALE

__all__: list[str] = []

D = np.float64


def _activation(g, name, z):
    if name == "identity":
        return z
    if name == "relu":
        return g.op("Max", z, g.const(0.0, D))
    if name == "tanh":
        return g.op("Tanh", z)
    if name == "selu":
        zero = g.const(0.0, D)
        neg = g.op(
            "Mul",
            g.op("Sub", g.op("Exp", g.op("Min", z, zero)), g.const(1.0, D)),
            g.const(SELU_SCALE * SELU_ALPHA, D),
        )
        pos = g.op("Mul", z, g.const(SELU_SCALE, D))
        return g.op("Where", g.op("Greater", z, zero), pos, neg)
    # mish: z tanh(softplus(z)), tanh(softplus(z)) = e (e + 2) / (e (e + 2) + 2)
    twenty = g.const(20.0, D)
    e = g.op("Exp", g.op("Min", z, twenty))
    ee = g.op("Mul", e, g.op("Add", e, g.const(2.0, D)))
    t = g.op("Div", ee, g.op("Add", ee, g.const(2.0, D)))
    t = g.op("Where", g.op("Less", z, twenty), t, g.const(1.0, D))
    return g.op("Mul", z, t)


def _member_outputs(g, est, x):
    """The k members' outputs ``(k, n, n_outputs)`` of the double input ``x``."""
    net = est.net_
    p = net.views(to_host(est.params_).astype(D))  # fitted in any namespace
    pre = est.preprocessor_
    if pre is not None:
        x = g.op(
            "Mul",
            g.op("Sub", x, g.const(pre.center_.astype(D)[None], D)),
            g.const(pre.scale_.astype(D)[None], D),
        )
        if pre.clip is not None:
            c = g.const(1.0 / pre.clip, D)
            sq = g.op("Mul", x, c)
            sq = g.op("Add", g.op("Mul", sq, sq), g.const(1.0, D))
            x = g.op("Div", x, g.op("Sqrt", sq))
    if net.columns is not None:  # the network's column order
        x = g.op("Gather", x, g.const(list(net.columns), np.int64), axis=1)
    de = net.n_embedded
    if de:
        plain = None
        if de < net.d:
            plain = g.op("Slice", x, *(g.const([v], np.int64) for v in (de, net.d, 1)))
            x = g.op("Slice", x, *(g.const([v], np.int64) for v in (0, de, 1)))
        xe = g.op("Unsqueeze", x, g.const([2], np.int64))  # (n, d, 1)
        u = g.op(
            "Add",
            g.op("Mul", xe, g.const(2 * np.pi * p["emb_w"], D)),
            g.const(p["emb_b"], D),
        )
        cos = g.op("Transpose", g.op("Cos", u), perm=[1, 0, 2])  # (d, n, m)
        v = g.op(
            "Transpose", g.op("MatMul", cos, g.const(p["emb_V"], D)), perm=[1, 0, 2]
        )
        v = g.op("Add", v, g.const(p["emb_c"], D))
        x = g.op("Concat", xe, v, axis=2)
        x = g.op("Reshape", x, g.const([0, de * (1 + net.e)], np.int64))
        if plain is not None:
            x = g.op("Concat", x, plain, axis=1)
    x = g.op("Mul", x, g.const(p["scale"][None], D))
    a = g.op(
        "Mul",
        g.op("Unsqueeze", x, g.const([0], np.int64)),
        g.const(p["members"][:, None, :], D),
    )  # (k, n, D)
    for i, _ in enumerate(net.hidden):
        W = p[f"W{i}"]
        z = g.op(
            "Add",
            g.op(
                "Mul", g.op("MatMul", a, g.const(W, D)), g.const(W.shape[0] ** -0.5, D)
            ),
            g.const(p[f"b{i}"], D),
        )
        f = _activation(g, net.activation, z)
        if net.parametric:
            alpha = g.const(p[f"alpha{i}"], D)
            f = g.op("Add", z, g.op("Mul", alpha, g.op("Sub", f, z)))
        a = f
    W = p["W_out"]
    return g.op(
        "Add",
        g.op("Mul", g.op("MatMul", a, g.const(W, D)), g.const(W.shape[1] ** -0.5, D)),
        g.const(p["b_out"][:, None, :], D),
    )


def _average(g, est, t):
    """Mean over the members' axis 0 of ``t`` ``(k, n, c)``: a weighted MatMul."""
    k = est.n_ensemble
    # (1, k) @ (k, n*c) after flattening the trailing axes, then back.
    shape = g.op("Shape", t)
    flat = g.op("Reshape", t, g.const([k, -1], np.int64))
    mean = g.op("MatMul", g.const(np.full((1, k), 1.0 / k), D), flat)
    tail = g.op("Slice", shape, g.const([1], np.int64), g.const([3], np.int64))
    return g.op("Reshape", mean, tail)


def _classifier_shapes(operator):
    _onnx.check_input_and_output_numbers(
        operator, input_count_range=1, output_count_range=2
    )
    _onnx.check_input_and_output_types(operator, good_input_types=_onnx._INPUT_TYPES)
    est = operator.raw_operator
    n = operator.inputs[0].get_first_dimension()
    double = _onnx._is_double(operator.inputs[0])
    tensor = _onnx.DoubleTensorType if double else _onnx.FloatTensorType
    labels = _onnx.get_label_classes(operator.scope_inst, est)
    string = np.asarray(labels).dtype.kind in "USO"
    label_type = _onnx.StringTensorType if string else _onnx.Int64TensorType
    operator.outputs[0].type = label_type([n])
    operator.outputs[1].type = tensor([n, len(est.classes_)])


def _regressor_shapes(operator):
    est = operator.raw_operator
    n = operator.inputs[0].get_first_dimension()
    tensor = (
        _onnx.DoubleTensorType
        if _onnx._is_double(operator.inputs[0])
        else _onnx.FloatTensorType
    )
    operator.outputs[0].type = tensor([n, len(est.y_mean_)])


def _input(scope, container, operator):
    g, x = _onnx._graph_for(scope, container, operator)
    return g, (x if g.dtype == D else g.cast(x, D))


def _convert_classifier(scope, operator, container):
    est = operator.raw_operator
    g, x = _input(scope, container, operator)
    out = _member_outputs(g, est, x)
    proba = _average(g, est, g.op("Softmax", out, axis=2))
    label_out, proba_out = operator.outputs[0].full_name, operator.outputs[1].full_name
    g.op("Identity", proba if g.dtype == D else g.cast(proba, g.dtype), out=proba_out)
    index = g.op("ArgMax", proba, axis=1, keepdims=0)
    labels = np.asarray(_onnx.get_label_classes(scope, est))
    if labels.dtype.kind in "USO":
        table = g.const(labels, str)
    else:
        table = g.const(labels.astype(np.int64), np.int64)
    g.op("Gather", table, index, axis=0, out=label_out)


def _convert_regressor(scope, operator, container):
    est = operator.raw_operator
    g, x = _input(scope, container, operator)
    pred = _average(g, est, _member_outputs(g, est, x))
    pred = g.op(
        "Add",
        g.op("Mul", pred, g.const(to_host(est.y_scale_)[None], D)),
        g.const(to_host(est.y_mean_)[None], D),
    )
    if est.clip_predictions:
        pred = g.op("Max", pred, g.const(to_host(est.y_min_)[None], D))
        pred = g.op("Min", pred, g.const(to_host(est.y_max_)[None], D))
    out = operator.outputs[0].full_name
    g.op("Identity", pred if g.dtype == D else g.cast(pred, g.dtype), out=out)


def _parse_tabular_classifier(scope, model, inputs, custom_parsers=None):
    check_is_fitted(model)
    zipmap = scope.get_options(model, {"zipmap": True})["zipmap"]
    if zipmap is True and _onnx._is_double(inputs[0]):
        raise ValueError(
            "Option zipmap=True (skl2onnx's default) needs float32 probabilities: "
            "pass options={'zipmap': False}, or a float32 sample."
        )
    return _onnx._parse_sklearn_classifier(scope, model, inputs, custom_parsers)


def _parse_tabular_regressor(scope, model, inputs, custom_parsers=None):
    check_is_fitted(model)
    return _onnx._parse_sklearn_simple_model(scope, model, inputs, custom_parsers)


_onnx.update_registered_converter(
    TabularFFNClassifier,
    "SkffnnTabularFFNClassifier",
    _classifier_shapes,
    _convert_classifier,
    parser=_parse_tabular_classifier,
    options=_onnx.CLASSIFIER_OPTIONS,
)
_onnx.update_registered_converter(
    TabularFFNRegressor,
    "SkffnnTabularFFNRegressor",
    _regressor_shapes,
    _convert_regressor,
    parser=_parse_tabular_regressor,
)
