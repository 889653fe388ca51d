"""Small public helpers: checking a network's gradient by finite differences."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .network import Network

__all__ = ["check_gradient"]


def check_gradient(
    network: Network,
    theta: np.ndarray,
    X,
    Y,
    sample_weight=None,
    *,
    alpha: float = 0.0,
    eps: float = 1e-6,
    n_directions: int | None = None,
    random_state=None,
) -> float:
    """Compare backprop's gradient with central finite differences.

    The lecture calls backpropagation a debugging aid: this is the check that
    catches a wrong local gradient. It returns the relative error

    ``max|g_fd - g_bp| / max(max|g_fd|, max|g_bp|)``

    over every coordinate (``n_directions=None``) or along random unit
    directions ``u``, comparing ``u . grad`` with
    ``(L(theta + eps u) - L(theta - eps u)) / (2 eps)`` (cheap for large nets).
    The error is relative to the largest component, since a tiny component's
    finite difference is dominated by rounding.

    Parameters
    ----------
    network : Network
        The network whose ``loss_and_gradient`` is checked.
    theta : ndarray of shape (network.n_params,)
        The parameters at which to compare the gradients.
    X, Y : arrays accepted by ``network.loss_and_gradient``
        Inputs and targets.
    sample_weight : ndarray of shape (n_samples,), default=None
        Weights of the samples, as in ``loss_and_gradient``.
    alpha : float, default=0.0
        L2 penalty, as in ``loss_and_gradient``.
    eps : float, default=1e-6
        Finite-difference step.
    n_directions : int or None, default=None
        None checks every coordinate; an int checks that many random directions.
    random_state : int, RandomState or None
        Seeds the random directions.

    Returns
    -------
    max_rel_error : float
        Below about 1e-6 in float64 when the gradient is right.

    Examples
    --------
    >>> import numpy as np
    >>> from skffnn.network import Network
    >>> from skffnn.utils import check_gradient
    >>> rng = np.random.RandomState(0)
    >>> net = Network([3, 4, 2], activation="tanh", loss="log_loss")
    >>> theta = net.init_params(random_state=0)
    >>> X = rng.normal(size=(5, 3)); Y = np.eye(2)[rng.randint(2, size=5)]
    >>> check_gradient(net, theta, X, Y, alpha=0.1) < 1e-6
    True
    """
    from sklearn.utils import check_random_state

    theta = np.array(theta, dtype=np.float64)
    if eps <= 0:
        raise ValueError(f"eps must be positive, got {eps}.")
    if n_directions is not None and n_directions < 1:
        raise ValueError(f"n_directions must be None or >= 1, got {n_directions}.")

    def loss_at(t):
        return network.loss_and_gradient(t, X, Y, sample_weight, alpha=alpha)[0]

    _, grad = network.loss_and_gradient(theta.copy(), X, Y, sample_weight, alpha=alpha)
    grad = np.asarray(grad, dtype=np.float64)
    if n_directions is None:
        directions: Sequence[np.ndarray] = np.eye(theta.size)
    else:
        rng = check_random_state(random_state)
        directions = rng.normal(size=(n_directions, theta.size))
        directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    fd = np.array(
        [(loss_at(theta + eps * u) - loss_at(theta - eps * u)) / (2 * eps)
         for u in directions]
    )  # fmt: skip
    bp = np.asarray(directions) @ grad
    scale = max(np.abs(fd).max(initial=0.0), np.abs(bp).max(initial=0.0))
    if scale == 0.0:
        return 0.0
    return float(np.abs(fd - bp).max() / scale)
