"""Each solver as one object: what the estimator asks instead of testing a name.

:func:`solver_for` is the one place that reads the ``solver`` hyperparameter;
everything else asks the object it returns:

- its parameters (read from the estimator once, at the start of the call);
- ``stochastic``: whether ``partial_fit`` exists for it; ``iteration``: what
  the callbacks call one of its steps ("epoch" or "iteration");
- ``history(fitted, continued)``: the bookkeeping this call starts from;
- ``training_head(target)``: the head it minimises;
- ``train(...)``: the run (``skffnn._training``), returning a
  :class:`~skffnn._training.FitResult` (typed stop reason, history, optimizer
  state);
- ``fitted_attributes(result)``: exactly the history attributes it owns, and
  ``OWNED`` lists them all, so that the estimator can drop another solver's;
- ``interrupted_keeps()``: which weights a Ctrl-C leaves.

The rule for histories across calls (documented in the user guide): a warm
start or ``partial_fit`` continues the history of the previous call when it
was kept by the same family of solvers (sgd and adam share one, as in
scikit-learn); otherwise the new solver starts its histories fresh, and the
attributes that only the old solver keeps are removed. A new solver is a new
class here and one entry of :data:`SOLVERS`.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import ClassVar

import numpy as np

from ._losses import get_head
from ._solvers import AdamOptimizer, SGDOptimizer
from ._threads import blas_threads, largest_gemm
from ._training import (
    History,
    StochasticParams,
    Stop,
    train_lbfgs,
    train_stochastic,
)
from ._warnings import warn_user
from .network import add_l2_penalty

__all__ = ["OWNED", "SOLVERS", "solver_class", "solver_for"]

# The history attributes every solver keeps.
_EVERY_SOLVERS = (
    "n_iter_",
    "t_",
    "loss_",
    "loss_curve_",
    "epoch_times_",
    "validation_loss_curve_",
)


class Lbfgs:
    """scipy's L-BFGS-B on the full batch."""

    name = "lbfgs"
    stochastic = False
    iteration = "iteration"
    owns: ClassVar[tuple] = _EVERY_SOLVERS

    def __init__(self, est):
        self.alpha, self.max_iter, self.max_fun = est.alpha, est.max_iter, est.max_fun
        self.tol, self.verbose = est.tol, est.verbose

    def history(self, fitted: dict, continued: bool) -> History:
        if continued and _family(fitted) is Lbfgs:
            return History(
                t=0,
                loss=fitted.get("loss_"),
                loss_curve=list(fitted["loss_curve_"]),
                epoch_times=list(fitted.get("epoch_times_", [])),
            )
        return History()

    def training_head(self, target):
        """L-BFGS's line search needs one function: the summed squared error.

        For several outputs scikit-learn reports the squared error averaged
        over them but follows the gradient of the sum; minimising the sum
        with its own gradient is the same minimiser, and the loss is reported
        as scikit-learn's average (:func:`_averaged_report`).
        """
        if target.head_name == "squared_error":
            return get_head("squared_error", objective="sum")
        return target.head_name

    def train(self, net, theta, data, target, *, history, watch, rebuild, **_):
        units = net.layout.layer_units
        with blas_threads(largest_gemm(data.n_samples, units)):
            return train_lbfgs(
                net, theta, data, alpha=self.alpha, max_iter=self.max_iter,
                max_fun=self.max_fun, tol=self.tol, verbose=self.verbose,
                history=history, watch=watch, reconstruction=rebuild,
                report=_averaged_report(net, data, target, self.alpha),
            )  # fmt: skip

    def fitted_attributes(self, result) -> dict:
        h = result.history
        n_iter = h.n_iter
        if result.stop in (Stop.CONVERGED, Stop.MAX_ITER):
            n_iter = _lbfgs_n_iter(result.solver_result, self.max_iter)
        return {
            "n_iter_": n_iter,
            "t_": 0,  # scikit-learn's L-BFGS counts no samples
            "loss_": h.loss,
            "loss_curve_": h.loss_curve,
            "epoch_times_": h.epoch_times,
            "validation_loss_curve_": None,
        }

    def interrupted_keeps(self) -> str:
        return "the best weights evaluated so far."


