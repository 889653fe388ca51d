"""TabularFFNClassifier and TabularFFNRegressor: a strong default recipe for tables.

The training loop (Adam with per-group learning-rate factors, per-step
schedules, decoupled weight decay, dropout, best-epoch selection) and the two
heads live here; the network's gates are in ``_gates``/``_net``.
"""

from __future__ import annotations

import functools
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_is_fitted, validate_data

from .. import _callbacks
from .. import functional as F
from .._losses import xp_soft_log_loss_and_seed, xp_squared_error_and_seed
from .._namespace import (
    check_same_namespace,
    fitted_namespace,
    namespace_of,
    to_host,
)
from .._persistence import VersionStampMixin
from .._sklearn import (
    ARRAY_API_SUPPORTED,
    Interval,
    StrOptions,
    _check_sample_weight,
    _fit_context,
    _max_precision_float_dtype,
)
from .._threads import blas_threads, largest_gemm
from ._gates import ACTIVATION_FNS, smooth_clip
from ._net import TabularNet
from ._preprocessing import RobustSmoothClipScaler
from ._schedules import SCHEDULES, schedule_value

__all__ = ["TabularFFNClassifier", "TabularFFNRegressor"]

#: Learning-rate factor of each parameter group (RealMLP's values).
DEFAULT_LR_FACTORS = {
    "weight": 1.0,
    "bias": 0.1,
    "scale": 6.0,
    "members": 1.0,
    "alpha": 0.1,
    "embedding": 0.1,
}


def _rollback(method):
    """A failed ``fit`` leaves the estimator exactly as it was before the call."""

    @functools.wraps(method)
    def guarded(self, *args, **kwargs):
        saved = dict(self.__dict__)
        try:
            return method(self, *args, **kwargs)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(saved)
            raise

    return guarded


def _ops(ns):
    """The module whose functions compute in namespace ``ns`` (NumPy's own)."""
    return np if ns.buffers else ns.xp


def _share(w, total, count, xp):
    """``w / (total * count)``: each row's share of a weighted mean over ``count``
    members (and outputs), the total kept away from 0 (an all-zero batch)."""
    return w / (xp.maximum(total, xp.full_like(total, 1e-12)) * count)


def _embedding_columns(X):
    """The network's column order and how many of them the embedding takes.

    Columns with more than two distinct values come first, in their order,
    then those with at most two (indicators, one-hot columns, constants),
    which pass the periodic embedding by: any function of a two-valued
    column is affine in it, so embedding it adds parameters and time (the
    one-hot encoded ames data: 279 of 312 columns) and nothing the first
    layer cannot already express.
    """
    lo, hi = X.min(axis=0), X.max(axis=0)
    few = np.all((X == lo) | (X == hi), axis=0)
    columns = np.concatenate([np.flatnonzero(~few), np.flatnonzero(few)])
    if np.array_equal(columns, np.arange(X.shape[1])):
        return None, int((~few).sum())  # already in order: no gather
    return tuple(int(j) for j in columns), int((~few).sum())


