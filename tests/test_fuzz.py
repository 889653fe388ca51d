"""Property-based fuzzing of the estimators with hypothesis.

One property test draws a whole problem: shapes, dtype (float32/float64),
feature scale, target kind (binary, multiclass with int or str labels,
multilabel, single- and multi-output regression, Poisson), hidden layers and
activations (one name or a per-layer list), solver and small hyperparameters.
It fits and checks the invariants that must hold for every such problem:

- fit and predict emit no floating-point RuntimeWarning (and raise no
  FloatingPointError under ``np.errstate(over/invalid/divide='raise')``);
  divergence may happen with the larger learning rates, but then only as a
  DivergenceWarning, with finite weights;
- predictions are never NaN; Poisson predictions are >= 0;
- predict_proba rows sum to 1 within 1e-12 for float64 (1e-6 for float32),
  predict is ``classes_[argmax(predict_proba)]`` (multilabel: ``proba > 0.5``),
  predict_log_proba is exactly the log of predict_proba, and exact_log_proba
  (from the logits) is finite and agrees with it wherever p is a normal number;
- a pickle round-trip predicts bit-identically.

The default run is bounded (25 examples, a few seconds). For a release check run
many more, freshly drawn examples (the default run replays the same ones)::

    export HYPOTHESIS_PROFILE=explore SKFFNN_FUZZ_EXAMPLES=2000
    python -m pytest tests/test_fuzz.py
"""

from __future__ import annotations

import os
import pickle
import warnings

import numpy as np
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import ConvergenceWarning

from skffnn import DivergenceWarning, FFNClassifier, FFNRegressor

N_EXAMPLES = int(os.environ.get("SKFFNN_FUZZ_EXAMPLES", "25"))
ACTIVATIONS = ["identity", "logistic", "sigmoid", "tanh", "relu", "softplus"]
TARGETS = ["binary", "multiclass", "multilabel", "regression", "multioutput", "poisson"]


@st.composite
def problems(draw):
    """(estimator, X, y): a random estimator and data to fit it on."""
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.RandomState(seed)
    target = draw(st.sampled_from(TARGETS))
    n = draw(st.integers(4, 60))
    p = draw(st.integers(1, 5))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    scale = draw(st.sampled_from([1e-3, 1.0, 1e3]))
    X = (rng.normal(size=(n, p)) * scale).astype(dtype)

    if target == "binary":
        y = rng.randint(0, 2, n)
        y[:2] = [0, 1]
    elif target == "multiclass":
        k = draw(st.integers(3, 4))
        y = rng.permutation(np.arange(n) % k)
        if draw(st.booleans()):
            y = np.array(["ant", "bee", "cat", "dog"])[y]
    elif target == "multilabel":
        y = (rng.rand(n, draw(st.integers(2, 3))) < 0.5).astype(int)
    elif target == "regression":
        y = X.astype(float) @ rng.normal(size=p) / scale * 10 ** rng.randint(-2, 4)
    elif target == "multioutput":
        y = X.astype(float) @ rng.normal(size=(p, 2)) / scale
    else:  # poisson counts
        y = rng.poisson(np.exp(np.clip(X[:, 0] / scale, -3, 3))).astype(float)

    n_hidden = draw(st.integers(1, 3))
    one_name = st.sampled_from(ACTIVATIONS)
    solver = draw(st.sampled_from(["lbfgs", "sgd", "adam"]))
    params = dict(
        hidden_layer_sizes=tuple(draw(st.integers(1, 6)) for _ in range(n_hidden)),
        activation=draw(
            st.one_of(
                one_name, st.lists(one_name, min_size=n_hidden, max_size=n_hidden)
            )
        ),
        solver=solver,
        alpha=draw(st.sampled_from([0.0, 1e-4, 1e-2, 1.0])),
        max_iter=draw(st.integers(1, 15)),
        random_state=draw(st.integers(0, 1000)),
    )
    if solver != "lbfgs":
        params.update(
            learning_rate_init=draw(st.sampled_from([1e-3, 1e-2, 0.1])),
            batch_size=draw(st.one_of(st.just("auto"), st.integers(1, n))),
            early_stopping=n >= 30 and draw(st.booleans()),
        )
        if solver == "sgd":
            params.update(
                momentum=draw(st.sampled_from([0.0, 0.5, 0.9])),
                nesterovs_momentum=draw(st.booleans()),
                learning_rate=draw(
                    st.sampled_from(["constant", "invscaling", "adaptive"])
                ),
            )
    if target in ("regression", "multioutput", "poisson"):
        loss = "poisson" if target == "poisson" else "squared_error"
        est = FFNRegressor(loss=loss, **params)
    else:
        est = FFNClassifier(**params)
    return est, X, y


