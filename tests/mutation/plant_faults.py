"""Plant realistic faults in a scratch copy of skffnn, one at a time, and run the tests.

Each fault below is a bug a user would hit (a dropped option, a missing term,
an off-by-one in the bookkeeping, a lost stabilisation), written as exact
source edits. For each fault the script edits the scratch copy, runs the
chosen tests with a time limit, restores the file, and reports whether the
tests caught it. A fault that survives is a hole in the suite.

The working tree is never touched: the copy is made in a temporary directory,
from the working tree (default) or from a git revision (``--rev``). Tests that
already fail on the unmodified copy are reported and deselected, so that a
tree in the middle of a refactor can still be measured.

Usage (from the repository root; see tests/mutation/README.md)::

    python tests/mutation/plant_faults.py                 # every fault, fast tests
    python tests/mutation/plant_faults.py --list          # the faults, not run
    python tests/mutation/plant_faults.py --only lbfgs-ignores-tol shuffle-ignored
    python tests/mutation/plant_faults.py --rev HEAD --overlay tests/test_faults.py
    python tests/mutation/plant_faults.py --slow          # include @pytest.mark.slow

Exit status: 0 when every applicable fault was caught, 1 when some survived
or could not be planted (stale), 2 when the unmodified copy cannot be tested.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Fault:
    """One realistic bug: exact ``(old, new)`` edits of one source file."""

    id: str
    path: str
    edits: tuple[tuple[str, str], ...]
    why: str


def _f(id_, path, old, new, why):
    return Fault(id_, path, ((old, new),), why)


# Each ``old`` must occur exactly once in its file; if the code has moved, the
# fault is reported STALE (update its snippet rather than delete it).
# fmt: off
FAULTS: list[Fault] = [
    # -- solvers ---------------------------------------------------------------
    _f("lbfgs-ignores-tol", "skffnn/_solvers.py",
       '"maxiter": max_iter, "gtol": tol}', '"maxiter": max_iter}',
       "scipy's gradient tolerance not passed: L-BFGS runs to scipy's 1e-5"),
    _f("lbfgs-ignores-max-fun", "skffnn/_solvers.py",
       'options={"maxfun": max_fun, ', "options={",
       "max_fun not passed: L-BFGS may evaluate the loss 15000 times"),
    _f("lbfgs-float32-weights-upcast", "skffnn/_solvers.py",
       "x, loss = res.x.astype(self.dtype), float(res.fun)",
       "x, loss = res.x, float(res.fun)",
       "a float32 network comes back from L-BFGS with float64 weights"),
    _f("adam-no-bias-correction", "skffnn/_solvers.py",
       "            * np.sqrt(1 - self.beta_2**self.t)\n"
       "            / (1 - self.beta_1**self.t)\n",
       "",
       "Adam's step size without its bias correction"),
    _f("adam-epsilon-inside-sqrt", "skffnn/_solvers.py",
       "        np.sqrt(v, out=s1)\n        s1 += self.epsilon\n",
       "        np.add(v, self.epsilon, out=s1)\n        np.sqrt(s1, out=s1)\n",
       "epsilon added under the square root instead of after it"),
    _f("sgd-nesterov-ignored", "skffnn/_solvers.py",
       "        if self.nesterov:\n", "        if False:\n",
       "nesterovs_momentum=True behaves as classical momentum"),
    _f("sgd-momentum-ignored", "skffnn/_solvers.py",
       "        velocity *= self.momentum\n", "",
       "the velocity never decays: momentum is effectively 1"),
    _f("sgd-invscaling-off-by-one", "skffnn/_solvers.py",
       "/ (time_step + 1) ** self.power_t", "/ time_step**self.power_t",
       "invscaling's t + 1 written as t"),
    _f("sgd-adaptive-divides-by-2", "skffnn/_solvers.py",
       "self.learning_rate /= 5.0", "self.learning_rate /= 2.0",
       "'adaptive' divides the step by 2 instead of 5"),
    # -- the training loop and the data ------------------------------------------
    _f("early-stopping-keeps-last-weights", "skffnn/_training.py",
       "    if run.best_theta is not None:\n"
       "        np.copyto(theta, run.best_theta)\n",
       "    if run.best_theta is not None:\n        pass\n",
       "early stopping returns the last weights, not the best on validation"),
    _f("no-improvement-off-by-one", "skffnn/_training.py",
       "if h.no_improvement_count <= p.n_iter_no_change:",
       "if h.no_improvement_count < p.n_iter_no_change:",
       "stops one epoch early"),
    _f("loss-improvement-ignores-tol", "skffnn/_training.py",
       "if h.loss_curve[-1] > h.best_loss - tol:",
       "if h.loss_curve[-1] > h.best_loss:",
       "tol not used when judging the training loss's improvement"),
    _f("epoch-loss-weights-batches-equally", "skffnn/_training.py",
       "total += loss * Xb.shape[0]", "total += loss * self.p.batch_size",
       "the short last batch counts as a full one in the epoch's mean loss"),
    _f("t-counts-epochs", "skffnn/_training.py",
       "h.t += self.data.n_samples", "h.t += 1",
       "t_ counts epochs instead of samples (invscaling uses it)"),
    _f("shuffle-ignored", "skffnn/_data.py",
       "            rng.shuffle(self._order)\n", "            pass\n",
       "shuffle=True trains in the data's order"),
    _f("last-short-batch-dropped", "skffnn/_data.py",
       "for start in range(0, n, batch_size):",
       "for start in range(0, n - batch_size + 1, batch_size):",
       "the last, shorter minibatch of an epoch is never trained on"),
    _f("validation-split-not-stratified", "skffnn/_data.py",
       "stratify=self.Y.astype(bool) if stratify else None,", "stratify=None,",
       "the classifier's validation split is not stratified (not sklearn's)"),
    # -- the estimator -----------------------------------------------------------
    _f("warm-start-ignored", "skffnn/_base.py",
       'hasattr(self, "coefs_") and (self.warm_start or incremental)',
       'hasattr(self, "coefs_") and incremental',
       "warm_start=True refits from a new initialisation"),
    _f("early-stopping-score-ignores-sample-weight", "skffnn/_solver_objects.py",
       "float(score(scores, Yv, swv))",
       "float(score(scores, Yv, None))",
       "the validation score ignores the validation rows' sample weights"),
    _f("validation-loss-ignores-sample-weight", "skffnn/_solver_objects.py",
       "float(net.head.loss(scores, Yv, swv))",
       "float(net.head.loss(scores, Yv, None))",
       "validation_loss_curve_ ignores the sample weights"),
    _f("class-weight-ignored", "skffnn/_target.py",
       "return cw if sample_weight is None else sample_weight * cw",
       "return sample_weight",
       "class_weight has no effect"),
    # -- network and penalty -------------------------------------------------------
    _f("l2-penalty-scaled-by-n-not-weight-sum", "skffnn/network.py",
       "sw_sum = n if sample_weight is None else float(sample_weight.sum())",
       "sw_sum = n",
       "the L2 penalty divided by n_samples instead of sum(sample_weight)"),
    _f("l2-penalty-on-biases", "skffnn/network.py",
       "theta_w = theta[: layout.n_weights]", "theta_w = theta",
       "the biases are penalised too"),
    _f("l2-penalty-missing-from-gradient", "skffnn/network.py",
       "    if alpha and grad is not None:\n", "    if False:\n",
       "the penalty is in the loss but not in its gradient"),
    _f("large-batch-block-shares-ignore-weights", "skffnn/network.py",
       "share = (hi - lo) / n if sw is None else float(sw.sum()) / total",
       "share = (hi - lo) / n",
       "full-batch blocks (>= 1024 rows) weighted by rows, not by sample weight"),
    _f("relu-gradient-through-dead-units", "skffnn/_activations.py",
       "        return a > 0\n",
       "        return a >= 0\n",
       "relu's backward passes the gradient where the unit is off"),
    _f("logistic-init-factor-6", "skffnn/_activations.py",
       '    name = "logistic"\n    init_factor = 2.0\n',
       '    name = "logistic"\n',
       "Glorot factor 6 for the logistic (sklearn's is 2): other initial weights"),
    _f("tanh-gradient-1-minus-y", "skffnn/functional.py",
       "        np.add(1.0, y, out=u)\n        np.multiply(t, u, out=out)\n",
       "        np.copyto(out, t)\n",
       "tanh's local gradient as 1 - y instead of 1 - y^2"),
    _f("softplus-gradient-without-expm1", "skffnn/functional.py",
       "        np.expm1(t, out=t)\n        np.negative(t, out=out)\n",
       "        np.exp(t, out=t)\n        np.subtract(1.0, t, out=out)\n",
       "softplus' gradient 1 - exp(-y) without expm1 (precision lost, tiny y)"),
    _f("binary-head-log1p-as-log", "skffnn/functional.py",
       "    np.log1p(e, out=t)\n    return np.add(out, t, out=out)\n",
       "    np.log(1 + e, out=t)\n    return np.add(out, t, out=out)\n",
       "the training log-loss via log(1 + e): confident logits' loss rounds to 0"),
    # -- output heads ----------------------------------------------------------------
    _f("poisson-loss-without-constant", "skffnn/_losses.py",
       "            per += xlogy(y, y) - y\n", "",
       "the Poisson loss without y log y - y: loss_ and loss_curve_ shift"),
    _f("softmax-head-without-max-shift", "skffnn/_losses.py",
       "s = F._shift_rows(z)  # a new array: z stays intact", "s = z.copy()",
       "the fused softmax head exponentiates unshifted logits"),
    _f("binary-proba-columns-swapped", "skffnn/_losses.py",
       "return np.hstack([-z, z]) if z.shape[1] == 1 else z",
       "return np.hstack([z, -z]) if z.shape[1] == 1 else z",
       "predict_proba's two binary columns in the wrong order"),
    _f("squared-error-without-half", "skffnn/_losses.py",
       'return 0.5 if self.objective == "sum" else 0.5 / k',
       'return 1.0 if self.objective == "sum" else 1.0 / k',
       "the squared-error loss reported without its 1/2"),
    _f("squared-error-gradient-of-the-sum", "skffnn/_losses.py",
       'factor = 1.0 / k if self.objective == "mean" else 1.0', "factor = 1.0",
       "multi-output squared error: loss averaged over outputs, gradient summed"),
    _f("seed-weights-divided-by-n", "skffnn/_losses.py",
       "share = sample_weight * (factor / float(sample_weight.sum()))",
       "share = sample_weight * (factor / sample_weight.shape[0])",
       "the seed gradient's sample weights divided by n, not by sum(w)"),
    # -- the paths that 6 of 12 audited faults slipped through (issue 24) ---------
    _f("progress-bar-ignores-depth", "skffnn/_callbacks.py",
       "super().__init__(max_propagation_depth=max_propagation_depth)",
       "super().__init__(max_propagation_depth=1)",
       "ProgressBar(max_propagation_depth=0) still shows the estimators' bars"),
    _f("stream-weights-not-shuffled", "skffnn/_dask.py",
       "                swb = None if swb is None else swb[perm]\n", "",
       "a streamed block's rows are shuffled, their sample weights are not"),
    _f("stream-carry-takes-wrong-weights", "skffnn/_dask.py",
       "carry = (Xb[full:], Yb[full:], _rows(swb, full, n))",
       "carry = (Xb[full:], Yb[full:], _rows(swb, 0, n - full))",
       "the rows carried into the next block's batch take the block's first weights"),
    _f("dask-float32-trained-in-float64", "skffnn/_dask.py",
       "    if isinstance(fit_dtype, tuple) and X.dtype in fit_dtype:\n"
       "        dtype = X.dtype\n",
       "",
       "a float32 dask array trains a float64 model"),
    _f("version-stamp-written-into-the-model", "skffnn/_persistence.py",
       "        return {**state, _KEY: _current_version()}\n",
       "        state[_KEY] = _current_version()\n        return state\n",
       "pickle.dumps(est) adds the version stamp to the live model's __dict__"),
    _f("exact-path-seed-unscaled", "skffnn/_losses.py",
       "        return loss, _seed(self.link(z, out=out), y, sample_weight)\n",
       "        return loss, np.subtract(self.link(z, out=out), y)\n",
       "infinite logits: the seed is not scaled by w / sum(w)"),
    _f("exact-path-seed-without-target", "skffnn/_losses.py",
       "        return loss, _seed(self.link(z, out=out), y, sample_weight)\n",
       "        return loss, _scale_rows(self.link(z, out=out), sample_weight)\n",
       "infinite logits: the seed is link(z), without - y"),
    _f("lbfgs-interrupt-keeps-best-by-reference", "skffnn/_solvers.py",
       "self.best_theta[...] = self.theta", "self.best_theta = self.theta",
       "Ctrl-C: the weights returned are the last trial point, not the best"),
    _f("lbfgs-callback-model-loss-none", "skffnn/_training.py",
       "loss=losses[-1] if losses else history.loss,",
       "loss=history.loss,",
       "a callback's model at an L-BFGS iteration has loss_ None"),
    _f("split-weights-taken-in-order", "skffnn/_dask.py",
       "return Xb[mask], Yb[mask], None if swb is None else swb[mask]",
       "return Xb[mask], Yb[mask], None if swb is None else swb[: int(mask.sum())]",
       "the early-stopping split across blocks pairs rows with the first weights"),
    # -- found by the cosmic-ray sample (cosmic_ray_sample.py) ----------------------
    _f("adaptive-stops-one-division-late", "skffnn/_solvers.py",
       'self.lr_schedule == "adaptive" and self.learning_rate > 1e-6',
       'self.lr_schedule == "adaptive" and self.learning_rate >= 1e-6',
       "'adaptive' divides once more at a rate of exactly 1e-6 (sklearn stops)"),
    _f("lbfgs-iteration-time-not-a-span", "skffnn/_solvers.py",
       "self.times.append(now - self.clock)",
       "self.times.append(now / self.clock)",
       "L-BFGS's epoch_times_ are ratios of clock readings, about 1 s each"),
    _f("dask-weighted-classes-unchecked", "skffnn/_dask.py",
       "    if sw is not None and not incremental:\n"
       "        target.check_weighted(",
       "    if False:  # planted\n"
       "        target.check_weighted(",
       "a dask fit with all positive weight on one class is not refused"),
    _f("dask-prediction-error-last-row", "skffnn/_dask.py",
       "(rows {lo} to {hi - 1})", "(rows {lo} to {hi})",
       "a prediction error names one row past the block's last"),
    _f("version-warning-points-at-pickle", "skffnn/_persistence.py",
       "                stacklevel=2,\n", "                stacklevel=1,\n",
       "SkffnnVersionWarning names skffnn's line, not the user's pickle.loads"),
    _f("version-warning-takes-positional-arguments", "skffnn/_persistence.py",
       "self, *, estimator_name: str,", "self, /, estimator_name: str,",
       "SkffnnVersionWarning's arguments are no longer keyword-only"),
    # -- arguments that no test set at a non-default value before issue 24 -------
    _f("adam-ignores-beta-1", "skffnn/_solver_objects.py",
       "est.learning_rate_init, est.beta_1, est.beta_2,",
       "est.learning_rate_init, 0.9, est.beta_2,",
       "beta_1 has no effect (Adam runs with 0.9)"),
    _f("adam-ignores-epsilon", "skffnn/_solver_objects.py",
       "            est.epsilon,\n        )  # fmt: skip",
       "            1e-8,\n        )  # fmt: skip",
       "epsilon has no effect (Adam runs with 1e-8)"),
    _f("sgd-ignores-power-t", "skffnn/_solver_objects.py",
       "est.momentum, est.nesterovs_momentum, est.power_t,",
       "est.momentum, est.nesterovs_momentum, 0.5,",
       "power_t has no effect (invscaling runs with 0.5)"),
    _f("validation-fraction-ignored", "skffnn/_solver_objects.py",
       "data.split(rng, est.validation_fraction, target.stratifies)",
       "data.split(rng, 0.1, target.stratifies)",
       "early stopping always holds out 10 %"),
    _f("auto-batch-size-not-200", "skffnn/_solver_objects.py",
       "return min(200, n)", "return min(199, n)",
       "batch_size='auto' takes 199-row batches where scikit-learn takes 200"),
    _f("multilabel-partial-fit-binarizes-classes", "skffnn/_target.py",
       "multilabel = stand_in.ndim == 2", "multilabel = stand_in.ndim == 3",
       "a first multilabel partial_fit binarizes `classes`, then refuses Y"),
    _f("zero-weight-batch-stepped", "skffnn/_training.py",
       "if swb is not None and not swb.sum() > 0:",
       "if swb is not None and not swb.sum() > -1:",
       "a batch whose rows all have weight 0 is stepped (0/0): the fit fails"),
    _f("dask-binary-split-unstratified", "skffnn/_dask.py",
       "if Y.shape[1] == 1 else Y.argmax(axis=1)",
       "if Y.shape[0] == 1 else Y.argmax(axis=1)",
       "a binary dask fit's early-stopping split is not stratified"),
    # -- side effects: writes into the caller's arrays -----------------------------
    _f("class-weight-scales-the-callers-weights", "skffnn/_target.py",
       "return cw if sample_weight is None else sample_weight * cw",
       "return cw if sample_weight is None else np.multiply(\n"
       "            sample_weight, cw, out=sample_weight, casting=\"unsafe\")",
       "class_weight multiplies the user's sample_weight array in place"),
    _f("seed-scaling-writes-the-weights", "skffnn/_losses.py",
       "share = sample_weight * (factor / float(sample_weight.sum()))",
       "share = np.multiply(sample_weight, factor / float(sample_weight.sum()), "
       "out=sample_weight)",
       "the seed's row scaling divides the batch's sample weights in place"),
    _f("softmax-head-shifts-the-logits-in-place", "skffnn/functional.py",
       "    return z - _row_max(z)\n",
       "    z -= _row_max(z)\n    return z\n",
       "the softmax head's max shift overwrites the logits it was given"),
    _f("lbfgs-writes-its-start", "skffnn/_solvers.py",
       "        self.theta = theta0.copy()  # fun's argument",
       "        self.theta = theta0  # fun's argument",
       "L-BFGS evaluates the loss in the caller's theta0 buffer"),
]
# fmt: on


# -- the scratch copy ---------------------------------------------------------
def _copy_tree(dest: Path, rev: str | None, overlay: list[str]) -> None:
    if rev is None:
        files = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT, check=True, capture_output=True,
        ).stdout.split(b"\0")  # fmt: skip
        for name in filter(None, files):
            src = ROOT / os.fsdecode(name)
            if src.is_file():  # deleted but still in the index: skip
                target = dest / os.fsdecode(name)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, target)
    else:
        archive = subprocess.run(
            ["git", "archive", rev], cwd=ROOT, check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    for name in overlay:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, dirs_exist_ok=True)
        else:
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)


def _run_tests(copy: Path, pytest_args: list[str], timeout: float):
    """``(returncode or None on timeout, output, seconds)`` of pytest in ``copy``."""
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")  # no stale .pyc of a fault
    env.pop("PYTHONPATH", None)
    start = time.monotonic()
    # python -m puts the copy first on sys.path: its skffnn shadows any install.
    proc = subprocess.Popen(
        [sys.executable, "-m", "pytest", *pytest_args],
        cwd=copy, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        start_new_session=True, text=True,
    )  # fmt: skip
    try:
        out, _ = proc.communicate(timeout=timeout)
        rc = proc.returncode
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # pytest and only its own children
        out, _ = proc.communicate()
        rc = None
    except KeyboardInterrupt:
        os.killpg(proc.pid, signal.SIGKILL)
        raise
    return rc, out, time.monotonic() - start


# Run first: with -x a fault stops at its first failure, and these files (the
# oracle tests against scikit-learn, mpmath and closed forms) catch most
# faults within seconds; the rest follow in name order, then the doctests.
FIRST = (
    "test_faults.py", "test_pinned_paths.py", "test_fit_path.py", "test_arguments.py",
    "test_side_effects.py", "test_parity.py", "test_estimators.py", "test_heads.py",
    "test_network.py", "test_solvers.py", "test_functional.py", "test_lecture.py",
)  # fmt: skip


def _default_tests() -> list[str]:
    names = sorted(p.name for p in (ROOT / "tests").glob("test_*.py"))
    ordered = [n for n in FIRST if n in names] + [n for n in names if n not in FIRST]
    return [f"tests/{n}" for n in ordered] + ["skffnn"]


def _interrupt(signum, frame):
    raise KeyboardInterrupt  # so that SIGTERM, too, ends pytest and the copy


_FAILED = re.compile(r"^(?:FAILED|ERROR) (\S+)", re.MULTILINE)


def _failures(output: str) -> list[str]:
    return _FAILED.findall(output)


def _plant(copy: Path, fault: Fault) -> str | None:
    """Apply the fault's edits; return the original text (None if stale)."""
    path = copy / fault.path
    if not path.is_file():
        return None
    original = path.read_text()
    text = original
    for old, new in fault.edits:
        if text.count(old) != 1:
            return None
        text = text.replace(old, new)
    path.write_text(text)
    return original


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="+", metavar="ID", help="these faults only")
    parser.add_argument("--list", action="store_true", help="list the faults and exit")
    parser.add_argument("--rev", help="copy this git revision instead of the work tree")
    parser.add_argument(
        "--overlay", nargs="+", default=[], metavar="PATH",
        help="working-tree paths copied over the --rev copy (e.g. new tests)",
    )  # fmt: skip
    parser.add_argument(
        "--tests", nargs="+", metavar="PATH",
        help="what pytest collects (default: every tests/test_*.py, the oracle "
        "tests first, then skffnn's doctests)",
    )  # fmt: skip
    parser.add_argument("--slow", action="store_true", help="include slow tests")
    parser.add_argument(
        "--timeout", type=float, default=600.0,
        help="seconds per fault (a fault that hangs the tests counts as caught)",
    )  # fmt: skip
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--keep", action="store_true", help="keep the scratch copy")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)

    faults = FAULTS
    if args.only:
        unknown = set(args.only) - {f.id for f in FAULTS}
        if unknown:
            parser.error(f"unknown fault id(s): {sorted(unknown)}")
        faults = [f for f in FAULTS if f.id in args.only]
    if args.list:
        # Whether each fault still applies to the working tree's source.
        for f in faults:
            path = ROOT / f.path
            text = path.read_text() if path.is_file() else ""
            ok = all(text.count(old) == 1 for old, _ in f.edits)
            print(f"{'ok' if ok else 'STALE':5s} {f.id:45s} {f.path:22s} {f.why}")
        return 0

    tests = args.tests or _default_tests()
    base_args = ["-q", "-p", "no:cacheprovider", "-p", "no:randomly", *tests]
    if not args.slow:
        base_args += ["-m", "not slow"]
    scratch = Path(tempfile.mkdtemp(prefix="skffnn-faults-"))
    try:
        copy = scratch / "repo"
        copy.mkdir()
        _copy_tree(copy, args.rev, args.overlay)
        print(f"scratch copy: {copy} ({args.rev or 'working tree'})", flush=True)

        rc, out, secs = _run_tests(copy, base_args, args.timeout)
        if rc not in (0, 1):
            print(out[-3000:])
            print(f"the unmodified copy cannot be tested (pytest exit {rc})")
            return 2
        broken = sorted(set(_failures(out)))
        print(f"baseline: {secs:.0f} s, {len(broken)} test(s) already failing")
        for name in broken:
            print(f"  deselected (fails without any fault): {name}")
        run_args = [*base_args, "-x", *(f"--deselect={n}" for n in broken)]

        results = []
        for fault in faults:
            original = _plant(copy, fault)
            if original is None:
                status, caught_by, secs = "STALE", "", 0.0
            else:
                try:
                    rc, out, secs = _run_tests(copy, run_args, args.timeout)
                finally:
                    (copy / fault.path).write_text(original)
                failed = _failures(out)
                if rc == 0:
                    status, caught_by = "SURVIVED", ""
                elif rc is None:
                    status, caught_by = (
                        "TIMEOUT",
                        f"(no result in {args.timeout:.0f} s)",
                    )
                elif rc == 1:
                    status, caught_by = "caught", failed[0] if failed else "?"
                else:
                    status, caught_by = f"ERROR({rc})", out.strip()[-200:]
            results.append(
                dict(id=fault.id, path=fault.path, why=fault.why, status=status,
                     caught_by=caught_by, seconds=round(secs, 1))
            )  # fmt: skip
            print(f"{status:9s} {fault.id:45s} {secs:5.0f} s  {caught_by}", flush=True)

        survivors = [r for r in results if r["status"] in ("SURVIVED", "STALE")]
        print(f"\n{len(results) - len(survivors)} of {len(results)} faults caught")
        for r in survivors:
            print(f"  {r['status']}: {r['id']} ({r['path']}): {r['why']}")
        if args.json:
            args.json.write_text(
                json.dumps(dict(deselected=broken, results=results), indent=1)
            )
        return 1 if survivors else 0
    finally:
        if args.keep:
            print(f"kept {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
