"""The training loops: each solver takes what it needs and returns one result.

``train_stochastic`` runs epochs of minibatch SGD or Adam; ``train_lbfgs``
runs scipy's L-BFGS-B. Both receive the network, the starting ``theta``, the
training data (:mod:`skffnn._data`), the hyperparameters and the previous
:class:`History`, and return a :class:`FitResult`: final weights, the updated
history, and why training stopped. Neither sees the estimator: it stores the
result once. The stochastic loop keeps scikit-learn's bookkeeping (loss curve,
early stopping on a validation split, ``n_iter_no_change``, the adaptive
learning rate, the convergence warning) in the same order of operations.

Divergence: a loss or gradient that is non-finite from the first epoch (or the
first L-BFGS evaluation) on raises :class:`NonFiniteStart`, which the
estimator turns into scikit-learn's ``ValueError``; later, training stops with
the last finite (or best) weights and ``stop is Stop.DIVERGED``.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from ._callbacks import NULL_WATCH
from ._solvers import NonFiniteStart, minimize_lbfgs
from ._warnings import warn_user

__all__ = [
    "NON_FINITE_MESSAGE",
    "Divergence",
    "DivergenceWarning",
    "FitResult",
    "History",
    "NonFiniteStart",
    "StochasticParams",
    "Stop",
    "train_lbfgs",
    "train_stochastic",
]

# scikit-learn's message (its tests match it), then our hint.
NON_FINITE_MESSAGE = (
    "Solver produced non-finite parameter weights. The input data may contain "
    "large values and need to be preprocessed."
)


class DivergenceWarning(ConvergenceWarning):
    """Training stopped because the loss or gradient became non-finite.

    The estimator keeps the last weights whose loss and gradient were finite
    (or the best ones on the validation split, with early stopping), so it
    still predicts finite values.

    Examples
    --------
    >>> import warnings
    >>> from sklearn.exceptions import ConvergenceWarning
    >>> from skffnn import DivergenceWarning
    >>> issubclass(DivergenceWarning, ConvergenceWarning)
    True
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", DivergenceWarning)  # silence it alone
    """


@dataclass
class History:
    """The training bookkeeping that scikit-learn keeps as fitted attributes."""

    n_iter: int = 0
    t: int = 0
    loss: float | None = None
    loss_curve: list = field(default_factory=list)
    best_loss: float | None = np.inf
    no_improvement_count: int = 0
    validation_scores: list | None = None
    validation_loss_curve: list | None = None
    best_validation_score: float | None = None
    epoch_times: list = field(default_factory=list)

    def copy(self) -> History:
        """A copy whose lists training may extend without touching this one."""
        lists = {
            k: list(v)
            for k, v in vars(self).items()
            if isinstance(v, list)  # the scalars are replaced, never mutated
        }
        return replace(self, **lists)


class Stop(enum.Enum):
    """Why a training call ended."""

    CONVERGED = "converged"
    MAX_ITER = "max_iter"
    EPOCH = "epoch"  # the one epoch of partial_fit
    STOP_REQUESTED = "stop_requested"  # a callback asked
    DIVERGED = "diverged"
    INTERRUPTED = "interrupted"  # Ctrl-C


class Divergence(enum.Enum):
    """What became non-finite when training diverged (the warning says it)."""

    LOSS = "the loss or its gradient became non-finite"
    LAST_STEP = "the last step made the network's outputs non-finite"


@dataclass
class FitResult:
    """What a training loop returns: weights, history, and why it stopped."""

    theta: np.ndarray
    history: History
    stop: Stop
    divergence: Divergence | None = None
    # The solver's own result where it has one (scipy's, for L-BFGS).
    solver_result: object = None
    # The optimizer's state after the call (sgd, adam), as plain values.
    optimizer_state: dict | None = None


@dataclass(frozen=True)
class StochasticParams:
    """The hyperparameters of the epoch loop."""

    max_iter: int
    batch_size: int
    shuffle: bool
    tol: float
    n_iter_no_change: float
    alpha: float
    verbose: bool
    one_epoch: bool = False


class _Diverged(Exception):
    def __init__(self, loss):
        self.loss = loss


class _StochasticRun:
    """One call's epochs: minibatch steps, epoch bookkeeping, divergence guard."""

    def __init__(self, net, theta, optimizer, data, params, history, scorer):
        self.net, self.theta, self.opt, self.data = net, theta, optimizer, data
        self.p, self.h, self.scorer = params, history, scorer
        self.ns = ns = net.ns  # the array namespace (skffnn._namespace)
        self.grad = ns.empty_like(theta)
        self.best_theta = ns.copy(theta) if scorer is not None else None
        self.last_good = ns.copy(theta)
        self.last_batch = None
        self.first_step = True

    def step(self, Xb, Yb, swb):
        """One gradient step; returns the batch loss (None if skipped)."""
        if swb is not None and not self.ns.positive_total(swb):
            return None  # a batch of zero total weight carries no gradient
        # Overflow on the way to divergence is detected below, by the
        # finiteness check, and reported once; not as floating-point
        # RuntimeWarnings (or errors under np.errstate).
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            loss, grad = self.net.loss_and_gradient(
                self.theta, Xb, Yb, swb, alpha=self.p.alpha, out=self.grad
            )
            if not self.ns.finite_step(loss, grad):
                raise _Diverged(float(loss))
            if self.first_step:
                self.first_step = False
                if not self.ns.finite_start(loss, grad):
                    raise _Diverged(float(loss))
            self.ns.copyto(self.last_good, self.theta)
            self.opt.step(self.theta, grad)
        self.last_batch = Xb
        return loss

    def epoch(self, rng) -> float:
        """One pass over the data; returns the epoch's mean loss."""
        total = 0.0
        for Xb, Yb, swb in self.data.batches(rng, self.p.batch_size, self.p.shuffle):
            loss = self.step(Xb, Yb, swb)
            if loss is not None:
                total += loss * Xb.shape[0]
        # float(): a 0-d array of another namespace comes to the host once
        # per epoch.
        return float(total) / self.data.n_samples

    def end_epoch(self, loss: float, seconds: float) -> bool:
        """Epoch bookkeeping as scikit-learn's; returns True to stop."""
        h, p = self.h, self.p
        h.n_iter += 1
        h.loss = loss
        h.t += self.data.n_samples
        h.loss_curve.append(loss)
        h.epoch_times.append(seconds)
        if p.verbose:
            print("Iteration %d, loss = %.8f" % (h.n_iter, h.loss))
        self.update_no_improvement_count()
        self.opt.iteration_ends(h.t)
        if h.no_improvement_count <= p.n_iter_no_change:
            return False
        what = (
            "Validation score did not improve more than"
            if self.scorer is not None
            else "Training loss did not improve more than"
        )
        msg = "%s tol=%f for %d consecutive epochs." % (
            what, p.tol, p.n_iter_no_change,
        )  # fmt: skip
        if self.opt.reduces_on_plateau():
            self.opt.reduce_learning_rate()
            if p.verbose:
                print(msg + f" Setting learning rate to {self.opt.learning_rate:f}")
            h.no_improvement_count = 0
            return False
        if p.verbose:
            adaptive = getattr(self.opt, "lr_schedule", "") == "adaptive"
            print(
                msg + (" Learning rate too small." if adaptive else "") + " Stopping."
            )
        return True

    def update_no_improvement_count(self):
        h, tol = self.h, self.p.tol
        if self.scorer is None:
            if h.loss_curve[-1] > h.best_loss - tol:
                h.no_improvement_count += 1
            else:
                h.no_improvement_count = 0
            if h.loss_curve[-1] < h.best_loss:
                h.best_loss = h.loss_curve[-1]
            return
        score, val_loss = self.scorer(self.theta)
        h.validation_scores.append(score)
        h.validation_loss_curve.append(val_loss)
        if self.p.verbose:
            print(f"Validation score: {score:f}")
        # A NaN score (non-finite predictions) counts as no improvement.
        if not score >= h.best_validation_score + tol:
            h.no_improvement_count += 1
        else:
            h.no_improvement_count = 0
        if score > h.best_validation_score:
            h.best_validation_score = score
            self.ns.copyto(self.best_theta, self.theta)

    def diverged(self, loss):
        """Stop at the first non-finite loss or gradient, keeping finite weights."""
        h = self.h
        self.ns.copyto(self.theta, self.last_good)
        h.n_iter += 1
        h.loss = float(loss)
        h.loss_curve.append(float(loss))
        h.epoch_times.append(float("nan"))
        if self.scorer is not None:
            h.validation_scores.append(float("nan"))
            h.validation_loss_curve.append(float("nan"))

    def last_step_is_finite(self) -> bool:
        """Whether the weights of the last step give finite outputs on its batch.

        The loss is evaluated before each step, so the weights that the last
        step reached were never checked; one forward pass on its batch does.
        """
        if self.last_batch is None:
            return True
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return self.ns.all_finite(self.net.forward(self.theta, self.last_batch))


