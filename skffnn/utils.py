"""Small public helpers: checking a network's gradient by finite differences,
and bringing a model fitted on another array library back to NumPy.

Owns :func:`check_gradient` and its result, :class:`GradientCheck`: the
finite-difference step and the tolerance a right gradient meets, per dtype;
and :func:`to_numpy`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.utils import check_random_state

from .network import Network

__all__ = ["GradientCheck", "check_gradient", "to_numpy"]

# Finite-difference step, and the relative error a right gradient stays below,
# per arithmetic dtype. Central differences err by about h^2 |f'''| / 6
# (truncation) plus eps |f| / h (the rounding of the two losses): in float64
# the long-standing step 1e-6 leaves about 1e-10; in float32 (eps = 1.2e-7)
# that step leaves 0.1-0.2, all rounding, and a step near cbrt(eps), 3e-3,
# about 5e-5.
_STEPS = {np.dtype(np.float64): 1e-6, np.dtype(np.float32): 3e-3}
_TOLERANCES = {np.dtype(np.float64): 1e-6, np.dtype(np.float32): 1e-3}


def _step_and_tolerance(dtype: np.dtype) -> tuple[float, float]:
    if dtype in _STEPS:
        return _STEPS[dtype], _TOLERANCES[dtype]
    eps = float(np.finfo(dtype).eps)  # another float: the same balance
    return eps ** (1 / 3), 10 * eps ** (2 / 3)


class GradientCheck(float):
    """The relative error of a gradient check, with what the dtype allows.

    A ``float`` (the error itself, so ``check_gradient(...) < 1e-6`` reads as
    before) that carries the context needed to judge it.

    Parameters
    ----------
    error : float
        The relative error of the check.
    tolerance : float
        The error a right gradient stays below in this dtype.
    eps : float
        The finite-difference step used.
    dtype : str or numpy.dtype
        The network's arithmetic dtype.

    Attributes
    ----------
    tolerance : float
        The error a right gradient stays below in this dtype at the default step.
    passed : bool
        ``error <= tolerance``.
    eps : float
        The finite-difference step used.
    dtype : numpy.dtype
        The network's arithmetic dtype.

    Examples
    --------
    >>> from skffnn.utils import GradientCheck
    >>> GradientCheck(2e-4, tolerance=1e-3, eps=3e-3, dtype="float32")
    GradientCheck(error=0.0002, tolerance=0.001, eps=0.003, dtype=float32, passed=True)
    """

    tolerance: float
    eps: float
    dtype: np.dtype

    def __new__(cls, error: float, *, tolerance: float, eps: float, dtype):
        self = super().__new__(cls, error)
        self.tolerance, self.eps, self.dtype = tolerance, eps, np.dtype(dtype)
        return self

    @property
    def passed(self) -> bool:
        return float(self) <= self.tolerance

    def __repr__(self) -> str:
        return (
            f"GradientCheck(error={float(self):.3g}, tolerance={self.tolerance:g}, "
            f"eps={self.eps:g}, dtype={self.dtype.name}, passed={self.passed})"
        )


def check_gradient(
    network: Network,
    theta: np.ndarray,
    X,
    Y,
    sample_weight=None,
    *,
    alpha: float = 0.0,
    eps: float | None = None,
    n_directions: int | None = None,
    random_state=None,
) -> GradientCheck:
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
    eps : float or None, default=None
        Finite-difference step. None picks it from the network's dtype:
        1e-6 in float64; 3e-3 in float32, near ``cbrt(eps)`` where the
        rounding of the two losses and the truncation error balance (there
        1e-6 would measure only rounding: an error of 0.1-0.2).
    n_directions : int or None, default=None
        None checks every coordinate; an int checks that many random directions.
    random_state : int, RandomState or None
        Seeds the random directions.

    Returns
    -------
    max_rel_error : GradientCheck
        The error, a float. Its ``tolerance`` is what a right gradient stays
        below in the network's dtype at the default step (1e-6 in float64,
        1e-3 in float32); ``passed`` compares the two.

    Examples
    --------
    >>> import numpy as np
    >>> from skffnn.network import Network
    >>> from skffnn.utils import check_gradient
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(5, 3)); Y = np.eye(2)[rng.randint(2, size=5)]
    >>> net = Network([3, 4, 2], activation="tanh", loss="log_loss")
    >>> result = check_gradient(net, net.init_params(0), X, Y, alpha=0.1)
    >>> bool(result < 1e-6), result.tolerance, result.passed
    (True, 1e-06, True)
    >>> net32 = Network([3, 4, 2], activation="tanh", loss="log_loss",
    ...                 dtype=np.float32)
    >>> result = check_gradient(net32, net32.init_params(0), X, Y)
    >>> result.eps, result.tolerance, result.passed
    (0.003, 0.001, True)
    """
    dtype = np.dtype(getattr(network, "dtype", np.float64))
    default_eps, tolerance = _step_and_tolerance(dtype)
    if eps is None:
        eps = default_eps
    if not eps > 0:
        raise ValueError(f"eps must be positive, got {eps}.")
    if n_directions is not None and n_directions < 1:
        raise ValueError(f"n_directions must be None or >= 1, got {n_directions}.")
    theta = np.array(theta, dtype=np.float64)

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
    error = 0.0 if scale == 0.0 else float(np.abs(fd - bp).max() / scale)
    return GradientCheck(error, tolerance=tolerance, eps=eps, dtype=dtype)


def to_numpy(estimator):
    """A copy of a fitted estimator whose fitted arrays are NumPy arrays on the host.

    A model fitted under array API dispatch keeps its weights in the namespace
    and on the device of the training ``X`` (torch, CuPy, array-api-strict).
    Its copy from here predicts NumPy input with dispatch off, and it is what
    skops saves (skops knows NumPy arrays only). A NumPy model's copy is
    simply a copy.

    Parameters
    ----------
    estimator : FFNClassifier or FFNRegressor
        A fitted estimator; it is not changed.

    Returns
    -------
    estimator
        A shallow copy whose ``coefs_``, ``intercepts_`` and optimizer state
        are NumPy arrays.

    Examples
    --------
    >>> import numpy as np
    >>> from skffnn import FFNRegressor
    >>> from skffnn.utils import to_numpy
    >>> X = np.arange(8.0).reshape(4, 2)
    >>> est = FFNRegressor(hidden_layer_sizes=(3,), solver="lbfgs", random_state=0)
    >>> est = est.fit(X, X[:, 0])
    >>> type(to_numpy(est).coefs_[0]).__name__
    'ndarray'
    """
    import copy

    from ._namespace import to_host

    def host(value):
        if isinstance(value, list | tuple):
            return type(value)(host(v) for v in value)
        if isinstance(value, dict):
            return {k: host(v) for k, v in value.items()}
        return to_host(value)

    est = copy.copy(estimator)
    for key, value in vars(estimator).items():
        setattr(est, key, host(value))
    return est
