"""ONNX export: onnxruntime running the exported graph agrees with the estimator.

The oracle is the estimator's own ``predict`` / ``predict_proba`` (checked
against scikit-learn's MLP and mpmath elsewhere) and, for the activations and
links on extreme inputs, mpmath itself. Each model is checked on rows that
include saturated logits (``|z|`` of tens to hundreds), where a clamped or
naive sigmoid in the graph would lose the tiny probabilities' digits.
"""

import importlib.util
import re
import runpy
import warnings
from pathlib import Path

import numpy as np
import pytest
from _extras import require_extra
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

ort = require_extra("onnxruntime", "onnx")
skl2onnx = require_extra("skl2onnx", "onnx")
mpmath = require_extra("mpmath", "test")

import skffnn.onnx  # noqa: E402  (after the skip: it needs the extra)
from skffnn import FFNClassifier, FFNRegressor  # noqa: E402

pytestmark = pytest.mark.usefixtures("single_threaded_blas")

ROOT = Path(__file__).resolve().parents[1]
RTOL = {np.float32: 1e-6, np.float64: 1e-12}
ACTIVATIONS = ["identity", "logistic", "sigmoid", "tanh", "relu", "softplus"]


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


def run(model, X, **options):
    """The exported model's outputs on ``X`` (the sample row fixes the dtype)."""
    onx = skffnn.onnx.to_onnx(model, X[:1], **options)
    session = ort.InferenceSession(
        onx.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    return session.run(None, {session.get_inputs()[0].name: X})


def fit(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y)


def saturate(est, factor=25.0):
    """Scale the output layer so that the far-out rows get huge logits.

    The fitted attributes are what both the estimator and the converter read,
    so the comparison stays exact; only the regime changes.
    """
    est.coefs_[-1] = est.coefs_[-1] * factor
    est.intercepts_[-1] = est.intercepts_[-1] * factor
    return est


def rows(X, dtype):
    """The data, and the same rows pushed far out (times 8)."""
    return np.vstack([X[:40], 8 * X[:40]]).astype(dtype)


def assert_relative(actual, expected, rtol):
    """Elementwise ``|a - e| <= rtol |e|``: a tiny value keeps its digits too."""
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape
    assert actual.dtype == expected.dtype
    err = np.abs(actual.astype(np.float64) - expected)
    bad = err > rtol * np.abs(expected.astype(np.float64))
    assert not bad.any(), (
        f"{bad.sum()} entries off by more than {rtol} relative; worst: "
        f"{actual[bad][:3]} vs {expected[bad][:3]}"
    )


def assert_agrees(actual, method, X):
    """onnxruntime's ``actual`` against the estimator's ``method(X)``.

    float64: elementwise within 1e-12 relative. float32: elementwise within
    1e-6 relative, plus twice the estimator's own float32 rounding error: two
    float32 evaluations agree only as far as each is exact (numpy's float32
    tanh, for one, is 1 ULP off the correctly rounded value for a third of its
    inputs), and a tiny probability's relative error is its logit's absolute
    error. That error is measured against the same weights and rows evaluated
    in float64 (numpy promotes float32 weights with float64 rows); entries
    that float32 cannot hold as normal numbers must agree to within the
    smallest normal float32.
    """
    expected = method(X)
    if X.dtype == np.float64:
        assert_relative(actual, expected, RTOL[np.float64])
        return
    exact = method(X.astype(np.float64)).astype(np.float32).astype(np.float64)
    tiny = np.finfo(np.float32).tiny
    normal = np.abs(exact) >= tiny
    own = np.max(np.abs(expected - exact)[normal] / np.abs(exact[normal]))
    assert_relative(actual[normal], expected[normal], RTOL[np.float32] + 2 * own)
    assert np.all(np.abs(actual - expected)[~normal] <= tiny)
    assert actual.dtype == expected.dtype == np.float32


def check_classifier(clf, X, **options):
    label, proba = run(clf, X, options={"zipmap": False, **options})
    np.testing.assert_array_equal(label, clf.predict(X))
    assert_agrees(proba, clf.predict_proba, X)
    return label, proba


def clf_data(n_classes=3, n_features=6, seed=0):
    return make_classification(
        n_samples=120,
        n_features=n_features,
        n_informative=4,
        n_classes=n_classes,
        random_state=seed,
    )


# --------------------------------------------------------------------------
# the matrix: activations, depths, targets, dtypes
# --------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_every_hidden_activation_matches_the_estimator(activation, dtype):
    X, y = clf_data()
    clf = FFNClassifier(
        (7, 5), activation=activation, solver="lbfgs", max_iter=30, random_state=0
    )
    clf = saturate(fit(clf, X.astype(dtype), y))
    Xt = rows(X, dtype)
    assert np.abs(clf.logits(Xt)).max() > 30  # saturated logits seen
    check_classifier(clf, Xt)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    ("hidden", "activation"),
    [
        ((), "relu"),
        ((6,), ["softplus"]),
        ((6, 5), ["sigmoid", "identity"]),
        ((6, 5, 4), ["tanh", "softplus", "relu"]),
        ((5, 4, 4, 3), ["logistic", "relu", "softplus", "tanh"]),
    ],
)
def test_every_depth_and_per_layer_lists_match(hidden, activation, dtype):
    X, y = clf_data(n_classes=4)
    clf = FFNClassifier(
        hidden, activation=activation, solver="lbfgs", max_iter=30, random_state=0
    )
    clf = saturate(fit(clf, X.astype(dtype), y))
    check_classifier(clf, rows(X, dtype))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "labels",
    [
        np.array([3, 7]),
        np.array(["no", "yes"]),
        np.array([False, True]),
        np.array([-1.0, 1.0]),
        np.array(["cat", "dog", "eel"]),
        np.array([10, 20, 30, 40]),
    ],
    ids=["binary-int", "binary-str", "bool", "float-int-valued", "str", "int"],
)
def test_binary_and_multiclass_labels_identical(labels, dtype):
    X, y = clf_data(n_classes=len(labels))
    clf = FFNClassifier(
        (8,), activation="softplus", solver="lbfgs", max_iter=30, random_state=0
    )
    clf = saturate(fit(clf, X.astype(dtype), labels[y]))
    label, proba = check_classifier(clf, rows(X, dtype))
    if len(labels) == 2:
        # Both columns from the logit: the small one is not rounded as 1 - p.
        assert proba.min() < 1e-12
    assert label.dtype.kind == ("O" if labels.dtype.kind == "U" else "i")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_multilabel_indicator_and_probabilities_match(dtype):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 5))
    Y = np.column_stack([X[:, 0] > 0, X[:, 1] + X[:, 2] > 0, X[:, 3] > 1]).astype(int)
    clf = FFNClassifier(
        (8,), activation="tanh", solver="lbfgs", max_iter=40, random_state=0
    )
    clf = saturate(fit(clf, X.astype(dtype), Y))
    label, _ = check_classifier(clf, rows(X, dtype))
    assert label.shape == (80, 3)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n_targets", [1, 3])