STRICT = dict(over="raise", invalid="raise", divide="raise")


def _fit(est, X, y):
    """Fit with floating-point errors made fatal."""
    with warnings.catch_warnings(), np.errstate(**STRICT):
        warnings.simplefilter("error", RuntimeWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)  # DivergenceWarning too
        warnings.simplefilter("ignore", UserWarning)  # batch_size clipped
        est.fit(X, y)


def _cannot_overflow(est, X):
    """Whether no layer's outputs can exceed the dtype's range, by a bound.

    ``|z'| <= max|a| * max_j sum_i |W_ij| + max|b|`` per layer, and every
    activation has ``|f(z)| <= |z| + 1``.
    """
    bound = float(np.abs(X).max())
    for W, b in zip(est.coefs_, est.intercepts_):
        W, b = np.abs(W.astype(float)), np.abs(b.astype(float))
        with np.errstate(over="ignore"):
            bound = bound * W.sum(axis=0).max() + b.max() + 1
    return bound < np.finfo(X.dtype).max / 16


def _outputs(est, X):
    """Every prediction method's output.

    Strict about floating-point errors when the network's outputs cannot
    overflow. A model trained into huge finite weights (a step that explodes
    them without a non-finite loss first) may overflow in the forward pass;
    its predictions are then only required not to be NaN.
    """
    methods = ["predict"]
    if isinstance(est, FFNClassifier):
        methods += ["predict_proba", "predict_log_proba", "exact_log_proba", "logits"]
    strict = _cannot_overflow(est, X)
    with warnings.catch_warnings(), np.errstate(**(STRICT if strict else {})):
        warnings.simplefilter("error" if strict else "ignore", RuntimeWarning)
        out = {m: getattr(est, m)(X) for m in methods}
        with np.errstate(all="ignore"):
            scores = est._scores(X)
    return out, scores


@settings(
    max_examples=N_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(problems())
def test_fitted_models_keep_their_invariants(problem):
    est, X, y = problem
    note(f"{est!r}\nX: {X.shape} {X.dtype}, y: {np.shape(y)} {np.asarray(y).dtype}")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DivergenceWarning)
        _fit(est, X, y)
    diverged = any(issubclass(w.category, DivergenceWarning) for w in caught)
    out, scores = _outputs(est, X)
    note(f"diverged: {diverged}, max |score|: {np.abs(scores).max()}")

    for coef in [*est.coefs_, *est.intercepts_]:
        assert np.isfinite(coef).all()
        assert coef.dtype == X.dtype
    predictions = np.asarray(out["predict"])
    if isinstance(est, FFNRegressor):
        assert not np.isnan(predictions).any()
        if est.loss == "poisson":
            assert (predictions >= 0).all()
    else:
        _check_classifier_outputs(est, X, y, out, scores)

    loaded = pickle.loads(pickle.dumps(est))
    again, _ = _outputs(loaded, X)
    for method, values in out.items():
        assert_array_equal(again[method], values, err_msg=method)


def _check_classifier_outputs(est, X, y, out, scores):
    proba, log_proba = out["predict_proba"], out["exact_log_proba"]
    with np.errstate(divide="ignore"):
        assert_array_equal(out["predict_log_proba"], np.log(proba))
    assert proba.dtype == log_proba.dtype == X.dtype
    assert ((proba >= 0) & (proba <= 1)).all()
    assert not np.isnan(log_proba).any() and (log_proba <= 0).all()
    finfo = np.finfo(X.dtype)
    if np.abs(scores).max() < finfo.max / 4:
        # Finite, unless the true value is beyond the dtype's range (a logit
        # of -1e38 in float32 has a log-probability below -3.4e38).
        assert np.isfinite(log_proba).all()
    # exp(log p) is p wherever p is a normal number (not underflowed).
    normal = proba > 1e3 * finfo.tiny
    rtol = 1e-6 if X.dtype == np.float32 else 1e-12
    assert_allclose(np.exp(log_proba)[normal], proba[normal], rtol=rtol * 10)
    if np.ndim(y) == 2:  # multilabel: one independent probability per label
        assert_array_equal(out["predict"], (proba > 0.5).astype(int))
        return
    assert_allclose(proba.sum(axis=1), 1.0, rtol=0, atol=rtol)
    assert_array_equal(out["predict"], est.classes_[np.argmax(proba, axis=1)])
