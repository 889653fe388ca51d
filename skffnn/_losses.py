"""Output heads: the output link fused with its loss, working on raw scores.

Each head owns, for raw output scores ``z`` (logits) and targets ``y``:

- ``loss(z, y, w)``: the weighted mean over samples of the per-sample loss
  (summed over outputs), computed from ``z`` with :mod:`skffnn.functional`,
  never from clipped probabilities;
- ``seed_gradient(z, y, w, out)``: ``dLoss/dz``, the gradient that starts
  backpropagation;
- ``link(z)``: what ``predict`` returns (identity, exp, sigmoid, softmax).

Why the seed gradient is simply ``(link(z) - y) * w / sum(w)``: every pair here
is a *canonical* link with its matching loss (identity + squared error,
exp + Poisson deviance, sigmoid + binary log-loss, softmax + multinomial
log-loss). For an exponential-family loss written in its natural parameter
``z``, ``loss(z) = A(z) - y z`` with ``A'(z) = link(z)``, so
``dloss/dz = link(z) - y`` exactly: no division by a probability, nothing that
can overflow, and the same function whose value ``loss`` reports.
"""

from __future__ import annotations

import functools

import numpy as np
from scipy.special import xlogy

from . import functional as F

__all__ = ["HEADS", "Head", "get_head"]


def _normalised_weights(w, n, dtype):
    """Per-sample weights summing to one (uniform when ``w`` is None)."""
    if w is None:
        return None, 1.0 / n
    return (w / w.sum()).astype(dtype, copy=False)[:, None], None


