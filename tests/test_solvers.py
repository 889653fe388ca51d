"""Solvers: update rules in closed form, L-BFGS bookkeeping, dtype handling."""

import numpy as np
import pytest

from skffnn._solvers import (
    BLOCK_BYTES,
    AdamOptimizer,
    SGDOptimizer,
    minimize_lbfgs,
)
from skffnn.network import Network


def test_sgd_without_momentum_steps_against_the_gradient():
    theta, grad = np.array([1.0, -2.0]), np.array([0.5, 4.0])
    SGDOptimizer(2, np.float64, 0.1, momentum=0.0, nesterov=False).step(theta, grad)
    np.testing.assert_allclose(theta, [1.0 - 0.05, -2.0 - 0.4])


@pytest.mark.parametrize("nesterov", [False, True])
def test_sgd_momentum_matches_the_closed_form_over_two_steps(nesterov):
    lr, mu = 0.1, 0.9
    g1, g2 = np.array([1.0, 2.0]), np.array([-3.0, 0.5])
    theta = np.zeros(2)
    opt = SGDOptimizer(2, np.float64, lr, momentum=mu, nesterov=nesterov)
    opt.step(theta, g1)
    opt.step(theta, g2)
    v1 = -lr * g1
    v2 = mu * v1 - lr * g2
    if nesterov:
        expected = (mu * v1 - lr * g1) + (mu * v2 - lr * g2)
    else:
        expected = v1 + v2
    np.testing.assert_allclose(theta, expected, rtol=1e-15)


def test_invscaling_learning_rate_follows_power_t():
    opt = SGDOptimizer(1, np.float64, 0.5, "invscaling", power_t=0.25)
    opt.iteration_ends(15)
    assert opt.learning_rate == 0.5 / 16**0.25


def test_adaptive_learning_rate_divides_by_five_then_stops():
    opt = SGDOptimizer(1, np.float64, 1e-5, "adaptive")
    assert opt.reduces_on_plateau()
    opt.reduce_learning_rate()
    assert opt.learning_rate == pytest.approx(2e-6)
    assert opt.reduces_on_plateau()
    opt.reduce_learning_rate()
    assert opt.learning_rate == pytest.approx(4e-7)
    assert not opt.reduces_on_plateau()  # at or below 1e-6: training stops


@pytest.mark.parametrize("schedule", ["constant", "invscaling"])
def test_other_schedules_stop_at_the_first_plateau(schedule):
    assert not SGDOptimizer(1, np.float64, 0.1, schedule).reduces_on_plateau()
    assert not AdamOptimizer(1, np.float64, 0.1).reduces_on_plateau()


def test_adam_first_steps_match_the_closed_form():
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    grads = [np.array([0.3, -2.0]), np.array([1.5, 0.1])]
    theta = np.array([1.0, 1.0])
    opt = AdamOptimizer(2, np.float64, lr, b1, b2, eps)
    m = v = np.zeros(2)
    expected = theta.copy()
    for t, g in enumerate(grads, start=1):
        opt.step(theta, g)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        lr_t = lr * np.sqrt(1 - b2**t) / (1 - b1**t)
        expected = expected - lr_t * m / (np.sqrt(v) + eps)
    np.testing.assert_allclose(theta, expected, rtol=1e-15)
    assert opt.t == 2


@pytest.mark.parametrize("name", ["sgd", "adam"])
def test_an_optimizer_loaded_from_state_continues_as_the_original(name):
    def make():
        if name == "adam":
            return AdamOptimizer(3, np.float64, 0.1)
        return SGDOptimizer(3, np.float64, 0.1, "adaptive", momentum=0.9)

    rng = np.random.default_rng(0)
    grads = [rng.standard_normal(3) for _ in range(4)]
    original, theta = make(), np.zeros(3)
    for g in grads[:2]:
        original.step(theta, g)
    original.learning_rate /= 5  # an adapted rate is part of the state
    state = original.state()
    assert {type(v) for v in state.values()} <= {str, int, float, list}
    loaded, theta2 = make(), theta.copy()
    assert loaded.accepts_state(state)
    loaded.load_state({k: (list(map(np.copy, v)) if k == "vectors" else v)
                       for k, v in state.items()})  # fmt: skip
    for g in grads[2:]:
        original.step(theta, g)
        loaded.step(theta2, g)
    np.testing.assert_array_equal(theta2, theta)
    other = SGDOptimizer(4, np.float64) if name == "adam" else AdamOptimizer(3, float)
    assert not other.accepts_state(state)


