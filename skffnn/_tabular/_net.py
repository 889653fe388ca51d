"""The tabular network: the gates of ``_gates`` composed, forward and backward.

One flat float vector holds every parameter (so that Adam, the learning-rate
factors and weight decay are a few vector operations); ``views`` are named
slices of it. The graph, for ``k`` ensemble members sharing every weight but
the input scaling and the head (TabM-mini):

    x -> [periodic embedding] -> scale s -> copy k times, member scale r_i
      -> (linear -> parametric activation -> dropout) x L -> head_i -> output_i

The embedding applies to the first ``n_embedded`` input columns; the rest
pass to the scaling layer as they are. The estimator orders the columns so
(:meth:`TabularNet.arrange`): a column with at most two distinct values gains
nothing from a periodic embedding (any function of a two-valued variable is
affine in it, which the first layer already is), as RealMLP embeds only its
numerical features and not the one-hot columns of its categoricals.
"""

from __future__ import annotations

import numpy as np

from .._namespace import fitted_namespace
from . import _gates as G

__all__ = ["TabularNet"]


class TabularNet:
    """Shapes, parameter layout and the forward/backward pass of the tabular MLP.

    Parameters
    ----------
    n_features, n_outputs : int
    hidden : tuple of int
    activation : str
    k : int
        Ensemble members (1: a plain MLP).
    embedding : {None, "pbld"}
    n_frequencies, embedding_dim : int
    parametric : bool
        Whether the activations have a learnable ``alpha`` per unit.
    dtype : numpy dtype
    columns : sequence of int or None
        The input columns in the order the network takes them, embedded ones
        first (None: as given).
    n_embedded : int or None
        How many of the (ordered) columns the embedding applies to (None: all).
    """

    def __init__(
        self,
        n_features,
        n_outputs,
        hidden,
        activation,
        k,
        embedding,
        n_frequencies,
        embedding_dim,
        parametric,
        dtype,
        columns=None,
        n_embedded=None,
    ):
        self.d, self.n_outputs, self.hidden = n_features, n_outputs, tuple(hidden)
        self.activation, self.k, self.embedding = activation, k, embedding
        self.m, self.e, self.parametric = n_frequencies, embedding_dim, parametric
        # The name, not a numpy.dtype object: skops trusts str, not numpy.dtype.
        self.dtype_name = np.dtype(dtype).name
        d, m, e = self.d, self.m, self.e
        self.columns = None if columns is None else tuple(int(j) for j in columns)
        if embedding != "pbld":
            n_embedded = 0
        self.n_embedded = de = d if n_embedded is None else int(n_embedded)
        shapes = []  # (name, shape, group)
        if de:
            shapes += [
                ("emb_w", (de, m), "embedding"),
                ("emb_b", (de, m), "embedding"),
                ("emb_V", (de, m, e), "embedding"),
                ("emb_c", (de, e), "embedding"),
            ]
        width = de * (1 + e) + (d - de)
        self.input_width = width
        shapes += [("scale", (width,), "scale"), ("members", (k, width), "members")]
        fan_in = width
        for i, h in enumerate(self.hidden):
            shapes += [(f"W{i}", (fan_in, h), "weight"), (f"b{i}", (h,), "bias")]
            if parametric:
                shapes.append((f"alpha{i}", (h,), "alpha"))
            fan_in = h
        shapes += [
            ("W_out", (k, fan_in, n_outputs), "weight"),
            ("b_out", (k, n_outputs), "bias"),
        ]
        self.shapes = shapes
        self.n_params = sum(int(np.prod(s)) for _, s, _ in shapes)

    @property
    def dtype(self) -> np.dtype:
        """The training dtype."""
        return np.dtype(self.dtype_name)

    def views(self, theta, xp=None):
        """Named views into the flat vector ``theta`` (no copy on NumPy)."""
        out, pos = {}, 0
        for name, shape, _ in self.shapes:
            size = int(np.prod(shape))
            part = theta[pos : pos + size]
            out[name] = part.reshape(shape) if xp is None else xp.reshape(part, shape)
            pos += size
        return out

    @staticmethod
    def namespace(theta):
        """``(ns, xp)`` of the parameters: ``xp`` None where NumPy computes.

        NumPy keeps its own kernels (``einsum``, in-place activations); any
        other array API namespace gets the gates' plain array API forms.
        """
        ns = fitted_namespace(theta)
        return ns, (None if ns.buffers else ns.xp)

    def arrange(self, X, ns):
        """``X``'s columns in the network's order (``ns``: X's namespace)."""
        if self.columns is None:
            return X
        if ns.buffers:
            return X[:, self.columns]
        return ns.xp.take(X, ns.asarray(np.asarray(self.columns)), axis=1)

    def group_vector(self, values: dict) -> np.ndarray:
        """A per-parameter vector from one value per group (learning-rate factors)."""
        parts = [
            np.full(int(np.prod(s)), values[g], self.dtype) for _, s, g in self.shapes
        ]
        return np.concatenate(parts)

    def init(self, rng, embedding_sigma):
        """Initial parameters: N(0, 1) weights, zero head and biases, s = 1, r = +-1."""
        theta = np.zeros(self.n_params, self.dtype)
        p = self.views(theta)
        if self.n_embedded:
            p["emb_w"][...] = rng.normal(0, embedding_sigma, p["emb_w"].shape)
            p["emb_b"][...] = rng.uniform(-np.pi, np.pi, p["emb_b"].shape)
            p["emb_V"][...] = rng.normal(0, 1 / np.sqrt(self.m), p["emb_V"].shape)
        p["scale"][...] = 1
        # TabM-mini: member 0 sees the input as it is, the others random signs.
        r = rng.choice([-1.0, 1.0], size=p["members"].shape)
        r[0] = 1
        p["members"][...] = r
        for i, _ in enumerate(self.hidden):
            W = p[f"W{i}"]
            W[...] = rng.standard_normal(W.shape)
            if self.parametric:
                p[f"alpha{i}"][...] = 1
        return theta

    # -- forward --------------------------------------------------------------------
    def forward(self, theta, X, *, rng=None, dropout=0.0):
        """Every member's outputs ``(k, n, n_outputs)``, and the caches for backward.

        Computed in the namespace of ``theta`` (and ``X``, the same one);
        dropout masks come from the host generator ``rng``.
        """
        ns, xp = self.namespace(theta)
        ops = xp or np
        p = self.views(theta, xp)
        caches = {"ns": (ns, xp)}
        h, de = X, self.n_embedded
        if de:
            h, caches["emb"] = G.periodic_forward(
                X[:, :de], p["emb_w"], p["emb_b"], p["emb_V"], p["emb_c"], xp
            )
            if de < self.d:
                h = ops.concat([h, X[:, de:]], axis=1)
        h, caches["scale"] = G.scale_forward(h, p["scale"], xp)
        h, caches["members"] = G.member_scale_forward(h, p["members"], xp)
        k, n = h.shape[:2]
        a = ops.reshape(h, (k * n, -1))
        for i, _ in enumerate(self.hidden):
            z, caches[f"lin{i}"] = G.linear_forward(a, p[f"W{i}"], p[f"b{i}"], xp)
            alpha = p[f"alpha{i}"] if self.parametric else None
            a, caches[f"act{i}"] = G.parametric_forward(z, alpha, self.activation, xp)
            if rng is not None and dropout > 0:
                a, caches[f"drop{i}"] = G.dropout_forward(
                    a, dropout, rng, None if xp is None else ns
                )
        a = ops.reshape(a, (k, n, -1))
        b_out = ops.expand_dims(p["b_out"], axis=1)
        out, caches["head"] = G.linear_forward(a, p["W_out"], b_out, xp)
        return out, caches

    def backward(self, theta, grad_out, caches):
        """The gradient with respect to ``theta`` from ``dL/d outputs`` (k, n, o)."""
        _, xp = caches["ns"]
        ops = xp or np
        gp = {}
        da, gp["W_out"], gp["b_out"] = G.linear_backward(grad_out, caches["head"])
        k, n = da.shape[:2]
        da = ops.reshape(da, (k * n, -1))
        for i in reversed(range(len(self.hidden))):
            if f"drop{i}" in caches:
                da = G.dropout_backward(da, caches[f"drop{i}"])
            dz, dalpha = G.parametric_backward(da, caches[f"act{i}"])
            if self.parametric:
                gp[f"alpha{i}"] = dalpha
            da, gp[f"W{i}"], gp[f"b{i}"] = G.linear_backward(dz, caches[f"lin{i}"])
        da = ops.reshape(da, (k, n, -1))
        dh, gp["members"] = G.member_scale_backward(da, caches["members"])
        dh, gp["scale"] = G.scale_backward(dh, caches["scale"])
        if self.n_embedded:
            # The embedded columns' part of the gradient; the input's own
            # gradient is not needed (nothing before it learns).
            dh = dh[:, : self.n_embedded * (1 + self.e)]
            _, dw, db, dV, dc = G.periodic_backward(dh, caches["emb"], input_grad=False)
            gp["emb_w"], gp["emb_b"], gp["emb_V"], gp["emb_c"] = dw, db, dV, dc
        # One flat vector in the parameters' order (what Adam updates).
        return ops.concat([ops.reshape(gp[name], (-1,)) for name, _, _ in self.shapes])
