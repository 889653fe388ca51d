"""The estimator base shared by FFNClassifier and FFNRegressor.

One ``fit``: validate X, y and weights -> encode the target and pick the head
-> build the layout and network, initialise theta (or pack the fitted weights
for warm_start / partial_fit) -> hand a solver ``theta -> (loss, grad)`` ->
store the fitted attributes as views into the final theta.
"""

from __future__ import annotations

import copy
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, is_classifier
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.optimize import _check_optimize_result
from sklearn.utils.validation import _check_sample_weight, check_is_fitted

from ._activations import ACTIVATIONS, get_gate
from ._layout import Layout
from ._solvers import AdamOptimizer, SGDOptimizer, minimize_lbfgs
from ._threads import blas_threads, largest_gemm
from ._training import StochasticTrainer, _Rows
from .network import Network, _block_rows, forward_scores

_STOCHASTIC_SOLVERS = ("sgd", "adam")


class _LbfgsStatus:
    """The fields of scipy's OptimizeResult that scikit-learn's check reads."""

    def __init__(self, res):
        self.nit = res.n_iter
        self.status = 0 if res.success else 1
        self.message = res.message


class BaseFFN(BaseEstimator):
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
        if np.any(np.array(sizes) <= 0):
            raise ValueError(f"hidden_layer_sizes must be > 0, got {sizes}.")
        return [int(s) for s in sizes]

    def _hidden_activations(self, n_hidden: int) -> list[str]:
        act = self.activation
        names = [act] * n_hidden if isinstance(act, str) else list(act)
        if len(names) != n_hidden:
            raise ValueError(
                f"activation has {len(names)} entries for {n_hidden} hidden layers; "
                "give one name, or one name per hidden layer."
            )
        for name in names:
            get_gate(name)
        return names

    def _init_factors(self, names):
        """Glorot factor per layer: scikit-learn's for one activation name."""
        if isinstance(self.activation, str):
            return [ACTIVATIONS[self.activation].init_factor] * (len(names) + 1)
        # Per layer: each layer its own activation's factor, the output layer
        # the last hidden layer's.
        factors = [ACTIVATIONS[n].init_factor for n in names] or [6.0]
        return [*factors, factors[-1]]

    # -- fit -------------------------------------------------------------------
    def _saved_state(self) -> dict:
        """A copy of ``__dict__`` that training cannot change in place.

        Training appends to the fitted lists (``loss_curve_``, ...) and, in
        ``partial_fit``, updates the optimizer's moment vectors in place: those
        are copied, the rest (replaced, never mutated) is shared.
        """
        saved = dict(self.__dict__)
        for key, value in saved.items():
            if key.endswith("_") and isinstance(value, list):
                saved[key] = list(value)
        if "_optimizer" in saved:
            saved["_optimizer"] = copy.deepcopy(saved["_optimizer"])
        return saved

    def _restore_state(self, saved: dict) -> None:
        self.__dict__.clear()
        self.__dict__.update(saved)

    def _fit(self, X, y, sample_weight=None, incremental=False):
        saved = self._saved_state()
        try:
            return self._fit_unsafe(X, y, sample_weight, incremental)
        except BaseException:
            # A failed call leaves a fitted model exactly as it was.
            self._restore_state(saved)
            raise

    def _fit_unsafe(self, X, y, sample_weight, incremental):
        hidden = self._hidden_sizes()
        names = self._hidden_activations(len(hidden))
        if incremental and self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True")
        first_pass = not hasattr(self, "coefs_") or (
            not self.warm_start and not incremental
        )
        X, Y, sample_weight = self._validate_fit_data(
            X, y, sample_weight, incremental, reset=first_pass
        )
        units = [X.shape[1], *hidden, Y.shape[1]]
        net = Network(units, names, self._head_name(Y), dtype=X.dtype)
        rng = check_random_state(self.random_state)
        if first_pass:
            theta = self._initialize(net, rng, names)
        else:
            theta = self._packed_fitted_weights(net.layout, X.dtype)
        self._fitted_activations = names
        # The head trained now (a warm start may follow set_params(loss=...)).
        self.out_activation_ = net.head.out_activation

        if self.solver == "lbfgs":
            self._fit_lbfgs(net, theta, X, Y, sample_weight)
        else:
            self._fit_stochastic(net, theta, rng, X, Y, sample_weight, incremental)
        self.coefs_, self.intercepts_ = net.layout.unpack(theta)
        return self

    def _initialize(self, net, rng, names):
        """First-call state; the weights drawn exactly as scikit-learn draws them."""
        self.n_iter_ = 0
        self.t_ = 0
        self.n_outputs_ = net.layout.layer_units[-1]
        self.n_layers_ = len(net.layout.layer_units)
        self.out_activation_ = net.head.out_activation
        self.loss_curve_ = []
        self._no_improvement_count = 0
        self.best_loss_ = np.inf
        self.validation_scores_ = None
        self.validation_loss_curve_ = None
        self.best_validation_score_ = None
        if self.early_stopping:
            self.validation_scores_ = []
            self.validation_loss_curve_ = []
            self.best_validation_score_ = -np.inf
            self.best_loss_ = None
        self.__dict__.pop("_optimizer", None)
        return net.layout.glorot_uniform(
            rng, self._init_factors(names), dtype=net.dtype
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

    # -- solvers ---------------------------------------------------------------
    def _fit_lbfgs(self, net, theta, X, Y, sample_weight):
        def fun(t):
            # A trial point of the line search may overflow: L-BFGS-B handles
            # the non-finite loss by backtracking, so stay silent about it.
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                return net.loss_and_gradient(t, X, Y, sample_weight, alpha=self.alpha)

        with blas_threads(largest_gemm(X.shape[0], net.layout.layer_units)):
            res = minimize_lbfgs(
                fun, theta, max_iter=self.max_iter, max_fun=self.max_fun,
                tol=self.tol, verbose=self.verbose,
            )  # fmt: skip
        theta[...] = res.theta
        if res.interrupted:
            warnings.warn(
                f"Training interrupted by user after {res.n_iter} iteration(s); "
                "the model keeps the best weights evaluated so far.",
                UserWarning,
                stacklevel=2,
            )
            self.n_iter_ = res.n_iter
        else:
            self.n_iter_ = _check_optimize_result(
                "lbfgs", _LbfgsStatus(res), self.max_iter
            )
        self.loss_ = res.loss
        self.loss_curve_ = list(res.loss_curve)
        self.best_loss_ = min(self.loss_curve_, default=self.loss_)
        self.t_ += self.n_iter_ * X.shape[0]

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

    def _fit_stochastic(self, net, theta, rng, X, Y, sample_weight, incremental):
        opt = getattr(self, "_optimizer", None)
        if not incremental or opt is None or opt._shape != (theta.size, theta.dtype):
            opt = self._optimizer = self._make_optimizer(theta.size, theta.dtype)
        train_rows, valid = None, None
        if self.early_stopping:
            train_rows, valid = self._validation_split(X, Y, sample_weight, rng)
        train = _Rows(X, Y, sample_weight, train_rows)
        n = len(train)
        if self.batch_size == "auto":
            batch_size = min(200, n)
        else:
            if self.batch_size > n:
                warnings.warn(
                    "Got `batch_size` less than 1 or larger than "
                    "sample size. It is going to be clipped",
                    stacklevel=2,
                )
            batch_size = int(np.clip(self.batch_size, 1, n))
        with blas_threads(largest_gemm(batch_size, net.layout.layer_units)):
            StochasticTrainer(self, net, theta, opt, rng).run(
                train, valid, batch_size, incremental
            )
        if not incremental and not self.warm_start:
            # Lean persistence: momentum/moment vectors are only needed to
            # continue training, which a later partial_fit restarts from zero.
            opt.release()

    def _validation_split(self, X, Y, sample_weight, rng):
        """Row indices for training and the (X, Y, weights) of the validation split.

        The split draws from ``rng`` as scikit-learn's does, but only the
        validation rows are copied; training rows are gathered per minibatch.
        """
        stratify = None
        # Stratified for single-output classifiers only, as scikit-learn, so
        # that the same random_state draws the same split.
        if is_classifier(self) and self.n_outputs_ == 1:
            stratify = Y.astype(bool)  # scikit-learn's encoding, for its messages
        idx = np.arange(X.shape[0])
        train_idx, val_idx = train_test_split(
            idx, random_state=rng, test_size=self.validation_fraction,
            stratify=stratify,
        )  # fmt: skip
        if val_idx.shape[0] < 2:
            raise ValueError(
                "The validation set is too small. Increase 'validation_fraction' "
                "or the size of your dataset."
            )
        sw_val = None if sample_weight is None else sample_weight[val_idx]
        return train_idx, (X[val_idx], Y[val_idx], sw_val)

    def _validation_score_and_loss(self, theta, net, valid):
        Xv, Yv, swv = valid
        coefs, intercepts = net.layout.unpack(theta)
        # Huge but finite scores may overflow in the metric (a squared
        # residual): the score is then non-finite, which counts as no
        # improvement, rather than a floating-point warning.
        with np.errstate(all="ignore"):
            scores = forward_scores(Xv, coefs, intercepts, net.gates)
            if not np.isfinite(scores).all():
                return float("nan"), float("nan")
            return (
                float(self._score_from_scores(scores, Yv, swv)),
                float(net.head.loss(scores, Yv, swv)),
            )

    # -- prediction ------------------------------------------------------------
    def _scores(self, X):
        """Raw output scores of the fitted network (validated X)."""
        check_is_fitted(self)
        X = self._validate_predict_data(X)
        gates = [get_gate(n) for n in self._gate_names()]
        coefs = [np.asarray(c) for c in self.coefs_]
        intercepts = [np.asarray(b) for b in self.intercepts_]
        units = [X.shape[1]] + [b.shape[0] for b in intercepts]
        chunk = _block_rows(units, np.result_type(coefs[0].dtype, X.dtype).itemsize)
        with blas_threads(largest_gemm(min(X.shape[0], chunk), units)):
            return forward_scores(X, coefs, intercepts, gates)

    def _gate_names(self):
        names = getattr(self, "_fitted_activations", None)
        if names is None:
            names = self._hidden_activations(len(self.coefs_) - 1)
        return names

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