@pytest.mark.parametrize("loss", ["squared_error", "poisson"])
def test_regression_keeps_shape_n_by_k(loss, n_targets, dtype):
    X, y = make_regression(
        n_samples=120, n_features=5, n_targets=n_targets, random_state=0
    )
    y = np.exp(y / y.std()) if loss == "poisson" else y / y.std()
    reg = FFNRegressor(
        hidden_layer_sizes=(8, 4),
        activation=["softplus", "logistic"],
        loss=loss,
        solver="lbfgs",
        max_iter=30,
        random_state=0,
    )
    reg = fit(reg, X.astype(dtype), y)
    if loss == "poisson":
        reg = saturate(reg, 8.0)  # exp of scores of +-40: huge and tiny rates
    Xt = rows(X, dtype)
    (pred,) = run(reg, Xt)
    assert pred.shape == (len(Xt), n_targets)  # not skl2onnx's (n * k, 1)
    assert_agrees(pred, lambda X: reg.predict(X).reshape(len(X), n_targets), Xt)
    if loss == "poisson":
        assert pred.min() < 1e-10 < 1e10 < pred.max()


def test_float32_model_in_a_double_graph_matches_in_double():
    X, y = clf_data()
    clf = saturate(
        fit(
            FFNClassifier(
                (6,), activation="softplus", solver="lbfgs", max_iter=30, random_state=0
            ),
            X.astype(np.float32),
            y,
        )
    )
    # float64 rows: both sides compute in double from the float32 weights.
    check_classifier(clf, rows(X, np.float64))


