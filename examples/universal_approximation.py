"""Universal approximation: one hidden layer of sigmoids, wider and wider.

The universal approximation theorem (Cybenko 1989; Hornik, Stinchcombe and
White 1989) says that sums ``F(x) = sum_i v_i sigmoid(w_i x + b_i) + c`` (a
network with one hidden layer of sigmoid units and a linear output) approximate
any continuous function on ``[0, 1]`` as closely as we like, given enough units.

Here the target is ``f(x) = sin(2 pi x) + x^2 + 0.3 sin(8 pi x)`` and the width
grows through 1, 2, 4, 8, 16, 32. Two ways to choose the weights:

* *construction* (the idea of the proof): with a very steep sigmoid each unit
  is a step; ``n`` steps at ``t_i = i / (n + 1)``, each as high as ``f``'s
  change from one cell to the next, make a staircase through ``f``. Its error
  is about ``max|f'| / (2 (n + 1))``: it shrinks like ``1 / n``, slowly but
  surely. The weights are written straight into a
  :class:`skffnn.network.Network`.
* *training*: ``FFNRegressor(hidden_layer_sizes=(n,), activation="logistic",
  solver="lbfgs")`` on 200 samples, best of three seeds, error measured on a
  10 times denser grid. Training places and shapes the sigmoids far better
  than the staircase: the same width reaches a much smaller error.

What this shows, honestly: the error of the trained networks shrinks as the
width grows, but not like a law; the theorem promises that good weights exist,
not that a solver finds them. Past a few hundredths, the limit is the
optimiser: scipy's L-BFGS-B (as used by scikit-learn's MLP too) stops once an
iteration lowers the loss by less than about ``2e-9``, long before a wide
network has used all its capacity.

Run: python examples/universal_approximation.py
"""

import numpy as np

from skffnn import FFNRegressor
from skffnn.network import Network

WIDTHS = (1, 2, 4, 8, 16, 32)


def target(x):
    return np.sin(2 * np.pi * x) + x**2 + 0.3 * np.sin(8 * np.pi * x)


X_TRAIN = np.linspace(0.0, 1.0, 200)[:, None]
X_TEST = np.linspace(0.0, 1.0, 2001)[:, None]


def max_error(predict):
    return float(np.abs(predict(X_TEST).ravel() - target(X_TEST[:, 0])).max())


def staircase(n, steepness=20.0):
    """A width-``n`` sigmoid network built by hand: ``n`` smoothed steps through f."""
    net = Network([1, n, 1], activation="sigmoid", loss="squared_error")
    theta = np.zeros(net.n_params)
    (W1, W2), (b1, b2) = net.layout.unpack(theta)  # views into theta
    h = 1.0 / (n + 1)  # n steps split [0, 1] into n + 1 cells of width h
    steps = h * np.arange(1, n + 1)
    centres = h * (np.arange(n + 1) + 0.5)
    W1[0, :] = steepness / h  # unit i: sigmoid(k (x - t_i)), 20 / h steep
    b1[:] = -(steepness / h) * steps
    W2[:, 0] = np.diff(target(centres))  # each step climbs to the next cell
    b2[0] = target(centres[0])
    return max_error(lambda X: net.forward(theta, X))


def trained(n, seeds=(0, 1, 2)):
    """Best max error over a few initialisations of a trained width-``n`` net."""
    errors = []
    for seed in seeds:
        reg = FFNRegressor(
            hidden_layer_sizes=(n,), activation="logistic", solver="lbfgs",
            alpha=0.0, max_iter=5000, tol=1e-12, random_state=seed,
        )  # fmt: skip
        reg.fit(X_TRAIN, target(X_TRAIN[:, 0]))
        errors.append(max_error(reg.predict))
    return min(errors)


def main():
    print("f(x) = sin(2 pi x) + x^2 + 0.3 sin(8 pi x) on [0, 1]; max |F(x) - f(x)|:")
    print(f"{'width':>6}{'parameters':>12}{'staircase':>12}{'trained':>12}")
    results = {}
    for n in WIDTHS:
        results[n] = (staircase(n), trained(n))
        print(f"{n:>6}{3 * n + 1:>12}{results[n][0]:>12.3g}{results[n][1]:>12.3g}")
    n0, n1 = WIDTHS[0], WIDTHS[-1]
    ratio = results[n0][1] / results[n1][1]
    print(f"Trained: width {n1} is {ratio:.0f} times more accurate than width {n0}.")
    return results


if __name__ == "__main__":
    main()
