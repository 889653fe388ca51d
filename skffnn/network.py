"""The network: forward pass and hand-written backpropagation on one flat vector.

Notation follows the lecture. For layers ``l = 1..L``::

    z(l) = a(l-1) @ W(l) + b(l)        # the affine gate (mul, then add)
    a(l) = f_l(z(l))                   # the activation gate, hidden layers only
    a(0) = X,  z(L) = raw output scores (logits)

Rows are samples, so ``W(l)`` has shape ``(n_in, n_out)`` (scikit-learn's
``coefs_`` convention, the transpose of the lecture's ``W a``).

Backward, gate by gate, *downstream = upstream x local*::

    delta(L) = dLoss/dz(L) = (link(z(L)) - y) * w / sum(w)   # fused head
    dW(l)    = a(l-1)^T @ delta(l)      # mul gate: each input gets upstream x other
    db(l)    = sum_rows delta(l)        # add gate distributes; the bias is copied
                                        # to every row, and a copy gate sums
    da(l-1)  = delta(l) @ W(l)^T        # mul gate again, towards the input
    delta(l-1) = da(l-1) * f'(z(l-1))   # activation gate (relu: a max gate routes)

All weights and biases live in one contiguous vector ``theta`` (every ``W``
first, then every ``b``); per-layer arrays are views into it, and the gradient
is written into one flat vector of the same layout. Activations and deltas go
into buffers allocated once per batch size and reused.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
from sklearn.utils import check_random_state

from ._activations import (
    Affine,
    Gate,
    get_gate,
    glorot_factors,
    hidden_activations,
)
from ._blocks import block_rows, forward_rows, scratch
from ._layout import Layout
from ._losses import Head, get_head
from ._namespace import NUMPY
from ._threads import largest_gemm, yield_to_load

__all__ = ["Network"]


def _add_scaled(y, x, c, scratch):
    """``y += c * x`` in place, through ``scratch`` (which may be ``x``).

    Not BLAS's axpy from scipy: that is scipy's own OpenBLAS, whose threads
    compete with numpy's for the cores (8 ms instead of 0.05 ms for 95,000
    parameters on 2 threads).
    """
    np.multiply(x, y.dtype.type(c), out=scratch)
    y += scratch
    return y


class Network:
    """A feed-forward network on one flat parameter vector, usable without an estimator.

    Parameters
    ----------
    layer_units : sequence of int
        ``(n_features, n_hidden_1, ..., n_outputs)``.
    activation : str or sequence of str, default='relu'
        Hidden-layer activation: one name for every hidden layer or one per
        hidden layer, from 'identity', 'logistic' (or 'sigmoid'), 'tanh',
        'relu', 'softplus'.
    loss : str or Head, default='squared_error'
        Output head (link fused with loss): 'squared_error' (identity),
        'poisson' (exp), 'binary_log_loss' (sigmoid; binary and multilabel),
        'log_loss' (softmax; multiclass); or a head from ``skffnn._losses``.
    dtype : dtype, default=np.float64
        Arithmetic dtype of the forward and backward passes.

    Attributes
    ----------
    activation : str or list of str
        ``activation`` as given; :meth:`init_params` draws from it.
    gates : list of Gate
        One gate per hidden layer.
    layout : Layout
        Where each ``W`` and ``b`` sits in the flat vector; ``layout.unpack``
        gives zero-copy views.
    n_params : int
        Length of the flat parameter vector.

    Examples
    --------
    >>> import numpy as np
    >>> from skffnn.network import Network
    >>> net = Network([2, 2, 1], activation="relu", loss="squared_error")
    >>> theta = np.zeros(net.n_params)
    >>> (W1, W2), (b1, b2) = net.layout.unpack(theta)  # views into theta
    >>> W1[...] = [[1.0, -1.0], [0.5, 2.0]]; b1[...] = [0.0, 0.5]
    >>> W2[...] = [[1.0], [-2.0]]; b2[...] = 0.25
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0]]); Y = np.array([[1.0], [0.0]])

    The hidden layer is relu([1, -0.5]) = [1, 0] and relu([0.5, 2.5]); the
    output ``a @ W2 + b2``:

    >>> net.forward(theta, X)
    array([[ 1.25],
           [-4.25]])

    The loss is half the mean squared residual, (0.25**2 + 4.25**2) / 4; the
    output layer's gradient is ``a.T @ (residual / n)``:

    >>> loss, grad = net.loss_and_gradient(theta, X, Y)
    >>> float(loss)
    4.53125
    >>> (gW1, gW2), (gb1, gb2) = net.layout.unpack(grad)
    >>> gW2.ravel(), gb2
    (array([-0.9375, -5.3125]), array([-2.]))

    Every component is the loss's derivative (central differences agree):

    >>> def loss_at(t):
    ...     return net.loss_and_gradient(t, X, Y)[0]
    >>> step = 1e-6 * np.eye(net.n_params)
    >>> numeric = [(loss_at(theta + e) - loss_at(theta - e)) / 2e-6 for e in step]
    >>> bool(np.allclose(grad, numeric, rtol=1e-6, atol=1e-9))
    True
    """

    def __init__(
        self,
        layer_units: Sequence[int],
        activation: str | Sequence[str] = "relu",
        loss: str | Head = "squared_error",
        dtype=np.float64,
    ):
        self.layout = Layout(tuple(layer_units))
        # As given (one name, or one per hidden layer): scikit-learn's
        # initialisation depends on it, also with no hidden layer.
        if not isinstance(activation, str):
            activation = list(activation)
        self.activation = activation
        names = hidden_activations(self.activation, self.layout.n_layers - 1)
        self.gates: list[Gate] = [get_gate(a) for a in names]
        self.head: Head = loss if isinstance(loss, Head) else get_head(loss)
        self.dtype = np.dtype(dtype)
        self._buffers: dict[int, list[np.ndarray]] = {}
        self._views: dict[int, tuple] = {}
        self._tmp: np.ndarray | None = None
        # Multiply-adds per row of the largest product (the thread policy's
        # measure of a pass's work).
        self._row_gemm = largest_gemm(1, self.layout.layer_units)

    @property
    def n_params(self) -> int:
        """Number of weights and biases: the length of ``theta``."""
        return self.layout.n_params

    def init_params(self, random_state=None, factors=None) -> np.ndarray:
        """Glorot-uniform parameters, drawn exactly as scikit-learn's MLP draws them.

        Parameters
        ----------
        random_state : int, RandomState or None
            Seeds the draws (a RandomState is advanced, as scikit-learn's is).
        factors : sequence of float, default=None
            ``factors[l]`` sets layer ``l``'s bound ``sqrt(factor / (fan_in +
            fan_out))``. By default :func:`~skffnn._activations.glorot_factors`
            of ``activation`` as given: scikit-learn's rule (2 for 'logistic',
            6 otherwise, on every layer); per-layer names give each layer its
            own activation's factor, the output layer the last hidden layer's.

        Returns
        -------
        theta : ndarray of shape (n_params,)
            In the network's dtype (drawn in float64, then rounded).
        """
        if factors is None:
            factors = glorot_factors(self.activation, self.layout.n_layers - 1)
        rng = check_random_state(random_state)
        return self.layout.glorot_uniform(rng, factors, dtype=self.dtype)

    def _check(self, X, Y=None, sample_weight=None):
        """Name a shape or weight mistake before it surfaces inside numpy."""
        units = self.layout.layer_units
        if np.ndim(X) != 2 or X.shape[1] != units[0]:
            raise ValueError(
                f"X has shape {np.shape(X)}; this network expects "
                f"(n_samples, {units[0]})."
            )
        if Y is not None and np.shape(Y) != (X.shape[0], units[-1]):
            raise ValueError(
                f"Y has shape {np.shape(Y)}; expected {(X.shape[0], units[-1])}."
            )
        if sample_weight is not None:
            if np.shape(sample_weight) != (X.shape[0],):
                raise ValueError(
                    f"sample_weight has shape {np.shape(sample_weight)}; "
                    f"expected {(X.shape[0],)}."
                )
            if not sample_weight.sum() > 0:
                raise ValueError(
                    "sample_weight must have a positive sum (the loss is a "
                    f"weighted mean); got {sample_weight.sum()}."
                )

    def forward(self, theta: np.ndarray, X) -> np.ndarray:
        """Raw output scores (logits) for ``X``: shape ``(n_samples, n_outputs)``.

        Parameters
        ----------
        theta : ndarray of shape (n_params,)
            All weights and biases, in the layout's order.
        X : {ndarray, sparse matrix} of shape (n_samples, n_features)
            Input rows.

        Returns
        -------
        scores : ndarray of shape (n_samples, n_outputs)
            The output layer's net input ``z(L)``, before the head's link.
        """
        coefs, intercepts = self.unpack(theta)
        return self.forward_layers(coefs, intercepts, X)

    def forward_layers(self, coefs: Sequence, intercepts: Sequence, X) -> np.ndarray:
        """Raw output scores for ``X`` from per-layer weights (``coefs_``, ...).

        The one forward pass of a fitted model: prediction, validation scores
        and the last-step check all come here. Rows go through in blocks
        large enough that BLAS threads rarely wait at a barrier, small enough
        that activations stay in cache (:func:`skffnn._blocks.forward_rows`).
        Each product runs on the threads the caller's policy gives (a fit's,
        or the library's default, with which OpenBLAS runs small products on
        one thread by itself), unless other processes hold cores: then on the
        cores left free, for this pass (:func:`skffnn._threads.yield_to_load`).
        The hidden layers' outputs go into two buffers of this thread's kept
        scratch memory (:func:`skffnn._blocks.scratch`), so that threads may
        share one network and a call does not page-fault fresh buffers in.

        Parameters
        ----------
        coefs, intercepts : sequences of arrays
            ``coefs[l]`` of shape ``(n_in, n_out)``, ``intercepts[l]`` of ``(n_out,)``.
        X : {ndarray, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples, n_outputs)
            The output layer's net input ``z(L)``, before the head's link.
        """
        self._check(X)
        with yield_to_load(X.shape[0] * self._row_gemm):
            return self._forward_blocks(coefs, intercepts, X)

    def _forward_blocks(self, coefs: Sequence, intercepts: Sequence, X) -> np.ndarray:
        """:meth:`forward_layers` under the thread setting it chose."""
        n = X.shape[0]
        dtype = np.result_type(coefs[0].dtype, X.dtype)
        units = self.layout.layer_units
        scores = np.empty((n, units[-1]), dtype=dtype)
        chunk = min(forward_rows(units, dtype.itemsize, n), max(n, 1))
        last = self.layout.n_layers - 1
        # Two buffers in turn: a hidden layer reads one and writes the other.
        width = max(units[1:-1], default=0)
        with scratch([chunk * width] * min(last, 2), dtype) as hidden:
            for start in range(0, max(n, 1), chunk):
                stop = min(start + chunk, n)
                a = X if chunk >= n else X[start:stop]
                for layer, (W, b) in enumerate(zip(coefs, intercepts)):
                    if layer == last:
                        out = scores if chunk >= n else scores[start:stop]
                    else:
                        rows, cols = stop - start, units[layer + 1]
                        out = hidden[layer % 2][: rows * cols].reshape(rows, cols)
                    a = self._layer_forward(layer, a, W, b, out)
        return scores

    def _layer_forward(self, layer: int, a, W, b, out: np.ndarray) -> np.ndarray:
        """``out = f(a @ W + b)``: the affine gate, then the layer's activation.

        The output layer has no activation gate: its ``z`` are the raw scores
        that the head turns into predictions and the loss.
        """
        z = Affine.forward(a, W, b, out)
        if layer < self.layout.n_layers - 1:
            return self.gates[layer].forward(z)
        return z

    def _unpack(self, vec: np.ndarray) -> tuple[list, list]:
        """``layout.unpack(vec)``, remembered for the few vectors a fit reuses."""
        hit = self._views.get(id(vec))
        if hit is None or hit[0] is not vec:
            if len(self._views) >= 4:  # theta, gradient, and L-BFGS's copies
                self._views.clear()
            hit = self._views[id(vec)] = (vec, self.layout.unpack(vec))
        return hit[1]

    def _scratch(self, like: np.ndarray) -> np.ndarray:
        """A scratch vector shaped like the gradient ``like``, kept between calls."""
        tmp = self._tmp
        if tmp is None or tmp.shape != like.shape or tmp.dtype != like.dtype:
            tmp = self._tmp = np.empty_like(like)
        return tmp

    def _workspace(self, n_rows: int) -> list[np.ndarray]:
        """Per-layer outputs, deltas and a vector of ones for ``n_rows`` rows."""
        ws = self._buffers.get(n_rows)
        if ws is None:
            if len(self._buffers) >= 4:  # e.g. full batch + remainder + validation
                self._buffers.clear()
            units = self.layout.layer_units
            outs = [np.empty((n_rows, u), self.dtype) for u in units[1:]]
            deltas = [np.empty((n_rows, u), self.dtype) for u in units[1:-1]]
            ws = self._buffers[n_rows] = [*outs, *deltas, np.ones(n_rows, self.dtype)]
        return ws

    def loss_and_gradient(
        self,
        theta: np.ndarray,
        X,
        Y: np.ndarray,
        sample_weight: np.ndarray | None = None,
        *,
        alpha: float = 0.0,
        out: np.ndarray | None = None,
    ) -> tuple[float, np.ndarray]:
        """Loss and its gradient with respect to ``theta`` (one flat vector).

        The loss is the head's weighted mean loss plus the L2 penalty
        ``0.5 * alpha * ||W||^2 / sum(w)`` on the weights (not the biases), as
        in scikit-learn; ``sum(w)`` is ``n_samples`` without sample weights.
        A large batch (full-batch L-BFGS) is processed in cache-sized blocks
        of rows whose losses and gradients are added with their weight shares:
        the same function, computed faster.

        Parameters
        ----------
        theta : ndarray of shape (n_params,)
            All weights and biases, in the layout's order.
        X : {ndarray, sparse matrix} of shape (n_samples, n_features)
        Y : ndarray of shape (n_samples, n_outputs)
            Targets in the network's dtype (one-hot or indicator for classifiers).
        sample_weight : ndarray of shape (n_samples,), default=None
            Weights of the rows; the loss is their weighted mean.
        alpha : float, default=0.0
            Strength of the L2 penalty on the weights.
        out : ndarray of shape (n_params,), default=None
            Where to write the gradient; a new array when None.

        Returns
        -------
        loss : float
            The loss at ``theta``.
        grad : ndarray of shape (n_params,)
            Its gradient, in the layout of ``theta``.
        """
        self._check(X, Y, sample_weight)
        grad = np.empty_like(theta) if out is None else out
        n = X.shape[0]
        block = block_rows(self.layout.layer_units, self.dtype.itemsize)
        if n < 2 * block:
            loss = self._backprop(theta, X, Y, sample_weight, grad)
        else:
            loss = self._backprop_in_blocks(theta, X, Y, sample_weight, grad, block)

        # The L2 penalty on the weights, and its gradient alpha * W / sum(w),
        # through a scratch vector: add_l2_penalty (the end of this module)
        # is the one place the formula is written; the dask objective and
        # L-BFGS's reported loss use it too.
        sw_sum = n if sample_weight is None else float(sample_weight.sum())
        scratch = self._scratch(grad) if alpha else None
        loss = add_l2_penalty(self.layout, theta, loss, alpha, sw_sum, grad, scratch)
        return loss, grad

    def _backprop(self, theta, X, Y, sample_weight, grad) -> float:
        """The head's weighted mean loss on these rows; its gradient into ``grad``."""
        L = self.layout.n_layers
        ws = self._workspace(X.shape[0])
        outs, delta_bufs, ones = ws[:L], ws[L:-1], ws[-1]
        W, b = self._unpack(theta)
        gW, gb = self._unpack(grad)

        # Forward, keeping every layer's output a(l) for the backward pass.
        a = [X]
        for layer in range(L):
            a.append(
                self._layer_forward(layer, a[layer], W[layer], b[layer], outs[layer])
            )

        # The head's loss, and the seed delta(L) written over the logits.
        loss, delta = self.head.loss_and_seed(a[L], Y, sample_weight, out=a[L])

        # Backward, layer by layer: the affine gate, then the activation below.
        for layer in range(L - 1, -1, -1):
            da = delta_bufs[layer - 1] if layer > 0 else None
            upstream = Affine.backward(
                delta, a[layer], W[layer], gW[layer], gb[layer], ones, da
            )
            if layer > 0:
                delta = self.gates[layer - 1].backward(upstream, a[layer])
        return loss

    def _backprop_in_blocks(self, theta, X, Y, sample_weight, grad, block) -> float:
        """``_backprop`` of a large batch (full-batch L-BFGS) in blocks of rows.

        Blocks whose activations fit in cache make the elementwise passes 2-3x
        faster than over the whole batch. The batch's weighted mean loss and
        its gradient are the blocks' ones weighted by each block's share of
        the total sample weight.
        """
        n = X.shape[0]
        total = n if sample_weight is None else float(sample_weight.sum())
        part = self._scratch(grad)
        loss, started = 0.0, False
        # Blocks of `block` rows; the last one also takes the remainder.
        edges = [*range(0, block * (n // block), block), n]
        for lo, hi in itertools.pairwise(edges):
            sw = None if sample_weight is None else sample_weight[lo:hi]
            share = (hi - lo) / n if sw is None else float(sw.sum()) / total
            if share == 0:
                continue  # a block of zero weight adds nothing (and has no mean)
            target = part if started else grad
            loss += share * self._backprop(theta, X[lo:hi], Y[lo:hi], sw, target)
            if started:
                _add_scaled(grad, part, share, part)
            else:
                grad *= grad.dtype.type(share)
                started = True
        return loss

    #: The array namespace it computes in (``skffnn._namespace``): NumPy here,
    #: with its buffers and blocks; ``skffnn._xp_network`` for the others.
    ns = NUMPY

    def unpack(self, theta) -> tuple[list, list]:
        """Per-layer weights and biases of a flat vector, as views into it.

        Parameters
        ----------
        theta : ndarray of shape (n_params,)
            All weights and biases, in the layout's order.

        Returns
        -------
        coefs, intercepts : lists of arrays
            ``coefs[l]`` of shape ``(n_in, n_out)``, ``intercepts[l]`` of
            ``(n_out,)``; writing into them writes into ``theta``.
        """
        return self.layout.unpack(theta)

    def pack_weights(self, coefs: Sequence, intercepts: Sequence) -> np.ndarray:
        """A new flat vector holding copies of per-layer weights and biases.

        Parameters
        ----------
        coefs, intercepts : sequences of arrays
            ``coefs[l]`` of shape ``(n_in, n_out)``, ``intercepts[l]`` of
            ``(n_out,)`` (a fitted model's ``coefs_`` and ``intercepts_``).

        Returns
        -------
        theta : ndarray of shape (n_params,)
            In the network's dtype.
        """
        return self.layout.pack(coefs, intercepts, dtype=self.dtype)


def add_l2_penalty(
    layout, theta, loss, alpha, total_weight, grad=None, scratch=None
) -> float:
    """The L2 penalty on the weights (not the biases), the one place it is written.

    Returns ``loss + 0.5 * alpha * ||W||^2 / total_weight``; with ``grad``,
    adds the penalty's gradient ``alpha * W / total_weight`` to its weights
    (through ``scratch``, a work vector at least that long, when given).
    ``total_weight`` is the sum of the sample weights (the number of rows
    without them), as scikit-learn scales it.
    """
    theta_w = theta[: layout.n_weights]
    loss += 0.5 * alpha * float(theta_w @ theta_w) / total_weight
    if alpha and grad is not None:
        scratch = np.empty_like(theta_w) if scratch is None else scratch
        w = theta_w.size
        _add_scaled(grad[:w], theta_w, alpha / total_weight, scratch[:w])
    return loss
