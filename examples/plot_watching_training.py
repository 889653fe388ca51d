"""
Watching a network train
========================

Training takes a while; one wants to see it progress, and to stop it once it is
good enough. scikit-learn 1.9's experimental callback API
(:mod:`sklearn.callback`) does both, and skffnn's estimators support it: a fit
is one task with one subtask per epoch (``sgd``, ``adam``) or per iteration
(``lbfgs``), and callbacks registered with ``set_callbacks`` are called at the
start and end of each.

This example shows a progress bar on a real fit, a callback that stops the
fit when a held-out score is reached, and the history every fitted model keeps
without any callback: the training loss (``loss_curve_``), the validation
score with early stopping (``validation_scores_``) and the wall time of each
epoch (``epoch_times_``).

Needs scikit-learn >= 1.9 and skffnn's optional extras ``progress`` (rich)
and ``docs`` (matplotlib): from a checkout of the repository,
``python -m pip install ".[progress,docs]"``. Run:
python examples/plot_watching_training.py
"""

# %%
# A progress bar
# --------------
# :class:`skffnn.ProgressBar` is scikit-learn's ``ProgressBar`` whose bar of
# a network also shows the last finished epoch and its training loss. It is
# auto-propagated: set on a ``Pipeline`` or a ``GridSearchCV``, it shows the
# steps, the folds and every network fitted inside. In a terminal the bar
# moves while the fit runs; here, its final state is printed.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skffnn import FFNClassifier, ProgressBar

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

watched = FFNClassifier(
    hidden_layer_sizes=(64,), early_stopping=True, max_iter=200, random_state=0
)
watched.set_callbacks(ProgressBar())
watched.fit(X_train, y_train)
print(
    f"early stopping after {watched.n_iter_} epochs; "
    f"test accuracy {watched.score(X_test, y_test):.3f}"
)


# %%
# A stop request
# --------------
# A callback is any object with the four methods of scikit-learn's
# ``FitCallback`` protocol. ``on_fit_task_end`` is called after each epoch;
# when it returns True the fit stops there and returns a normally fitted model
# (``n_iter_`` epochs, no ConvergenceWarning). Asking for ``fitted_estimator``
# gets a copy of the model as it is at the end of that epoch, ready to predict.
class StopAtAccuracy:
    """Stop a fit once the model reaches ``target`` accuracy on (X, y)."""

    def __init__(self, X, y, target):
        self.X, self.y, self.target = X, y, target
        self.scores = []

    def setup(self, estimator, context):
        self.scores = []

    def on_fit_task_begin(self, estimator, context):
        pass

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
        # Epochs are leaves of the task tree; the fit itself has subtasks.
        if context.max_subtasks != 0 or fitted_estimator is None:
            return False
        self.scores.append(fitted_estimator.score(self.X, self.y))
        return self.scores[-1] >= self.target

    def teardown(self, estimator, context):
        pass


X_fit, X_val, y_fit, y_val = train_test_split(X_train, y_train, random_state=0)
stopper = StopAtAccuracy(X_val, y_val, target=0.95)
clf = FFNClassifier(hidden_layer_sizes=(64,), max_iter=200, random_state=0)
clf.set_callbacks(stopper).fit(X_fit, y_fit)
print(
    f"stopped after {clf.n_iter_} of {clf.max_iter} epochs, "
    f"validation accuracy {clf.score(X_val, y_val):.3f}"
)

# %%
# The history
# -----------
# Every fit records, per epoch, the training loss, the validation score (with
# ``early_stopping=True``; the model keeps the weights of the best one) and
# the wall time. No callback is needed to plot them.
epochs = np.arange(1, watched.n_iter_ + 1)
best = int(np.argmax(watched.validation_scores_)) + 1
fig, (ax_loss, ax_val, ax_time) = plt.subplots(
    3, 1, figsize=(7, 8), sharex=True, layout="constrained"
)
ax_loss.plot(epochs, watched.loss_curve_, label="early stopping")
ax_loss.plot(
    np.arange(1, clf.n_iter_ + 1), clf.loss_curve_, "o-", ms=3,
    label="stop request at 95 %",
)  # fmt: skip
ax_loss.set(title="training loss", yscale="log")
ax_loss.legend()
ax_val.plot(epochs, watched.validation_scores_)
ax_val.axvline(best, color="0.6", ls="--", label=f"best (epoch {best})")
ax_val.set(title="validation accuracy")
ax_val.legend(loc="lower center")
ax_time.plot(epochs, 1e3 * np.asarray(watched.epoch_times_))
ax_time.set(title="wall time per epoch", xlabel="epoch", ylabel="ms")
ax_time.set_ylim(bottom=0)


# sphinx_gallery_start_ignore
# What the tests check; not part of the example (hidden from the gallery page).
def main():
    """Return what the example found, for the test suite."""
    result = {
        "epochs_early_stopping": int(watched.n_iter_),
        "test_accuracy": float(watched.score(X_test, y_test)),
        "epochs_stop_request": int(clf.n_iter_),
        "validation_accuracy_at_stop": float(clf.score(X_val, y_val)),
        "callback_scores": [round(s, 4) for s in stopper.scores],
        "median_epoch_ms": float(1e3 * np.median(watched.epoch_times_)),
    }
    return result


# sphinx_gallery_end_ignore
plt.show()
