"""SELU and Mish as FFNClassifier/FFNRegressor activations (issue 21)."""

import numpy as np
import pytest
from sklearn.datasets import load_iris

from skffnn import FFNClassifier, FFNRegressor
from skffnn._activations import ACTIVATIONS
from skffnn.network import Network
from skffnn.utils import check_gradient


@pytest.mark.parametrize("name", ["selu", "mish"])
@pytest.mark.parametrize("loss", ["log_loss", "squared_error"])
def test_network_gradient_with_selu_and_mish_matches_finite_differences(name, loss):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(9, 3)) * 2
    Y = np.eye(2)[rng.randint(2, size=9)]
    net = Network([3, 5, 4, 2], activation=name, loss=loss)
    assert check_gradient(net, net.init_params(0) * 3, X, Y) < 1e-7


@pytest.mark.parametrize("name", ["selu", "mish"])
def test_selu_and_mish_gates_compute_their_definitions(name):
    z = np.linspace(-40, 40, 801)
    a = ACTIVATIONS[name].forward(z.copy())
    if name == "selu":
        lam, alpha = 1.0507009873554805, 1.6732632423543772
        ref = lam * np.where(z > 0, z, alpha * np.expm1(z))
    else:
        ref = z * np.tanh(np.logaddexp(0, z))
    np.testing.assert_allclose(a, ref, rtol=1e-13, atol=1e-300)


def test_mish_backward_without_its_forward_is_an_error():
    with pytest.raises(RuntimeError, match="forward"):
        ACTIVATIONS["mish"].backward(np.ones(3), np.ones(3))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("Est", [FFNClassifier, FFNRegressor])
@pytest.mark.parametrize("name", ["selu", "mish"])
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_ffn_estimators_accept_selu_and_mish(Est, name, solver):
    X, y = load_iris(return_X_y=True)
    est = Est(
        hidden_layer_sizes=(16,),
        activation=name,
        solver=solver,
        max_iter=200,
        random_state=0,
    )
    est.fit(X, y)
    assert est.score(X, y) > 0.8
