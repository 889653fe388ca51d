"""The network in any array API namespace: the same gates in plain operations.

:class:`ArrayNetwork` is :class:`~skffnn.network.Network` for torch, CuPy or
array-api-strict arrays (``skffnn._namespace`` chooses it): the same layers,
gates and heads, each gate's ``xp_forward`` / ``xp_local_gradient`` and each
head's ``xp_loss_and_seed`` instead of the NumPy kernels. There are no
``out=`` buffers, cache blocks or float64 detour (they buy speed and accuracy
on a CPU, not on a device); every operation stays in the working dtype on the
device of ``X``, and the loss stays a 0-d array, so a training step
synchronises with the host once, in its finiteness check.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
from sklearn.utils import check_random_state

from ._activations import glorot_factors
from .network import Network

__all__ = ["ArrayHead", "ArrayNetwork"]


class ArrayNetwork(Network):
    """:class:`~skffnn.network.Network` computing in ``namespace`` (an ArrayNamespace).

    ``theta`` and the gradient are flat vectors of that namespace; the per-layer
    arrays are reshaped slices of them.
    """

    def __init__(self, layer_units, activation="relu", loss="squared_error", *,
                 dtype, namespace):  # fmt: skip
        super().__init__(layer_units, activation, loss, dtype=np.float64)
        self.ns, self.xp = namespace, namespace.xp
        self.dtype = namespace.dtype(dtype)
        self.host_dtype = namespace.host_dtype(self.dtype)
        bounds = np.cumsum([0, *(i * o for i, o in self.layout.shapes)]).tolist()
        n_w = bounds[-1]
        b_bounds = (n_w + np.cumsum([0, *layer_units[1:]])).tolist()
        self._slices = list(itertools.pairwise(bounds))
        self._b_slices = list(itertools.pairwise(b_bounds))

    # -- parameters ----------------------------------------------------------
    def init_params(self, random_state=None, factors=None):
        """As :meth:`Network.init_params`: drawn on the host, moved to the device."""
        if factors is None:
            factors = glorot_factors(self.activation, self.layout.n_layers - 1)
        rng = check_random_state(random_state)
        theta = self.layout.glorot_uniform(rng, factors, dtype=self.host_dtype)
        return self.ns.asarray(theta)

    def unpack(self, theta) -> tuple[list, list]:
        """Per-layer ``(coefs, intercepts)``: reshaped slices of ``theta``."""
        xp = self.xp
        coefs = [
            xp.reshape(theta[lo:hi], shape)
            for (lo, hi), shape in zip(self._slices, self.layout.shapes)
        ]
        return coefs, [theta[lo:hi] for lo, hi in self._b_slices]

    def pack_weights(self, coefs: Sequence, intercepts: Sequence):
        """A new flat vector of ``coefs`` and ``intercepts`` in this dtype."""
        self.layout.check_shapes(coefs, intercepts)
        xp = self.xp
        parts = [xp.reshape(self.ns.asarray(a), (-1,)) for a in (*coefs, *intercepts)]
        return xp.astype(xp.concat(parts), self.dtype)

    # -- forward and backward ------------------------------------------------
    def _check(self, X, Y=None, sample_weight=None):
        units = self.layout.layer_units
        if len(X.shape) != 2 or X.shape[1] != units[0]:
            raise ValueError(
                f"X has shape {tuple(X.shape)}; this network expects "
                f"(n_samples, {units[0]})."
            )
        if Y is not None and tuple(Y.shape) != (X.shape[0], units[-1]):
            raise ValueError(
                f"Y has shape {tuple(Y.shape)}; expected {(X.shape[0], units[-1])}."
            )

    def forward_layers(self, coefs, intercepts, X):
        """Raw output scores for ``X`` (one pass, no blocks)."""
        self._check(X)
        a, last = X, self.layout.n_layers - 1
        for layer, (W, b) in enumerate(zip(coefs, intercepts)):
            a = a @ W
            a += b  # into the product: one array per layer, not two
            if layer < last:
                a = self.gates[layer].xp_forward(a, self.xp)
        return a

    def loss_and_gradient(self, theta, X, Y, sample_weight=None, *, alpha=0.0,
                          out=None):  # fmt: skip
        """``(loss, grad)`` as :meth:`Network.loss_and_gradient`; the loss is a
        0-d array of the namespace (``float(loss)`` is the host's copy).

        ``out`` is accepted for the same signature and not written: the
        gradient is a new vector.
        """
        xp = self.xp
        self._check(X, Y, sample_weight)
        W, b = self.unpack(theta)
        L = self.layout.n_layers
        a = [X]
        for layer in range(L):
            z = a[layer] @ W[layer]
            z += b[layer]
            if layer < L - 1:
                z = self.gates[layer].xp_forward(z, xp)
            a.append(z)
        loss, delta = self.head.xp_loss_and_seed(a[L], Y, sample_weight, xp)
        gW, gb = [None] * L, [None] * L
        for layer in range(L - 1, -1, -1):
            gW[layer] = a[layer].T @ delta
            gb[layer] = xp.sum(delta, axis=0)
            if layer > 0:
                upstream = delta @ W[layer].T
                delta = upstream * self.gates[layer - 1].xp_local_gradient(a[layer], xp)
        if alpha:
            total = X.shape[0] if sample_weight is None else xp.sum(sample_weight)
            n_w = self.layout.n_weights
            theta_w = theta[:n_w]
            loss = loss + 0.5 * alpha * xp.sum(theta_w * theta_w) / total
            scale = alpha / total  # a 0-d array with sample weights: once
            for g, w in zip(gW, W):
                g += scale * w
        grad = xp.concat([xp.reshape(g, (-1,)) for g in gW] + gb)
        return loss, grad


class ArrayHead:
    """A fitted model's head predicting on arrays of namespace ``xp``.

    The same methods as the NumPy head that predictions call (``link``,
    ``proba``, ``exact_log_proba``), each the head's ``xp_`` formula.
    """

    def __init__(self, head, xp):
        self.head, self.xp = head, xp

    def link(self, z, out=None):
        return self.head.xp_link(z, self.xp)

    def proba(self, z, overwrite=False):  # new arrays: not every xp writes in place
        return self.head.xp_proba(z, self.xp)

    def exact_log_proba(self, z, overwrite=False):
        return self.head.xp_exact_log_proba(z, self.xp)