def test_integer_input_is_cast_to_float():
    X, y = clf_data()
    X = np.round(X * 3).astype(np.int64)
    clf = FFNClassifier((6,), solver="lbfgs", max_iter=30, random_state=0)
    clf = fit(clf, X.astype(np.float32), y)
    label, proba = run(clf, X, options={"zipmap": False})  # an int64 graph input
    np.testing.assert_array_equal(label, clf.predict(X.astype(np.float32)))
    assert_agrees(proba, clf.predict_proba, X.astype(np.float32))


def test_single_class_predicts_that_class_with_probability_one():
    X, _ = clf_data()
    clf = FFNClassifier((4,), solver="lbfgs", max_iter=5, random_state=0)
    clf = fit(clf, X, np.full(len(X), "only"))
    label, proba = run(clf, X[:5], options={"zipmap": False})
    np.testing.assert_array_equal(label, clf.predict(X[:5]))
    np.testing.assert_array_equal(proba, clf.predict_proba(X[:5]))


# --------------------------------------------------------------------------
# extreme inputs against mpmath
# --------------------------------------------------------------------------


def one_unit_regressor(activation, dtype):
    """predict(x) == activation(x): one hidden unit, unit weights, no bias."""
    reg = fit(
        FFNRegressor(
            hidden_layer_sizes=(1,), activation=activation, solver="lbfgs", max_iter=1
        ),
        np.zeros((3, 1), dtype),
        np.zeros(3),
    )
    one, zero = np.ones((1, 1), dtype), np.zeros(1, dtype)
    reg.coefs_, reg.intercepts_ = [one, one], [zero, zero]
    return reg


_MP = {
    "softplus": lambda v: mpmath.log1p(mpmath.exp(v)),
    "logistic": lambda v: 1 / (1 + mpmath.exp(-v)),
}


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(-700, 700, allow_nan=False), min_size=1, max_size=20),
    st.sampled_from(["softplus", "logistic"]),
    st.sampled_from([np.float32, np.float64]),
)
def test_hidden_softplus_and_sigmoid_are_within_a_few_ulp(xs, name, dtype):
    if dtype == np.float32:
        # Beyond -80 the float32 results are subnormal, with fewer digits.
        xs = [min(max(x, -80.0), 80.0) for x in xs]
    X = np.array(xs, dtype).reshape(-1, 1)
    (pred,) = run(one_unit_regressor(name, dtype), X)
    with mpmath.workdps(40):
        exact = [float(_MP[name](mpmath.mpf(float(x)))) for x in X.ravel()]
    # The graph's log1p is Kahan's (a few ULP in double), where onnxruntime's
    # Softplus (float only) loses all digits below x = -17 and its Sigmoid
    # clamps; float32 graphs evaluate both in double and round once.
    ulps = 8 if dtype == np.float64 else 1
    expected = np.array(exact).astype(dtype)
    assert_relative(pred.ravel(), expected, ulps * np.finfo(dtype).eps)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.floats(-1000, 1000, allow_nan=False, width=64), min_size=1, max_size=20)
)
def test_binary_probabilities_of_extreme_logits_keep_their_digits(zs):
    # No hidden layer, one feature, weight 1: the logit is the input itself.
    clf = fit(
        FFNClassifier((), solver="lbfgs", max_iter=1), np.array([[-1.0], [1.0]]), [0, 1]
    )
    clf.coefs_, clf.intercepts_ = [np.ones((1, 1))], [np.zeros(1)]
    X = np.array(zs).reshape(-1, 1)
    label, proba = run(clf, X, options={"zipmap": False})
    with mpmath.workdps(40):
        exact = np.array(
            [[float(1 / (1 + mpmath.exp(s * z))) for s in (1, -1)] for z in zs]
        )
    assert_relative(proba, exact, 4 * np.finfo(np.float64).eps)
    np.testing.assert_array_equal(label, clf.predict(X))


