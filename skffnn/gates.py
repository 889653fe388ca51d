"""The lecture's gate rules: backpropagation one node at a time.

A computational graph is built from simple nodes (gates). Each gate knows its
forward value and its *local* gradient; the backward pass multiplies the
*upstream* gradient arriving at a gate's output by the local gradient to get
the *downstream* gradient for each input. Four patterns cover most graphs:

========  =====================  ==============================================
gate      name in the lecture    backward rule
========  =====================  ==============================================
add       gradient distributor   each input receives the upstream gradient
mul       swap multiplier        each input receives upstream x the *other* input
copy      gradient adder         a value used twice receives the sum of both
max       gradient router        the larger input receives it all, the other 0
========  =====================  ==============================================

These functions work on scalars and arrays alike. :class:`skffnn.network.Network`
applies exactly these rules to whole layers at once: the affine gate
``z = a @ W + b`` is a (matrix) mul gate followed by an add gate, and the bias,
copied to every row, receives the sum over rows (copy gate).
"""

from __future__ import annotations

import numpy as np

from . import functional as F

__all__ = [
    "add_backward",
    "affine_backward",
    "copy_backward",
    "max_backward",
    "mul_backward",
    "sigmoid_backward",
]


def add_backward(upstream):
    """Add gate ``f = x + y``: both inputs receive the upstream gradient.

    Parameters
    ----------
    upstream : float or ndarray
        Gradient of the loss with respect to the gate's output, ``dL/df``.

    Returns
    -------
    dx, dy : float or ndarray
        Gradients with respect to ``x`` and ``y``: both are ``upstream``.

    Examples
    --------
    >>> add_backward(-4.0)
    (-4.0, -4.0)
    """
    return upstream, upstream


def mul_backward(upstream, x, y):
    """Mul gate ``f = x * y``: each input receives upstream times the other input.

    Parameters
    ----------
    upstream : float or ndarray
        Gradient of the loss with respect to the gate's output, ``dL/df``.
    x, y : float or ndarray
        The gate's inputs, as in the forward pass.

    Returns
    -------
    dx, dy : float or ndarray
        ``upstream * y`` and ``upstream * x``.

    Examples
    --------
    >>> mul_backward(1.0, 3.0, -4.0)  # f = q z at q = 3, z = -4
    (-4.0, 3.0)
    """
    return upstream * y, upstream * x


def copy_backward(*upstreams):
    """Copy gate (fan-out): a value used several times receives the sum.

    Parameters
    ----------
    *upstreams : float or ndarray
        The gradients arriving from every use of the value.

    Returns
    -------
    float or ndarray
        Their sum, the gradient with respect to the copied value.

    Examples
    --------
    >>> copy_backward(2.0, -0.5, 1.0)
    2.5
    """
    total = upstreams[0]
    for g in upstreams[1:]:
        total = total + g
    return total


def max_backward(upstream, x, y):
    """Max gate ``f = max(x, y)``: the larger input receives it all (ties: ``x``).

    ReLU is the max gate ``max(z, 0)``: the gradient passes where the unit is on.

    Parameters
    ----------
    upstream : float or ndarray
        Gradient of the loss with respect to the gate's output, ``dL/df``.
    x, y : float or ndarray
        The gate's inputs, as in the forward pass.

    Returns
    -------
    dx, dy : float or ndarray
        ``upstream`` for the larger input and 0 for the other (floats for
        scalar inputs).

    Examples
    --------
    >>> max_backward(2.0, 4.0, -1.0)
    (2.0, 0.0)
    """
    x_wins = np.asarray(x) >= np.asarray(y)
    up = np.asarray(upstream, dtype=float)
    gx, gy = np.where(x_wins, up, 0.0), np.where(x_wins, 0.0, up)
    if gx.ndim == 0:
        return float(gx), float(gy)
    return gx, gy


def sigmoid_backward(upstream, s):
    """Sigmoid gate, local gradient from its output ``s``: ``s (1 - s)``.

    Parameters
    ----------
    upstream : float or ndarray
        Gradient of the loss with respect to the gate's output, ``dL/ds``.
    s : float or ndarray
        The gate's output ``sigmoid(z)``, kept from the forward pass.

    Returns
    -------
    float or ndarray
        The downstream gradient ``dL/dz = upstream * s * (1 - s)``.

    Examples
    --------
    >>> round(float(sigmoid_backward(1.0, 0.73)), 2)  # the lecture's (1 - 0.73) 0.73
    0.2
    """
    return upstream * F.sigmoid_grad_from_output(np.asarray(s, dtype=float))[()]


def affine_backward(delta, a_prev, W):
    """The affine gate ``z = a_prev @ W + b`` for a batch of rows.

    Built from the rules above: the mul gate (matrix form) swaps its inputs,
    ``dW = a_prev^T @ delta`` and ``da_prev = delta @ W^T``; the add gate passes
    ``delta`` to ``b`` unchanged, and since ``b`` is copied to every row the
    copy gate sums over rows, ``db = sum_rows delta``.

    Parameters
    ----------
    delta : ndarray of shape (n_samples, n_out)
        Upstream gradient ``dL/dz``.
    a_prev : ndarray of shape (n_samples, n_in)
        The layer's input, kept from the forward pass.
    W : ndarray of shape (n_in, n_out)
        The layer's weights.

    Returns
    -------
    dW : ndarray of shape (n_in, n_out)
        Gradient with respect to the weights.
    db : ndarray of shape (n_out,)
        Gradient with respect to the bias.
    da_prev : ndarray of shape (n_samples, n_in)
        Gradient with respect to the layer's input, the next upstream gradient.

    Examples
    --------
    >>> import numpy as np
    >>> dW, db, da = affine_backward(np.array([[1.0]]), np.array([[2.0, 3.0]]),
    ...                              np.array([[0.5], [-1.0]]))
    >>> dW.ravel(), db, da
    (array([2., 3.]), array([1.]), array([[ 0.5, -1. ]]))
    """
    delta = np.asarray(delta)
    return np.asarray(a_prev).T @ delta, delta.sum(axis=0), delta @ np.asarray(W).T
