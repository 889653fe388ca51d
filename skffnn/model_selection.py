"""Search spaces over depth and per-layer activation for GridSearchCV."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence

__all__ = ["layer_grid"]


def layer_grid(
    hidden_layer_sizes: Iterable[Sequence[int] | int],
    activations: Sequence[str],
    *,
    per_layer: bool = False,
    prefix: str = "",
) -> list[dict]:
    """A ``param_grid`` pairing each depth only with activations that fit it.

    A plain grid over ``hidden_layer_sizes`` and a per-layer ``activation``
    would pair a two-layer activation list with a one-layer network, which
    ``fit`` rejects. This builds one sub-grid per architecture instead, usable
    by ``GridSearchCV`` (and, as a list of dicts, by ``ParameterGrid``).

    Parameters
    ----------
    hidden_layer_sizes : iterable of tuple of int or int
        The architectures to try, e.g. ``[(50,), (50, 50)]``.
    activations : sequence of str
        Activation names to try.
    per_layer : bool, default=False
        False: one activation for the whole network. True: every combination
        of one activation per hidden layer (``len(activations) ** depth``).
    prefix : str, default=''
        Prefix of the parameter names, e.g. ``'ffnclassifier__'`` in a pipeline.

    Returns
    -------
    param_grid : list of dict
        One sub-grid per architecture, for ``GridSearchCV(param_grid=...)``.

    Examples
    --------
    >>> from skffnn.model_selection import layer_grid
    >>> grid = layer_grid([(8,), (8, 4)], ["relu", "tanh"], per_layer=True)
    >>> [len(g["activation"]) for g in grid]
    [2, 4]
    >>> grid[1]["activation"][1]
    ('relu', 'tanh')
    """
    from ._activations import get_gate

    activations = list(activations)
    if not activations:
        raise ValueError("activations is empty; give at least one name.")
    for name in activations:
        get_gate(name)  # names an unknown activation
    grid = []
    for sizes in hidden_layer_sizes:
        sizes = tuple(sizes) if isinstance(sizes, Iterable) else (sizes,)
        if any(int(s) != s or s < 1 for s in sizes):
            raise ValueError(f"hidden layer sizes must be positive integers: {sizes}")
        if per_layer and sizes:
            acts = list(itertools.product(activations, repeat=len(sizes)))
        else:
            acts = list(activations)
        grid.append(
            {f"{prefix}hidden_layer_sizes": [sizes], f"{prefix}activation": acts}
        )
    return grid
