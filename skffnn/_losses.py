"""Output heads: what the raw output scores mean, and the loss that trains them.

A head is resolved once per fit (:func:`get_head`) and owns everything that
depends on the output layer. For raw output scores ``z`` (logits) of shape
``(n_samples, n_outputs)`` and targets ``y`` of the same shape:

- ``link(z, out=None)``: what ``predict`` returns (identity, exp, sigmoid,
  softmax);
- ``proba(z)`` and ``exact_log_proba(z)``, classifier heads only: the class
  probabilities exactly as scikit-learn's ``MLPClassifier.predict_proba``
  defines them, and their logarithms computed from the logits (finite
  wherever the true value is, where ``np.log(proba(z))`` underflows to
  ``-inf``);
- ``loss(z, y, w)``: scikit-learn's loss, the weighted mean over samples,
  computed from ``z`` with :mod:`skffnn.functional`, never from clipped
  probabilities;
- ``loss_and_seed(z, y, w, out=None)``: the loss and the seed gradient that
  starts backpropagation, fused on the same :mod:`skffnn.functional` kernels
  (the training hot path, in the network's dtype).

Why the seed gradient is simply ``(link(z) - y) * w / sum(w)``: every pair here
is a *canonical* link with its matching loss (identity + squared error,
exp + Poisson deviance, sigmoid + binary log-loss, softmax + multinomial
log-loss). For an exponential-family loss written in its natural parameter
``z``, ``loss(z) = A(z) - y z`` with ``A'(z) = link(z)``, so
``dloss/dz = link(z) - y`` exactly: no division by a probability, nothing that
can overflow.

The squared error is scikit-learn's: averaged over outputs
(``0.5 * mean((y - z)**2)``). scikit-learn's solvers (``_backprop``, for sgd,
adam *and* lbfgs) pair that averaged loss with ``deltas = z - y``, the gradient
of the loss *summed* over outputs, ``n_outputs`` times the gradient of the
loss they report. ``SquaredError(objective=...)`` chooses the pair: 'mean'
(default) and 'sum' are each the loss and gradient of one function;
'sklearn' is scikit-learn's pairing, for stochastic solvers that must take
scikit-learn's steps.
"""

from __future__ import annotations

import numpy as np
from scipy.special import xlogy

from . import functional as F

__all__ = ["HEADS", "Head", "get_head"]


def _batch_mean(per_sample: np.ndarray, sample_weight) -> float:
    """The (weighted) mean of per-sample losses of one batch, on the hot path.

    Not np.average (its checks cost more than the sum on a small batch), and
    not ``functional._weighted_mean``, the public losses' overflow-safe sum.
    """
    if sample_weight is None:
        return float(per_sample.sum()) / per_sample.shape[0]
    return float(per_sample @ sample_weight) / float(sample_weight.sum())


def _scale_rows(delta: np.ndarray, sample_weight, factor: float = 1.0) -> np.ndarray:
    """``delta * factor * w / sum(w)`` in place (``factor / n`` without weights)."""
    if sample_weight is None:
        delta *= delta.dtype.type(factor / delta.shape[0])
    else:
        share = sample_weight * (factor / float(sample_weight.sum()))
        delta *= share.astype(delta.dtype, copy=False)[:, None]
    return delta


def _seed(link_z: np.ndarray, y, sample_weight, out=None, factor=1.0):
    """The seed gradient ``(link(z) - y) * factor * w / sum(w)``, into ``out``.

    The tail every head shares (in place in ``link_z`` when ``out`` is None).
    """
    seed = np.subtract(link_z, y, out=link_z if out is None else out)
    return _scale_rows(seed, sample_weight, factor)


def _out(z: np.ndarray, out: np.ndarray | None) -> np.ndarray:
    return np.empty_like(z) if out is None else out


