"""scikit-learn's experimental callback API (``sklearn.callback``), in one place.

scikit-learn 1.9 ships callbacks as an experimental API: an estimator opens a
root *fit task*, one *subtask* per iteration, and calls the callbacks' hooks
around each; meta-estimators (Pipeline, GridSearchCV) hand their context and
auto-propagated callbacks down to the estimators they fit. This module is the
only one of skffnn that imports ``sklearn.callback``, so that a change upstream
is one place to mend. The training loop talks to it through a *watch*:

- :func:`start_fit` opens the root task of one ``fit`` / ``partial_fit`` call
  and returns a watch; without callbacks it returns a shared null watch whose
  methods do nothing, so an unwatched fit costs one attribute lookup;
- ``watch.iteration_begin(reconstruction)`` /
  ``watch.iteration_end(reconstruction, loss=...)`` bracket each epoch (sgd,
  adam) or L-BFGS iteration; ``iteration_end`` returns True when a callback
  asks to stop; ``loss`` is what :class:`ProgressBar` shows;
- ``watch.close_iteration()`` closes, as an empty task, an iteration opened
  but never run (L-BFGS opens the next one from scipy's callback); a begin
  beyond ``max_subtasks`` opens nothing;
- ``watch.end(reconstruction)`` closes any open iteration, then the root task
  with the fitted state.

``reconstruction`` is a zero-argument callable returning the fitted attributes
of the model at that point (``coefs_``, ``intercepts_``, ``n_iter_``, ...); it
is called only when a callback asks for a ``fitted_estimator``, and its arrays
are copied, so it may return views into the training buffers.

Where ``sklearn.callback`` does not exist (scikit-learn 1.7 and 1.8) the
package imports and fits as before; only ``set_callbacks`` (and
:class:`ProgressBar`) raise an ImportError naming the version needed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import sklearn

from ._optional import import_optional

try:
    from sklearn.callback import CallbackSupportMixin as _SkCallbackSupportMixin
    from sklearn.callback import with_callbacks as _sk_with_callbacks
except ImportError:  # scikit-learn < 1.9
    _SkCallbackSupportMixin = None
    _sk_with_callbacks = None

__all__ = [
    "HAVE_CALLBACK_API",
    "NULL_WATCH",
    "CallbackSupport",
    "ProgressBar",
    "start_fit",
    "with_callbacks",
]

#: Whether the installed scikit-learn has the callback API.
HAVE_CALLBACK_API = _SkCallbackSupportMixin is not None

_NEEDED = "1.9"

# The attributes that ``_init_callback_context`` sets and the teardown that
# ``with_callbacks`` runs after fit reads: they belong to the running call, so
# a rollback of the model keeps them (see :func:`call_context`).
_CONTEXT_KEYS = ("_callback_fit_ctx", "_skl_callbacks_to_teardown")


def call_context(estimator) -> dict:
    """The running call's callback context on ``estimator`` (to keep on rollback).

    A call that fails or diverges puts the estimator's ``__dict__`` back as it
    was before the call; these attributes must survive it, or scikit-learn's
    teardown never runs (a ProgressBar's display thread would never end).

    Examples
    --------
    >>> from skffnn import FFNRegressor
    >>> call_context(FFNRegressor())
    {}
    """
    state = vars(estimator)
    return {k: state[k] for k in _CONTEXT_KEYS if k in state}


def _no_api_message(what: str) -> str:
    return (
        f"{what} needs scikit-learn >= {_NEEDED}, whose experimental "
        f"sklearn.callback API it uses; the installed scikit-learn is "
        f"{sklearn.__version__}. Upgrade with: pip install 'scikit-learn>={_NEEDED}'."
    )


# -- the estimator side ---------------------------------------------------------
if HAVE_CALLBACK_API:

    class CallbackSupport(_SkCallbackSupportMixin):
        """Callback support for skffnn's estimators (scikit-learn's mixin).

        ``set_callbacks(*callbacks)`` registers callbacks following
        scikit-learn's ``FitCallback`` protocol; ``fit`` and ``partial_fit``
        then open one root task with one subtask per epoch (sgd, adam) or per
        iteration (lbfgs). A callback's ``on_fit_task_end`` returning True
        stops the fit after that epoch, leaving a normally fitted model.

        Examples
        --------
        >>> from sklearn.callback import ScoringMonitor
        >>> from sklearn.datasets import load_iris
        >>> from skffnn import FFNClassifier
        >>> X, y = load_iris(return_X_y=True)
        >>> monitor = ScoringMonitor(scoring="accuracy")
        >>> clf = FFNClassifier(solver="lbfgs", tol=1e-2, random_state=0)
        >>> clf = clf.set_callbacks(monitor).fit(X, y)
        >>> rows = monitor.get_logs().data  # the fit's row, then one per iteration
        >>> len(rows) == 1 + clf.n_iter_
        True
        >>> rows[0]["accuracy"] == clf.score(X, y)
        True
        """

else:

    class CallbackSupport:
        """Placeholder where scikit-learn has no callback API (before 1.9).

        Estimators fit as usual; ``set_callbacks`` raises an ImportError that
        names the scikit-learn version needed.

        Examples
        --------
        >>> from skffnn._callbacks import CallbackSupport
        >>> CallbackSupport().set_callbacks()  # doctest: +SKIP
        Traceback (most recent call last):
        ImportError: set_callbacks needs scikit-learn >= 1.9, ...
        """

        def set_callbacks(self, *callbacks):
            """Raise: callbacks need scikit-learn's ``sklearn.callback``.

            Parameters
            ----------
            *callbacks : callback instances
                Ignored.

            Raises
            ------
            ImportError
                Always, naming the scikit-learn version needed.
            """
            raise ImportError(_no_api_message("set_callbacks"))


def with_callbacks(method: Callable) -> Callable:
    """Decorate ``fit`` / ``partial_fit``: tear the callbacks down after the call.

    scikit-learn's ``with_callbacks`` (the identity without the callback API).
    Apply it below ``_fit_context`` (closest to the method).

    Parameters
    ----------
    method : callable
        The estimator method ``method(estimator, *args, **kwargs)``.

    Returns
    -------
    decorated : callable

    Examples
    --------
    >>> from skffnn._callbacks import with_callbacks
    >>> class Model:
    ...     @with_callbacks
    ...     def fit(self, X):
    ...         return self
    >>> model = Model()
    >>> model.fit([[0.0]]) is model
    True
    """
    if not HAVE_CALLBACK_API:
        return method
    return _sk_with_callbacks(method)


# -- the watches -----------------------------------------------------------------
class _NullWatch:
    """The watch of a fit without callbacks: every method does nothing."""

    __slots__ = ()
    active = False

    def iteration_begin(self, reconstruction=None) -> None:
        """Do nothing (no callbacks)."""

    def iteration_end(self, reconstruction=None, *, loss=None) -> bool:
        """Do nothing; never ask to stop."""
        return False

    def close_iteration(self) -> None:
        """Do nothing (no callbacks)."""

    def end(self, reconstruction=None) -> None:
        """Do nothing (no callbacks)."""

    def __repr__(self):
        return "NULL_WATCH"


#: The watch :func:`start_fit` returns when nobody watches.
NULL_WATCH = _NullWatch()


def _detached(attrs: dict) -> dict:
    """The attributes with their arrays copied (the training updates them in place)."""
    out = {}
    for key, value in attrs.items():
        if isinstance(value, np.ndarray):
            value = value.copy()
        elif isinstance(value, list):
            value = [v.copy() if isinstance(v, np.ndarray) else v for v in value]
        out[key] = value
    return out


class _Lazy:
    """``reconstruction`` evaluated at most once, on a callback's demand."""

    __slots__ = ("_attrs", "_fn")

    def __init__(self, fn):
        self._fn, self._attrs = fn, None

    def __call__(self):
        if self._attrs is None:
            self._attrs = _detached(self._fn() if self._fn is not None else {})
        return self._attrs