# --------------------------------------------------------------------------
# skl2onnx's entry points, pipelines, options
# --------------------------------------------------------------------------


def test_skl2onnx_converts_a_pipeline_with_our_estimator():
    X, y = clf_data(n_classes=3)
    net = FFNClassifier(
        (8,), activation=["softplus"], solver="lbfgs", max_iter=30, random_state=0
    )
    pipe = fit(make_pipeline(StandardScaler(), net), X, y)
    clf = pipe[-1]
    from skl2onnx.common.data_types import DoubleTensorType

    onx = skl2onnx.convert_sklearn(
        pipe,
        initial_types=[("input", DoubleTensorType([None, X.shape[1]]))],
        options={id(clf): {"zipmap": False}},
    )
    session = ort.InferenceSession(onx.SerializeToString())
    label, proba = session.run(None, {"input": 6 * X})
    np.testing.assert_array_equal(label, pipe.predict(6 * X))
    assert_relative(proba, pipe.predict_proba(6 * X), RTOL[np.float64])


def test_regressor_in_a_pipeline_through_skl2onnx_to_onnx():
    X, y = make_regression(n_samples=100, n_features=4, n_targets=2, random_state=1)
    pipe = fit(
        make_pipeline(
            StandardScaler(),
            FFNRegressor(
                hidden_layer_sizes=(6,), solver="lbfgs", max_iter=30, random_state=0
            ),
        ),
        X,
        y,
    )
    onx = skl2onnx.to_onnx(pipe, X[:1])
    (pred,) = ort.InferenceSession(onx.SerializeToString()).run(None, {"X": X})
    assert pred.shape == (100, 2)
    assert_relative(pred, pipe.predict(X), RTOL[np.float64])


@pytest.fixture(scope="module")
def iris_like():
    X, y = clf_data(n_classes=3)
    labels = np.array(["a", "b", "c"])[y]
    clf = fit(
        FFNClassifier((5,), solver="lbfgs", max_iter=30, random_state=0), X, labels
    )
    return clf, X


def test_zipmap_gives_a_dictionary_per_row(iris_like):
    clf, X = iris_like
    X = X.astype(np.float32)  # onnxruntime's ZipMap takes float32 only
    label, dicts = run(clf, X[:5])
    np.testing.assert_array_equal(label, clf.predict(X[:5]))
    proba = clf.predict_proba(X[:5])
    for row, d in zip(proba, dicts):
        assert sorted(d) == ["a", "b", "c"]
        got = np.array([d[c] for c in "abc"], dtype=np.float32)
        assert_relative(got, row.astype(np.float32), RTOL[np.float32])


def test_zipmap_columns_gives_one_output_per_class(iris_like):
    clf, X = iris_like
    label, *columns = run(clf, X[:5], options={"zipmap": "columns"})
    np.testing.assert_array_equal(label, clf.predict(X[:5]))
    assert_relative(np.column_stack(columns), clf.predict_proba(X[:5]), 1e-12)


def test_nocl_gives_class_indices(iris_like):
    clf, X = iris_like
    label, _ = run(clf, X, options={"zipmap": False, "nocl": True})
    np.testing.assert_array_equal(label, np.searchsorted(clf.classes_, clf.predict(X)))


def test_output_class_labels_adds_the_classes(iris_like):
    clf, X = iris_like
    outputs = run(clf, X[:3], options={"zipmap": False, "output_class_labels": True})
    np.testing.assert_array_equal(outputs[2], clf.classes_)


def test_unknown_option_raises_naming_it(iris_like):
    clf, X = iris_like
    with pytest.raises(NameError, match="bogus"):
        skffnn.onnx.to_onnx(clf, X[:1], options={"bogus": True})