class _Stochastic:
    """Minibatch epochs (sgd, adam): scikit-learn's bookkeeping and stopping."""

    stochastic = True
    iteration = "epoch"
    PARAMS: ClassVar[tuple] = (
        "validation_fraction", "max_iter", "batch_size", "shuffle", "tol",
        "n_iter_no_change", "alpha", "verbose", "learning_rate_init",
    )  # fmt: skip
    owns: ClassVar[tuple] = (
        *_EVERY_SOLVERS,
        "best_loss_",
        "_no_improvement_count",
        "validation_scores_",
        "best_validation_score_",
        "_optimizer_state",
    )

    def __init__(self, est):
        # The hyperparameters of this call, read once.
        self.p = SimpleNamespace(**{k: getattr(est, k) for k in self.PARAMS})
        self.early_stopping = est.early_stopping

    def history(self, fitted: dict, continued: bool) -> History:
        """Fresh as scikit-learn's ``_initialize``, or the fitted one continued."""
        fresh = self._fresh_history()
        if not continued or _family(fitted) is not _Stochastic:
            return fresh
        values = {
            field: fitted.get(attr, getattr(fresh, field))
            for field, attr in _HISTORY_FIELDS.items()
        }
        if values["best_loss"] is None and not self.early_stopping:
            values["best_loss"] = np.inf  # after a fit with early stopping
        if self.early_stopping and values["validation_scores"] is None:
            values.update(
                validation_scores=[],
                validation_loss_curve=[],
                best_validation_score=-np.inf,
            )
        return History(**values).copy()

    def _fresh_history(self) -> History:
        if self.early_stopping:
            return History(
                best_loss=None,
                validation_scores=[],
                validation_loss_curve=[],
                best_validation_score=-np.inf,
            )
        return History()

    def training_head(self, target):
        """sgd and adam take scikit-learn's steps: its averaged loss of several
        outputs, with the gradient of the sum (the 'sklearn' objective)."""
        if target.head_name == "squared_error":
            return get_head("squared_error", objective="sklearn")
        return target.head_name

    def train(
        self, net, theta, data, target, *, rng, incremental, history, watch,
        rebuild, optimizer_state, score,
    ):  # fmt: skip
        est = self.p
        opt = self.optimizer(net.n_params, net.ns.host_dtype(net.dtype))
        opt.on(net.ns, net.dtype)
        # partial_fit continues the optimizer (velocity, moments, step count,
        # adapted learning rate), as scikit-learn's; fit starts a new one.
        if incremental and optimizer_state is not None:
            if opt.accepts_state(optimizer_state):
                opt.load_state(optimizer_state)
        scorer = None
        if self.early_stopping:
            data, valid = data.split(rng, est.validation_fraction, target.stratifies)
            scorer = _validation_scorer(net, valid, score)
        params = StochasticParams(
            max_iter=est.max_iter,
            batch_size=_batch_size(est.batch_size, data.n_samples),
            shuffle=est.shuffle,
            tol=est.tol,
            n_iter_no_change=est.n_iter_no_change,
            alpha=est.alpha,
            verbose=est.verbose,
            one_epoch=incremental,
        )
        with blas_threads(largest_gemm(params.batch_size, net.layout.layer_units)):
            return train_stochastic(
                net, theta, opt, data, rng, params, history,
                scorer=scorer, watch=watch, reconstruction=rebuild,
            )  # fmt: skip

    def fitted_attributes(self, result) -> dict:
        h = result.history
        fitted = {attr: getattr(h, field) for field, attr in _HISTORY_FIELDS.items()}
        fitted["_optimizer_state"] = result.optimizer_state
        return fitted

    def interrupted_keeps(self) -> str:
        if self.early_stopping:
            return "the weights reached so far (the best on the validation set)."
        return "the weights reached so far."


class Sgd(_Stochastic):
    """Minibatch SGD with (Nesterov) momentum and scikit-learn's schedules."""

    name = "sgd"
    PARAMS = (
        *_Stochastic.PARAMS, "learning_rate", "momentum", "nesterovs_momentum",
        "power_t",
    )  # fmt: skip

    def optimizer(self, n_params, dtype):
        est = self.p
        return SGDOptimizer(
            n_params, dtype, est.learning_rate_init, est.learning_rate,
            est.momentum, est.nesterovs_momentum, est.power_t,
        )  # fmt: skip


