"""FFNClassifier and FFNRegressor: scikit-learn's MLP interface on skffnn's network."""

from __future__ import annotations

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.metrics import accuracy_score, r2_score
from sklearn.utils.metaestimators import available_if

from . import _dask
from ._base import BaseFFN
from ._callbacks import with_callbacks
from ._namespace import fitted_namespace, to_host
from ._sklearn import StrOptions, _fit_context
from ._target import ClassTarget, RegressionTarget

__all__ = ["FFNClassifier", "FFNRegressor"]

_COMMON_PARAMS_DOC = """
    hidden_layer_sizes : array-like of shape (n_layers - 2,) or int, default=(100,)
        The ith element is the number of neurons in the ith hidden layer.

    activation : str or sequence of str, default='relu'
        Hidden-layer activation: 'identity', 'logistic' (also 'sigmoid'),
        'tanh', 'relu' or 'softplus'; or a sequence with one name per hidden
        layer.

    solver : {'lbfgs', 'sgd', 'adam'}, default='adam'
        'lbfgs' runs scipy's L-BFGS-B on the full batch; 'sgd' is minibatch
        gradient descent with (Nesterov) momentum; 'adam' is Adam.

    alpha : float, default=0.0001
        Strength of the L2 penalty on the weights (not the biases), scaled by
        the sum of the sample weights as in scikit-learn.

    batch_size : int or 'auto', default='auto'
        Minibatch size of the stochastic solvers; 'auto' is ``min(200, n)``.

    learning_rate : {'constant', 'invscaling', 'adaptive'}, default='constant'
        Learning-rate schedule of ``solver='sgd'``.

    learning_rate_init : float, default=0.001
        Initial step size of 'sgd' and 'adam'.

    power_t : float, default=0.5
        Exponent of the 'invscaling' schedule.

    max_iter : int, default=200
        Epochs for 'sgd' and 'adam'; iterations for 'lbfgs'.

    shuffle : bool, default=True
        Shuffle the samples every epoch ('sgd', 'adam').

    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, shuffling and the early-stopping split;
        the same seed draws the same initial weights as scikit-learn's MLP.

    tol : float, default=1e-4
        Improvement below which an epoch counts as no improvement; the
        gradient tolerance of 'lbfgs'.

    verbose : bool, default=False
        Print the loss of every iteration (also for 'lbfgs').

    warm_start : bool, default=False
        Start from the fitted weights instead of a new initialisation.

    momentum : float, default=0.9
        Momentum of 'sgd'.

    nesterovs_momentum : bool, default=True
        Use Nesterov's momentum with 'sgd'.

    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the data and stop when its score
        stops improving; the best weights are restored.

    validation_fraction : float, default=0.1
        Share of the data held out for early stopping.

    beta_1, beta_2 : float, default=0.9, 0.999
        Exponential decay rates of Adam's moment estimates.

    epsilon : float, default=1e-8
        Adam's numerical-stability constant.

    n_iter_no_change : int, default=10
        Epochs without ``tol`` improvement before stopping.

    max_fun : int, default=15000
        Maximum number of loss evaluations of 'lbfgs'.
"""

_ATTRIBUTES_DOC = """
    loss_ : float
        The loss of the last iteration (data term plus L2 penalty).

    best_loss_ : float or None
        Lowest training loss reached (None with early stopping).

    loss_curve_ : list of float
        Training loss per iteration (per L-BFGS iteration too).

    validation_scores_ : list of float or None
        Score on the validation split per epoch, with early stopping.

    validation_loss_curve_ : list of float or None
        Loss on the validation split per epoch, with early stopping.

    best_validation_score_ : float or None
        Best validation score, with early stopping.

    t_ : int
        Number of training samples seen by the solver.

    coefs_ : list of ndarray
        ``coefs_[i]`` is the weight matrix of layer i, shape ``(n_in, n_out)``.

    intercepts_ : list of ndarray
        ``intercepts_[i]`` is the bias vector of layer i.

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of the features seen during fit, when they are all strings.

    n_iter_ : int
        Iterations of the last ``fit``; accumulated over ``partial_fit`` calls.

    n_layers_ : int
        Number of layers, input and output included.

    n_outputs_ : int
        Number of outputs.

    out_activation_ : str
        The output link: 'identity', 'exp', 'logistic' or 'softmax'.
"""


