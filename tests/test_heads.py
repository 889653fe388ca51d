"""Output heads and initialisation against their oracles.

The heads (``skffnn._losses``): probabilities against scikit-learn's
``predict_proba`` given the same logits, exact log-probabilities and every
head's fused loss and seed gradient against their definitions in mpmath
(ordinary logits and rows near -740 and +700), and the squared error's pairing
of loss and gradient against scikit-learn's own ``_backprop``. The
initialisation (``glorot_factors`` through ``Network.init_params``) against
scikit-learn's ``_initialize`` / ``_init_coef`` draws.
"""

import itertools
import warnings

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.utils import check_random_state

from skffnn import functional as F
from skffnn._activations import glorot_factors, hidden_activations
from skffnn._losses import HEADS, get_head
from skffnn.network import Network
from skffnn.utils import check_gradient

mpmath.mp.prec = 200
MP = mpmath.mpf
U64 = np.finfo(np.float64).eps / 2  # unit roundoff


def _ulps(got, want):
    """Distance in ULP of ``want`` (correctly rounded float64), 0 when equal."""
    got, want = np.asarray(got, float), np.asarray(want, float)
    same = (got == want) | (np.isnan(got) & np.isnan(want))
    with np.errstate(invalid="ignore"):
        d = np.abs(got - want) / np.spacing(np.abs(want))
    return np.where(same, 0.0, d)


# --------------------------------------------------------------------------
# proba / exact_log_proba
# --------------------------------------------------------------------------


def _logits(mlp, X):
    """The network's raw output scores from scikit-learn's weights, by hand."""
    a = X
    for W, b in zip(mlp.coefs_[:-1], mlp.intercepts_[:-1]):
        a = np.tanh(a @ W + b)
    return a @ mlp.coefs_[-1] + mlp.intercepts_[-1]


@pytest.mark.parametrize("target", ["binary", "multiclass", "multilabel"])
def test_proba_is_sklearns_predict_proba_given_the_same_logits(target):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 4))
    y = {
        "binary": rng.randint(2, size=60),
        "multiclass": rng.randint(4, size=60),
        "multilabel": rng.randint(2, size=(60, 3)),
    }[target]
    mlp = MLPClassifier((5,), activation="tanh", max_iter=50, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp.fit(X, y)
    head = get_head("log_loss" if target == "multiclass" else "binary_log_loss")
    assert head.out_activation == mlp.out_activation_
    got = head.proba(_logits(mlp, X))
    want = mlp.predict_proba(X)
    assert got.shape == want.shape
    # scikit-learn's binary first column is 1 - p, ours sigmoid(-z): rounding.
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=2 * U64)


def _mp_log_softmax(zs):
    """``log_softmax(zs)`` keeping a rest far below the working precision."""
    top = max(zs)
    others = list(zs)
    others.remove(top)
    log_sum = mpmath.log1p(mpmath.fsum(mpmath.exp(v - top) for v in others))
    return [(v - top) - log_sum for v in zs]


def _mp_log_proba(head_name, z_row):
    zs = [MP(float(v)) for v in z_row]
    if head_name == "log_loss":
        return _mp_log_softmax(zs)
    cols = [-zs[0], zs[0]] if len(zs) == 1 else zs
    return [-mpmath.log1p(mpmath.exp(-v)) for v in cols]


