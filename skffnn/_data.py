"""Training data as the solvers see it: full-batch objective, epochs, the split.

The solvers never index X themselves. They ask a *training data* object for

- ``objective(net, alpha)``: ``theta -> (loss, grad)`` over all training rows
  (L-BFGS);
- ``batches(rng, batch_size, shuffle)``: one epoch of minibatches
  ``(Xb, Yb, swb)`` (SGD, Adam), shuffled with draws from ``rng``;
- ``split(rng, validation_fraction, stratify)``: the early-stopping split, as
  training data for the rest and ``(Xv, Yv, swv)`` held out in memory;

and read ``n_samples``, ``total_weight`` (the sum of the sample weights,
``n_samples`` without them) and ``dtype``. :class:`InMemoryData` serves arrays (and
sparse matrices) in this process with the same random draws as scikit-learn's
MLP; ``skffnn._dask`` serves blocks of dask arrays through the same protocol.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Protocol

import numpy as np
import scipy.sparse as sp
from sklearn.model_selection import train_test_split

__all__ = ["ArrayData", "InMemoryData", "TrainingData", "check_validation_size"]


def check_validation_size(n_val: int, n: int) -> None:
    """The early-stopping split's rule: 2 or more held-out rows, some left to train."""
    if n_val < 2:
        raise ValueError(
            "The validation set is too small. Increase 'validation_fraction' "
            "or the size of your dataset."
        )
    if n_val >= n:
        raise ValueError(
            f"validation_fraction leaves no training rows: {n_val} of {n} held out."
        )


class TrainingData(Protocol):
    """What a solver needs from the training data (see the module docstring)."""

    n_samples: int
    total_weight: float
    dtype: np.dtype

    def objective(self, net, alpha: float) -> Callable:
        """``theta -> (loss, grad)`` of the whole training data."""

    def batches(self, rng, batch_size: int, shuffle: bool) -> Iterator[tuple]:
        """One epoch of ``(Xb, Yb, swb)`` minibatches."""

    def split(self, rng, validation_fraction: float, stratify: bool) -> tuple:
        """``(training data, (Xv, Yv, swv))`` for early stopping."""


class InMemoryData:
    """Rows ``rows`` (all when None) of in-memory X, Y (2-D) and sample weights."""

    def __init__(self, X, Y, sample_weight=None, rows=None, target=None):
        self.X, self.Y, self.sw, self.rows = X, Y, sample_weight, rows
        self.target = target  # the target encoder of the fit (skffnn._target)
        self.n_samples = X.shape[0] if rows is None else len(rows)
        self.dtype = X.dtype
        if sample_weight is None:
            self.total_weight = float(self.n_samples)
        else:
            sw = sample_weight if rows is None else sample_weight[rows]
            self.total_weight = float(sw.sum())
        self._bufs: dict[int, tuple] = {}
        self._order = None

    def objective(self, net, alpha):
        # L-BFGS never splits the data (early stopping is sgd/adam's): the
        # whole arrays.
        X, Y, sw = self.X, self.Y, self.sw

        def fun(theta):
            return net.loss_and_gradient(theta, X, Y, sw, alpha=alpha)

        return fun

    def batches(self, rng, batch_size, shuffle):
        if shuffle:
            if self._order is None:
                self._order = np.arange(self.n_samples)
            # The draws of sklearn.utils.shuffle (a Fisher-Yates pass over the
            # previous epoch's order), without its validation overhead.
            rng.shuffle(self._order)
        n = self.n_samples
        for start in range(0, n, batch_size):
            stop = min(start + batch_size, n)
            sel = slice(start, stop) if not shuffle else self._order[start:stop]
            yield self.take(sel)

    def take(self, sel):
        """Rows ``sel`` (a slice or positions into this subset) of X, Y, weights."""
        if self.rows is not None:
            sel = self.rows[sel]
        sw = None if self.sw is None else self.sw[sel]
        if isinstance(sel, slice) or sp.issparse(self.X):
            return self.X[sel], self.Y[sel], sw
        n = len(sel)
        if n not in self._bufs:
            if len(self._bufs) >= 2:  # batch size and the last, shorter batch
                self._bufs.clear()
            self._bufs[n] = (
                np.empty((n, self.X.shape[1]), self.X.dtype),
                np.empty((n, self.Y.shape[1]), self.Y.dtype),
            )
        xb, yb = self._bufs[n]
        # mode="clip": the positions come from a permutation, so they are in
        # range; with out= and the default mode="raise", numpy gathers into a
        # temporary and copies it over, 2-3x slower.
        self.X.take(sel, axis=0, out=xb, mode="clip")
        self.Y.take(sel, axis=0, out=yb, mode="clip")
        return xb, yb, sw

    def split(self, rng, validation_fraction, stratify):
        # Only the validation rows are copied; training rows are gathered per
        # minibatch. Stratified on the encoded target, as scikit-learn's MLP
        # (single-output classifiers), so the same random_state draws the same
        # split.
        idx = np.arange(self.X.shape[0])
        train_idx, val_idx = train_test_split(
            idx, random_state=rng, test_size=validation_fraction,
            stratify=self.Y.astype(bool) if stratify else None,
        )  # fmt: skip
        check_validation_size(val_idx.shape[0], self.X.shape[0])
        sw_val = None if self.sw is None else self.sw[val_idx]
        valid = (self.X[val_idx], self.Y[val_idx], sw_val)
        return InMemoryData(self.X, self.Y, self.sw, rows=train_idx), valid