class _Watch:
    """The watch of a fit with callbacks: one root task, one subtask per epoch."""

    active = True

    def __init__(self, estimator, ctx, X, y, metadata, subtask_name):
        self._est, self._ctx = estimator, ctx
        self._X, self._y, self._metadata = X, y, metadata
        self._subtask_name = subtask_name
        self._iter_ctx = None  # the open subtask, if any
        self._phantom = False  # an open subtask beyond max_subtasks (never runs)
        self._n_begun = 0

    def _hook_kwargs(self, reconstruction):
        return dict(
            estimator=self._est, X=self._X, y=self._y, metadata=self._metadata,
            reconstruction_attributes=_Lazy(reconstruction),
        )  # fmt: skip

    def iteration_begin(self, reconstruction=None) -> None:
        """Open the next epoch / iteration and call the callbacks' begin hooks.

        Parameters
        ----------
        reconstruction : callable or None
            ``() -> dict`` of the fitted attributes at the start of the epoch.
        """
        if self._iter_ctx is not None or self._phantom:
            raise RuntimeError(
                "iteration_begin called twice without iteration_end in between."
            )
        limit = self._ctx.max_subtasks
        if limit is not None and self._n_begun >= limit:
            # L-BFGS opens the next iteration from scipy's callback; after
            # the last allowed one, that iteration never runs: skip it.
            self._phantom = True
            return
        self._n_begun += 1
        self._iter_ctx = self._ctx.subcontext(task_name=self._subtask_name)
        self._iter_ctx.call_on_fit_task_begin(**self._hook_kwargs(reconstruction))

    def iteration_end(self, reconstruction=None, *, loss: float | None = None) -> bool:
        """Close the open epoch / iteration; True if a callback asks to stop.

        Parameters
        ----------
        reconstruction : callable or None
            ``() -> dict`` of the fitted attributes at the end of the epoch.
        loss : float or None
            The epoch's training loss, shown by :class:`ProgressBar`.

        Returns
        -------
        stop : bool
        """
        ctx, self._iter_ctx = self._iter_ctx, None
        if ctx is None:
            raise RuntimeError(
                "iteration_end called without an open iteration"
                + (
                    f" (more than max_subtasks={self._ctx.max_subtasks} iterations)."
                    if self._phantom
                    else "."
                )
            )
        if loss is not None:
            ctx._skffnn_loss = float(loss)
        return bool(ctx.call_on_fit_task_end(**self._hook_kwargs(reconstruction)))

    def close_iteration(self) -> None:
        """Close an iteration that was opened but never ran, as an empty task."""
        self._phantom = False
        ctx, self._iter_ctx = self._iter_ctx, None
        if ctx is not None:
            ctx.call_on_fit_task_end(estimator=self._est)

    def end(self, reconstruction=None) -> None:
        """Close the root task with the final fitted state.

        Parameters
        ----------
        reconstruction : callable or None
            ``() -> dict`` of fitted attributes that differ from the
            estimator's own at that point (None: the estimator as it is).
        """
        self.close_iteration()
        self._ctx.call_on_fit_task_end(**self._hook_kwargs(reconstruction))

    def __repr__(self):
        return f"<watch of {self._ctx!r}>"