def test_zipmap_with_a_double_input_raises_instead_of_an_invalid_graph(iris_like):
    clf, X = iris_like
    with pytest.raises(ValueError, match=r"zipmap.*float32"):
        skffnn.onnx.to_onnx(clf, X[:1])  # zipmap=True is skl2onnx's default
    pipe = fit(make_pipeline(StandardScaler(), clone(clf)), X, clf.predict(X))
    with pytest.raises(ValueError, match="zipmap"):
        skl2onnx.to_onnx(pipe, X[:1])


@pytest.mark.parametrize("convert", ["ours", "skl2onnx"])
@pytest.mark.parametrize("cls", [FFNClassifier, FFNRegressor])
def test_unfitted_model_raises_not_fitted(cls, convert):
    X = np.zeros((2, 3))
    to_onnx = skffnn.onnx.to_onnx if convert == "ours" else skl2onnx.to_onnx
    with pytest.raises(NotFittedError, match=cls.__name__):
        to_onnx(cls(), X)


def test_activation_changed_after_fit_exports_what_the_model_predicts_with(
    iris_like,
):
    clf, X = iris_like
    clf = clone(clf).set_params(activation="softplus")
    clf = fit(clf, X, iris_like[0].predict(X))
    clf.set_params(activation="relu")  # no refit: predict still uses softplus
    check_classifier(clf, X.astype(np.float64))


def test_hand_set_weights_that_do_not_match_the_activations_raise(iris_like):
    clf, X = iris_like
    clf = fit(clone(clf), X, clf.predict(X))
    # Weights set by hand on an estimator never fitted: only `activation`
    # says which gates they go with.
    hand = FFNClassifier(hidden_layer_sizes=(5,), activation=["relu", "tanh"])
    hand.__dict__.update(
        {k: v for k, v in vars(clf).items() if k.endswith("_") and k != "activation"}
    )
    hand._label_binarizer = clf._label_binarizer
    with pytest.raises(ValueError, match="one name per hidden layer"):
        skffnn.onnx.to_onnx(hand, X[:1], options={"zipmap": False})
    hand.activation = "gelu"
    with pytest.raises(ValueError, match="gelu"):
        skffnn.onnx.to_onnx(hand, X[:1], options={"zipmap": False})


def test_softplus_double_graph_uses_no_sigmoid_or_softplus_operator():
    # onnxruntime's Sigmoid clamps, its Softplus has no double kernel: the
    # graph must not rely on them (if it did, the tests above would catch the
    # lost digits; this names the cause).
    X, y = clf_data(n_classes=2)
    clf = fit(
        FFNClassifier(
            (4, 3), activation=["softplus", "logistic"], solver="lbfgs", max_iter=5
        ),
        X,
        y,
    )
    onx = skffnn.onnx.to_onnx(clf, X[:1], options={"zipmap": False})
    ops = {node.op_type for node in onx.graph.node}
    assert not ops & {"Sigmoid", "Softplus"}
    floats = [i.name for i in onx.graph.initializer if i.data_type == 1]
    assert not floats, "a float64 graph holds its weights and constants in double"


def test_float32_tanh_runs_in_float32_as_the_estimator_does():
    # The estimator's float32 tanh is np.tanh on float32 buffers (no detour
    # through double): the graph's Tanh takes and gives float32, as the module
    # docstring says. The sigmoid next to it is evaluated in double.
    X, y = clf_data()
    clf = fit(
        FFNClassifier((6, 5), activation=["tanh", "logistic"], max_iter=5),
        X.astype(np.float32),
        y,
    )
    onx = skffnn.onnx.to_onnx(clf, X[:1].astype(np.float32), options={"zipmap": False})
    made_by = {out: node for node in onx.graph.node for out in node.output}
    (tanh,) = [node for node in onx.graph.node if node.op_type == "Tanh"]
    feeds = made_by[tanh.input[0]]
    assert feeds.op_type == "Add", "Tanh reads the layer's float32 affine output"
    assert not any(
        node.op_type == "Cast" and tanh.output[0] in node.input
        for node in onx.graph.node
    )
    casts = [n for n in onx.graph.node if n.op_type == "Cast"]
    assert any(a.i == 11 for n in casts for a in n.attribute), "sigmoid in double"
    doc = skffnn.onnx.__doc__
    assert "``tanh`` stay in float32" in doc and "and ``tanh``, in double" not in doc
    Xt = rows(X, np.float32)
    check_classifier(clf, Xt)