class Head:
    """Base class of output heads: a canonical link with its loss.

    Subclasses set ``name`` (the ``loss`` name), ``out_activation``
    (scikit-learn's ``out_activation_`` for this head) and define ``link``
    and ``loss``; they fuse ``loss_and_seed``.
    """

    name = ""
    out_activation = ""

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def link(self, z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """Predictions from the raw output scores ``z``; ``out`` may be ``z``."""
        raise NotImplementedError

    def loss(self, z: np.ndarray, y: np.ndarray, sample_weight=None) -> float:
        """Weighted mean over samples of the loss of scores ``z`` for targets ``y``."""
        raise NotImplementedError

    def loss_and_seed(
        self, z: np.ndarray, y: np.ndarray, sample_weight=None, out=None
    ) -> tuple[float, np.ndarray]:
        """``loss(z, y, w)`` and its gradient ``dloss/dz = (link(z) - y) w / sum(w)``.

        ``out`` may be ``z`` itself; the loss is taken before ``z`` is
        overwritten. This generic version is the exact path that the fused
        subclass versions fall back to for non-finite scores.
        """
        loss = self.loss(z, y, sample_weight)
        return loss, _seed(self.link(z, out=out), y, sample_weight)

    # -- any array API namespace ``xp`` (skffnn._xp_network): plain operations,
    # in the working dtype on the scores' device; the loss stays a 0-d array
    # (no host synchronisation).
    def xp_link(self, z, xp):
        """:meth:`link` in namespace ``xp``."""
        raise NotImplementedError

    def xp_per_sample(self, z, y, xp):
        """Per-sample loss (summed over outputs) in namespace ``xp``."""
        raise NotImplementedError

    def seed_factor(self, k: int) -> float:
        """The seed gradient's factor for ``k`` outputs (1 but for squared error)."""
        return 1.0

    def xp_loss_and_seed(self, z, y, sample_weight, xp):
        """:meth:`loss_and_seed` in namespace ``xp``: ``(0-d loss, seed)``."""
        per = self.xp_per_sample(z, y, xp)
        seed = self.xp_link(z, xp) - y
        factor = self.seed_factor(z.shape[1])
        if sample_weight is None:
            n = z.shape[0]
            return xp.sum(per) / n, seed * (factor / n)
        total = xp.sum(sample_weight)
        share = sample_weight * (factor / total)
        loss = xp.sum(per * sample_weight) / total
        return loss, seed * xp.expand_dims(share, axis=1)


class SquaredError(Head):
    """Identity link with half the squared error averaged over outputs (sklearn's).

    Parameters
    ----------
    objective : {'mean', 'sum', 'sklearn'}, default='mean'
        What ``loss_and_seed`` returns for ``k`` outputs, with
        ``r = z - y`` and ``m(.)`` the weighted mean over samples:

        - 'mean': ``m(0.5 * sum_j r_j**2) / k`` and its gradient (one
          function; ``loss``, ``loss_`` and the stopping rule use this value);
        - 'sum': ``m(0.5 * sum_j r_j**2)`` and its gradient (one function,
          whose gradient is scikit-learn's);
        - 'sklearn': the 'mean' loss with the 'sum' gradient, the pair
          scikit-learn's ``_backprop`` returns (``deltas[last] =
          activations[-1] - y``): its sgd and adam steps.

        With one output the three coincide.

    Examples
    --------
    >>> import numpy as np
    >>> from skffnn._losses import get_head
    >>> z, y = np.array([[1.0, 3.0]]), np.zeros((1, 2))
    >>> get_head("squared_error").loss(z, y)  # 0.5 * (1 + 9) / 2
    2.5
    >>> get_head("squared_error", objective="sklearn").loss_and_seed(z, y)
    (2.5, array([[1., 3.]]))
    """

    name = "squared_error"
    out_activation = "identity"
    OBJECTIVES = ("mean", "sum", "sklearn")

    def __init__(self, objective: str = "mean"):
        if objective not in self.OBJECTIVES:
            raise ValueError(
                f"objective must be one of {self.OBJECTIVES}, got {objective!r}."
            )
        self.objective = objective

    def __repr__(self) -> str:
        return f"SquaredError(objective={self.objective!r})"

    def _loss_factor(self, k: int) -> float:
        return 0.5 if self.objective == "sum" else 0.5 / k

    def link(self, z, out=None):
        return F.identity(z, out=out)

    def xp_link(self, z, xp):
        return z

    def xp_per_sample(self, z, y, xp):
        r = z - y
        return xp.sum(r * r, axis=1) * self._loss_factor(z.shape[1])

    def seed_factor(self, k):
        return 1.0 / k if self.objective == "mean" else 1.0

    def loss(self, z, y, sample_weight=None):
        r = z - y
        per = np.einsum("ij,ij->i", r, r)
        return self._loss_factor(z.shape[1]) * _batch_mean(per, sample_weight)

    def loss_and_seed(self, z, y, sample_weight=None, out=None):
        k = z.shape[1]
        r = np.subtract(z, y, out=_out(z, out))
        if sample_weight is None:
            loss = float(np.vdot(r, r)) / r.shape[0]
        else:
            loss = _batch_mean(np.einsum("ij,ij->i", r, r), sample_weight)
        factor = 1.0 / k if self.objective == "mean" else 1.0
        return self._loss_factor(k) * loss, _scale_rows(r, sample_weight, factor)


class Poisson(Head):
    """Log link (exp output) with half the Poisson deviance, as scikit-learn."""

    name = "poisson"
    out_activation = "exp"

    def link(self, z, out=None):
        # exp of a large score overflows to inf: that is the true prediction's
        # magnitude in floating point, not an artefact, so stay silent about it.
        with np.errstate(over="ignore"):
            return np.exp(z, out=out)

    def xp_link(self, z, xp):
        return xp.exp(z)

    def xp_per_sample(self, z, y, xp):
        positive = y > 0
        ylogy = xp.where(
            positive, y * xp.log(xp.where(positive, y, xp.ones_like(y))), 0 * y
        )
        return xp.sum(xp.exp(z) - y * z + ylogy - y, axis=1)

    @staticmethod
    def _per_sample(z, y, mu):
        # y log(y / mu) - y + mu with mu = exp(z), written in z so that it
        # never takes the log of a rounded prediction; summed over outputs.
        with np.errstate(over="ignore"):
            per = mu - y * z
            per += xlogy(y, y) - y
        return F._row_sum(per)

    def loss(self, z, y, sample_weight=None):
        return _batch_mean(self._per_sample(z, y, self.link(z)), sample_weight)

    def loss_and_seed(self, z, y, sample_weight=None, out=None):
        # One exp for both: mu is the loss's exp(z) and the seed's link(z).
        mu = self.link(z, out=_out(z, None))
        loss = _batch_mean(self._per_sample(z, y, mu), sample_weight)
        return loss, _seed(mu, y, sample_weight, _out(z, out))


class BinaryLogLoss(Head):
    """Sigmoid link with the binary log-loss (binary and multilabel targets)."""

    name = "binary_log_loss"
    out_activation = "logistic"

    def link(self, z, out=None):
        if (out is None or out is z) and z.dtype == np.float64 and z.size <= F._BLOCK:
            # F.sigmoid's own kernel without its checks and blocks (a few
            # predicted rows): the same floats, 10 us less.
            e, d = np.empty_like(z), np.empty_like(z)
            with np.errstate(under="ignore"):
                F._exp_neg_abs(z, e)
            return F._sigmoid_from_exp(z, e, e if out is None else out, d)
        return F.sigmoid(z, out=out)

    def proba(self, z: np.ndarray, overwrite: bool = False) -> np.ndarray:
        """scikit-learn's ``predict_proba`` given the logits ``z`` of shape (n, k).

        One output (binary targets): the columns ``[sigmoid(-z), sigmoid(z)]``;
        scikit-learn computes the first as ``1 - sigmoid(z)``, equal up to
        its rounding. Several outputs (multilabel): ``sigmoid(z)``, written
        over ``z`` where ``overwrite``.

        Examples
        --------
        >>> import numpy as np
        >>> from skffnn._losses import get_head
        >>> get_head("binary_log_loss").proba(np.array([[0.0], [-40.0]]))
        array([[5.00000000e-01, 5.00000000e-01],
               [1.00000000e+00, 4.24835426e-18]])
        """
        cols = self._columns(z)
        return self.link(cols, out=cols if overwrite or cols is not z else None)

    def exact_log_proba(self, z: np.ndarray, overwrite: bool = False) -> np.ndarray:
        """``log(proba(z))`` from the logits by ``log_sigmoid``: finite where true.

        Examples
        --------
        >>> import numpy as np
        >>> from skffnn._losses import get_head
        >>> get_head("binary_log_loss").exact_log_proba(np.array([[800.0]]))
        array([[-800.,   -0.]])
        """
        cols = self._columns(z)
        return F.log_sigmoid(cols, out=cols if overwrite or cols is not z else None)

    @staticmethod
    def _columns(z):
        return np.hstack([-z, z]) if z.shape[1] == 1 else z

    def xp_link(self, z, xp):
        return F._xp_sigmoid(z, xp)

    def xp_per_sample(self, z, y, xp):
        # softplus(z) - y z, from the logits
        return xp.sum(F._xp_softplus(z, xp) - y * z, axis=1)

    def xp_proba(self, z, xp):
        """:meth:`proba` in namespace ``xp``."""
        return F._xp_sigmoid(self._xp_columns(z, xp), xp)

    def xp_exact_log_proba(self, z, xp):
        """:meth:`exact_log_proba` in namespace ``xp``."""
        return F._xp_log_sigmoid(self._xp_columns(z, xp), xp)

    @staticmethod
    def _xp_columns(z, xp):
        return xp.concat([-z, z], axis=1) if z.shape[1] == 1 else z

    def loss(self, z, y, sample_weight=None):
        return F.binary_log_loss(y, z, sample_weight)

    def loss_and_seed(self, z, y, sample_weight=None, out=None):
        if not np.isfinite(z).all():  # +-inf logits: the exact slow path
            return super().loss_and_seed(z, y, sample_weight, out)
        # One exp(-|z|) for both the loss and the sigmoid.
        e, t = np.empty_like(z), np.empty_like(z)
        with np.errstate(under="ignore"):
            F._exp_neg_abs(z, e)
        per = F._binary_log_loss_from_exp(z, y, e, np.empty_like(z), t)
        loss = _batch_mean(F._row_sum(per), sample_weight)
        out = F._sigmoid_from_exp(z, e, _out(z, out), t)
        return loss, _seed(out, y, sample_weight)


# The dtypes functional._log_softmax_2d computes in directly.
_KERNEL_DTYPES = (np.dtype(np.float64), np.dtype(np.float32))


class MultinomialLogLoss(Head):
    """Softmax link with the multinomial log-loss (multiclass targets)."""

    name = "log_loss"
    out_activation = "softmax"

    def link(self, z, out=None):
        p = self.proba(z, overwrite=out is z)
        if out is None or p is out:
            return p
        out[...] = p
        return out

    def proba(self, z: np.ndarray, overwrite: bool = False) -> np.ndarray:
        """scikit-learn's ``predict_proba`` given the logits: the softmax of each row.

        Written over ``z`` where ``overwrite`` (and every row maximum is
        finite): a fresh result of a large batch is page-faulted in.

        Examples
        --------
        >>> import numpy as np
        >>> from skffnn._losses import get_head
        >>> get_head("log_loss").proba(np.array([[0.0, 0.0], [0.0, -800.0]]))
        array([[0.5, 0.5],
               [1. , 0. ]])
        """
        # scikit-learn's formula where every row maximum is finite (the
        # exact softmax costs ten times more and differs by rounding); rows
        # with a nan or an infinite maximum as the exact softmax defines them.
        p = F._plain_softmax(z, out=z if overwrite else None)
        return F.softmax(z, axis=1) if p is None else p

    def exact_log_proba(self, z: np.ndarray, overwrite: bool = False) -> np.ndarray:
        """``log(proba(z))`` from the logits by ``log_softmax``: finite where true.

        Written over ``z`` where ``overwrite``.

        Examples
        --------
        >>> import numpy as np
        >>> from skffnn._losses import get_head
        >>> get_head("log_loss").exact_log_proba(np.array([[0.0, -800.0]]))
        array([[   0., -800.]])
        """
        if z.ndim == 2 and z.dtype in _KERNEL_DTYPES:
            # in z's dtype, no float64 copy of it
            return F._log_softmax_2d(z, out=z if overwrite else None)
        return F.log_softmax(z, axis=1)

    def loss(self, z, y, sample_weight=None):
        return F.multinomial_log_loss(y, z, sample_weight)

    def xp_link(self, z, xp):
        return self.xp_proba(z, xp)

    def xp_per_sample(self, z, y, xp):
        s, log_total = F._xp_shifted_log_total(z, xp)
        return log_total * xp.sum(y, axis=1) - xp.sum(y * s, axis=1)

    def xp_proba(self, z, xp):
        """:meth:`proba` in namespace ``xp``: scikit-learn's softmax."""
        e = xp.exp(z - xp.max(z, axis=1, keepdims=True))
        return e / xp.sum(e, axis=1, keepdims=True)

    def xp_exact_log_proba(self, z, xp):
        """:meth:`exact_log_proba` in namespace ``xp``."""
        s, log_total = F._xp_shifted_log_total(z, xp)
        return s - xp.expand_dims(log_total, axis=1)

    def loss_and_seed(self, z, y, sample_weight=None, out=None):
        # -sum_j y_j log p_j = sum_j y_j (log S - s_j) with s = z - max <= 0 and
        # S = sum exp(s) >= 1: both parts are >= 0, so they are summed
        # separately over the batch without cancellation.
        with np.errstate(under="ignore", invalid="ignore"):
            s = F._shift_rows(z)  # a new array: z stays intact
            if sample_weight is None:
                ys = np.vdot(y, s)
            else:
                ys = np.einsum("ij,ij->i", y, s)
            total = F._exp_row_sums(s)  # s is now exp(s)
            log_total = np.log(total)
            if sample_weight is None:
                loss = (float(log_total @ F._row_sum(y)) - float(ys)) / z.shape[0]
            else:
                loss = _batch_mean(log_total * F._row_sum(y) - ys, sample_weight)
        if not np.isfinite(loss):  # +-inf logits: the exact slow path
            return super().loss_and_seed(z, y, sample_weight, out)
        s /= total[:, None]
        return loss, _seed(s, y, sample_weight, out)


# -- soft targets, ensemble members, any namespace (the Tabular estimators) ----
# ``z`` is ``(..., n, c)``: the leading axes are ensemble members whose losses
# are averaged; ``share`` ``(n,)`` is each row's weight divided by the total
# weight times the number of members (and outputs), so that the loss is a
# weighted mean. ``xp`` is any array API namespace, NumPy included; the loss
# is a 0-d array (no host synchronisation), the seed is ``dloss/dz``.


def xp_soft_log_loss_and_seed(z, target, share, xp):
    """Cross-entropy of logits ``z`` against soft targets (rows summing to 1).

    ``-sum(share * sum(target * log_softmax(z)))`` and its seed
    ``(softmax(z) - target) * share``, from :func:`skffnn.functional._xp_log_softmax`
    (label smoothing gives soft targets; one-hot targets are the multinomial
    log-loss).
    """
    logp = F._xp_log_softmax(z, xp)
    loss = -xp.sum(xp.sum(logp * target, axis=-1) * share)
    return loss, (xp.exp(logp) - target) * xp.expand_dims(share, axis=1)


def xp_squared_error_and_seed(z, y, share, xp):
    """Weighted mean squared error ``sum(share * sum((z - y)**2))`` and its seed.

    No factor 1/2 (the Tabular estimators' MSE): the seed is ``2 (z - y) share``.
    """
    diff = z - y
    loss = xp.sum(xp.sum(diff * diff, axis=-1) * share)
    return loss, diff * xp.expand_dims(2 * share, axis=1)


HEADS: dict[str, Head] = {
    h.name: h
    for h in (SquaredError(), Poisson(), BinaryLogLoss(), MultinomialLogLoss())
}


def get_head(name: str, **options) -> Head:
    """The head registered under ``name``, or a new one built with ``options``.

    Parameters
    ----------
    name : {'squared_error', 'poisson', 'binary_log_loss', 'log_loss'}
    **options
        Passed to the head's class (only ``SquaredError`` takes any:
        ``objective``); without options the shared registered head is returned.

    Returns
    -------
    Head

    Examples
    --------
    >>> from skffnn._losses import get_head
    >>> get_head("log_loss").out_activation
    'softmax'
    >>> get_head("squared_error", objective="sklearn")
    SquaredError(objective='sklearn')
    """
    try:
        head = HEADS[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"Unknown loss {name!r}; expected one of {sorted(HEADS)}."
        ) from None
    return type(head)(**options) if options else head