def start_fit(
    estimator,
    X,
    y,
    *,
    task_name: str,
    max_subtasks: int | None,
    sample_weight=None,
    subtask: str = "epoch",
) -> _Watch | _NullWatch:
    """Open the root task of one ``fit`` / ``partial_fit`` call.

    Parameters
    ----------
    estimator : FFNClassifier or FFNRegressor
        The estimator being fitted.
    X : array-like
        The validated training data.
    y : array-like
        The validated targets, as ``score`` takes them (class labels, not
        their encoding), so that callbacks can score the fitted estimator.
    task_name : str
        The root task's name (``"fit"``, ``"partial_fit"``).
    max_subtasks : int or None
        The most epochs / iterations this call can run (None: unknown).
    sample_weight : array-like or None, default=None
        Passed to the callbacks as the task's metadata.
    subtask : str, default="epoch"
        What the solver calls one step ("epoch", or "iteration" for L-BFGS).

    Returns
    -------
    watch : object
        :data:`NULL_WATCH` when the estimator has no callbacks and no
        meta-estimator's context was propagated to it; else a live watch.

    Examples
    --------
    >>> from skffnn import FFNRegressor
    >>> from skffnn._callbacks import start_fit
    >>> start_fit(FFNRegressor(), [[0.0]], [0.0], task_name="fit", max_subtasks=1)
    NULL_WATCH
    """
    if not HAVE_CALLBACK_API or (
        not getattr(estimator, "_skl_callbacks", None)
        and not hasattr(estimator, "_parent_callback_ctx")
    ):
        return NULL_WATCH
    ctx = estimator._init_callback_context(
        task_name=task_name, max_subtasks=max_subtasks
    )
    metadata = None if sample_weight is None else {"sample_weight": sample_weight}
    watch = _Watch(estimator, ctx, X, y, metadata, subtask)
    ctx.call_on_fit_task_begin(estimator=estimator, X=X, y=y, metadata=metadata)
    return watch