@pytest.mark.parametrize("cls", [FFNClassifier, FFNRegressor])
@pytest.mark.parametrize("how", ["to_onnx", "skl2onnx", "dict"])
def test_target_opset_below_the_minimum_raises_naming_it(cls, how):
    # Below opset 11 the graph used to be written, and onnxruntime refused to
    # load it (Equal on doubles, in log1p).
    X, y = clf_data()
    est = fit(cls(hidden_layer_sizes=(4,), activation="softplus", max_iter=5), X, y)
    opset = skffnn.onnx.MIN_OPSET - 1
    options = {"zipmap": False} if cls is FFNClassifier else None
    message = f"target_opset >= {skffnn.onnx.MIN_OPSET}"
    with pytest.raises(ValueError, match=message):
        if how == "to_onnx":
            skffnn.onnx.to_onnx(est, X[:1], target_opset=opset, options=options)
        elif how == "skl2onnx":
            skl2onnx.to_onnx(est, X[:1], target_opset=opset, options=options)
        else:
            skffnn.onnx.to_onnx(
                est, X[:1], target_opset={"": opset, "ai.onnx.ml": 1}, options=options
            )


@pytest.mark.parametrize("cls", [FFNClassifier, FFNRegressor])
def test_the_minimum_target_opset_loads_and_agrees_in_onnxruntime(cls):
    X, y = clf_data()
    est = fit(
        cls(hidden_layer_sizes=(4, 3), activation=["softplus", "tanh"], max_iter=5),
        X,
        y,
    )
    options = {"zipmap": False} if cls is FFNClassifier else {}
    onx = skffnn.onnx.to_onnx(
        est, X[:1], target_opset=skffnn.onnx.MIN_OPSET, options=options
    )
    assert max(o.version for o in onx.opset_import if o.domain in ("", "ai.onnx")) <= (
        skffnn.onnx.MIN_OPSET
    )
    session = ort.InferenceSession(
        onx.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    outputs = session.run(None, {"X": X})
    if cls is FFNClassifier:
        np.testing.assert_array_equal(outputs[0], est.predict(X))
        assert_relative(outputs[1], est.predict_proba(X), RTOL[np.float64])
    else:
        np.testing.assert_allclose(outputs[0].ravel(), est.predict(X), rtol=1e-12)


# --------------------------------------------------------------------------
# the benchmark script
# --------------------------------------------------------------------------


def test_benchmark_script_runs_and_reports_agreement(capsys, monkeypatch):
    bench = ROOT / "benchmarks"
    monkeypatch.syspath_prepend(str(bench))
    spec = importlib.util.spec_from_file_location("bench_onnx", bench / "bench_onnx.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    argv = ["--quick", "--repeats", "1", "--threads", "1", "--dtypes", "float32"]
    assert module.main(argv) == 0
    (row,) = [
        line for line in capsys.readouterr().out.splitlines() if "| float32" in line
    ]
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[:3] == ["float32", "1", "5,000"]
    assert cells[6] == "True"  # labels identical
    assert float(cells[5].strip("*")) > 0  # the ratio


@pytest.mark.slow
def test_deployment_example_shows_agreement_down_to_tiny_probabilities(capsys):
    require_extra("matplotlib", "docs")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    script = ROOT / "examples" / "plot_deployment.py"
    result = runpy.run_path(str(script), run_name="example_deployment")["main"]()
    plt.close("all")
    out = capsys.readouterr().out
    assert "labels identical: True" in out
    # The graph's types by name, not by ONNX's type codes (11 is DOUBLE).
    assert re.search(r"input\s+X\s+DOUBLE\s+shape \(n, 64\)", out), out
    assert re.search(r"output\s+probabilities\s+DOUBLE", out), out
    assert result["labels_identical"] and result["zeros_match"]
    assert result["max_relative_difference"] < 1e-12
    assert result["smallest_probability"] < 1e-30  # saturated logits were seen