def _doc(template: str) -> str:
    return template.replace("%(params)s", _COMMON_PARAMS_DOC).replace(
        "%(attributes)s", _ATTRIBUTES_DOC
    )


class FFNClassifier(ClassifierMixin, BaseFFN):
    __doc__ = _doc(
        """Feed-forward network classifier: scikit-learn's MLPClassifier, and more.

    Minimises the log-loss, computed from the logits (sigmoid for binary and
    multilabel targets, softmax for multiclass), with hand-written backprop.
    ``predict_log_proba`` is ``log(predict_proba)``, as scikit-learn defines
    it (``-inf`` where a probability underflows to 0); ``exact_log_proba``
    computes log-sigmoid / log-softmax of the logits, finite wherever the true
    log-probability is.

    Parameters
    ----------%(params)s
    class_weight : dict, 'balanced' or None, default=None
        Weights per class, multiplied into ``sample_weight``; 'balanced' uses
        ``n_samples / (n_classes * bincount(y))``. Single-output targets only.

    Attributes
    ----------
    classes_ : ndarray or list of ndarray
        Class labels.
    %(attributes)s
    See Also
    --------
    FFNRegressor : The regressor.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skffnn import FFNClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = FFNClassifier((10,), solver="lbfgs", max_iter=500, random_state=0)
    >>> clf.fit(X, y).score(X, y) > 0.95
    True
    >>> clf.predict_proba(X[:1]).shape
    (1, 3)
    >>> bool(clf.predict_log_proba(X[:1]).max() <= 0)
    True
    """
    )

    # MLPClassifier has this attribute (not a parameter): the loss it trains.
    loss = "log_loss"

    _parameter_constraints: dict = {
        **BaseFFN._parameter_constraints,
        "class_weight": [dict, StrOptions({"balanced"}), None],
    }

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        class_weight=None,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.class_weight = class_weight

    # The target encoder: classes, binarizer, class weights, head.
    _target_kind = ClassTarget

    def _single_class(self) -> bool:
        return self._label_binarizer.y_type_ != "multilabel-indicator" and (
            len(self.classes_) == 1
        )

    # -- prediction ------------------------------------------------------------
    def _labels_from_scores(self, scores):
        # The scores are this call's own: the probabilities go over them.
        proba = self._fitted_head(scores).link(scores, out=scores)
        return fitted_namespace(scores).decode_labels(
            self._label_binarizer, proba, self.n_outputs_ == 1
        )

    def _score_from_scores(self, scores, Y, sample_weight):
        y_true = self._label_binarizer.inverse_transform(
            Y.ravel() if Y.shape[1] == 1 else Y
        )
        return accuracy_score(
            y_true, self._labels_from_scores(scores), sample_weight=sample_weight
        )

    @_dask.blockwise
    def predict(self, X):
        """Predict class labels (or label indicators, for multilabel targets).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_classes)
            The predicted classes.
        """
        return self._labels_from_scores(self._scores(X, "predict"))

    def score(self, X, y, sample_weight=None) -> float:
        """Mean accuracy of ``predict(X)`` against ``y``, as scikit-learn's.

        ``accuracy_score(y, self.predict(X), sample_weight=sample_weight)``;
        for the common case (a 1-D integer array of labels, integer classes,
        no weights) the same mean without its checks, which then cannot
        fail.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            True labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples in the mean.

        Returns
        -------
        score : float
            The fraction of correctly predicted samples (weighted).
        """
        # Arrays of another namespace (array API dispatch) are compared on the
        # host: the labels may be strings, which only NumPy holds.
        pred, y = to_host(self.predict(X)), to_host(y)
        sample_weight = to_host(sample_weight)
        if (
            sample_weight is None
            and type(y) is np.ndarray
            and type(pred) is np.ndarray
            and y.ndim == 1
            and y.shape == pred.shape
            and y.dtype.kind in "iu"
            and pred.dtype.kind in "iu"
        ):
            return float(np.average(y == pred))
        return float(accuracy_score(y, pred, sample_weight=sample_weight))

    @_dask.blockwise
    def predict_proba(self, X):
        """Class probabilities, ordered as ``classes_``; rows sum to 1.

        For binary targets both columns come from the logit, ``sigmoid(-z)`` and
        ``sigmoid(z)``, so a tiny probability keeps its relative precision
        instead of being rounded as ``1 - p``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            The probability of each class, per sample.
        """
        return self._proba_from_scores(self._scores(X, "predict_proba"))

    def _proba_from_scores(self, scores):
        if self._single_class():  # in the scores' namespace and device
            return fitted_namespace(scores).full_like(scores, 1)
        return self._fitted_head(scores).proba(scores, overwrite=True)

    @_dask.blockwise
    def predict_log_proba(self, X):
        """Natural logarithm of ``predict_proba(X)``, as scikit-learn defines it.

        Exactly ``np.log(predict_proba(X))``: where a probability underflowed
        to 0 this is ``-inf``. :meth:`exact_log_proba` computes the
        log-probabilities from the logits instead, finite wherever the true
        value is.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            ``np.log(predict_proba(X))``.
        """
        proba = self._proba_from_scores(self._scores(X, "predict_log_proba"))
        # log(0) = -inf is the defined answer here, not a floating-point fault.
        return fitted_namespace(proba).log(proba)

    @_dask.blockwise
    def exact_log_proba(self, X):
        """Compute log-probabilities from the logits, exact where ``log(p)`` is not.

        log-softmax (multiclass) or log-sigmoid (binary, multilabel) of the
        network's raw scores: within 2 ULP of the true value and finite
        wherever it is, including where ``predict_proba`` rounds to 0 or 1 and
        ``predict_log_proba`` gives ``-inf`` or 0. Same shape and column order
        as :meth:`predict_proba`.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            The log-probability of each class, per sample.

        Examples
        --------
        >>> import numpy as np
        >>> from skffnn import FFNClassifier
        >>> X = np.array([[-1.0], [1.0]])
        >>> clf = FFNClassifier((), solver="lbfgs", random_state=0).fit(X, [0, 1])
        >>> clf.coefs_[0][...] = 1000.0  # a saturated model: logits of +-1000
        >>> clf.intercepts_[0][...] = 0.0
        >>> clf.predict_log_proba([[1.0]])
        array([[-inf,   0.]])
        >>> clf.exact_log_proba([[1.0]])
        array([[-1000.,     0.]])
        """
        scores = self._scores(X, "exact_log_proba")
        if self._single_class():
            return fitted_namespace(scores).full_like(scores, 0)
        return self._fitted_head(scores).exact_log_proba(scores, overwrite=True)

    @_dask.blockwise
    def logits(self, X):
        """Raw output scores of the network (the inputs of sigmoid or softmax).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            One column per output; a binary target's single column is raveled.

        Examples
        --------
        >>> from sklearn.datasets import load_iris
        >>> from skffnn import FFNClassifier
        >>> X, y = load_iris(return_X_y=True)
        >>> clf = FFNClassifier((5,), solver="lbfgs", random_state=0).fit(X, y)
        >>> clf.logits(X[:2]).shape
        (2, 3)
        """
        scores = self._scores(X, "logits")
        return scores[:, 0] if self.n_outputs_ == 1 else scores

    # -- fitting ---------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    @with_callbacks
    def fit(self, X, y, sample_weight=None):
        """Fit the network to data matrix X and target(s) y.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a label indicator matrix for multilabel targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights; the loss is their weighted mean.

        Returns
        -------
        self : FFNClassifier
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight=sample_weight, incremental=False)

    @available_if(lambda est: est._check_solver())
    @_fit_context(prefer_skip_nested_validation=True)
    @with_callbacks
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """One epoch over the given data, continuing from the current weights.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Class labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights; the loss is their weighted mean.
        classes : array of shape (n_classes,), default=None
            All classes across calls; required on the first call.

        Returns
        -------
        self : FFNClassifier
            The fitted estimator.
        """
        return self._fit(
            X, y, sample_weight=sample_weight, incremental=True, classes=classes
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


class FFNRegressor(RegressorMixin, BaseFFN):
    __doc__ = _doc(
        """Feed-forward network regressor: scikit-learn's MLPRegressor, and more.

    Minimises half the squared error (identity output) or half the Poisson
    deviance (``loss='poisson'``, exp output), with hand-written backprop.

    Parameters
    ----------
    loss : {'squared_error', 'poisson'}, default='squared_error'
        The loss; 'poisson' uses a log link and requires ``y >= 0``.
