"""Solvers on one flat vector: SGD (momentum, Nesterov, schedules), Adam, L-BFGS.

The update rules are scikit-learn's, written as in-place vector operations in
the same order of floating-point operations, so that a step from the same
weights and gradient lands on bit-identical weights. The solvers see only a
flat ``theta``, its gradient, and (for L-BFGS) a function ``theta -> (loss,
grad)``; they know nothing of estimators.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import scipy.optimize

from ._blocks import VECTOR_BLOCK_BYTES, vector_blocks

__all__ = [
    "AdamOptimizer",
    "LbfgsResult",
    "NonFiniteStart",
    "SGDOptimizer",
    "finite_start",
    "finite_step",
    "minimize_lbfgs",
]


# The update's passes run over cache-sized blocks of each vector (the block
# size and its measurement: skffnn._blocks).
BLOCK_BYTES = VECTOR_BLOCK_BYTES
_blocks = vector_blocks


class _StochasticOptimizer:
    """Learning-rate bookkeeping shared by SGD and Adam.

    The per-parameter state (velocity, moments) and the counters are exported
    by :meth:`state` as plain arrays and numbers, so that an estimator can keep
    them between ``partial_fit`` calls and persist them without pickling an
    optimizer object; :meth:`load_state` continues from them.
    """

    def __init__(self, learning_rate_init: float):
        self.learning_rate_init = learning_rate_init
        self.learning_rate = float(learning_rate_init)

    def on(self, namespace, dtype):
        """Keep the state in ``namespace`` (``skffnn._namespace``), in ``dtype``.

        NumPy (the default) updates in cache-sized blocks through scratch
        buffers; another namespace updates whole vectors on its device.
        """
        self.ns = namespace
        self._shape = (self._shape[0], namespace.dtype(dtype))
        return self

    def iteration_ends(self, time_step: int) -> None:
        """Hook called after each epoch with the number of samples seen so far."""

    def reduces_on_plateau(self) -> bool:
        """Whether a plateau lowers the learning rate instead of ending training."""
        return False

    def reduce_learning_rate(self) -> None:
        """Divide the learning rate by 5, scikit-learn's adaptive schedule."""
        self.learning_rate /= 5.0

    def state(self) -> dict:
        """The optimizer's state as plain arrays and numbers (shared, not copied)."""
        return {
            "learning_rate": float(self.learning_rate),
            "vectors": self._vectors(),
        }

    def load_state(self, state: dict) -> None:
        """Continue from ``state`` (from :meth:`state`), updating its vectors."""
        self.learning_rate = float(state["learning_rate"])
        self._state = list(state["vectors"])

    def accepts_state(self, state: dict) -> bool:
        """Whether ``state`` comes from an optimizer of this kind and size."""
        n, dtype = self._shape
        vectors = state.get("vectors", ())
        return state.get("kind") == self.kind and all(
            v.shape == (n,) and v.dtype == dtype for v in vectors
        )

    def _zeros(self, n, dtype):
        if self.ns is None:
            return np.zeros(n, dtype)
        return self.ns.zeros(n, dtype)

    def _scratch_vectors(self, k):
        """``k`` work vectors of one block's size; never pickled."""
        if getattr(self, "_scratch", None) is None:
            n, dtype = self._shape
            size = min(n, max(BLOCK_BYTES // dtype.itemsize, 1))
            self._scratch = [np.empty(size, dtype) for _ in range(k)]
        return self._scratch

    ns = None  # the array namespace, when not NumPy (see ``on``)

    def step(self, theta: np.ndarray, grad: np.ndarray) -> None:
        """Update ``theta`` in place."""
        self._start_step()
        if self.ns is not None and not self.ns.buffers:
            self._update_whole(theta, grad, *self._vectors())
            return
        state = self._buffers()
        k = len(state) - 2  # per-parameter state vectors, then two scratch
        blocks = _blocks(theta.size, theta.dtype.itemsize)
        if len(blocks) == 1:
            self._update(theta, grad, *state)
            return
        for lo, hi in blocks:
            self._update(
                theta[lo:hi], grad[lo:hi],
                *(v[lo:hi] for v in state[:k]), *(v[: hi - lo] for v in state[k:]),
            )  # fmt: skip

    def _start_step(self) -> None:
        """Bookkeeping before the elementwise update."""


class SGDOptimizer(_StochasticOptimizer):
    """Stochastic gradient descent with (Nesterov) momentum and LR schedules.

    ``v <- momentum * v - lr * g``; then ``theta += v``, or with Nesterov's
    momentum ``theta += momentum * v - lr * g``. Schedules as scikit-learn:
    'constant'; 'invscaling', ``lr = lr_init / (t + 1) ** power_t`` with ``t``
    the number of samples seen; 'adaptive', divide by 5 each time
    ``n_iter_no_change`` epochs fail to improve, stop when ``lr <= 1e-6``.
    """

    def __init__(
        self,
        n_params: int,
        dtype,
        learning_rate_init: float = 0.1,
        lr_schedule: str = "constant",
        momentum: float = 0.9,
        nesterov: bool = True,
        power_t: float = 0.5,
    ):
        super().__init__(learning_rate_init)
        self.kind = "sgd"
        self.lr_schedule = lr_schedule
        self.momentum = momentum
        self.nesterov = nesterov
        self.power_t = power_t
        self._shape = (n_params, np.dtype(dtype))
        self._state = None

    def _vectors(self):
        if self._state is None:
            n, dtype = self._shape
            self._state = [self._zeros(n, dtype)]  # velocity
        return self._state

    def _buffers(self):
        return self._vectors() + self._scratch_vectors(2)

    def state(self):
        return {"kind": self.kind, **super().state()}

    def _update(self, theta, grad, velocity, lr_grad, update):
        np.multiply(grad, self.learning_rate, out=lr_grad)
        velocity *= self.momentum
        velocity -= lr_grad
        if self.nesterov:
            np.multiply(velocity, self.momentum, out=update)
            update -= lr_grad
            theta += update
        else:
            theta += velocity

    def _update_whole(self, theta, grad, velocity):
        """``_update`` in plain operations (any namespace), the same order."""
        lr_grad = grad * self.learning_rate
        velocity *= self.momentum
        velocity -= lr_grad
        if self.nesterov:
            update = velocity * self.momentum
            update -= lr_grad
            theta += update
        else:
            theta += velocity

    def iteration_ends(self, time_step):
        if self.lr_schedule == "invscaling":
            self.learning_rate = (
                float(self.learning_rate_init) / (time_step + 1) ** self.power_t
            )

    def reduces_on_plateau(self):
        # The adaptive schedule divides the rate by 5 on a plateau, until the
        # rate is at most 1e-6.
        return self.lr_schedule == "adaptive" and self.learning_rate > 1e-6


class AdamOptimizer(_StochasticOptimizer):
    """Adam (Kingma and Ba, 2014) with scikit-learn's bias-corrected step size.

    ``m <- b1 m + (1 - b1) g``, ``v <- b2 v + (1 - b2) g^2``,
    ``lr_t = lr_init sqrt(1 - b2^t) / (1 - b1^t)``,
    ``theta -= lr_t m / (sqrt(v) + epsilon)``.
    """

    def __init__(
        self,
        n_params: int,
        dtype,
        learning_rate_init: float = 0.001,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
    ):
        super().__init__(learning_rate_init)
        self.kind = "adam"
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.t = 0
        self._shape = (n_params, np.dtype(dtype))
        self._state = None

    def _vectors(self):
        if self._state is None:
            n, dtype = self._shape
            self._state = [self._zeros(n, dtype) for _ in range(2)]  # m, v
        return self._state

    def _buffers(self):
        return self._vectors() + self._scratch_vectors(2)

    def state(self):
        return {"kind": self.kind, "t": int(self.t), **super().state()}

    def load_state(self, state):
        super().load_state(state)
        self.t = int(state["t"])

    def _start_step(self):
        self.t += 1
        self.learning_rate = (
            self.learning_rate_init
            * np.sqrt(1 - self.beta_2**self.t)
            / (1 - self.beta_1**self.t)
        )

    def _update(self, theta, grad, m, v, s1, s2):
        m *= self.beta_1
        np.multiply(grad, 1 - self.beta_1, out=s1)
        m += s1
        v *= self.beta_2
        np.square(grad, out=s1)
        s1 *= 1 - self.beta_2
        v += s1
        np.sqrt(v, out=s1)
        s1 += self.epsilon
        np.multiply(m, -self.learning_rate, out=s2)
        s2 /= s1
        theta += s2

    def _update_whole(self, theta, grad, m, v):
        """``_update`` in plain operations (any namespace), the same order."""
        m *= self.beta_1
        m += grad * (1 - self.beta_1)
        v *= self.beta_2
        s1 = grad * grad
        s1 *= 1 - self.beta_2
        v += s1
        s1 = self.ns.xp.sqrt(v)
        s1 += self.epsilon
        s2 = m * -float(self.learning_rate)
        s2 /= s1
        theta += s2


def finite_step(loss, grad: np.ndarray) -> bool:
    """Whether the loss and the gradient are finite (a step can be taken).

    One reduction instead of a boolean temporary: a NaN or inf in the
    gradient makes the sum non-finite (so does a sum beyond 1e308, which only
    a diverging step produces). Called on the hot path under the caller's
    ``np.errstate(over="ignore", invalid="ignore")``.
    """
    return bool(np.isfinite(loss) and np.isfinite(np.add.reduce(grad)))


def finite_start(loss, grad: np.ndarray) -> bool:
    """Whether training can start from this first loss and gradient.

    Stricter than :func:`finite_step`: the gradient's square must be finite
    too. A first gradient whose square overflows (Adam's second moment, the
    first SGD step) comes from unscaled data (X of 1e200: the log-loss stays
    finite, so nothing else would say so), which the estimator names.
    """
    # einsum's own loop, not BLAS's dot: no BLAS threads to wake for one check.
    with np.errstate(over="ignore", invalid="ignore"):
        return bool(np.isfinite(loss) and np.isfinite(np.einsum("i,i", grad, grad)))


class NonFiniteStart(FloatingPointError):
    """The loss or gradient was non-finite from the first evaluation on."""


@dataclass
class LbfgsResult:
    """What an L-BFGS run returns: final parameters, loss, and bookkeeping."""

    theta: np.ndarray
    loss: float
    n_iter: int
    success: bool
    loss_curve: list = field(default_factory=list)
    iteration_times: list = field(default_factory=list)
    interrupted: bool = False
    stop_requested: bool = False
    # scipy's own OptimizeResult, for scikit-learn's convergence check.
    optimize_result: object = None


def minimize_lbfgs(
    fun,
    theta0: np.ndarray,
    *,
    max_iter: int,
    max_fun: int,
    tol: float,
    verbose=0,
    iteration_hook=None,
    report=None,
    namespace=None,
) -> LbfgsResult:
    """Minimise ``fun: theta -> (loss, grad)`` with scipy's L-BFGS-B.

    ``theta0``'s dtype is kept for every call of ``fun`` (float32 networks stay
    float32; scipy itself works in float64). With ``verbose``, each iteration
    prints ``Iteration N, loss = ...``. ``iteration_hook(theta, loss)``, called
    after each iteration, returns True to stop there. A KeyboardInterrupt stops the
    run and returns the best parameters evaluated so far with
    ``interrupted=True``. A non-finite loss or gradient at ``theta0`` raises
    :class:`NonFiniteStart`: there is no finite point to search from.
    ``report(theta, loss)``, when given, turns the minimised loss into the one
    recorded and printed (the same minimiser, the loss stated in other units).
    ``namespace`` (``skffnn._namespace``), when ``theta0`` is not NumPy: scipy
    runs on a host copy, and each evaluation moves the vector to the device
    and the gradient back, once each.
    """
    run = _LbfgsRun(fun, theta0, verbose, iteration_hook, report, namespace)
    try:
        res = scipy.optimize.minimize(
            run.objective,
            run.theta.astype(np.float64),
            method="L-BFGS-B",
            jac=True,
            callback=run.callback,
            options={"maxfun": max_fun, "maxiter": max_iter, "gtol": tol},
        )
    except KeyboardInterrupt:
        return run.interrupted()
    return run.finished(res)


class _LbfgsRun:
    """One L-BFGS-B run: the objective scipy calls, its callback, the result."""

    def __init__(self, fun, theta0, verbose, hook, report, namespace=None):
        self.fun, self.verbose, self.hook, self.report = fun, verbose, hook, report
        self.ns = namespace
        if namespace is not None:  # a device vector: this run keeps a host copy
            theta0 = namespace.to_host(theta0)
        self.dtype = theta0.dtype
        self.theta = theta0.copy()  # fun's argument, in theta0's dtype
        self.best_loss, self.best_theta = np.inf, theta0.copy()
        self.n_fun = 0
        self.curve: list[float] = []
        self.times: list[float] = []
        self.clock = time.perf_counter()
        self.stopped = False

    def objective(self, x):
        self.theta[...] = x
        if self.ns is None:
            loss, grad = self.fun(self.theta)
        else:  # one copy to the device, the gradient and loss back
            loss, grad = self.fun(self.ns.from_host(self.theta))
            loss, grad = float(loss), self.ns.to_host(grad)
        self.n_fun += 1
        if self.n_fun == 1 and not finite_start(loss, grad):
            raise NonFiniteStart(loss)
        with np.errstate(over="ignore", invalid="ignore"):
            finite = finite_step(loss, grad)
        if finite and loss < self.best_loss:
            self.best_loss = loss
            self.best_theta[...] = self.theta
        # scipy may keep the gradient it was given: hand it a fresh float64 copy.
        return loss, grad.astype(np.float64)

    def callback(self, intermediate_result):
        now = time.perf_counter()
        self.times.append(now - self.clock)
        self.clock = now
        loss = float(intermediate_result.fun)
        if self.report is not None:
            loss = self.report(intermediate_result.x, loss)
        self.curve.append(loss)
        if self.verbose:
            print("Iteration %d, loss = %.8f" % (len(self.curve), loss))
        x = intermediate_result.x
        if self.hook is not None and self.hook(self._device(x), loss):
            self.stopped = True
            raise StopIteration
        self.clock = time.perf_counter()  # the hook's own time is not the solver's

    def _device(self, x):
        x = x.astype(self.dtype)
        return x if self.ns is None else self.ns.from_host(x)

    def interrupted(self) -> LbfgsResult:
        """The best parameters evaluated before Ctrl-C."""
        loss = self.best_loss
        if self.report is not None and np.isfinite(loss):
            loss = self.report(self.best_theta, loss)
        return LbfgsResult(
            self.best_theta, loss, len(self.curve), False, self.curve, self.times,
            interrupted=True,
        )  # fmt: skip

    def finished(self, res) -> LbfgsResult:
        """scipy's answer (the best finite point if it ended non-finite)."""
        x, loss = res.x.astype(self.dtype), float(res.fun)
        if not (np.isfinite(loss) and np.isfinite(x).all()):
            x, loss = self.best_theta, float(self.best_loss)
        if self.report is not None:
            loss = self.report(x, loss)
        return LbfgsResult(
            x, loss, len(self.curve) if self.stopped else int(res.nit),
            bool(res.success) or self.stopped, self.curve, self.times,
            stop_requested=self.stopped, optimize_result=res,
        )  # fmt: skip
