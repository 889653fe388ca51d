"""The estimator base shared by FFNClassifier and FFNRegressor.

It owns what is the estimator's business, and only that: checking the
hyperparameters, validating and encoding the data (into training data, see
:mod:`skffnn._data`), building the network, initialising theta (or packing the
fitted weights for warm_start / partial_fit), choosing a solver, storing the
solver's :class:`~skffnn._training.FitResult` as the fitted attributes in one
place, and predicting through the fitted network.

One ``fit``: ``_fit`` (saves the state, restores it if the call fails) ->
``_fit_unsafe`` (data, network, theta) -> ``train_lbfgs`` or
``train_stochastic`` (``_training``, which knows no estimator) -> ``_store``
(every fitted attribute) -> ``_warn_outcome`` (convergence, divergence).
"""

from __future__ import annotations

import copy
import functools
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, is_classifier
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from . import _callbacks, _dask
from ._activations import ACTIVATIONS, hidden_activations
from ._data import InMemoryData
from ._layout import Layout
from ._losses import HEADS, get_head
from ._persistence import VersionStampMixin
from ._predict_input import validated_predict_input
from ._sklearn import (
    Interval,
    Options,
    StrOptions,
    _check_optimize_result,
    _check_sample_weight,
)
from ._solvers import AdamOptimizer, SGDOptimizer
from ._threads import blas_threads, largest_gemm
from ._training import (
    NON_FINITE_MESSAGE,
    DivergenceWarning,
    History,
    NonFiniteStart,
    StochasticParams,
    train_lbfgs,
    train_stochastic,
)
from .network import Network

_STOCHASTIC_SOLVERS = ("sgd", "adam")

# The head that produced each of scikit-learn's output activations.
_HEAD_OF_OUTPUT = {head.out_activation: name for name, head in HEADS.items()}

