"""The estimator base shared by FFNClassifier and FFNRegressor.

It owns what is the estimator's business, and only that: checking the
hyperparameters, validating the data (in memory here, dask in
:mod:`skffnn._dask`), building the network, initialising theta (or packing the
fitted weights for warm_start / partial_fit), asking the solver object to
train, storing what comes back as the fitted attributes, warning about how
the call ended, and predicting through the fitted network. It is the only
module that assigns fitted attributes.

One ``fit`` reads top to bottom:

``_fit`` (saves the state; restores it if the call fails or a continued call
diverges) -> ``_fit_unsafe``: ``solver_for`` (``_solver_objects``: the solver
of this call) -> ``_training_data`` (validated X, y, weights and the target
encoder of ``_target``; ``_dask.training_data`` for dask input) -> the
``Network`` and theta -> ``solver.history`` -> ``_store_model`` (what the
model predicts with) -> ``solver.train`` (``_training``, which knows no
estimator) -> ``_store_training`` (every history attribute, from the
solver) -> ``_warn_outcome`` (interruption, divergence).
"""

from __future__ import annotations

import copy
import functools
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, is_classifier
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from . import _callbacks, _dask
from ._activations import ACTIVATIONS, hidden_activations
from ._losses import HEADS
from ._namespace import (
    NUMPY,
    check_same_namespace,
    fit_namespace,
    fitted_namespace,
    namespace_of,
    to_host,
)
from ._persistence import VersionStampMixin
from ._predict_input import validated_predict_input
from ._sklearn import ARRAY_API_SUPPORTED, Interval, Options, StrOptions
from ._solver_objects import OWNED, SOLVERS, solver_class, solver_for
from ._target import checked_sample_weight
from ._training import (
    NON_FINITE_MESSAGE,
    DivergenceWarning,
    History,
    NonFiniteStart,
    Stop,
)
from ._warnings import warn_user
from .network import Network

# The head that produced each of scikit-learn's output activations.
_HEAD_OF_OUTPUT = {head.out_activation: name for name, head in HEADS.items()}


def _model_attributes(coefs, intercepts, history) -> dict:
    """The fitted attributes a callback's ``fitted_estimator`` needs."""
    return {
        "coefs_": coefs,
        "intercepts_": intercepts,
        "n_iter_": history.n_iter,
        "loss_": history.loss,
        "loss_curve_": list(history.loss_curve),
    }


@dataclass
class _Outcome:
    """How one training call ended, for the warnings and the callbacks."""

    solver: object
    result: object
    continued: bool
    watch: object


@functools.lru_cache(maxsize=32)
def _prediction_network(
    units: tuple, names: tuple, head: str, dtype, ns=NUMPY
) -> Network:
    """The prediction network of an architecture, built once (16 us a call before)."""
    return ns.network(units, list(names), head, dtype=dtype)


