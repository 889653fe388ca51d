"""Cache-sized blocks: the one owner of how large arrays are cut for the CPU caches.

Two passes work through blocks so that what they reread stays in a 1 MiB L2
cache (``CACHE_BYTES``):

- the network's full-batch backward pass, in blocks of rows whose widest
  activation block is about ``CACHE_BYTES`` (:func:`block_rows`): the bias
  adds and the activations then run in cache (a whole 10,000-row batch made
  L-BFGS 1.5x slower), and large inputs cost neither memory nor page faults;
  the forward pass of prediction in blocks at least that large, larger where
  their products would be small (:func:`forward_rows`): few thread barriers;
- the optimizers' updates, whose ten or so passes run over blocks of
  ``VECTOR_BLOCK_BYTES`` (half the budget) of each vector
  (:func:`vector_blocks`), so that a block's later passes reread it from the
  cache. Measured on "large" (535,000 parameters, 1 thread): 3-4 % off the
  whole fit with 512 KiB blocks; 128 KiB and 2 MiB gained nothing, and on
  95,000 parameters it makes no difference either way.

The forward pass and the log-softmax of prediction take their blocks'
buffers from scratch memory kept per thread (:class:`scratch`), so that a
call does not page-fault megabytes of fresh buffers in.
"""

from __future__ import annotations

import functools
import itertools
import threading
from collections.abc import Sequence

import numpy as np

from ._threads import blas_is_threaded