def _sklearn_optimizer(name, params):
    from sklearn.neural_network._stochastic_optimizers import (
        AdamOptimizer as SkAdam,
    )
    from sklearn.neural_network._stochastic_optimizers import (
        SGDOptimizer as SkSGD,
    )

    if name == "adam":
        return SkAdam(params, learning_rate_init=0.01)
    return SkSGD(params, learning_rate_init=0.01, momentum=0.9, nesterov=True)


@pytest.mark.parametrize("name", ["sgd", "adam"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("blocks", ["one block", "several blocks"])
def test_updates_land_on_sklearns_optimizer_weights(name, dtype, blocks):
    # "several blocks": three of the update's cache blocks and a ragged one.
    n = (
        1000
        if blocks == "one block"
        else 3 * BLOCK_BYTES // np.dtype(dtype).itemsize + 17
    )
    rng = np.random.default_rng(0)
    theta = rng.standard_normal(n).astype(dtype)
    reference = [theta.copy()]
    ours = (
        AdamOptimizer(n, dtype, 0.01)
        if name == "adam"
        else SGDOptimizer(n, dtype, 0.01, momentum=0.9, nesterov=True)
    )
    theirs = _sklearn_optimizer(name, reference)
    for _ in range(3):
        grad = rng.standard_normal(n).astype(dtype)
        ours.step(theta, grad)
        theirs.update_params(reference, [grad])
    assert theta.dtype == dtype
    if dtype == np.float64 or name == "sgd":
        np.testing.assert_array_equal(theta, reference[0])
    else:
        # scikit-learn's float32 Adam divides in float64 (its step size is a
        # numpy float64) and rounds once; ours stays in float32 (weights of
        # order 1: a few float32 rounding units).
        np.testing.assert_allclose(theta, reference[0], rtol=3e-7, atol=3e-7)


def _problem(dtype):
    rng = np.random.RandomState(0)
    net = Network([4, 6, 3], "tanh", "log_loss", dtype=dtype)
    X = rng.normal(size=(40, 4)).astype(dtype)
    Y = np.eye(3, dtype=dtype)[rng.randint(3, size=40)]
    return net, X, Y


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_lbfgs_keeps_the_networks_dtype_and_lowers_the_loss(dtype):
    net, X, Y = _problem(dtype)
    seen = set()

    def fun(theta):
        seen.add(theta.dtype)
        return net.loss_and_gradient(theta, X, Y, alpha=1e-3)

    theta0 = net.init_params(0)
    res = minimize_lbfgs(fun, theta0, max_iter=50, max_fun=1000, tol=1e-8)
    assert seen == {np.dtype(dtype)}
    assert res.theta.dtype == dtype
    assert res.loss < fun(theta0)[0]
    assert len(res.loss_curve) == res.n_iter


def test_lbfgs_honours_max_iter_and_max_fun():
    net, X, Y = _problem(np.float64)

    def fun(theta):
        return net.loss_and_gradient(theta, X, Y)

    res = minimize_lbfgs(fun, net.init_params(0), max_iter=3, max_fun=1000, tol=0)
    assert res.n_iter == 3 and not res.success
    res = minimize_lbfgs(fun, net.init_params(0), max_iter=1000, max_fun=5, tol=0)
    assert res.optimize_result.nfev <= 6 and not res.success


def test_lbfgs_verbose_prints_every_iteration(capsys):
    net, X, Y = _problem(np.float64)
    minimize_lbfgs(
        lambda t: net.loss_and_gradient(t, X, Y), net.init_params(0),
        max_iter=4, max_fun=100, tol=0, verbose=1,
    )  # fmt: skip
    lines = [ln for ln in capsys.readouterr().out.splitlines() if "Iteration" in ln]
    assert [ln.split(",")[0] for ln in lines] == [
        f"Iteration {i}" for i in (1, 2, 3, 4)
    ]