# -- a progress bar that shows the loss ----------------------------------------------
if HAVE_CALLBACK_API:
    from queue import Queue

    from sklearn.callback import ProgressBar as _SkProgressBar
    from sklearn.callback import _progressbar as _skpb
    from sklearn.callback._callback_context import get_context_path
    from sklearn.callback._transport import open_listener, send

    class _LossMonitor(_skpb.RichProgressMonitor):
        """scikit-learn's display thread; an end event may carry a step's loss."""

        def run(self):
            self._bases = {}
            super().run()

        def _on_task_end(self, task_info):
            step = task_info.pop("step", None)
            path = task_info["path"]
            super()._on_task_end(task_info)
            if step is None:
                return
            parent = self.root_rich_task.get_descendants(path)[-2]
            if not hasattr(parent, "id"):
                return
            # The bar's own description, set when the fit began, then the step.
            base = self._bases.setdefault(
                parent.id, self.progress_ctx.tasks[parent.id].description
            )
            self.progress_ctx.update(parent.id, description=f"{base}  {step}")

    class ProgressBar(_SkProgressBar):
        """Progress bars of a fit, with the current loss of each epoch.

        scikit-learn's ``sklearn.callback.ProgressBar`` (a bar per task that
        has subtasks: the fit, a Pipeline, a search and its folds), whose bar
        of a skffnn estimator also shows the last finished epoch (sgd, adam)
        or iteration (lbfgs) and its training loss. It is auto-propagated: set
        on a Pipeline or a GridSearchCV, it shows the networks they fit. Needs
        ``rich`` (skffnn's ``progress`` extra).

        Parameters
        ----------
        max_propagation_depth : int or None, default=1
            How many levels of nested estimators get bars (0: only the
            outermost; None: all).

        Examples
        --------
        >>> import sklearn.callback
        >>> from skffnn._callbacks import ProgressBar
        >>> bar = ProgressBar()
        >>> isinstance(bar, sklearn.callback.ProgressBar)
        True
        """

        def __init__(self, max_propagation_depth=1):
            import_optional("rich", "progress", purpose="ProgressBar")
            super().__init__(max_propagation_depth=max_propagation_depth)

        def setup(self, estimator, context):
            """Start the display, as scikit-learn's ``ProgressBar`` does.

            Parameters
            ----------
            estimator : estimator instance
                The estimator being fitted.
            context : CallbackContext
                The context of the fit task.
            """
            # scikit-learn's setup, with the display thread that shows losses.
            queue = Queue()
            self._listener_handles[context.root_uuid] = open_listener(queue.put)
            monitor = _LossMonitor(queue=queue)
            monitor.start()
            _skpb._run_queues[context.root_uuid] = queue
            _skpb._run_monitors[context.root_uuid] = monitor

        def on_fit_task_end(self, estimator, context):
            """Advance the bar of a finished task, showing its loss if known.

            Parameters
            ----------
            estimator : estimator instance
                The estimator being fitted.
            context : CallbackContext
                The context of the task that ended.

            Returns
            -------
            None
                Nothing: a progress bar never asks training to stop.
            """
            loss = getattr(context, "_skffnn_loss", None)
            if loss is None:
                return super().on_fit_task_end(estimator, context)
            send(
                self._listener_handles[context.root_uuid],
                {
                    "event": "end",
                    "path": [c.task_id for c in get_context_path(context)],
                    "step": f"{context.task_name} {context.task_id + 1}  "
                    f"loss {loss:.4g}",
                },
            )
            return None

else:

    class ProgressBar:
        """Placeholder where scikit-learn has no callback API (before 1.9).

        Parameters
        ----------
        max_propagation_depth : int or None, default=1
            Unused.

        Examples
        --------
        >>> from skffnn._callbacks import ProgressBar
        >>> ProgressBar()  # doctest: +SKIP
        Traceback (most recent call last):
        ImportError: ProgressBar needs scikit-learn >= 1.9, ...
        """

        def __init__(self, max_propagation_depth: Any = 1):
            raise ImportError(_no_api_message("ProgressBar"))