__all__ = [
    "CACHE_BYTES",
    "KEPT_SCRATCH_BYTES",
    "MAX_FORWARD_BYTES",
    "MIN_PRODUCT",
    "VECTOR_BLOCK_BYTES",
    "block_rows",
    "forward_rows",
    "scratch",
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
# thread waits for the others. On an idle machine that costs nothing; when
# other processes hold the cores, a waiting thread can lose a scheduler slice
# there (milliseconds): with a load average of 6, a (512 x 256) @ (256 x 256)
# product took 3.5-13.6 ms on 2 threads, 2.2-2.8 ms on one. A forward pass
# in cache-sized blocks has a barrier per block and layer: on this 2-core machine
# under load, 1,310-row blocks of the small model predicted 10,000-100,000
# rows 1.2-7.7x slower than scikit-learn's one product per layer, 16,384-row
# blocks in 0.7-0.8 of its time. Yet blocks must stay small enough for the
# bias adds and activations to find their rows in a cache: on one thread
# (no barrier), over 100,000 rows of the small and medium models, 4,096-row
# blocks cost 0-10 % more than the best of 256-2,048 rows, 8,192-row blocks
# 0-19 %, 16,384-32,768-row blocks 7-34 %. Whatever the load, a forward
# block is therefore large enough that its largest product has at least
# MIN_PRODUCT multiply-adds (a few milliseconds of work, against which a
# barrier's wait is small), unless its widest activation block would exceed
# MAX_FORWARD_BYTES (a quarter of a 32 MiB L3 cache). Where BLAS runs on one
# thread (a joblib worker of a search with n_jobs, OPENBLAS_NUM_THREADS=1, a
# fit's small products) there is no barrier, and the blocks stay cache-sized.
MIN_PRODUCT = 1 << 28
MAX_FORWARD_BYTES = 8 * CACHE_BYTES


def forward_rows(layer_units: Sequence[int], itemsize: int, n_rows: int) -> int:
    """Rows per block of the forward pass over ``n_rows`` rows.

    Cache-sized (:func:`block_rows`) where BLAS runs on one thread; where it
    may run on several (:func:`skffnn._threads.blas_is_threaded`), larger
    where that gives each block's largest product ``MIN_PRODUCT``
    multiply-adds, up to ``MAX_FORWARD_BYTES`` of the widest activation: few
    thread barriers per unit of work, on an idle machine as on a loaded one.
    The blocks of one pass are of equal size (the last one takes no small
    remainder).

    Examples
    --------
    >>> from skffnn._blocks import forward_rows
    >>> forward_rows([100, 256, 256, 10], 8, n_rows=300)  # one block
    300
    >>> from threadpoolctl import threadpool_limits
    >>> with threadpool_limits(2):
    ...     forward_rows([100, 256, 256, 10], 8, n_rows=100_000)  # 25 blocks
    4000
    >>> with threadpool_limits(1):
    ...     forward_rows([100, 256, 256, 10], 8, n_rows=100_000)  # 196 blocks
    511
    """
    rows = block_rows(layer_units, itemsize)
    if n_rows > rows and blas_is_threaded():
        product = max(a * b for a, b in itertools.pairwise(layer_units))
        widest = max(layer_units[1:]) * itemsize
        rows = max(rows, min(-(-MIN_PRODUCT // product), MAX_FORWARD_BYTES // widest))
    blocks = -(-max(n_rows, 1) // rows)
    return -(-max(n_rows, 1) // blocks)


# Scratch memory of the forward pass, kept per thread between calls. A block's
# activations (1-8 MiB) allocated afresh on every call come from the C
# library's heap, which hands the freed megabytes back to the kernel at once
# (glibc trims a free top above twice its mmap threshold), so every call
# page-faults its buffers in again: a 1,000-row predict of a (256, 256)
# network took 2.5 ms with fresh buffers, 1.45 ms with kept ones (its three
# products alone take 1.05 ms). Kept per thread, so that threads may share a
# network; shared by every network of the thread, so that the memory held is
# that of the largest recent call, at most KEPT_SCRATCH_BYTES (larger needs
# are allocated per call and not kept).
KEPT_SCRATCH_BYTES = 2 * MAX_FORWARD_BYTES
_SMALL_SCRATCH_BYTES = 1 << 16
_ALIGN = 64  # bytes: a cache line, as BLAS kernels like their operands
_kept = threading.local()


class scratch:  # lower case: used as a function, ``with scratch(...) as arrays``
    """Uninitialised 1-D arrays of ``lengths`` in this thread's kept scratch memory.

    A context manager: the arrays are valid inside the ``with`` block only.
    Small requests (below ``_SMALL_SCRATCH_BYTES``, which the C library's
    heap serves without page faults) get fresh memory, as does a nested use
    in the same thread (not made by skffnn, but a signal handler could).

    Examples
    --------
    >>> import numpy as np
    >>> from skffnn._blocks import scratch
    >>> with scratch([512 * 256, 512 * 256], np.float64) as (a, b):
    ...     a.shape, b.dtype, np.shares_memory(a, b)
    ((131072,), dtype('float64'), False)
    """

    __slots__ = ("arrays", "kept")

    def __init__(self, lengths: Sequence[int], dtype) -> None:
        dtype = np.dtype(dtype)
        if sum(lengths) * dtype.itemsize <= _SMALL_SCRATCH_BYTES // 2:
            self.kept = False  # the common few-row case, in fewer steps
            self.arrays = [np.empty(n, dtype) for n in lengths]
            return
        sizes = [-(-n * dtype.itemsize // _ALIGN) * _ALIGN for n in lengths]
        need = sum(sizes)
        busy = getattr(_kept, "busy", False)
        self.kept = _SMALL_SCRATCH_BYTES < need <= KEPT_SCRATCH_BYTES and not busy
        if self.kept:
            memory = getattr(_kept, "memory", None)
            if memory is None or memory.size < need:
                _kept.memory = None  # release the old one first
                raw = np.empty(need + _ALIGN, np.uint8)
                memory = _kept.memory = raw[-raw.ctypes.data % _ALIGN :][:need]
            _kept.busy = True
        else:
            memory = np.empty(need, np.uint8)
        memory = memory.view(dtype)
        arrays, offset = [], 0
        for n, size in zip(lengths, sizes):
            arrays.append(memory[offset : offset + n])
            offset += size // dtype.itemsize
        self.arrays = arrays

    def __enter__(self) -> list:
        return self.arrays

    def __exit__(self, *exc) -> None:
        if self.kept:
            _kept.busy = False


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