class BaseFFN(VersionStampMixin, _callbacks.CallbackSupport, BaseEstimator):
    """Fit machinery shared by the classifier and the regressor."""

    _parameter_constraints: dict = {
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "activation": [StrOptions(set(ACTIVATIONS)), list, tuple],
        "solver": [StrOptions(set(SOLVERS))],
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
        """Put the model back as it was; the running call's callbacks stay set.

        The callback context that this call opened belongs to the call, not
        to the model: scikit-learn's teardown reads it after ``fit`` returns.
        """
        running = _callbacks.call_context(self)
        self.__dict__.clear()
        self.__dict__.update(saved)
        self.__dict__.update(running)

    def _fit(self, X, y, sample_weight=None, incremental=False, classes=None):
        saved = self._saved_state()
        try:
            outcome = self._fit_unsafe(X, y, sample_weight, incremental, classes)
        except NonFiniteStart:
            self._restore_state(saved)
            raise ValueError(
                f"{NON_FINITE_MESSAGE} (The loss or its gradient was already "
                "non-finite in the first iteration: scale X, e.g. with "
                "StandardScaler, or lower "
                f"learning_rate_init, now {self.learning_rate_init}.)"
            ) from None
        except BaseException:
            # A failed call leaves a fitted model exactly as it was.
            self._restore_state(saved)
            raise
        self._warn_outcome(outcome, saved)
        # The root task ends with the model as the call leaves it (a diverged
        # warm start has been undone by now).
        outcome.watch.end(self._fitted_attributes)
        return self

    def _fitted_attributes(self) -> dict:
        """The fitted attributes a callback's ``fitted_estimator`` needs."""
        stored = History(n_iter=self.n_iter_, loss=self.loss_)
        stored.loss_curve = self.loss_curve_
        return _model_attributes(self.coefs_, self.intercepts_, stored)

    def _fit_unsafe(self, X, y, sample_weight, incremental, classes) -> _Outcome:
        solver = solver_for(self)
        hidden = self._hidden_sizes()
        names = hidden_activations(self.activation, len(hidden))
        if incremental and self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True")
        continued = hasattr(self, "coefs_") and (self.warm_start or incremental)
        given = (X, y)
        X, y, data = self._training_data(
            X, y, sample_weight, incremental, not continued, classes
        )
        target = data.target
        units = [self.n_features_in_, *hidden, target.n_columns]
        head = solver.training_head(target)
        ns = getattr(data, "ns", NUMPY)  # the namespace of this call, from X
        net = ns.network(units, self.activation, head, dtype=data.dtype)
        rng = check_random_state(self.random_state)
        if continued:
            method = "partial_fit" if incremental else "fit"
            fitted = fitted_namespace(self.coefs_[0])
            check_same_namespace(self, ns, fitted, method, X=given[0])
            theta = self._packed_fitted_weights(net)
        else:
            theta = net.init_params(rng)
        history = solver.history(vars(self), continued)
        self._store_model(target, net, names)
        watch = _callbacks.start_fit(
            self, *ns.callback_data((X, y), given),
            task_name="partial_fit" if incremental else "fit",
            max_subtasks=1 if incremental else self.max_iter,
            sample_weight=sample_weight, subtask=solver.iteration,
        )  # fmt: skip
        result = solver.train(
            net, theta, data, target, rng=rng, incremental=incremental,
            history=history, watch=watch, rebuild=_reconstruction(net),
            optimizer_state=getattr(self, "_optimizer_state", None),
            score=self._score_from_scores,
        )  # fmt: skip
        self._store_training(solver, result, net)
        return _Outcome(solver, result, continued, watch)

    def _store_model(self, target, net, names) -> None:
        """What the model predicts with from now on (scikit-learn sets these
        before training too); a warm start may follow set_params(...)."""
        self.__dict__.update(target.fitted_attributes())
        self.n_outputs_ = net.layout.layer_units[-1]
        self.n_layers_ = len(net.layout.layer_units)
        self.out_activation_ = net.head.out_activation
        self._fitted_activations = names

    def _store_training(self, solver, result, net) -> None:
        """The weights and exactly the history attributes the solver owns."""
        self.coefs_, self.intercepts_ = net.unpack(result.theta)
        for name in OWNED.difference(solver.owns):
            self.__dict__.pop(name, None)  # another solver's bookkeeping
        self.__dict__.update(solver.fitted_attributes(result))

    def _warn_outcome(self, outcome: _Outcome, saved: dict) -> None:
        """Say how a call that did not converge ended (and undo a divergence)."""
        result = outcome.result
        n = result.history.n_iter
        if result.stop is Stop.INTERRUPTED:
            warn_user(
                f"Training interrupted by user after {n} iteration(s); the model "
                f"keeps {outcome.solver.interrupted_keeps()}",
                UserWarning,
            )
        if result.stop is not Stop.DIVERGED:
            return
        if outcome.continued:
            # The weights this call started from were a fitted model: the last
            # finite weights of a diverging run can be far worse than it.
            self._restore_state(saved)
            kept = "Restored the model as it was before this call."
        elif self.early_stopping:
            kept = "Kept the best weights on the validation set."
        else:
            kept = "Kept the last finite weights."
        warn_user(
            f"Training diverged in iteration {n}: {result.divergence.value} "
            f"(loss={result.history.loss}). {kept} Try a smaller "
            f"learning_rate_init (now {self.learning_rate_init}) or scale the data.",
            DivergenceWarning,
        )

    def _packed_fitted_weights(self, net):
        """A new flat vector holding the fitted (or user-set) coefs_ and intercepts_."""
        layout = net.layout
        try:
            layout.check_shapes(self.coefs_, self.intercepts_)
        except ValueError as exc:
            raise ValueError(
                f"Cannot continue training: the fitted weights do not match "
                f"layer sizes {list(layout.layer_units)} ({exc}) Did "
                "hidden_layer_sizes change? Use warm_start=False to refit."
            ) from None
        return net.pack_weights(self.coefs_, self.intercepts_)

    # -- data ------------------------------------------------------------------
    def _training_data(self, X, y, sample_weight, incremental, first_pass, classes):
        """Validated data with its target encoder: ``(X, y, training data)``."""
        method = "partial_fit" if incremental else "fit"
        _dask.check_dispatch(self, method, X, y, sample_weight)
        if _dask.is_dask_collection(X):
            if not first_pass:  # continuing a model: NumPy's only
                _dask.check_numpy_model(self, method, X)
            data = _dask.training_data(
                self, X, y, sample_weight, reset=first_pass, incremental=incremental,
                classes=classes,
            )  # fmt: skip
            if first_pass:
                self.n_features_in_ = data.n_features
                self.__dict__.pop("feature_names_in_", None)
            return X, y, data
        return self._in_memory_data(
            X, y, sample_weight, incremental, first_pass, classes
        )

    def _in_memory_data(self, X, y, sample_weight, incremental, first_pass, classes):
        """The in-memory rules (scikit-learn's ``validate_data``), then encoding.

        Under array API dispatch ``X`` decides the namespace and is validated
        there, on its device (as scikit-learn's ``validate_data`` does: one
        synchronisation, the finiteness check); the target encoding runs on
        the host (``y`` and ``sample_weight`` of any namespace join it there),
        and the namespace's training data moves the encoded targets and the
        weights to ``X``'s device once.
        """
        ns = fit_namespace(
            self, X, y, sample_weight, "partial_fit" if incremental else "fit"
        )
        y, sample_weight = to_host(y), to_host(sample_weight)
        X, y = validate_data(
            self, X, y, accept_sparse=["csr", "csc"], multi_output=True,
            y_numeric=not is_classifier(self),
            dtype=self._training_dtype(first_pass, ns), reset=first_pass,
        )  # fmt: skip
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        kind = self._target_kind
        y = kind.check(y)
        target = kind.build(
            None, self, incremental=incremental, first_pass=first_pass,
            classes=classes, y=y,
        )  # fmt: skip
        dtype = ns.host_dtype(X.dtype)
        Y = target.encode(y, dtype)
        sw = checked_sample_weight(sample_weight, ns.host_rows(X))
        sw = target.weights(y, sw, dtype)
        if sw is not None and not incremental:
            target.check_weighted(Y[sw > 0, 0])
        return X, y, ns.training_data(X, Y, sw, target)

    def _training_dtype(self, first_pass: bool, ns=NUMPY):
        """The dtype training casts X to (in ``ns``, X's namespace): the
        model's, once it has one.

        A first fit keeps float32 or float64 data as it is; a warm start or a
        ``partial_fit`` batch is cast to the fitted weights' dtype, so that a
        float32 batch neither downcasts a float64 model nor resets its
        optimizer (scikit-learn's MLP keeps float64 and continues too).
        """
        if first_pass:
            return ns.float_dtypes()
        fitted = fitted_namespace(self.coefs_[0])
        return ns.dtype(fitted.host_dtype(fitted.asarray(self.coefs_[0]).dtype))

    # -- prediction ------------------------------------------------------------
    def _validate_predict_data(self, X):
        return validated_predict_input(self, X)

    def _fitted_network(self, dtype, ns=NUMPY) -> Network:
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
            units, tuple(names), _HEAD_OF_OUTPUT[self.out_activation_], dtype, ns
        )

    def _scores(self, X, method: str = "predict"):
        """Raw output scores of the fitted network (validated X), computed in
        the namespace and on the device the model was fitted in; ``X`` from
        another one raises, naming ``method``."""
        if "coefs_" not in self.__dict__:
            check_is_fitted(self)
        X = self._validate_predict_data(X)
        ns = fitted_namespace(self.coefs_[0])
        check_same_namespace(self, namespace_of(X), ns, method, X=X)
        coefs = [ns.asarray(c) for c in self.coefs_]
        intercepts = [ns.asarray(b) for b in self.intercepts_]
        dtype = ns.result_type(coefs[0].dtype, X.dtype)
        if not ns.buffers:  # NumPy's kernels promote; torch's products do not
            X, coefs, intercepts = (
                ns.cast(X, dtype),
                ns.cast(coefs, dtype),
                ns.cast(intercepts, dtype),
            )
        net = self._fitted_network(dtype, ns)
        return net.forward_layers(coefs, intercepts, X)

    def _fitted_head(self, scores=None):
        """The output head of the fitted model (link, probabilities, loss);
        given ``scores``, the head that predicts in their namespace."""
        head = HEADS[_HEAD_OF_OUTPUT[self.out_activation_]]
        return head if scores is None else fitted_namespace(scores).head(head)

    def _check_solver(self):
        if not solver_class(self.solver).stochastic:
            raise AttributeError(
                "partial_fit is only available for stochastic optimizers. "
                f"{self.solver} is not stochastic."
            )
        return True

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        # Every solver computes in X's namespace under array API dispatch
        # (skffnn._namespace); sparse input computes in NumPy.
        tags.array_api_support = ARRAY_API_SUPPORTED  # scikit-learn 1.9's contract
        return tags


def _reconstruction(net):
    """``(theta, history) -> fitted attributes``: the model at that point."""

    def rebuild(theta, history):
        return _model_attributes(*net.unpack(theta), history)

    return rebuild