def _saturated_logits(rng, n, k):
    z = rng.normal(scale=5.0, size=(n, k))
    z[: n // 3] *= 160.0  # |z| up to ~800: exp(-z) over- and underflows
    z[n // 3 : n // 2] += rng.choice(
        [-740.0, 700.0, 40.0, -40.0], size=(n // 2 - n // 3, 1)
    )
    return z


@pytest.mark.parametrize(
    "head_name, k",
    [("binary_log_loss", 1), ("binary_log_loss", 3), ("log_loss", 2), ("log_loss", 5)],
)
def test_exact_log_proba_is_finite_and_within_2_ulp_of_mpmath(head_name, k):
    head = get_head(head_name)
    z = _saturated_logits(np.random.RandomState(k), 60, k)
    got = head.exact_log_proba(z)
    assert got.shape == head.proba(z).shape
    want = np.array([[float(v) for v in _mp_log_proba(head_name, row)] for row in z])
    assert np.isfinite(got).all()  # every true log-probability here is finite
    assert _ulps(got, want).max() <= 2, z[
        np.unravel_index(_ulps(got, want).argmax(), got.shape)[0]
    ]


@pytest.mark.parametrize("seed", [0, 1])
def test_exact_log_softmax_keeps_2_ulp_of_its_own_value_on_wide_random_rows(seed):
    # Relative to the value itself, also for a top class's -1e-250: the shift
    # z - max rounds (6e-14 at -577, which exp magnifies to 250 ULP) and a
    # plain row sum adds a rounding per column (3 ULP on 9 columns).
    rng = np.random.RandomState(seed)
    head = get_head("log_loss")
    for _ in range(25):
        k = rng.randint(2, 12)
        z = rng.normal(scale=10 ** rng.uniform(-2, 2.5), size=(8, k))
        z += rng.choice([0.0, -740.0, 700.0, 1e5])
        got = head.exact_log_proba(z)
        want = np.array([[float(v) for v in _mp_log_softmax([MP(float(x)) for x in r])]
                         for r in z])  # fmt: skip
        assert _ulps(got, want).max() <= 2, z


def _wide_logit_batch(rng, n, k, dtype):
    """Logits of ``n`` rows: wide spreads, large offsets, tied maxima, -inf."""
    z = rng.normal(scale=10 ** rng.uniform(-2, 2.5, size=(n, 1)), size=(n, k))
    z += rng.choice([0.0, -740.0, 700.0, 1e5, 30.0], size=(n, 1))
    z[::7, 1] = z[::7].max(axis=1)  # a tie at the maximum
    z[::11, 2] = -np.inf
    with np.errstate(over="ignore"):
        return z.astype(dtype)


@pytest.mark.parametrize(
    "dtype, n_rows, max_ulp",
    # 40 rows: one block; 16,000 rows: three blocks of rows.
    [(np.float64, 40, 2), (np.float64, 16000, 2), (np.float32, 16000, 1)],
)
def test_exact_log_softmax_of_a_batch_is_within_target_of_mpmath_in_its_dtype(
    dtype, n_rows, max_ulp
):
    rng = np.random.RandomState(n_rows)
    z = _wide_logit_batch(rng, n_rows, 9, dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no floating-point warnings either
        got = get_head("log_loss").exact_log_proba(z)
    assert got.dtype == dtype and got.shape == z.shape
    step = -(-n_rows // -(-n_rows * 9 // (2 * F._BLOCK)))  # the kernel's blocks
    edges = [step - 1, step, 2 * step - 1, 2 * step]
    rows = np.unique(np.r_[rng.randint(0, n_rows, 150), edges, n_rows - 1])
    rows = rows[rows < n_rows]
    want = np.array(
        [
            [float(v) for v in _mp_log_softmax([MP(float(x)) for x in z[i]])]
            for i in rows
        ]
    ).astype(dtype)
    same = got[rows] == want  # the -inf entries among them
    assert np.isfinite(got[rows][~same]).all()
    ulp = np.spacing(np.abs(want[~same])).astype(float)  # in the result's dtype
    error = np.abs(got[rows][~same].astype(float) - want[~same].astype(float))
    assert (error / ulp).max(initial=0.0) <= max_ulp


def test_exact_log_proba_is_the_log_of_proba_where_proba_does_not_underflow():
    rng = np.random.RandomState(0)
    for name, k in (("log_loss", 4), ("binary_log_loss", 1), ("binary_log_loss", 3)):
        z = rng.normal(scale=3.0, size=(30, k))
        head = get_head(name)
        np.testing.assert_allclose(
            head.exact_log_proba(z), np.log(head.proba(z)), rtol=1e-14, atol=1e-15
        )


@pytest.mark.parametrize("name", ["squared_error", "poisson"])
def test_regression_heads_have_no_probabilities(name):
    head = get_head(name)
    assert not hasattr(head, "proba")
    assert not hasattr(head, "exact_log_proba")


def test_every_head_keeps_its_name_and_sklearns_out_activation():
    expected = {
        "squared_error": "identity",
        "poisson": "exp",
        "binary_log_loss": "logistic",
        "log_loss": "softmax",
    }
    assert {n: h.out_activation for n, h in HEADS.items()} == expected
    assert all(get_head(n).name == n for n in expected)
    assert not any(hasattr(h, "log_link") for h in HEADS.values())


def test_get_head_names_an_unknown_loss_or_objective():
    with pytest.raises(ValueError, match="Unknown loss 'hinge'"):
        get_head("hinge")
    with pytest.raises(ValueError, match="objective must be one of"):
        get_head("squared_error", objective="median")
    with pytest.raises(TypeError):
        get_head("log_loss", objective="sum")


# --------------------------------------------------------------------------
# Fused loss and seed against their definitions in mpmath
# --------------------------------------------------------------------------


def _mp_definition(name, z, y, w, objective="mean"):
    """(loss, seed) from the definition, in 200-bit arithmetic."""
    n, k = z.shape
    ws = [MP(1)] * n if w is None else [MP(float(v)) for v in w]
    total_w = mpmath.fsum(ws)
    per, seed = [], np.empty((n, k))
    for i in range(n):
        zi = [MP(float(v)) for v in z[i]]
        yi = [MP(float(v)) for v in y[i]]
        share = ws[i] / total_w
        if name == "squared_error":
            r = [a - b for a, b in zip(zi, yi)]
            loss_i = mpmath.fsum(v * v for v in r) / 2
            if objective != "sum":
                loss_i /= k
            g = [v / k if objective == "mean" else v for v in r]
        elif name == "poisson":
            mu = [mpmath.exp(v) for v in zi]
            loss_i = mpmath.fsum(
                (b * mpmath.log(b) if b else 0) - b * a - b + m
                for a, b, m in zip(zi, yi, mu)
            )
            g = [m - b for m, b in zip(mu, yi)]
        elif name == "binary_log_loss":
            sp = [mpmath.log1p(mpmath.exp(v)) for v in zi]
            loss_i = mpmath.fsum(s - b * a for s, a, b in zip(sp, zi, yi))
            g = [1 / (1 + mpmath.exp(-a)) - b for a, b in zip(zi, yi)]
        else:
            log_p = _mp_log_softmax(zi)
            loss_i = -mpmath.fsum(b * lp for lp, b in zip(log_p, yi))
            g = [mpmath.exp(lp) - b for lp, b in zip(log_p, yi)]
        per.append(share * loss_i)
        seed[i] = [float(share * v) for v in g]
    return mpmath.fsum(per), seed


def _targets(name, rng, n, k):
    if name == "squared_error":
        return rng.normal(scale=3.0, size=(n, k))
    if name == "poisson":
        return rng.poisson(2.0, size=(n, k)).astype(float)
    if name == "binary_log_loss":
        return rng.randint(2, size=(n, k)).astype(float)
    return np.eye(k)[rng.randint(k, size=n)]


@pytest.mark.parametrize("name", sorted(HEADS))
@pytest.mark.parametrize("rows", ["ordinary", "near -740", "near +700"])
@pytest.mark.parametrize("weighted", [False, True])
def test_fused_loss_and_seed_match_the_definition_in_mpmath(name, rows, weighted):
    rng = np.random.RandomState(len(name) + len(rows))
    n, k = 24, 3
    offset = {"ordinary": 0.0, "near -740": -740.0, "near +700": 700.0}[rows]
    z = offset + rng.normal(scale=3.0, size=(n, k))
    y = _targets(name, rng, n, k)
    w = rng.uniform(0.1, 3.0, size=n) if weighted else None
    want_loss, want_seed = _mp_definition(name, z, y, w)
    head = get_head(name)
    zc = z.copy()
    loss, seed = head.loss_and_seed(zc, y, w, out=zc)  # in place, as backprop does
    assert seed is zc
    # The loss: within a few ULP of the true value, except where the
    # definition itself cancels (Poisson's y log y - y z - y + e^z); there the
    # bound is a few ULP of the sum of the magnitudes of its terms.
    scale = abs(want_loss)
    if name == "poisson":
        with np.errstate(over="ignore"):
            mags = (
                np.abs(y * z)
                + np.abs(y)
                + np.exp(z)
                + np.abs(y * np.log(np.maximum(y, 1)))
            )
        share = np.full(n, 1 / n) if w is None else w / w.sum()
        scale = float(share @ mags.sum(axis=1))
    assert abs(loss - want_loss) <= 8 * U64 * float(scale), (loss, want_loss)
    assert loss == pytest.approx(head.loss(z, y, w), rel=1e-13, abs=1e-300)
    # The seed, entry by entry: link(z) - y is a difference, so its error
    # bound is relative to |link(z)| + |y| (times the sample's share).
    link = head.link(z.copy())
    share = np.full(n, 1 / n) if w is None else w / w.sum()
    bound = 8 * U64 * (np.abs(link) + np.abs(y)) * share[:, None] + 1e-300
    err = np.abs(seed - want_seed)
    assert (err <= bound).all(), (err / bound).max()


@pytest.mark.parametrize("name", ["binary_log_loss", "log_loss"])
def test_fused_loss_of_confident_correct_rows_keeps_its_tiny_value(name):
    # Every sample right with a margin of 40: the loss is about e^-40 per
    # sample, which softplus(z) - y z or log(1 + e^-40) would round to 0.
    rng = np.random.RandomState(0)
    k = 1 if name == "binary_log_loss" else 3
    y = _targets(name, rng, 20, k)
    margin = 40.0 + rng.normal(scale=0.5, size=y.shape)
    z = np.where(y > 0, margin, -margin if k == 1 else 0.0)
    want, _ = _mp_definition(name, z, y, None)
    loss, _ = get_head(name).loss_and_seed(z.copy(), y)
    if name == "binary_log_loss":
        assert abs(loss - want) <= 8 * U64 * abs(want)
    else:
        # The softmax head takes log of the row sum: its error is absolute,
        # a few eps per row (the tiny rest below eps is rounded away).
        assert abs(loss - want) <= 4 * k * U64


@pytest.mark.parametrize("name", sorted(HEADS))
def test_fused_head_takes_the_exact_path_for_infinite_logits(name):
    z = np.array([[np.inf, -np.inf], [0.5, -1.0]])
    y = np.array([[1.0, 0.0], [0.0, 1.0]])
    head = get_head(name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="ignore", invalid="ignore"):
            loss, seed = head.loss_and_seed(z.copy(), y)
            want = head.loss(z, y)
    assert loss == want or (np.isnan(loss) and np.isnan(want))
    assert seed.shape == z.shape


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.floats(-800, 800, allow_nan=False), min_size=6, max_size=6),
    st.sampled_from(["binary_log_loss", "log_loss"]),
)
def test_fused_classifier_losses_equal_functionals_loss_for_any_finite_logits(zs, name):
    z = np.array(zs).reshape(3, 2)
    y = np.eye(2)[[0, 1, 1]]
    loss, _ = get_head(name).loss_and_seed(z.copy(), y)
    want = get_head(name).loss(z, y)
    assert np.isfinite(loss)
    assert abs(loss - want) <= 1e-13 * abs(want) + 8 * U64


# --------------------------------------------------------------------------
# The squared error: scikit-learn's pairing, and consistent ones
# --------------------------------------------------------------------------


def _sklearn_pair(mlp, X, y, sw, lbfgs=False):
    """scikit-learn's own (loss, packed gradient) at its current weights."""
    units = [X.shape[1], *[W.shape[1] for W in mlp.coefs_]]
    activations = [X] + [None] * (len(units) - 1)
    deltas = [None] * (len(activations) - 1)
    cg = [np.empty((a, b)) for a, b in itertools.pairwise(units)]
    ig = [np.empty(b) for b in units[1:]]
    if lbfgs:
        from sklearn.neural_network._multilayer_perceptron import _pack

        # The offsets scikit-learn's _fit_lbfgs sets up before calling it.
        sizes = list(itertools.pairwise(units))
        ends = np.cumsum([a * b for a, b in sizes] + units[1:])
        starts = np.r_[0, ends[:-1]]
        n = len(sizes)
        mlp._coef_indptr = [(s, e, ab) for s, e, ab in zip(starts, ends, sizes)]
        mlp._intercept_indptr = list(zip(starts[n:], ends[n:]))
        packed = _pack(mlp.coefs_, mlp.intercepts_)
        return mlp._loss_grad_lbfgs(packed, X, y, sw, activations, deltas, cg, ig)
    loss, cg, ig = mlp._backprop(X, y, sw, activations, deltas, cg, ig)
    return loss, np.hstack([g.ravel() for g in cg + ig])


def _regressor_at_init(X, y, **params):
    mlp = MLPRegressor(
        solver="sgd", learning_rate_init=1e-300, momentum=0.0, max_iter=1, **params
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return mlp.fit(X, y)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("lbfgs", [False, True])
def test_squared_error_pairs_the_mean_loss_with_sklearns_gradient_of_the_sum(
    weighted, lbfgs
):
    rng = np.random.RandomState(0)
    X, Y = rng.normal(size=(40, 4)), rng.normal(size=(40, 3))
    sw = rng.uniform(0.2, 2.0, size=40) if weighted else None
    mlp = _regressor_at_init(X, Y, hidden_layer_sizes=(5,), activation="tanh",
                             alpha=0.3, random_state=0)  # fmt: skip
    want_loss, want_grad = _sklearn_pair(mlp, X, Y, sw, lbfgs=lbfgs)

    net = Network([4, 5, 3], "tanh", "squared_error")
    theta = net.layout.pack(mlp.coefs_, mlp.intercepts_)
    results = {}
    for objective in ("mean", "sum", "sklearn"):
        net.head = get_head("squared_error", objective=objective)
        results[objective] = net.loss_and_gradient(theta, X, Y, sw, alpha=0.3)
    # scikit-learn's pair (sgd, adam and its L-BFGS alike): our mean loss with
    # the gradient of the loss summed over outputs.
    assert results["sklearn"][0] == pytest.approx(want_loss, rel=1e-13)
    np.testing.assert_allclose(results["sklearn"][1], want_grad, rtol=1e-11, atol=1e-15)
    assert results["mean"][0] == pytest.approx(want_loss, rel=1e-13)
    np.testing.assert_allclose(results["sum"][1], want_grad, rtol=1e-11, atol=1e-15)
    # ... which is not the gradient of the mean loss it reports.
    assert not np.allclose(results["mean"][1], want_grad, rtol=1e-3)


@pytest.mark.parametrize("objective", ["mean", "sum"])
def test_squared_error_objectives_are_each_one_function(objective):
    rng = np.random.RandomState(1)
    X, Y = rng.normal(size=(9, 4)), rng.normal(size=(9, 3))
    net = Network([4, 5, 3], "tanh", "squared_error")
    net.head = get_head("squared_error", objective=objective)
    theta = net.init_params(0)
    assert check_gradient(net, theta, X, Y, rng.uniform(0.5, 2, 9), alpha=0.2) < 1e-6


def test_sklearn_pairing_is_not_a_gradient_of_its_loss_with_several_outputs():
    rng = np.random.RandomState(1)
    X, Y = rng.normal(size=(9, 4)), rng.normal(size=(9, 3))
    net = Network([4, 5, 3], "tanh", "squared_error")
    net.head = get_head("squared_error", objective="sklearn")
    assert check_gradient(net, net.init_params(0), X, Y) > 0.5  # 3x too large
    one = Network([4, 5, 1], "tanh", "squared_error")
    one.head = net.head  # with one output the pairing is consistent
    assert check_gradient(one, one.init_params(0), X, Y[:, :1]) < 1e-6


def test_sklearn_pairing_reproduces_sklearns_sgd_epochs_on_several_outputs():
    """Plain minibatch SGD (momentum 0, no shuffle): loss curve and weights."""
    rng = np.random.RandomState(2)
    X, Y = rng.normal(size=(50, 4)), rng.normal(size=(50, 3))
    params = dict(hidden_layer_sizes=(6,), activation="relu", solver="sgd",
                  momentum=0.0, learning_rate="constant", learning_rate_init=0.05,
                  batch_size=10, shuffle=False, alpha=1e-3, max_iter=4, tol=0.0,
                  n_iter_no_change=100, random_state=0)  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp = MLPRegressor(**params).fit(X, Y)

    net = Network([4, 6, 3], "relu", "squared_error")
    net.head = get_head("squared_error", objective="sklearn")
    theta = net.init_params(0)  # scikit-learn's draws for random_state=0
    curve = []
    for _ in range(4):
        total = 0.0
        for start in range(0, 50, 10):
            rows = slice(start, start + 10)
            loss, grad = net.loss_and_gradient(theta, X[rows], Y[rows], alpha=1e-3)
            total += loss * 10
            theta -= 0.05 * grad
        curve.append(total / 50)
    np.testing.assert_allclose(curve, mlp.loss_curve_, rtol=1e-12)
    np.testing.assert_allclose(
        theta, net.layout.pack(mlp.coefs_, mlp.intercepts_), rtol=1e-10, atol=1e-13
    )


# --------------------------------------------------------------------------
# Initialisation: one rule, scikit-learn's draws
# --------------------------------------------------------------------------


def _sklearn_draws(activation, units, seed):
    """scikit-learn's own initial weights: ``_initialize`` on ``units``."""
    mlp = MLPRegressor(hidden_layer_sizes=units[1:-1], activation=activation)
    mlp._random_state = check_random_state(seed)
    mlp._initialize(np.zeros((3, units[-1])), list(units), np.float64)
    return mlp.coefs_ + mlp.intercepts_


@pytest.mark.parametrize("activation", ["identity", "logistic", "tanh", "relu"])
@pytest.mark.parametrize("units", [(4, 1), (4, 3), (5, 7, 2), (5, 7, 4, 3)])
def test_init_params_draws_sklearns_weights_for_every_activation_and_depth(
    activation, units
):
    want = _sklearn_draws(activation, units, seed=3)
    net = Network(units, activation, "squared_error")
    coefs, intercepts = net.layout.unpack(net.init_params(random_state=3))
    for got, ref in zip(coefs + intercepts, want, strict=True):
        np.testing.assert_array_equal(got, ref)


def test_no_hidden_layer_logistic_draws_with_sklearns_factor_two():
    # issue 11: with no hidden layer the rule still follows `activation`.
    theta = Network([4, 1], activation="logistic").init_params(0)
    assert theta[0] == pytest.approx(0.0617, abs=5e-5)
    np.testing.assert_array_equal(theta, np.hstack(
        [a.ravel() for a in _sklearn_draws("logistic", (4, 1), 0)]))  # fmt: skip


@pytest.mark.parametrize("units", [(4, 1), (5, 7, 2)])
def test_sigmoid_alias_and_softplus_draw_as_logistic_and_relu_do(units):
    for ours, theirs in (("sigmoid", "logistic"), ("softplus", "relu")):
        got = Network(units, ours).init_params(5)
        want = np.hstack([a.ravel() for a in _sklearn_draws(theirs, units, 5)])
        np.testing.assert_array_equal(got, want)


def test_per_layer_activations_use_each_layers_factor_drawn_in_sklearns_order():
    names = ["logistic", "relu", "sigmoid"]
    units = (5, 6, 4, 3, 2)
    rs = check_random_state(7)
    want = [], []
    # scikit-learn's _init_coef, layer after layer on one random state, with
    # that layer's activation (the output layer: the last hidden layer's).
    for i, name in enumerate([*names, names[-1]]):
        mlp = MLPRegressor(activation="logistic" if name == "sigmoid" else name)
        mlp._random_state = rs
        W, b = mlp._init_coef(units[i], units[i + 1], np.float64)
        want[0].append(W)
        want[1].append(b)
    net = Network(units, names)
    coefs, intercepts = net.layout.unpack(net.init_params(7))
    for got, ref in zip(coefs + intercepts, want[0] + want[1], strict=True):
        np.testing.assert_array_equal(got, ref)


def test_glorot_factors_follow_the_activation_as_given():
    assert glorot_factors("logistic", 0) == [2.0]
    assert glorot_factors("relu", 0) == [6.0]
    assert glorot_factors("sigmoid", 2) == [2.0, 2.0, 2.0]
    assert glorot_factors(["tanh", "logistic"], 2) == [6.0, 2.0, 2.0]
    assert glorot_factors(["logistic", "tanh"], 2) == [2.0, 6.0, 6.0]
    assert glorot_factors([], 0) == [6.0]
    assert hidden_activations("tanh", 0) == []
    with pytest.raises(ValueError, match="Unknown activation 'swish'"):
        glorot_factors("swish", 0)
    with pytest.raises(
        ValueError, match="activation has 1 entries for 2 hidden layers"
    ):
        glorot_factors(["relu"], 2)


def test_network_remembers_the_activation_as_given():
    assert Network([3, 2], "logistic").activation == "logistic"
    net = Network([3, 4, 2], ("relu",))
    assert net.activation == ["relu"]
    assert [g.name for g in net.gates] == ["relu"]


def test_float32_network_draws_sklearns_float64_weights_rounded_once():
    want = Network([5, 7, 2], "tanh").init_params(1)
    got = Network([5, 7, 2], "tanh", dtype=np.float32).init_params(1)
    assert got.dtype == np.float32
    np.testing.assert_array_equal(got, want.astype(np.float32))