%(params)s
    Attributes
    ----------%(attributes)s
    See Also
    --------
    FFNClassifier : The classifier.

    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> from skffnn import FFNRegressor
    >>> X, y = make_regression(n_samples=200, n_features=5, noise=1, random_state=0)
    >>> reg = FFNRegressor(hidden_layer_sizes=(20,), solver="lbfgs", random_state=0)
    >>> reg.fit(X, y / 100).score(X, y / 100) > 0.99
    True
    """
    )

    _parameter_constraints: dict = {
        **BaseFFN._parameter_constraints,
        "loss": [StrOptions({"squared_error", "poisson"})],
    }

    def __init__(
        self,
        loss="squared_error",
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.loss = loss
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun

    # The target encoder: columns, the Poisson rule, head.
    _target_kind = RegressionTarget

    def _predictions_from_scores(self, scores):
        # The fitted link, not the `loss` hyperparameter: set_params(loss=...)
        # without a refit must not change what a fitted model predicts.
        pred = self._fitted_head(scores).link(scores)
        return pred[:, 0] if pred.shape[1] == 1 else pred

    def _score_from_scores(self, scores, Y, sample_weight):
        y_true = Y.ravel() if Y.shape[1] == 1 else Y
        pred = self._predictions_from_scores(scores)
        if not np.isfinite(pred).all():
            # exp of a large score overflows: r2_score would raise on it, and
            # for early stopping it is simply a score that did not improve.
            return float("nan")
        return r2_score(y_true, pred, sample_weight=sample_weight)

    @_dask.blockwise
    def predict(self, X):
        """Predict the target(s): the identity or exp of the output scores.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            The predicted target(s).
        """
        return self._predictions_from_scores(self._scores(X, "predict"))

    def score(self, X, y, sample_weight=None) -> float:
        """The coefficient of determination R^2 of ``predict(X)``, as scikit-learn's.

        ``r2_score(y, self.predict(X), sample_weight=sample_weight)``; under
        array API dispatch computed on the host copies of the three, so that
        ``y`` and ``sample_weight`` may come from another namespace than ``X``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            True values.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples.

        Returns
        -------
        score : float
            R^2 of the predictions.
        """
        pred = to_host(self.predict(X))
        return float(r2_score(to_host(y), pred, sample_weight=to_host(sample_weight)))

    @_fit_context(prefer_skip_nested_validation=True)
    @with_callbacks
    def fit(self, X, y, sample_weight=None):
        """Fit the network to data matrix X and target(s) y.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights; the loss is their weighted mean.

        Returns
        -------
        self : FFNRegressor
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight=sample_weight, incremental=False)

    @available_if(lambda est: est._check_solver())
    @_fit_context(prefer_skip_nested_validation=True)
    @with_callbacks
    def partial_fit(self, X, y, sample_weight=None):
        """One epoch over the given data, continuing from the current weights.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights; the loss is their weighted mean.

        Returns
        -------
        self : FFNRegressor
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight=sample_weight, incremental=True)
