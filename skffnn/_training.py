"""The stochastic training loop: fit -> epoch -> minibatch step, as small named steps.

``StochasticTrainer`` runs epochs of minibatch SGD or Adam on a flat ``theta``
and keeps scikit-learn's bookkeeping (loss curve, early stopping on a
validation split, ``n_iter_no_change``, adaptive learning rate, convergence
warning). It reports back through the estimator only for what is the
estimator's business: scoring the validation split and the fitted attributes.
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from .network import forward_scores

__all__ = ["DivergenceWarning", "StochasticTrainer"]


class DivergenceWarning(ConvergenceWarning):
    """Training stopped because the loss or gradient became non-finite."""


class _Rows:
    """Gathers minibatches of rows of X, Y and sample weights into reused buffers."""

    def __init__(self, X, Y, sample_weight, rows):
        self.X, self.Y, self.sw, self.rows = X, Y, sample_weight, rows
        self._bufs = {}

    def __len__(self):
        return self.X.shape[0] if self.rows is None else len(self.rows)

    def take(self, sel):
        """Rows ``sel`` (a slice or positions into this subset) of X, Y, weights."""
        if self.rows is not None:
            sel = self.rows[sel]
        sw = None if self.sw is None else self.sw[sel]
        if isinstance(sel, slice):
            return self.X[sel], self.Y[sel], sw
        n = len(sel)
        if sp.issparse(self.X):
            return self.X[sel], self.Y[sel], sw
        if n not in self._bufs:
            if len(self._bufs) >= 2:  # batch size and the last, shorter batch
                self._bufs.clear()
            self._bufs[n] = (
                np.empty((n, self.X.shape[1]), self.X.dtype),
                np.empty((n, self.Y.shape[1]), self.Y.dtype),
            )
        xb, yb = self._bufs[n]
        # mode="clip": the positions come from a permutation, so they are in
        # range; with out= and the default mode="raise", numpy gathers into a
        # temporary and copies it over, 2-3x slower.
        self.X.take(sel, axis=0, out=xb, mode="clip")
        self.Y.take(sel, axis=0, out=yb, mode="clip")
        return xb, yb, sw


class StochasticTrainer:
    """Epoch loop for the minibatch solvers of one ``fit`` or ``partial_fit`` call.

    Parameters
    ----------
    est : the estimator (its hyperparameters and fitted bookkeeping attributes)
    net : Network
    theta : flat parameter vector, updated in place
    optimizer : SGDOptimizer or AdamOptimizer
    rng : numpy RandomState shared with initialisation and the split
    """

    def __init__(self, est, net, theta, optimizer, rng):
        self.est, self.net, self.theta, self.opt, self.rng = (
            est, net, theta, optimizer, rng,
        )  # fmt: skip
        self.grad = np.empty_like(theta)
        self.best_theta = theta.copy() if est.early_stopping else None
        self.last_good = theta.copy()
        self._last_batch = None

    # -- one minibatch -------------------------------------------------------
    def _step(self, Xb, Yb, swb):
        """One gradient step; returns the batch loss (None if skipped)."""
        if swb is not None and not swb.sum() > 0:
            return None  # a batch of zero total weight carries no gradient
        # Overflow on the way to divergence is detected below, by the
        # finiteness check, and reported as one DivergenceWarning; not as
        # floating-point RuntimeWarnings (or errors under np.errstate).
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            loss, grad = self.net.loss_and_gradient(
                self.theta, Xb, Yb, swb, alpha=self.est.alpha, out=self.grad
            )
            # One reduction instead of a boolean temporary: a NaN or inf in the
            # gradient makes the sum non-finite (so does a sum beyond 1e308,
            # which only a diverging step produces).
            if not (np.isfinite(loss) and np.isfinite(np.add.reduce(grad))):
                raise _Diverged(loss)
            # The last weights whose loss and gradient were finite.
            np.copyto(self.last_good, self.theta)
            self.opt.step(self.theta, grad)
        self._last_batch = Xb
        return loss

    # -- one epoch -----------------------------------------------------------
    def run_epoch(self, train: _Rows, batch_size: int, order):
        """Sum over minibatches of loss x batch length, for the epoch's mean loss."""
        total = 0.0
        n = len(train)
        for start in range(0, n, batch_size):
            stop = min(start + batch_size, n)
            sel = slice(start, stop) if order is None else order[start:stop]
            loss = self._step(*train.take(sel))
            if loss is not None:
                total += loss * (stop - start)
        return total

    # -- the whole call ------------------------------------------------------
    def run(self, train: _Rows, valid, batch_size: int, incremental: bool):
        """Run epochs until convergence, ``max_iter``, divergence or interruption."""
        est = self.est
        order = np.arange(len(train)) if est.shuffle else None
        if not incremental:
            est.n_iter_ = 0
        diverged = False
        try:
            for _ in range(1 if incremental else est.max_iter):
                if est.shuffle:
                    # The draws of sklearn.utils.shuffle (a Fisher-Yates pass
                    # over an arange), without its validation overhead.
                    self.rng.shuffle(order)
                try:
                    total = self.run_epoch(train, batch_size, order)
                except _Diverged as exc:
                    self._diverged(exc.loss, valid)
                    diverged = True
                    break
                if self._end_epoch(total / len(train), len(train), valid):
                    break
                if not incremental and est.n_iter_ == est.max_iter:
                    warnings.warn(
                        "Stochastic Optimizer: Maximum iterations (%d) reached and "
                        "the optimization hasn't converged yet." % est.max_iter,
                        ConvergenceWarning,
                        stacklevel=2,
                    )
        except KeyboardInterrupt:
            warnings.warn(
                f"Training interrupted by user after {est.n_iter_} iteration(s); "
                "the model keeps the weights reached so far"
                + (" (the best on the validation set)." if valid else "."),
                UserWarning,
                stacklevel=2,
            )
            if not np.isfinite(self.theta).all():
                np.copyto(self.theta, self.last_good)
        if self.best_theta is not None:
            np.copyto(self.theta, self.best_theta)
        elif not diverged:
            self._check_last_step()

    def _check_last_step(self):
        """Keep the weights before the last step if its outputs are non-finite.

        The loss is evaluated before each step, so the weights that the last
        step reached were never checked; one forward pass on its batch does
        (overflowing outputs would give inf or NaN predictions).
        """
        if self._last_batch is None:
            return
        coefs, intercepts = self.net.layout.unpack(self.theta)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            scores = forward_scores(self._last_batch, coefs, intercepts, self.net.gates)
        if np.isfinite(scores).all():
            return
        np.copyto(self.theta, self.last_good)
        warnings.warn(
            f"Training diverged in iteration {self.est.n_iter_}: the last step made "
            "the network's outputs non-finite. Kept the weights before that step. "
            "Try a smaller learning_rate_init "
            f"(now {self.est.learning_rate_init}) or scale the data.",
            DivergenceWarning,
            stacklevel=3,
        )

    def _end_epoch(self, loss, n_train, valid) -> bool:
        """Epoch bookkeeping as scikit-learn's; returns True to stop."""
        est = self.est
        est.n_iter_ += 1
        est.loss_ = loss
        est.t_ += n_train
        est.loss_curve_.append(loss)
        if est.verbose:
            print("Iteration %d, loss = %.8f" % (est.n_iter_, est.loss_))
        self._update_no_improvement_count(valid)
        self.opt.iteration_ends(est.t_)
        if est._no_improvement_count > est.n_iter_no_change:
            what = (
                "Validation score did not improve more than"
                if valid
                else "Training loss did not improve more than"
            )
            msg = "%s tol=%f for %d consecutive epochs." % (
                what, est.tol, est.n_iter_no_change,
            )  # fmt: skip
            if self.opt.trigger_stopping(msg, est.verbose):
                return True
            est._no_improvement_count = 0
        return False

    def _update_no_improvement_count(self, valid):
        est = self.est
        if valid is None:
            if est.loss_curve_[-1] > est.best_loss_ - est.tol:
                est._no_improvement_count += 1
            else:
                est._no_improvement_count = 0
            if est.loss_curve_[-1] < est.best_loss_:
                est.best_loss_ = est.loss_curve_[-1]
            return
        score, val_loss = est._validation_score_and_loss(self.theta, self.net, valid)
        est.validation_scores_.append(score)
        est.validation_loss_curve_.append(val_loss)
        if est.verbose:
            print(f"Validation score: {score:f}")
        # A NaN score (non-finite predictions) counts as no improvement.
        if not score >= est.best_validation_score_ + est.tol:
            est._no_improvement_count += 1
        else:
            est._no_improvement_count = 0
        if score > est.best_validation_score_:
            est.best_validation_score_ = score
            np.copyto(self.best_theta, self.theta)

    def _diverged(self, loss, valid):
        """Stop at the first non-finite loss or gradient, keeping finite weights."""
        est = self.est
        # theta is where the loss or gradient stopped being finite: go back
        # to the weights of the last step whose loss and gradient were finite.
        np.copyto(self.theta, self.last_good)
        est.n_iter_ += 1
        est.loss_ = float(loss)
        est.loss_curve_.append(float(loss))
        if valid is not None:
            est.validation_scores_.append(float("nan"))
            est.validation_loss_curve_.append(float("nan"))
        kept = (
            "the best weights on the validation set"
            if valid
            else ("the last finite weights")
        )
        warnings.warn(
            f"Training diverged in iteration {est.n_iter_}: the loss or its gradient "
            f"became non-finite (loss={loss}). Stopped and kept {kept}. Try a smaller "
            f"learning_rate_init (now {est.learning_rate_init}) or scale the data.",
            DivergenceWarning,
            stacklevel=2,
        )


class _Diverged(Exception):
    def __init__(self, loss):
        self.loss = loss