def train_stochastic(
    net,
    theta: np.ndarray,
    optimizer,
    data,
    rng,
    params: StochasticParams,
    history: History,
    *,
    scorer: Callable | None = None,
    watch=NULL_WATCH,
    reconstruction: Callable | None = None,
) -> FitResult:
    """Epochs of minibatch SGD or Adam until a stopping rule fires.

    Parameters
    ----------
    net : Network
    theta : ndarray, updated in place and returned in the result
    optimizer : SGDOptimizer or AdamOptimizer
    data : TrainingData
    rng : numpy RandomState (shuffling)
    params : StochasticParams
    history : History, extended in place (pass a copy)
    scorer : ``theta -> (validation score, validation loss)`` for early stopping
    watch : the callback watch (``skffnn._callbacks``)
    reconstruction : ``(theta, history) -> dict`` of fitted attributes, for callbacks

    Returns
    -------
    FitResult
    """
    run = _StochasticRun(net, theta, optimizer, data, params, history, scorer)
    history.n_iter = 0  # scikit-learn counts the epochs of this call
    rebuild = None
    if watch.active:

        def rebuild():
            return reconstruction(theta, history)

    try:
        stop = _epochs(run, rng, watch, rebuild)
    except KeyboardInterrupt:
        stop = Stop.INTERRUPTED
        if not run.ns.all_finite(theta):
            run.ns.copyto(theta, run.last_good)
    return _stochastic_result(run, stop)


