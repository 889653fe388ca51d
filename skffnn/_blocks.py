"""Cache-sized blocks: the one owner of how large arrays are cut for the CPU caches.

Two passes work through blocks so that what they reread stays in a 1 MiB L2
cache (``CACHE_BYTES``):

- the network's forward and full-batch backward passes, in blocks of rows
  whose widest activation block is about ``CACHE_BYTES``
  (:func:`block_rows`): the bias adds and the activations then run in cache
  (4,096-row blocks of a (256, 256) float64 network predicted 100,000 rows
  1.2-1.5x slower; a whole 10,000-row batch made L-BFGS 1.5x slower), and
  large inputs cost neither memory nor page faults;
- the optimizers' updates, whose ten or so passes run over blocks of
  ``VECTOR_BLOCK_BYTES`` (half the budget) of each vector
  (:func:`vector_blocks`), so that a block's later passes reread it from the
  cache. Measured on "large" (535,000 parameters, 1 thread): 3-4 % off the
  whole fit with 512 KiB blocks; 128 KiB and 2 MiB gained nothing, and on
  95,000 parameters it makes no difference either way.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence

from ._threads import machine_is_loaded

__all__ = [
    "CACHE_BYTES",
    "LOADED_MIN_PRODUCT",
    "VECTOR_BLOCK_BYTES",
    "block_rows",
    "forward_rows",
    "vector_blocks",
]

CACHE_BYTES = 1 << 20
VECTOR_BLOCK_BYTES = CACHE_BYTES // 2


def block_rows(layer_units: Sequence[int], itemsize: int) -> int:
    """Rows per cache-sized block for a network of ``layer_units`` (512 to 4,096).

    Examples
    --------
    >>> from skffnn._blocks import block_rows
    >>> block_rows([100, 256, 256, 10], 8)  # 512 rows x 256 units x 8 bytes
    512
    """
    rows = CACHE_BYTES // (max(layer_units[1:]) * itemsize)
    return int(min(max(rows, 512), 4096))


# A product that BLAS runs on several threads ends at a barrier where each
# thread waits for the others; when other processes hold the cores, a
# waiting thread can lose a whole scheduler slice there (milliseconds). On
# this project's 2-core machine under load, 1,310-row blocks of the small
# model (8.4M multiply-adds a product) predicted 10,000-100,000 rows 1.2-7.7x
# slower than scikit-learn's one product per layer, 16,384-row blocks in
# 0.7-0.8 of its time; the medium model's 512-row blocks 1.4-2.6x, 16,384-row
# blocks 0.45-0.75. On a loaded machine a forward block is therefore never so
# small that its largest product has fewer multiply-adds than this (within
# 16 MiB of activations); on an idle one the cache-sized blocks are faster.
LOADED_MIN_PRODUCT = 1 << 29


def forward_rows(layer_units: Sequence[int], itemsize: int, n_rows: int) -> int:
    """Rows per block of the forward pass over ``n_rows`` rows.

    Cache-sized (:func:`block_rows`) on an idle machine. When the input
    spans several such blocks and the machine is loaded
    (:func:`skffnn._threads.machine_is_loaded`), blocks large enough that
    the largest product has ``LOADED_MIN_PRODUCT`` multiply-adds, within
    16 MiB of activations: few thread barriers to wait at.

    Examples
    --------
    >>> from skffnn._blocks import forward_rows
    >>> forward_rows([100, 256, 256, 10], 8, n_rows=300)  # one block
    512
    """
    rows = block_rows(layer_units, itemsize)
    if n_rows <= rows or not machine_is_loaded():
        return rows
    product = max(a * b for a, b in itertools.pairwise(layer_units))
    big = min(
        -(-LOADED_MIN_PRODUCT // product),
        16 * CACHE_BYTES // (max(layer_units[1:]) * itemsize),
    )
    return max(rows, big)


@functools.cache
def vector_blocks(n: int, itemsize: int) -> tuple:
    """``(start, stop)`` of each block of a vector of ``n`` elements.

    Examples
    --------
    >>> from skffnn._blocks import vector_blocks
    >>> vector_blocks(100_000, 8)
    ((0, 65536), (65536, 100000))
    """
    step = max(VECTOR_BLOCK_BYTES // itemsize, 1)
    return tuple((lo, min(lo + step, n)) for lo in range(0, n, step))