class Adam(_Stochastic):
    """Adam with scikit-learn's bias-corrected step size."""

    name = "adam"
    PARAMS = (*_Stochastic.PARAMS, "beta_1", "beta_2", "epsilon")

    def optimizer(self, n_params, dtype):
        est = self.p
        return AdamOptimizer(
            n_params, dtype, est.learning_rate_init, est.beta_1, est.beta_2,
            est.epsilon,
        )  # fmt: skip


#: Every solver by its ``solver`` name.
SOLVERS = {cls.name: cls for cls in (Lbfgs, Sgd, Adam)}

#: Every attribute that some solver's history owns.
OWNED = frozenset(name for cls in SOLVERS.values() for name in cls.owns)

# History field -> fitted attribute, for the stochastic solvers.
_HISTORY_FIELDS = {
    "n_iter": "n_iter_",
    "t": "t_",
    "loss": "loss_",
    "loss_curve": "loss_curve_",
    "best_loss": "best_loss_",
    "no_improvement_count": "_no_improvement_count",
    "validation_scores": "validation_scores_",
    "validation_loss_curve": "validation_loss_curve_",
    "best_validation_score": "best_validation_score_",
    "epoch_times": "epoch_times_",
}


def solver_class(name: str):
    """The solver class named ``name`` (the one place that tests the name)."""
    return SOLVERS[name]


def solver_for(estimator):
    """The solver object of one training call, from the estimator's parameters."""
    return solver_class(estimator.solver)(estimator)


def _family(fitted: dict):
    """Which family kept the fitted history: _Stochastic, Lbfgs, or None.

    Only sgd and adam keep ``_no_improvement_count``; a loss curve without it
    is L-BFGS's; no loss curve at all (weights set by hand) is no history.
    """
    if "_no_improvement_count" in fitted:
        return _Stochastic
    if "loss_curve_" in fitted:
        return Lbfgs
    return None


def _averaged_report(net, data, target, alpha):
    """``(theta, loss of the sum) -> scikit-learn's loss``, for k outputs.

    The summed squared error plus the penalty P is ``k * D + P``, with D
    scikit-learn's averaged data term; it reports ``D + P``.
    """
    k = net.layout.layer_units[-1]
    if target.head_name != "squared_error" or k == 1:
        return None
    layout = net.layout

    def report(theta, loss):
        penalty = add_l2_penalty(layout, theta, 0.0, alpha, data.total_weight)
        return (loss - penalty) / k + penalty

    return report


def _lbfgs_n_iter(optimize_result, max_iter: int) -> int:
    """scikit-learn's L-BFGS iteration count, its warning at the user's line."""
    import warnings

    from ._sklearn import _check_optimize_result

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        n_iter = _check_optimize_result("lbfgs", optimize_result, max_iter)
    for w in caught:
        warn_user(str(w.message), w.category)
    return n_iter


def _batch_size(batch_size, n: int) -> int:
    if batch_size == "auto":
        return min(200, n)
    if batch_size > n:
        warn_user(
            "Got `batch_size` less than 1 or larger than "
            "sample size. It is going to be clipped"
        )
    return int(np.clip(batch_size, 1, n))


def _validation_scorer(net, valid, score):
    """``theta -> (score, loss)`` on the held-out rows, for early stopping."""
    Xv, Yv, swv = valid

    def scorer(theta):
        # Huge but finite scores may overflow in the metric (a squared
        # residual): the score is then non-finite, which counts as no
        # improvement, rather than a floating-point warning.
        with np.errstate(all="ignore"):
            # Scored on the host, where the labels and the metric live.
            scores = net.ns.to_host(net.forward(theta, Xv))
            if not np.isfinite(scores).all():
                return float("nan"), float("nan")
            return (
                float(score(scores, Yv, swv)),
                float(net.head.loss(scores, Yv, swv)),
            )

    return scorer