def _epochs(run, rng, watch, rebuild) -> Stop:
    """Run epochs until a stopping rule fires; returns why training stopped."""
    p, h = run.p, run.h
    for _ in range(1 if p.one_epoch else p.max_iter):
        watch.iteration_begin(rebuild)
        start = time.perf_counter()
        try:
            loss = run.epoch(rng)
        except _Diverged as exc:
            if h.n_iter == 0:
                raise NonFiniteStart(exc.loss) from None
            run.diverged(exc.loss)
            return Stop.DIVERGED
        converged = run.end_epoch(loss, time.perf_counter() - start)
        if watch.iteration_end(rebuild, loss=loss):
            return Stop.STOP_REQUESTED
        if converged:
            return Stop.CONVERGED
        if p.one_epoch:
            return Stop.EPOCH
    warn_user(
        "Stochastic Optimizer: Maximum iterations (%d) reached and "
        "the optimization hasn't converged yet." % p.max_iter,
        ConvergenceWarning,
    )
    return Stop.MAX_ITER


def _stochastic_result(run, stop: Stop) -> FitResult:
    """The weights the call keeps (best on validation, or checked finite)."""
    theta, state = run.theta, run.opt.state()
    divergence = Divergence.LOSS if stop is Stop.DIVERGED else None
    if run.best_theta is not None:
        run.ns.copyto(theta, run.best_theta)
    elif stop is not Stop.DIVERGED and not run.last_step_is_finite():
        run.ns.copyto(theta, run.last_good)
        stop, divergence = Stop.DIVERGED, Divergence.LAST_STEP
    return FitResult(theta, run.h, stop, divergence, optimizer_state=state)


def train_lbfgs(
    net,
    theta: np.ndarray,
    data,
    *,
    alpha: float,
    max_iter: int,
    max_fun: int,
    tol: float,
    verbose: bool,
    history: History,
    watch=NULL_WATCH,
    reconstruction: Callable | None = None,
    report: Callable | None = None,
) -> FitResult:
    """Full-batch L-BFGS-B on ``data.objective``; scipy runs on the flat vector.

    ``report(theta, loss)`` states the minimised loss as the estimator reports
    it (see :func:`~skffnn._solvers.minimize_lbfgs`). The history's loss
    curve and iteration times are extended (a warm start continues them).
    """
    fun = data.objective(net, alpha)

    def quiet_fun(t):
        # A trial point of the line search may overflow: L-BFGS-B handles the
        # non-finite loss by backtracking, so stay silent about it.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return fun(t)

    hook = _lbfgs_watch(watch, theta, history, reconstruction)
    res = minimize_lbfgs(
        quiet_fun, theta, max_iter=max_iter, max_fun=max_fun, tol=tol,
        verbose=verbose, iteration_hook=hook, report=report, namespace=net.ns,
    )  # fmt: skip
    if not res.stop_requested:
        watch.close_iteration()  # the iteration begun but never run
    net.ns.copyto(theta, net.ns.from_host(res.theta))
    history.n_iter = res.n_iter
    history.loss = res.loss
    history.loss_curve.extend(res.loss_curve)
    history.epoch_times.extend(res.iteration_times)
    if res.interrupted:
        stop = Stop.INTERRUPTED
    elif res.stop_requested:
        stop = Stop.STOP_REQUESTED
    else:
        stop = Stop.CONVERGED if res.success else Stop.MAX_ITER
    return FitResult(theta, history, stop, solver_result=res.optimize_result)


def _lbfgs_watch(watch, theta, history, reconstruction):
    """The iteration hook that brackets each L-BFGS iteration for callbacks.

    The history is filled in after scipy returns: the model at an iteration
    counts the iterations and losses seen so far. None without callbacks.
    """
    if not watch.active:
        return None
    losses = []

    def rebuild(t):
        so_far = History(
            n_iter=len(losses),
            loss=losses[-1] if losses else history.loss,
            loss_curve=[*history.loss_curve, *losses],
        )
        return lambda: reconstruction(t, so_far)

    watch.iteration_begin(rebuild(theta))

    def hook(t, loss):
        losses.append(loss)
        stop = watch.iteration_end(rebuild(t), loss=loss)
        if not stop:
            watch.iteration_begin(rebuild(t))
        return stop

    return hook
