"""Where each layer's weights and biases sit in the one flat parameter vector.

The order is scikit-learn's ``_pack`` order: every layer's ``W`` (row-major,
shape ``(n_in, n_out)``) first, then every layer's ``b``. A flat vector laid
out this way can be handed to ``scipy.optimize`` as it is, and compared
one-to-one with scikit-learn's packed parameters.
"""

from __future__ import annotations

import itertools

import numpy as np

__all__ = ["Layout"]


class Layout:
    """Offsets of the per-layer ``W`` and ``b`` blocks in a flat vector.

    The offsets are worked out once, here, since ``unpack`` runs on every
    training step; a layout's sizes cannot change afterwards.

    Parameters
    ----------
    layer_units : sequence of int
        ``(n_features, n_hidden_1, ..., n_outputs)``.

    Examples
    --------
    >>> from skffnn._layout import Layout
    >>> layout = Layout((3, 4, 2))
    >>> layout.shapes, layout.n_weights, layout.n_params
    ([(3, 4), (4, 2)], 20, 26)
    """

    __slots__ = ("_b_slices", "_shapes", "_units", "_w_slices")

    def __init__(self, layer_units) -> None:
        units = tuple(int(u) for u in layer_units)
        if len(units) < 2 or min(units) < 1:
            raise ValueError(
                f"layer_units must hold at least 2 positive sizes, got {units}."
            )
        self._units = units
        self._shapes = list(itertools.pairwise(units))
        w_bounds = np.cumsum([0] + [i * o for i, o in self._shapes]).tolist()
        b_bounds = (w_bounds[-1] + np.cumsum([0, *units[1:]])).tolist()
        self._w_slices = [slice(a, b) for a, b in itertools.pairwise(w_bounds)]
        self._b_slices = [slice(a, b) for a, b in itertools.pairwise(b_bounds)]

    def __repr__(self) -> str:
        return f"Layout({self.layer_units})"

    def __eq__(self, other) -> bool:
        if not isinstance(other, Layout):
            return NotImplemented
        return self.layer_units == other.layer_units

    def __hash__(self) -> int:
        return hash(self.layer_units)

    @property
    def layer_units(self) -> tuple[int, ...]:
        """``(n_features, n_hidden_1, ..., n_outputs)``."""
        return self._units

    @property
    def n_layers(self) -> int:
        """Number of affine layers (weight matrices)."""
        return len(self.layer_units) - 1

    @property
    def shapes(self) -> list[tuple[int, int]]:
        """``(n_in, n_out)`` of every weight matrix, in layer order."""
        return list(self._shapes)

    @property
    def n_weights(self) -> int:
        """Length of the leading block that holds every ``W`` (penalised by L2)."""
        return self._b_slices[0].start

    @property
    def n_params(self) -> int:
        """Length of the flat vector."""
        return self._b_slices[-1].stop

    def unpack(self, theta: np.ndarray) -> tuple[list, list]:
        """Zero-copy views ``(coefs, intercepts)`` into ``theta``."""
        if np.shape(theta) != (self.n_params,):
            raise ValueError(
                f"theta has shape {np.shape(theta)}; layer sizes "
                f"{list(self.layer_units)} need a flat vector of {self.n_params}."
            )
        coefs = [
            theta[s].reshape(shape) for s, shape in zip(self._w_slices, self._shapes)
        ]
        intercepts = [theta[s] for s in self._b_slices]
        return coefs, intercepts

    def pack(self, coefs, intercepts, dtype=None) -> np.ndarray:
        """A new flat vector holding copies of ``coefs`` and ``intercepts``."""
        self.check_shapes(coefs, intercepts)
        if dtype is None:
            dtype = np.result_type(*coefs, *intercepts)
        theta = np.empty(self.n_params, dtype=dtype)
        W, b = self.unpack(theta)
        for dst, src in zip(W + b, list(coefs) + list(intercepts)):
            dst[...] = src
        return theta

    def check_shapes(self, coefs, intercepts) -> None:
        """Raise a ValueError naming the first array whose shape does not fit."""
        if len(coefs) != self.n_layers or len(intercepts) != self.n_layers:
            raise ValueError(
                f"Expected {self.n_layers} weight matrices and bias vectors, got "
                f"{len(coefs)} and {len(intercepts)}."
            )
        for i, ((n_in, n_out), W, b) in enumerate(zip(self.shapes, coefs, intercepts)):
            if np.shape(W) != (n_in, n_out):
                raise ValueError(
                    f"coefs_[{i}] has shape {np.shape(W)}, expected {(n_in, n_out)}."
                )
            if np.shape(b) != (n_out,):
                raise ValueError(
                    f"intercepts_[{i}] has shape {np.shape(b)}, expected {(n_out,)}."
                )

    def glorot_uniform(self, random_state, factors, dtype=np.float64) -> np.ndarray:
        """Glorot-uniform initialisation drawn exactly as scikit-learn draws it.

        Layer ``i`` draws ``W`` then ``b`` from ``U(-r, r)`` with
        ``r = sqrt(factors[i] / (fan_in + fan_out))``, in float64, in layer
        order; so the same ``random_state`` gives the same weights as
        scikit-learn's MLP.
        """
        theta = np.empty(self.n_params, dtype=dtype)
        W, b = self.unpack(theta)
        for i, (n_in, n_out) in enumerate(self.shapes):
            bound = np.sqrt(factors[i] / (n_in + n_out))
            W[i][...] = random_state.uniform(-bound, bound, (n_in, n_out))
            b[i][...] = random_state.uniform(-bound, bound, n_out)
        return theta