# ArrayData gathers an epoch's shuffled rows of X this many bytes at a time.
_GATHER_BYTES = 64 * 2**20


class ArrayData(InMemoryData):
    """:class:`InMemoryData` on the device of an array API namespace.

    Built from host arrays (validated and encoded there), moved to ``ns``'s
    device once; the host keeps the encoded targets and weights for the
    random draws (the same shuffles and split as NumPy) and the validation
    scores. Minibatches are gathered on the device by host-drawn positions.
    """

    def __init__(self, ns, X, Y, sample_weight=None, rows=None, target=None,
                 host=None):  # fmt: skip
        self.ns = ns
        self.host = (Y, sample_weight) if host is None else host
        if host is None:  # host arrays: move them once
            X, Y = ns.asarray(X), ns.asarray(Y)
            if sample_weight is not None:
                sample_weight = ns.asarray(sample_weight)
        self.X, self.Y, self.sw, self.rows = X, Y, sample_weight, rows
        self.target = target
        self.n_samples = X.shape[0] if rows is None else len(rows)
        self.dtype = X.dtype
        self.host_dtype_size = ns.host_dtype(X.dtype).itemsize
        sw_host = self.host[1]
        if sw_host is None:
            self.total_weight = float(self.n_samples)
        else:
            self.total_weight = float(
                (sw_host if rows is None else sw_host[rows]).sum()
            )
        self._order = None

    def batches(self, rng, batch_size, shuffle):
        """:meth:`InMemoryData.batches`' epoch, drawn on the host, gathered on
        the device: the epoch's row positions move to the device once, and
        the rows are gathered a chunk of batches at a time (up to
        ``_GATHER_BYTES`` of X; a batch is then a slice, not three gathers).
        Batches of zero total weight (they carry no gradient) are left out
        here, on the host copy of the weights, so that no step synchronises
        to ask."""
        n = self.n_samples
        if shuffle:
            if self._order is None:
                self._order = np.arange(n)
            rng.shuffle(self._order)  # the draws of InMemoryData.batches
            rows = self._order if self.rows is None else self.rows[self._order]
        elif self.rows is not None:
            rows = self.rows
        else:  # all rows in order: slices of X itself
            rows = None
        sw_host = self.host[1]
        on_device = None if rows is None else self.ns.asarray(rows)
        row_bytes = max(self.X.shape[1], 1) * self.host_dtype_size
        per_chunk = max(_GATHER_BYTES // (row_bytes * batch_size), 1) * batch_size
        for lo in range(0, n, per_chunk):
            hi = min(lo + per_chunk, n)
            if rows is None:
                X, Y, sw = self.X, self.Y, self.sw
                offset = 0
            else:
                X, Y, sw = self._gather(on_device[lo:hi])
                offset = lo
            for start in range(lo, hi, batch_size):
                stop = min(start + batch_size, hi)
                if sw_host is not None:
                    picked = sw_host[start:stop] if rows is None else (
                        sw_host[rows[start:stop]]
                    )  # fmt: skip
                    if not picked.sum() > 0:
                        continue
                sel = slice(start - offset, stop - offset)
                # (X[sel] alone is NumPy's shorthand, not the standard's)
                yield X[sel, ...], Y[sel, ...], None if sw is None else sw[sel]

    def _gather(self, idx):
        """Rows ``idx`` (positions on the device) of X, Y and the weights."""
        xp = self.ns.xp
        sw = None if self.sw is None else xp.take(self.sw, idx, axis=0)
        return xp.take(self.X, idx, axis=0), xp.take(self.Y, idx, axis=0), sw

    def take(self, sel):
        if self.rows is not None:
            sel = self.rows[sel]
        if isinstance(sel, slice):
            sw = None if self.sw is None else self.sw[sel]
            return self.X[sel, ...], self.Y[sel, ...], sw
        return self._gather(self.ns.asarray(sel))

    def split(self, rng, validation_fraction, stratify):
        # The same draws as InMemoryData.split, on the host targets; the
        # validation rows' X on the device, their targets on the host (the
        # scorer compares there).
        Y, sw = self.host
        idx = np.arange(self.X.shape[0])
        train_idx, val_idx = train_test_split(
            idx, random_state=rng, test_size=validation_fraction,
            stratify=Y.astype(bool) if stratify else None,
        )  # fmt: skip
        check_validation_size(val_idx.shape[0], self.X.shape[0])
        Xv = self.ns.xp.take(self.X, self.ns.asarray(val_idx), axis=0)
        valid = (Xv, Y[val_idx], None if sw is None else sw[val_idx])
        train = ArrayData(
            self.ns, self.X, self.Y, self.sw, rows=train_idx, target=self.target,
            host=self.host,
        )  # fmt: skip
        return train, valid