class Head:
    """Base class of output heads; subclasses define the canonical pair."""

    name = ""
    # scikit-learn's ``out_activation_`` for this head.
    out_activation = ""

    def link(self, z: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        raise NotImplementedError

    def loss(self, z, y, sample_weight=None) -> float:
        raise NotImplementedError

    def seed_gradient(self, z, y, sample_weight=None, out=None) -> np.ndarray:
        """``(link(z) - y) * w / sum(w)``; ``out`` may be ``z`` itself."""
        out = self.link(z, out=out)
        np.subtract(out, y, out=out)
        return _scale_rows(out, sample_weight)

    def loss_and_seed(self, z, y, sample_weight=None, out=None):
        """Loss and seed gradient together: the training hot path.

        Subclasses fuse the two so the shared pieces (the shift by the row
        maximum, ``exp(-|z|)``) are computed once, in the network's dtype.
        ``out`` may be ``z`` itself; the loss is taken before it is overwritten.
        """
        loss = self.loss(z, y, sample_weight)
        return loss, self.seed_gradient(z, y, sample_weight, out=out)


def _weighted_mean(per_sample, sample_weight):
    # Not np.average: its checks cost more than the sum on a small batch.
    if sample_weight is None:
        return float(per_sample.sum()) / per_sample.shape[0]
    return float(per_sample @ sample_weight) / float(sample_weight.sum())


def _scale_rows(delta, sample_weight):
    """``delta * w / sum(w)`` in place (``1 / n`` without weights)."""
    w, scale = _normalised_weights(sample_weight, delta.shape[0], delta.dtype)
    if w is None:
        delta *= delta.dtype.type(scale)
    else:
        delta *= w
    return delta


def _out(z, out):
    return np.empty_like(z) if out is None else out


@functools.cache
def _ones(n: int, dtype: np.dtype) -> np.ndarray:
    ones = np.ones(n, dtype)
    ones.flags.writeable = False
    return ones


def _row_max(z):
    """``z.max(axis=1, keepdims=True)``, faster on a few columns.

    numpy reduces a short contiguous row at about 60 ns per row (14 us for
    200 rows of 10 logits); over the rows of the transposed copy the same
    maxima are a few vectorised passes (4 us, copy included).
    """
    if z.shape[1] > 32:
        return z.max(axis=1, keepdims=True)
    return np.ascontiguousarray(z.T).max(axis=0)[:, None]


class SquaredError(Head):
    """Identity link with half the squared error, summed over outputs."""

    name = "squared_error"
    out_activation = "identity"

    def link(self, z, out=None):
        return F.identity(z, out=out)

    def loss(self, z, y, sample_weight=None):
        r = z - y
        return 0.5 * _weighted_mean(np.einsum("ij,ij->i", r, r), sample_weight)

    def loss_and_seed(self, z, y, sample_weight=None, out=None):
        r = np.subtract(z, y, out=_out(z, out))
        if sample_weight is None:
            loss = 0.5 * float(np.vdot(r, r)) / r.shape[0]
        else:
            loss = 0.5 * _weighted_mean(np.einsum("ij,ij->i", r, r), sample_weight)
        return loss, _scale_rows(r, sample_weight)


class Poisson(Head):
    """Log link (exp output) with half the Poisson deviance, as scikit-learn."""

    name = "poisson"
    out_activation = "exp"

    def link(self, z, out=None):
        # exp of a large score overflows to inf: that is the true prediction's
        # magnitude in floating point, not an artefact, so stay silent about it.
        with np.errstate(over="ignore"):
            return np.exp(z, out=out)

    def loss(self, z, y, sample_weight=None):
        # y log(y / mu) - y + mu with mu = exp(z), written in z so that it
        # never takes the log of a rounded prediction.
        with np.errstate(over="ignore"):
            per = xlogy(y, y) - y * z - y + np.exp(z)
        return _weighted_mean(per.sum(axis=1), sample_weight)


class BinaryLogLoss(Head):
    """Sigmoid link with the binary log-loss (binary and multilabel targets)."""

    name = "binary_log_loss"
    out_activation = "logistic"

    def link(self, z, out=None):
        return F.sigmoid(z, out=out)

    def log_link(self, z):
        return F.log_sigmoid(z)

    def loss(self, z, y, sample_weight=None):
        return F.binary_log_loss(y, z, sample_weight)

    def loss_and_seed(self, z, y, sample_weight=None, out=None):
        # Both pieces from e = exp(-|z|) <= 1: softplus(z) = max(z, 0) +
        # log1p(e); sigmoid(z) = 1 / (1 + e) for z >= 0, e / (1 + e) for z < 0.
        if not np.isfinite(z).all():  # +-inf logits: the exact slow path
            return super().loss_and_seed(z, y, sample_weight, out)
        e = np.abs(z)
        np.negative(e, out=e)
        with np.errstate(under="ignore"):
            np.exp(e, out=e)
        per = np.maximum(z, 0)
        per += np.log1p(e)
        per -= y * z
        loss = _weighted_mean(per.sum(axis=1), sample_weight)
        p = np.where(z >= 0, 1, e)
        e += 1
        p /= e
        out = _out(z, out)
        np.subtract(p, y, out=out)
        return loss, _scale_rows(out, sample_weight)


class MultinomialLogLoss(Head):
    """Softmax link with the multinomial log-loss (multiclass targets)."""

    name = "log_loss"
    out_activation = "softmax"

    def link(self, z, out=None):
        p = F.softmax(z, axis=1)
        if out is None:
            return p
        out[...] = p
        return out

    def log_link(self, z):
        return F.log_softmax(z, axis=1)

    def loss(self, z, y, sample_weight=None):
        return F.multinomial_log_loss(y, z, sample_weight)

    def loss_and_seed(self, z, y, sample_weight=None, out=None):
        # Shift by the row maximum so exp sees only numbers <= 0; then
        # -sum_j y_j log p_j = sum_j y_j (log S - s_j) with S = sum exp(s) >= 1.
        # Both parts are >= 0 (log S >= 0, y >= 0 >= s), so they may be summed
        # separately over the batch without cancellation.
        with np.errstate(under="ignore", invalid="ignore"):
            s = z - _row_max(z)  # a new array: z stays intact
            if sample_weight is None:
                ys = np.vdot(y, s)
            else:
                ys = np.einsum("ij,ij->i", y, s)
            np.exp(s, out=s)
            # Row sums as matrix-vector products: on a few output columns
            # np.sum(axis=1) costs several times more.
            total = s @ _ones(s.shape[1], s.dtype)
            log_total = np.log(total)
            if sample_weight is None:
                loss = (float((log_total @ y).sum()) - float(ys)) / z.shape[0]
            else:
                loss = _weighted_mean(log_total * y.sum(axis=1) - ys, sample_weight)
        if not np.isfinite(loss):  # +-inf logits: the exact slow path
            return super().loss_and_seed(z, y, sample_weight, out)
        s /= total[:, None]
        out = np.subtract(s, y, out=s if out is None else out)
        return loss, _scale_rows(out, sample_weight)


HEADS: dict[str, Head] = {
    h.name: h
    for h in (SquaredError(), Poisson(), BinaryLogLoss(), MultinomialLogLoss())
}


def get_head(name: str) -> Head:
    """Return the head registered under ``name``."""
    try:
        return HEADS[name]
    except KeyError:
        raise ValueError(
            f"Unknown loss {name!r}; expected one of {sorted(HEADS)}."
        ) from None
