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
        w, scale = _normalised_weights(sample_weight, z.shape[0], z.dtype)
        if w is None:
            out *= out.dtype.type(scale)
        else:
            out *= w
        return out


def _weighted_mean(per_sample, sample_weight):
    return float(np.average(per_sample, weights=sample_weight))


class SquaredError(Head):
    """Identity link with half the squared error, summed over outputs."""

    name = "squared_error"
    out_activation = "identity"

    def link(self, z, out=None):
        return F.identity(z, out=out)

    def loss(self, z, y, sample_weight=None):
        r = z - y
        return 0.5 * _weighted_mean(np.einsum("ij,ij->i", r, r), sample_weight)


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