# The fitted attributes that record training (restored as a whole on failure).
_HISTORY_ATTRIBUTES = {
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


@functools.lru_cache(maxsize=32)
def _prediction_network(units: tuple, names: tuple, head: str, dtype) -> Network:
    """The prediction network of an architecture, built once (16 us a call before)."""
    return Network(units, list(names), head, dtype=dtype)


class BaseFFN(VersionStampMixin, _callbacks.CallbackSupport, BaseEstimator):
    """Fit machinery shared by the classifier and the regressor."""

    _parameter_constraints: dict = {
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "activation": [StrOptions(set(ACTIVATIONS)), list, tuple],
        "solver": [StrOptions({"lbfgs", "sgd", "adam"})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
        ],
        "learning_rate": [StrOptions({"constant", "invscaling", "adaptive"})],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "n_iter_no_change": [
            Interval(Integral, 1, None, closed="left"),
            Options(Real, {np.inf}),
        ],
        "max_fun": [Interval(Integral, 1, None, closed="left")],
    }

    # -- hyperparameters beyond what _parameter_constraints can say -----------
    def _hidden_sizes(self) -> list[int]:
        sizes = self.hidden_layer_sizes
        sizes = list(sizes) if hasattr(sizes, "__iter__") else [sizes]
        # scikit-learn fails on a non-integer size with numpy's TypeError; the
        # same type here, with a message that names the parameter.
        bad = [s for s in sizes if not isinstance(s, Integral | np.integer)]
        if bad:
            raise TypeError(
                f"hidden_layer_sizes must contain integers, got {sizes} "
                f"({type(bad[0]).__name__} {bad[0]!r} cannot be a number of units)."
            )
        if np.any(np.array(sizes) <= 0):
            raise ValueError(f"hidden_layer_sizes must be > 0, got {sizes}.")
        return [int(s) for s in sizes]

    # -- fit -------------------------------------------------------------------
    def _saved_state(self) -> dict:
        """A copy of ``__dict__`` that training cannot change in place.

        Training extends the fitted lists (``loss_curve_``, ...) and updates
        the optimizer's vectors in place: those are copied, the rest (replaced,
        never mutated) is shared.
        """
        saved = dict(self.__dict__)
        for key, value in saved.items():
            if key.endswith("_") and isinstance(value, list):
                saved[key] = list(value)
        if "_optimizer_state" in saved:
            saved["_optimizer_state"] = copy.deepcopy(saved["_optimizer_state"])
        return saved

    def _restore_state(self, saved: dict) -> None:
        self.__dict__.clear()
        self.__dict__.update(saved)

    def _fit(self, X, y, sample_weight=None, incremental=False, classes=None):
        saved = self._saved_state()
        try:
            result, continued, watch = self._fit_unsafe(
                X, y, sample_weight, incremental, classes
            )
        except NonFiniteStart:
            self._restore_state(saved)
            raise ValueError(
                f"{NON_FINITE_MESSAGE} (The loss was already non-finite in the "
                "first iteration: scale X, e.g. with StandardScaler, or lower "
                f"learning_rate_init, now {self.learning_rate_init}.)"
            ) from None
        except BaseException:
            # A failed call leaves a fitted model exactly as it was.
            self._restore_state(saved)
            raise
        self._warn_outcome(result, continued, saved)
        # The root task ends with the model as the call leaves it (a diverged
        # warm start has been undone by now).
        watch.end(self._fitted_attributes)
        return self

    def _fitted_attributes(self) -> dict:
        """The fitted attributes a callback's ``fitted_estimator`` needs."""
        return {
            "coefs_": self.coefs_,
            "intercepts_": self.intercepts_,
            "n_iter_": self.n_iter_,
            "loss_": self.loss_,
            "loss_curve_": list(self.loss_curve_),
        }

    def _fit_unsafe(self, X, y, sample_weight, incremental, classes):
        hidden = self._hidden_sizes()
        names = hidden_activations(self.activation, len(hidden))
        if incremental and self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True")
        first_pass = not hasattr(self, "coefs_") or (
            not self.warm_start and not incremental
        )
        if _dask.is_dask_collection(X):
            data = _dask.training_data(
                self, X, y, sample_weight, reset=first_pass, incremental=incremental,
                classes=classes,
            )  # fmt: skip
        else:
            X, y, data = self._in_memory_data(
                X, y, sample_weight, incremental, first_pass, classes
            )
        units = [self.n_features_in_, *hidden, self._n_target_columns()]
        net = Network(units, self.activation, self._training_head(), dtype=data.dtype)
        rng = check_random_state(self.random_state)
        if first_pass:
            theta = net.init_params(rng)
            history = self._fresh_history()
        else:
            theta = self._packed_fitted_weights(net.layout, data.dtype)
            history = self._current_history()
        # What the model predicts with from now on (scikit-learn sets these
        # before training too); a warm start may follow set_params(...).
        self.n_outputs_ = units[-1]
        self.n_layers_ = len(units)
        self.out_activation_ = net.head.out_activation
        self._fitted_activations = names

        watch = _callbacks.start_fit(
            self, X, y,
            task_name="partial_fit" if incremental else "fit",
            max_subtasks=1 if incremental else self.max_iter,
            sample_weight=sample_weight,
        )  # fmt: skip
        rebuild = self._reconstruction(net)
        if self.solver == "lbfgs":
            with blas_threads(largest_gemm(data.n_samples, units)):
                result = train_lbfgs(
                    net, theta, data, alpha=self.alpha, max_iter=self.max_iter,
                    max_fun=self.max_fun, tol=self.tol, verbose=self.verbose,
                    history=history, watch=watch, reconstruction=rebuild,
                    report=self._lbfgs_report(net, data),
                )  # fmt: skip
        else:
            result = self._train_stochastic(
                net, theta, data, rng, incremental, history, watch, rebuild
            )
        self._store(result, net)
        return result, not first_pass, watch

    def _training_head(self):
        """The head trained with, for scikit-learn's steps and stationary points.

        For several outputs scikit-learn reports the squared error averaged
        over them, while every solver of its follows the gradient of the sum.
        sgd and adam take the same steps (the 'sklearn' pair: the average, and
        the sum's gradient), so that the weights and the stopping rule agree.
        L-BFGS's line search needs one function: it minimises the sum with its
        own gradient (the same minimiser as scikit-learn's), and the loss is
        reported as scikit-learn's average (:meth:`_lbfgs_report`).
        """
        name = self._head_name()
        if name == "squared_error":
            return get_head(
                name, objective="sum" if self.solver == "lbfgs" else "sklearn"
            )
        return name

    def _lbfgs_report(self, net, data):
        """``(theta, loss of the sum) -> scikit-learn's loss``, for k outputs.

        The summed squared error plus the penalty P is ``k * D + P``, with D
        scikit-learn's averaged data term; it reports ``D + P``.
        """
        k = net.layout.layer_units[-1]
        if self._head_name() != "squared_error" or k == 1:
            return None
        n_weights, scale = net.layout.n_weights, 0.5 * self.alpha / data.total_weight

        def report(theta, loss):
            w = theta[:n_weights]
            penalty = scale * float(w @ w)
            return (loss - penalty) / k + penalty

        return report

    def _fresh_history(self) -> History:
        """The bookkeeping of a first fit, as scikit-learn's ``_initialize``."""
        if self.solver == "lbfgs":
            return History(best_loss=None)
        if self.early_stopping:
            return History(
                best_loss=None,
                validation_scores=[],
                validation_loss_curve=[],
                best_validation_score=-np.inf,
            )
        return History()

    def _current_history(self) -> History:
        """The fitted bookkeeping, to continue from (warm start, partial_fit)."""
        fresh = self._fresh_history()
        values = {
            field: getattr(self, attr, getattr(fresh, field))
            for field, attr in _HISTORY_ATTRIBUTES.items()
        }
        if (
            self.solver != "lbfgs"
            and values["best_loss"] is None
            and not (self.early_stopping)
        ):
            values["best_loss"] = np.inf  # after a fit with early stopping
        if self.early_stopping and values["validation_scores"] is None:
            values.update(
                validation_scores=[],
                validation_loss_curve=[],
                best_validation_score=-np.inf,
            )
        return History(**values).copy()

    def _store(self, result, net) -> None:
        """Every fitted attribute a training call sets, in one place."""
        h = result.history
        self.coefs_, self.intercepts_ = net.layout.unpack(result.theta)
        self.n_iter_ = h.n_iter
        self.loss_ = h.loss
        self.loss_curve_ = h.loss_curve
        self.epoch_times_ = h.epoch_times
        if self.solver == "lbfgs":
            self.t_ = h.t  # scikit-learn's L-BFGS counts no samples
            self.validation_loss_curve_ = None
            if result.stop in ("converged", "max_iter"):
                self.n_iter_ = _check_optimize_result(
                    "lbfgs", result.solver_result, self.max_iter
                )
            return
        self.t_ = h.t
        self.best_loss_ = h.best_loss
        self._no_improvement_count = h.no_improvement_count
        self.validation_scores_ = h.validation_scores
        self.validation_loss_curve_ = h.validation_loss_curve
        self.best_validation_score_ = h.best_validation_score

    def _warn_outcome(self, result, continued: bool, saved: dict) -> None:
        """Say how a call that did not converge ended (and undo a divergence)."""
        n = result.history.n_iter
        hint = (
            f"Try a smaller learning_rate_init (now {self.learning_rate_init}) "
            "or scale the data."
        )
        if result.stop == "interrupted":
            if self.solver == "lbfgs":
                kept = "the best weights evaluated so far."
            elif self.early_stopping:
                kept = "the weights reached so far (the best on the validation set)."
            else:
                kept = "the weights reached so far."
            warnings.warn(
                f"Training interrupted by user after {n} iteration(s); the model "
                f"keeps {kept}",
                UserWarning,
                stacklevel=3,
            )
        if result.stop != "diverged":
            return
        what = (
            "the last step made the network's outputs non-finite"
            if result.message == "the last step"
            else "the loss or its gradient became non-finite"
        )
        if continued:
            # The weights this call started from were a fitted model: the last
            # finite weights of a diverging run can be far worse than it.
            self._restore_state(saved)
            kept = "Restored the model as it was before this call."
        elif self.early_stopping:
            kept = "Kept the best weights on the validation set."
        else:
            kept = "Kept the last finite weights."
        warnings.warn(
            f"Training diverged in iteration {n}: {what} "
            f"(loss={result.history.loss}). {kept} {hint}",
            DivergenceWarning,
            stacklevel=3,
        )

    def _packed_fitted_weights(self, layout: Layout, dtype):
        """A new flat vector holding the fitted (or user-set) coefs_ and intercepts_."""
        try:
            layout.check_shapes(self.coefs_, self.intercepts_)
        except ValueError as exc:
            raise ValueError(
                f"Cannot continue training: the fitted weights do not match "
                f"layer sizes {list(layout.layer_units)} ({exc}) Did "
                "hidden_layer_sizes change? Use warm_start=False to refit."
            ) from None
        return layout.pack(self.coefs_, self.intercepts_, dtype=dtype)

    def _checked_sample_weight(self, sample_weight, X):
        if sample_weight is None:
            return None
        sw = _check_sample_weight(
            sample_weight, X, dtype=X.dtype, ensure_non_negative=True
        )
        if not np.isfinite(sw).all():
            raise ValueError("sample_weight contains NaN or infinity.")
        return sw

    def _reconstruction(self, net):
        """``(theta, history) -> fitted attributes``: the model at that point."""

        def rebuild(theta, history):
            coefs, intercepts = net.layout.unpack(theta)
            return {
                "coefs_": coefs,
                "intercepts_": intercepts,
                "n_iter_": history.n_iter,
                "loss_": history.loss,
                "loss_curve_": list(history.loss_curve),
            }

        return rebuild

    # -- data ------------------------------------------------------------------
    def _in_memory_data(self, X, y, sample_weight, incremental, first_pass, classes):
        """Validate X, y and weights; returns (X, y, training data)."""
        X, y = validate_data(
            self, X, y, accept_sparse=["csr", "csc"], multi_output=True,
            y_numeric=not is_classifier(self), dtype=(np.float64, np.float32),
            reset=first_pass,
        )  # fmt: skip
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        self._prepare_target_encoder(y, incremental, first_pass, classes)
        Y = self._encode_target(y, X.dtype)
        sw = self._sample_weight_block(sample_weight, y, X)
        self._check_weighted_classes(Y, sw, incremental)
        return X, y, InMemoryData(X, Y, sw)

    def _check_weighted_classes(self, Y, sw, incremental):
        """Hook: the classifier needs two classes with positive weight."""

    # -- solvers ---------------------------------------------------------------
    def _make_optimizer(self, n_params, dtype):
        if self.solver == "sgd":
            return SGDOptimizer(
                n_params, dtype, self.learning_rate_init, self.learning_rate,
                self.momentum, self.nesterovs_momentum, self.power_t,
            )  # fmt: skip
        return AdamOptimizer(
            n_params, dtype, self.learning_rate_init, self.beta_1, self.beta_2,
            self.epsilon,
        )  # fmt: skip

    def _train_stochastic(
        self, net, theta, data, rng, incremental, history, watch, rebuild
    ):
        opt = self._make_optimizer(theta.size, theta.dtype)
        state = getattr(self, "_optimizer_state", None)
        # partial_fit continues the optimizer (velocity, moments, step count,
        # adapted learning rate), as scikit-learn's; fit starts a new one.
        if incremental and state is not None and opt.accepts_state(state):
            opt.load_state(state)
        scorer = None
        if self.early_stopping:
            stratify = is_classifier(self) and self.n_outputs_ == 1
            data, valid = data.split(rng, self.validation_fraction, stratify)
            scorer = self._validation_scorer(net, valid)
        params = StochasticParams(
            max_iter=self.max_iter,
            batch_size=self._batch_size(data.n_samples),
            shuffle=self.shuffle,
            tol=self.tol,
            n_iter_no_change=self.n_iter_no_change,
            alpha=self.alpha,
            verbose=self.verbose,
            learning_rate_init=self.learning_rate_init,
            one_epoch=incremental,
        )
        with blas_threads(largest_gemm(params.batch_size, net.layout.layer_units)):
            result = train_stochastic(
                net, theta, opt, data, rng, params, history,
                scorer=scorer, watch=watch, reconstruction=rebuild,
            )  # fmt: skip
        self._optimizer_state = opt.state()
        return result

    def _batch_size(self, n: int) -> int:
        if self.batch_size == "auto":
            return min(200, n)
        if self.batch_size > n:
            warnings.warn(
                "Got `batch_size` less than 1 or larger than "
                "sample size. It is going to be clipped",
                stacklevel=4,
            )
        return int(np.clip(self.batch_size, 1, n))

    def _validation_scorer(self, net, valid):
        """``theta -> (score, loss)`` on the held-out rows, for early stopping."""
        Xv, Yv, swv = valid

        def score(theta):
            # Huge but finite scores may overflow in the metric (a squared
            # residual): the score is then non-finite, which counts as no
            # improvement, rather than a floating-point warning.
            with np.errstate(all="ignore"):
                scores = net.forward(theta, Xv)
                if not np.isfinite(scores).all():
                    return float("nan"), float("nan")
                return (
                    float(self._score_from_scores(scores, Yv, swv)),
                    float(net.head.loss(scores, Yv, swv)),
                )

        return score

    # -- prediction ------------------------------------------------------------
    def _validate_predict_data(self, X):
        return validated_predict_input(self, X)

    def _fitted_network(self, dtype) -> Network:
        """The network of the fitted model: every prediction goes through it.

        Built once per architecture and dtype and shared (it holds no
        weights, and a prediction allocates its own buffers): the weights
        are read from ``coefs_`` and ``intercepts_`` at each call, so a new
        fit, or weights changed by hand, are what the next prediction uses.
        """
        units = (self.coefs_[0].shape[0], *(b.shape[0] for b in self.intercepts_))
        names = getattr(self, "_fitted_activations", None)
        if names is None:  # weights set by hand on an unfitted estimator
            names = hidden_activations(self.activation, len(self.coefs_) - 1)
        return _prediction_network(
            units, tuple(names), _HEAD_OF_OUTPUT[self.out_activation_], dtype
        )

    def _scores(self, X):
        """Raw output scores of the fitted network (validated X)."""
        if "coefs_" not in self.__dict__:
            check_is_fitted(self)
        X = self._validate_predict_data(X)
        coefs = [np.asarray(c) for c in self.coefs_]
        intercepts = [np.asarray(b) for b in self.intercepts_]
        net = self._fitted_network(np.result_type(coefs[0].dtype, X.dtype))
        return net.forward_layers(coefs, intercepts, X)

    def _fitted_head(self):
        """The output head of the fitted model (link, probabilities, loss)."""
        return HEADS[_HEAD_OF_OUTPUT[self.out_activation_]]

    def _check_solver(self):
        if self.solver not in _STOCHASTIC_SOLVERS:
            raise AttributeError(
                "partial_fit is only available for stochastic optimizers. "
                f"{self.solver} is not stochastic."
            )
        return True

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