class _BaseTabular(VersionStampMixin, _callbacks.CallbackSupport, BaseEstimator):
    """Shared fit loop; subclasses define the head (targets, loss, prediction)."""

    _parameter_constraints: dict = {
        "hidden_layer_sizes": [tuple, list],
        "activation": [StrOptions({"auto", *ACTIVATION_FNS})],
        "parametric_activation": ["boolean"],
        "n_ensemble": [Interval(Integral, 1, None, closed="left")],
        "embedding": [StrOptions({"pbld"}), None],
        "n_frequencies": [Interval(Integral, 1, None, closed="left")],
        "embedding_dim": [Interval(Integral, 1, None, closed="left")],
        "embedding_sigma": [Interval(Real, 0, None, closed="neither")],
        "preprocessing": [StrOptions({"robust_smooth_clip", "robust"}), None],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "lr_schedule": [StrOptions(set(SCHEDULES) - {"flat_cos"})],
        "lr_factors": [dict, None],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "weight_decay_schedule": [StrOptions(set(SCHEDULES))],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "dropout_schedule": [StrOptions(set(SCHEDULES))],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "dtype": [StrOptions({"float32", "float64"})],
        "random_state": ["random_state"],
    }

    # -- input ------------------------------------------------------------------------
    def _host_inputs(self, X, y, sample_weight):
        """The namespace of ``X`` and the three inputs as host arrays.

        Under array API dispatch ``X`` decides where the fit computes; the
        validation and the target encoding run on the host, as for NumPy
        input (``y`` and ``sample_weight`` of any namespace join them there).
        """
        ns = namespace_of(X)
        return ns, ns.to_host(X), to_host(y), to_host(sample_weight)

    def _predict_input(self, X, method):
        """Validated, preprocessed ``X`` in the fitted namespace, in float64.

        ``X`` from another namespace or device than the fit's raises, naming
        ``method``. The preprocessing's statistics (medians, ranges) were
        computed on the host; here they are applied in the namespace.
        """
        check_is_fitted(self)
        ns = fitted_namespace(self.params_)
        check_same_namespace(self, namespace_of(X), ns, method)
        dtypes = [ns.dtype("float64"), ns.dtype("float32")]
        X = validate_data(self, X, dtype=dtypes, reset=False, ensure_min_samples=1)
        pre, pdtype = self.preprocessor_, self._prediction_dtype(ns)
        if ns.buffers:
            if pre is not None:
                X = pre.transform(X)
            return ns, self.net_.arrange(X, ns).astype(np.float64, copy=False)
        xp = ns.xp
        if pre is not None:
            host_dtype = ns.host_dtype(X.dtype)
            center = ns.asarray(pre.center_.astype(host_dtype))
            X = (X - center) * ns.asarray(pre.scale_.astype(host_dtype))
            if pre.clip is not None:
                X = smooth_clip(X, float(pre.clip), xp)
        return ns, xp.astype(self.net_.arrange(X, ns), pdtype)

    @staticmethod
    def _prediction_dtype(ns):
        """float64, where the device has it (not on Apple's MPS: float32)."""
        if ns.buffers:
            return np.float64
        return _max_precision_float_dtype(ns.xp, ns.device)

    def _validation_split(self, n, y_strat, rng):
        """Training and held-out row indices (all rows and none when too few)."""
        idx = np.arange(n)
        n_val = round(self.validation_fraction * n)
        if self.validation_fraction == 0 or n_val < 2 or n - n_val < 2:
            return idx, idx[:0]
        strat = y_strat
        if strat is not None:
            _, counts = np.unique(strat, return_counts=True)
            if counts.min() < 2 or n_val < len(counts) or n - n_val < len(counts):
                strat = None
        seed = rng.randint(np.iinfo(np.int32).max)
        return train_test_split(idx, test_size=n_val, random_state=seed, stratify=strat)

    # -- training ---------------------------------------------------------------------
    def _fit(self, ns, X, Y, sample_weight, y_strat, given):
        """Train on host-validated ``X``, encoded targets ``Y`` (host arrays),
        computing in ``ns``; ``given`` is the caller's ``(X, y)`` for callbacks.

        The host draws everything random (initial parameters, the split,
        the shuffles, the dropout masks), so that the same ``random_state``
        gives the same fit in every namespace; the data, the parameters and
        Adam's moments move to the namespace's device once.
        """
        rng = check_random_state(self.random_state)
        dtype = np.dtype(self.dtype)
        if self.preprocessing is None:
            self.preprocessor_ = None
            Xp = X.astype(dtype)
        else:
            clip = 3.0 if self.preprocessing == "robust_smooth_clip" else None
            self.preprocessor_ = RobustSmoothClipScaler(clip=clip).fit(X)
            Xp = self.preprocessor_.transform(X).astype(dtype)
        n = X.shape[0]
        sw = np.ones(n, dtype) if sample_weight is None else sample_weight.astype(dtype)
        tr, va = self._validation_split(n, y_strat, rng)
        columns, n_embedded = _embedding_columns(X)
        if columns is not None:
            Xp = Xp[:, columns]
        net = TabularNet(
            X.shape[1],
            Y.shape[1],
            self.hidden_layer_sizes,
            self._activation(),
            self.n_ensemble,
            self.embedding,
            self.n_frequencies,
            self.embedding_dim,
            self.parametric_activation,
            dtype,
            columns=columns,
            n_embedded=n_embedded,
        )
        theta = ns.asarray(net.init(rng, self.embedding_sigma))
        xp = _ops(ns)
        drop_rng = np.random.default_rng(rng.randint(np.iinfo(np.int32).max))
        factors = dict(DEFAULT_LR_FACTORS)
        factors.update(self.lr_factors or {})
        unknown = set(factors) - set(DEFAULT_LR_FACTORS)
        if unknown:
            raise ValueError(
                f"lr_factors has unknown groups {sorted(unknown)}; the groups are "
                f"{sorted(DEFAULT_LR_FACTORS)}."
            )
        lr_vec = ns.asarray(net.group_vector(factors))
        decay_mask = ns.asarray(
            net.group_vector({g: float(g == "weight") for g in factors})
        )
        m = xp.zeros_like(theta)
        v = xp.zeros_like(theta)
        b1, b2, eps = self.beta_1, self.beta_2, self.epsilon
        n_tr = len(tr)
        bs = min(self.batch_size, n_tr)
        steps_per_epoch = max(n_tr // bs, 1)  # the last partial batch is dropped
        total = steps_per_epoch * self.max_iter
        watch = _callbacks.start_fit(
            self,
            *ns.callback_data((X, self._y_for_callbacks), given),
            task_name="fit",
            max_subtasks=self.max_iter,
            sample_weight=sample_weight,
        )
        self.loss_curve_, self.validation_scores_ = [], []
        best = (np.inf, np.inf)
        best_theta, best_epoch = ns.copy(theta), 0
        step = 0
        # The rows move to the device once; batches are gathered there.
        Xtr, Ytr, swtr = ns.asarray(Xp[tr]), ns.asarray(Y[tr]), ns.asarray(sw[tr])
        Xva, Yva, swva = ns.asarray(Xp[va]), ns.asarray(Y[va]), ns.asarray(sw[va])
        units = [net.input_width, *self.hidden_layer_sizes, Y.shape[1]]
        with (
            np.errstate(all="ignore"),  # divergence is checked after each epoch
            blas_threads(largest_gemm(bs * self.n_ensemble, units)),
        ):
            for epoch in range(self.max_iter):
                watch.iteration_begin(functools.partial(self._recon, net, theta, epoch))
                perm = ns.asarray(rng.permutation(n_tr))
                losses, totals = [], []  # 0-d arrays: one host copy per epoch
                for b in range(steps_per_epoch):
                    rows = perm[b * bs : (b + 1) * bs]
                    t = step / total
                    p_drop = self.dropout * schedule_value(self.dropout_schedule, t)
                    out, caches = net.forward(
                        theta,
                        xp.take(Xtr, rows, axis=0),
                        rng=drop_rng if p_drop > 0 else None,
                        dropout=p_drop,
                    )
                    w = xp.take(swtr, rows, axis=0)
                    w_total = xp.sum(w)
                    loss, grad_out = self._loss_and_seed(
                        out, xp.take(Ytr, rows, axis=0), w, w_total, xp
                    )
                    grad = net.backward(theta, grad_out, caches)
                    # Adam (Kingma & Ba 2015), bias-corrected, per-group rates.
                    step += 1
                    m *= b1
                    m += (1 - b1) * grad
                    v *= b2
                    v += (1 - b2) * grad * grad
                    lr = self.learning_rate * schedule_value(self.lr_schedule, t)
                    c1, c2 = 1 - b1**step, 1 - b2**step
                    upd = (m / c1) / (xp.sqrt(v / c2) + eps)
                    upd *= lr_vec
                    if self.weight_decay:
                        # Decoupled (Loshchilov & Hutter 2019): weights only.
                        wd = self.weight_decay * schedule_value(
                            self.weight_decay_schedule, t
                        )
                        theta -= (lr * wd) * decay_mask * theta
                    theta -= lr * upd  # a Python float takes theta's dtype
                    losses.append(loss)
                    totals.append(w_total)
                epoch_loss, epoch_w = 0.0, 0.0
                pairs = ns.to_host(xp.stack([*losses, *totals])).tolist()
                for loss, ws in zip(pairs[: len(losses)], pairs[len(losses) :]):
                    epoch_loss += loss * ws
                    epoch_w += ws
                if not (np.isfinite(epoch_loss) and ns.all_finite(theta)):
                    raise ValueError(
                        "Training diverged: the loss or the parameters became "
                        "non-finite; lower "
                        f"learning_rate (now {self.learning_rate})."
                    )
                self.loss_curve_.append(epoch_loss / max(epoch_w, 1e-300))
                if len(va):
                    score, key = self._validation(net, theta, Xva, Yva, swva, xp)
                    self.validation_scores_.append(score)
                    if key <= best:  # the last of equally good epochs (RealMLP)
                        best, best_theta, best_epoch = key, ns.copy(theta), epoch + 1
                stop = watch.iteration_end(
                    functools.partial(self._recon, net, theta, epoch + 1),
                    loss=self.loss_curve_[-1],
                )
                if stop:
                    break
        self.n_iter_ = epoch + 1
        if len(va):
            theta = best_theta
            self.best_epoch_ = best_epoch
            self.best_validation_score_ = self.validation_scores_[best_epoch - 1]
        else:
            self.best_epoch_ = self.n_iter_
            self.best_validation_score_ = None
        self.t_ = step
        self.net_ = net
        self.params_ = theta
        watch.end(lambda: self._recon(net, theta, self.n_iter_))
        return self

    def _recon(self, net, theta, n_iter):
        return {"params_": theta, "net_": net, "n_iter_": n_iter}

    def _raw_outputs(self, X, method):
        """Every member's output ``(k, n, n_outputs)`` for input rows, in blocks,
        and the namespace they are in.

        Prediction runs in float64 whatever the training dtype: float32 BLAS
        kernels round a row differently depending on the rows around it, and
        a row's prediction must not depend on its batch (scikit-learn checks it).
        """
        ns, X = self._predict_input(X, method)
        xp = _ops(ns)
        # (not xp.astype on NumPy: numpy 2.0, the oldest supported, lacks it)
        theta = self.params_
        theta = theta.astype(X.dtype) if ns.buffers else xp.astype(theta, X.dtype)
        net = self.net_
        n, outs = X.shape[0], []
        for lo in range(0, max(n, 1), 4096):
            outs.append(net.forward(theta, X[lo : min(lo + 4096, n), ...])[0])
        return ns, xp.concat(outs, axis=1)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.non_deterministic = False
        # Fit and predict compute in X's namespace under array API dispatch
        # (scikit-learn 1.9's contract: skffnn._sklearn).
        tags.array_api_support = ARRAY_API_SUPPORTED
        return tags


_COMMON_DOC = """
    hidden_layer_sizes : tuple of int, default=(256, 256)
        Width of each hidden layer.
    activation : {"auto", "selu", "mish", "relu", "tanh", "identity"}, default="auto"
        Hidden activation; "auto" is SELU for classification and Mish for
        regression (RealMLP's choice; Klambauer et al. 2017, Misra 2019).
    parametric_activation : bool, default=False
        Use ``x + alpha (f(x) - x)`` with a learnable ``alpha`` per unit
        (starts at 1, i.e. ``f``), which lets a unit become linear (RealMLP).
    n_ensemble : int, default=1
        Members ``k`` of a TabM-mini ensemble: all weights shared, each member
        with its own input scaling (random signs at start) and output head,
        trained on the mean of their losses, predictions averaged (Gorishniy
        et al., "TabM", ICLR 2025). 1 is a plain MLP.
    embedding : {"pbld"} or None, default="pbld"
        Periodic numerical embedding of each feature, ``[x, cos(2 pi w x + b)
        V + c]`` (RealMLP's PBLD; Gorishniy et al. 2022's periodic embeddings),
        which lets the first layer fit high-frequency functions of a feature.
    n_frequencies : int, default=16
        Frequencies per feature of the periodic embedding.
    embedding_dim : int, default=3
        Output width per feature of the embedding's linear map (plus ``x``).
    embedding_sigma : float, default=0.1
        Standard deviation of the embedding's initial frequencies (RealMLP).
    preprocessing : {"robust_smooth_clip", "robust"} or None, \
            default="robust_smooth_clip"
        Inside the estimator: median/IQR scaling, then smooth clipping
        ``x / sqrt(1 + (x/3)^2)`` (:class:`RobustSmoothClipScaler`; RealMLP),
        so raw features with outliers need no scaler in front.
    learning_rate : float
        Adam's base step size, multiplied by the schedule and the group factor.
    lr_schedule : {"coslog4", "cosine_warmup", "constant"}, default="coslog4"
        Per-step learning-rate schedule: RealMLP's four log-spaced cosine
        cycles, or linear warmup then cosine decay (Loshchilov & Hutter 2017).
    lr_factors : dict or None, default=None
        Learning-rate factor per parameter group, updating RealMLP's
        ``{"weight": 1, "bias": 0.1, "scale": 6, "members": 1, "alpha": 0.1,
        "embedding": 0.1}``: fast per-feature scales, slow biases.
    beta_1 : float, default=0.9
        Adam's first-moment decay.
    beta_2 : float, default=0.95
        Adam's second-moment decay; below the usual 0.999, which adapts faster
        to the changing learning rate (RealMLP).
    epsilon : float, default=1e-8
        Adam's denominator guard.
    weight_decay : float, default=0.0
        Decoupled weight decay ``theta -= lr_t wd_t theta`` on the weights
        (not biases, scales or embeddings; Loshchilov & Hutter 2019).
    weight_decay_schedule : {"flat_cos", "constant", "coslog4", "cosine_warmup"}, \
            default="flat_cos"
        Schedule of the weight decay (RealMLP: constant, then cosine to 0 in
        the second half).
    dropout : float, default=0.0
        Dropout probability after each hidden activation (Srivastava et al. 2014).
    dropout_schedule : {"flat_cos", "constant", "coslog4", "cosine_warmup"}, \
            default="flat_cos"
        Schedule of the dropout probability (RealMLP's flat_cos).
    batch_size : int, default=256
        Rows per Adam step (capped at the training rows).
    max_iter : int
        Epochs; all are run (no early stop: the schedule spans them all) and
        the best one on the held-out split is restored at the end.
    validation_fraction : float, default=0.2
        Share of the rows held out to choose the best epoch (0: keep the
        last epoch; also when the data are too few to split)."""

_TAIL_DOC = """
    dtype : {"float32", "float64"}, default="float32"
        Precision of training (prediction runs in float64, or float32 on a
        device without float64, such as Apple's MPS): float32
        is about twice as fast, and float64 was not more accurate in the
        ablation (phoneme: 0.132 against 0.128 error).
    random_state : int, RandomState instance or None, default=None
        Seeds the initialisation, the split, the shuffling and dropout."""

_ATTR_DOC = """
    n_iter_ : int
        Epochs run.
    t_ : int
        Adam steps taken.
    loss_curve_ : list of float
        Training loss (mean over members) of each epoch.
    validation_scores_ : list of float
        Score of each epoch on the held-out split (empty without one).
    best_validation_score_ : float or None
        The restored epoch's validation score.
    best_epoch_ : int
        The epoch whose parameters the model holds (1-based).
    preprocessor_ : RobustSmoothClipScaler or None
        The fitted preprocessing.
    params_ : array of shape (n_params,)
        Every parameter in one flat vector (``net_.views(params_)`` names them),
        in the training ``dtype``; under array API dispatch in the library and
        on the device of the training ``X``.
    net_ : object
        The network's layout and gates.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features,)
        Defined only when X has feature names that are all strings."""

_NO_PARTIAL_FIT = """
    There is no ``partial_fit``: the learning-rate, dropout and weight-decay
    schedules span the whole run and the best epoch is chosen over all of it,
    so a fit cannot be continued batch by batch with the same meaning; use
    :class:`~skffnn.FFNClassifier`/:class:`~skffnn.FFNRegressor` for that."""


class TabularFFNClassifier(ClassifierMixin, _BaseTabular):
    __doc__ = (
        """MLP classifier whose defaults are a strong recipe for tabular data.

    Works on raw numeric features (robust scaling and smooth clipping happen
    inside; impute missing values first). The recipe follows RealMLP
    (Holzmueller et al., NeurIPS 2024) and TabM (Gorishniy et al., ICLR
    2025); every ingredient is a parameter, so a search can tune or ablate it,
    and every gate is differentiated by hand (see the "Tabular data" page).
"""
        + _NO_PARTIAL_FIT
        + """

    Parameters
    ----------"""
        + _COMMON_DOC.replace(
            "    learning_rate : float\n", "    learning_rate : float, default=0.04\n"
        ).replace("    max_iter : int\n", "    max_iter : int, default=128\n")
        + """
    label_smoothing : float, default=0.1
        Train on ``(1 - eps) onehot + eps / n_classes`` (Szegedy et al. 2016;
        RealMLP): measured here it lowers the error by about a third and
        changes the log-loss little either way (see the "Tabular data" page).
    selection : {"error", "log_loss"}, default="error"
        What chooses the restored epoch on the held-out split: the
        classification error (ties broken by log-loss), what ``score`` and
        ``predict`` users need, or the log-loss, for ``predict_proba``
        users (it picks early epochs: about 2% more error measured)."""
        + _TAIL_DOC
        + """

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)"""
        + _ATTR_DOC
        + """

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from skffnn import TabularFFNClassifier
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> clf = TabularFFNClassifier(max_iter=20, random_state=0).fit(X, y)
    >>> clf.predict_proba(X[:2]).shape
    (2, 2)
    >>> bool(clf.score(X, y) > 0.95)
    True
    """
    )

    _parameter_constraints: dict = {
        **_BaseTabular._parameter_constraints,
        "label_smoothing": [Interval(Real, 0, 1, closed="left")],
        "selection": [StrOptions({"error", "log_loss"})],
    }

    def __init__(
        self,
        hidden_layer_sizes=(256, 256),
        *,
        activation="auto",
        parametric_activation=False,
        n_ensemble=1,
        embedding="pbld",
        n_frequencies=16,
        embedding_dim=3,
        embedding_sigma=0.1,
        preprocessing="robust_smooth_clip",
        learning_rate=0.04,
        lr_schedule="coslog4",
        lr_factors=None,
        beta_1=0.9,
        beta_2=0.95,
        epsilon=1e-8,
        weight_decay=0.0,
        weight_decay_schedule="flat_cos",
        dropout=0.0,
        dropout_schedule="flat_cos",
        batch_size=256,
        max_iter=128,
        validation_fraction=0.2,
        label_smoothing=0.1,
        selection="error",
        dtype="float32",
        random_state=None,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.parametric_activation = parametric_activation
        self.n_ensemble = n_ensemble
        self.embedding = embedding
        self.n_frequencies = n_frequencies
        self.embedding_dim = embedding_dim
        self.embedding_sigma = embedding_sigma
        self.preprocessing = preprocessing
        self.learning_rate = learning_rate
        self.lr_schedule = lr_schedule
        self.lr_factors = lr_factors
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.weight_decay = weight_decay
        self.weight_decay_schedule = weight_decay_schedule
        self.dropout = dropout
        self.dropout_schedule = dropout_schedule
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.validation_fraction = validation_fraction
        self.label_smoothing = label_smoothing
        self.selection = selection
        self.dtype = dtype
        self.random_state = random_state

    def _activation(self):
        return "selu" if self.activation == "auto" else self.activation

    @_fit_context(prefer_skip_nested_validation=True)
    @_callbacks.with_callbacks
    @_rollback
    def fit(self, X, y, sample_weight=None):
        """Fit the model to ``X`` and class labels ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Numeric features, finite (impute missing values first).
        y : array-like of shape (n_samples,)
            Class labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows in the loss and in the validation score.

        Returns
        -------
        self : TabularFFNClassifier
            The fitted classifier.
        """
        given = (X, y)
        ns, X, y, sample_weight = self._host_inputs(X, y, sample_weight)
        X, y = validate_data(
            self,
            X,
            y,
            dtype=[np.float64, np.float32],
            y_numeric=False,
            multi_output=False,
        )
        check_classification_targets(y)
        if type_of_target(y) not in ("binary", "multiclass"):
            raise ValueError(
                f"TabularFFNClassifier supports binary and multiclass targets; got "
                f"{type_of_target(y)!r}."
            )
        sw = None
        if sample_weight is not None:
            sw = _check_sample_weight(sample_weight, X, ensure_non_negative=True)
        enc = LabelEncoder().fit(y)
        self.classes_ = enc.classes_
        codes = enc.transform(y)
        present = codes if sw is None else codes[sw > 0]
        if np.unique(present).size < 2:
            raise ValueError(
                "y has only one class (with positive sample weight): "
                f"{self.classes_[present[:1]].tolist() or self.classes_.tolist()}; "
                "a classifier needs at least 2 classes."
            )
        Y = np.eye(len(self.classes_), dtype=self.dtype)[codes]
        self._y_for_callbacks = y
        try:
            return self._fit(ns, X, Y, sw, codes, given)
        finally:
            del self._y_for_callbacks

    def _loss_and_seed(self, out, Y, w, w_total, xp):
        """Members' mean weighted cross-entropy (0-d); its gradient ``(k, n, C)``."""
        eps = self.label_smoothing
        target = Y if eps == 0 else (1 - eps) * Y + eps / Y.shape[1]
        share = _share(w, w_total, out.shape[0], xp)
        return xp_soft_log_loss_and_seed(out, target, share, xp)

    @staticmethod
    def _proba_from_log(logp, xp):
        """The members' mean probability from their log-softmax ``(k, n, C)``."""
        return xp.mean(xp.exp(logp), axis=0)

    @staticmethod
    def _log_mean_proba(logp, xp):
        """Log of the members' mean probability: ``logsumexp - log k``, exactly."""
        k = logp.shape[0]
        if k == 1:
            return logp[0, ...]
        return F._xp_logsumexp(logp, xp, axis=0) - float(np.log(k))

    def _validation(self, net, theta, X, Y, w, xp):
        out = net.forward(theta, X)[0]
        wsum = float(xp.sum(w))
        if wsum <= 0:
            return 0.0, (0.0, 0.0)
        logp = F._xp_log_softmax(out, xp)
        proba = self._proba_from_log(logp, xp)
        codes = xp.argmax(Y, axis=1)
        hits = xp.where(xp.argmax(proba, axis=1) == codes, w, xp.zeros_like(w))
        acc = float(xp.sum(hits) / wsum)
        # Log-loss from the logits (log_softmax, logsumexp over the members):
        # no probability is rounded to 0 and clipped.
        log_true = xp.sum(self._log_mean_proba(logp, xp) * Y, axis=1)
        logloss = float(-xp.sum(w * log_true) / wsum)
        key = (1 - acc, logloss) if self.selection == "error" else (logloss, 1 - acc)
        return acc, key

    def predict_proba(self, X):
        """Class probabilities: the members' softmax probabilities averaged.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input rows.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probability of each class (columns in ``classes_`` order).
        """
        return self._proba(X, "predict_proba")

    def _proba(self, X, method):
        ns, out = self._raw_outputs(X, method)
        xp = _ops(ns)
        return self._proba_from_log(F._xp_log_softmax(out, xp), xp)

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input rows.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probability of each class.
        """
        proba = self._proba(X, "predict_log_proba")
        return fitted_namespace(proba).log(proba)

    def predict(self, X):
        """Most probable class of each row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input rows.

        Returns
        -------
        y : ndarray of shape (n_samples,)
            The predicted class labels.
        """
        return self._predict(X, "predict")

    def _predict(self, X, method):
        proba = self._proba(X, method)
        ns = fitted_namespace(proba)
        labels = self.classes_[to_host(_ops(ns).argmax(proba, axis=1))]
        # Labels are decoded on the host (classes_ lives there); numeric
        # labels go back to X's namespace and device.
        return ns.asarray(labels) if labels.dtype.kind in "biuf" else labels

    def score(self, X, y, sample_weight=None):
        """Mean accuracy of :meth:`predict` on ``X`` against ``y``.

        Under array API dispatch computed on the host copies of the
        predictions, ``y`` and ``sample_weight`` (of any namespace).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input rows.
        y : array-like of shape (n_samples,)
            True labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows.

        Returns
        -------
        score : float
            The (weighted) fraction of correctly classified rows.
        """
        from sklearn.metrics import accuracy_score

        pred = to_host(self._predict(X, "score"))
        y, sw = to_host(y), to_host(sample_weight)
        return float(accuracy_score(y, pred, sample_weight=sw))


class TabularFFNRegressor(RegressorMixin, _BaseTabular):
    __doc__ = (
        """MLP regressor whose defaults are a strong recipe for tabular data.

    Works on raw numeric features (robust scaling and smooth clipping happen
    inside; impute missing values first). Targets are standardised for
    training and predictions clipped to the training targets' range
    (RealMLP). The recipe follows RealMLP (Holzmueller et al., NeurIPS 2024)
    and TabM (Gorishniy et al., ICLR 2025); every ingredient is a parameter.
"""
        + _NO_PARTIAL_FIT
        + """

    Parameters
    ----------"""
        + _COMMON_DOC.replace(
            "    learning_rate : float\n", "    learning_rate : float, default=0.04\n"
        ).replace("    max_iter : int\n", "    max_iter : int, default=128\n")
        + """
    clip_predictions : bool, default=True
        Clip predictions to the range of the training targets (RealMLP):
        an MLP extrapolates linearly, and rarely well."""
        + _TAIL_DOC
        + """

    Attributes
    ----------
    y_mean_, y_scale_ : array of shape (n_outputs,)
        The targets' standardisation (float64; in the namespace of the
        training ``X`` under array API dispatch, as ``params_``).
    y_min_, y_max_ : array of shape (n_outputs,)
        The training targets' range."""
        + _ATTR_DOC
        + """

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from skffnn import TabularFFNRegressor
    >>> X, y = load_diabetes(return_X_y=True)
    >>> reg = TabularFFNRegressor(max_iter=20, random_state=0).fit(X, y)
    >>> reg.predict(X[:3]).shape
    (3,)
    >>> bool(reg.score(X, y) > 0.4)
    True
    """
    )

    _parameter_constraints: dict = {
        **_BaseTabular._parameter_constraints,
        "clip_predictions": ["boolean"],
    }

    def __init__(
        self,
        hidden_layer_sizes=(256, 256),
        *,
        activation="auto",
        parametric_activation=False,
        n_ensemble=1,
        embedding="pbld",
        n_frequencies=16,
        embedding_dim=3,
        embedding_sigma=0.1,
        preprocessing="robust_smooth_clip",
        learning_rate=0.04,
        lr_schedule="coslog4",
        lr_factors=None,
        beta_1=0.9,
        beta_2=0.95,
        epsilon=1e-8,
        weight_decay=0.0,
        weight_decay_schedule="flat_cos",
        dropout=0.0,
        dropout_schedule="flat_cos",
        batch_size=256,
        max_iter=128,
        validation_fraction=0.2,
        clip_predictions=True,
        dtype="float32",
        random_state=None,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.parametric_activation = parametric_activation
        self.n_ensemble = n_ensemble
        self.embedding = embedding
        self.n_frequencies = n_frequencies
        self.embedding_dim = embedding_dim
        self.embedding_sigma = embedding_sigma
        self.preprocessing = preprocessing
        self.learning_rate = learning_rate
        self.lr_schedule = lr_schedule
        self.lr_factors = lr_factors
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.weight_decay = weight_decay
        self.weight_decay_schedule = weight_decay_schedule
        self.dropout = dropout
        self.dropout_schedule = dropout_schedule
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.validation_fraction = validation_fraction
        self.clip_predictions = clip_predictions
        self.dtype = dtype
        self.random_state = random_state

    def _activation(self):
        return "mish" if self.activation == "auto" else self.activation

    @_fit_context(prefer_skip_nested_validation=True)
    @_callbacks.with_callbacks
    @_rollback
    def fit(self, X, y, sample_weight=None):
        """Fit the model to ``X`` and targets ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Numeric features, finite (impute missing values first).
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows in the loss and in the validation score.

        Returns
        -------
        self : TabularFFNRegressor
            The fitted regressor.
        """
        given = (X, y)
        ns, X, y, sample_weight = self._host_inputs(X, y, sample_weight)
        X, y = validate_data(
            self,
            X,
            y,
            dtype=[np.float64, np.float32],
            y_numeric=True,
            multi_output=True,
        )
        sw = None
        if sample_weight is not None:
            sw = _check_sample_weight(sample_weight, X, ensure_non_negative=True)
        Y = y.reshape(len(y), -1).astype(np.float64)
        self._y_ndim = y.ndim
        y_mean = Y.mean(0)
        std = Y.std(0)
        y_scale = np.where(std > 0, std, 1.0)
        Ys = ((Y - y_mean) / y_scale).astype(self.dtype)
        # The standardisation lives in X's namespace, in its widest float.
        pdtype = self._prediction_dtype(ns)
        self.y_mean_, self.y_scale_, self.y_min_, self.y_max_ = (
            ns.asarray(a) if ns.buffers else ns.from_host(a, pdtype)
            for a in (y_mean, y_scale, Y.min(0), Y.max(0))
        )
        self._y_for_callbacks = y
        try:
            return self._fit(ns, X, Ys, sw, None, given)
        finally:
            del self._y_for_callbacks

    def _loss_and_seed(self, out, Y, w, w_total, xp):
        """Mean over members of the weighted mean squared error; its gradient."""
        share = _share(w, w_total, out.shape[0] * out.shape[2], xp)
        return xp_squared_error_and_seed(out, Y, share, xp)

    def _validation(self, net, theta, X, Y, w, xp):
        pred = xp.mean(net.forward(theta, X)[0], axis=0)
        share = _share(w, xp.sum(w), Y.shape[1], xp)
        mse = float(xp_squared_error_and_seed(pred, Y, share, xp)[0])
        # R^2 on the held-out rows (standardised targets: 1 - MSE / variance,
        # the variance being the squared error of the mean's prediction).
        mean = xp.mean(Y, axis=0, keepdims=True)
        var = float(xp_squared_error_and_seed(mean, Y, share, xp)[0])
        return 1 - mse / var if var > 0 else -mse, (mse, 0.0)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def predict(self, X):
        """Predicted targets: the members' mean, de-standardised (and clipped).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input rows.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            The predicted targets.
        """
        return self._predict(X, "predict")

    def _predict(self, X, method):
        ns, out = self._raw_outputs(X, method)
        xp = _ops(ns)
        pred = xp.mean(out, axis=0) * self.y_scale_ + self.y_mean_
        if self.clip_predictions:
            pred = xp.clip(pred, self.y_min_, self.y_max_)
        return xp.reshape(pred, (-1,)) if self._y_ndim == 1 else pred

    def score(self, X, y, sample_weight=None):
        """The coefficient of determination R^2 of :meth:`predict`.

        Under array API dispatch computed on the host copies of the
        predictions, ``y`` and ``sample_weight`` (of any namespace).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Input rows.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            True values.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows.

        Returns
        -------
        score : float
            R^2 of the predictions.
        """
        from sklearn.metrics import r2_score

        pred = to_host(self._predict(X, "score"))
        y, sw = to_host(y), to_host(sample_weight)
        return float(r2_score(y, pred, sample_weight=sw))
