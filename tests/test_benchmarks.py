"""The benchmark scripts run, and their instruments measure what they claim to.

No timing is asserted (speed is measured by ``benchmarks/``, never tested);
these tests pin down that the scripts run on a fresh checkout and that the
in-training profile accounts for the step it times.
"""

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest
from _extras import require_extra, require_sklearn_version

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("single_threaded_blas")]


def _load(name):
    sys.path.insert(0, str(BENCH))
    try:
        spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(BENCH))
    return module


def test_in_situ_profile_accounts_for_every_phase_of_the_step():
    profile_step = _load("profile_step")
    result = dict(profile_step.profile_in_situ("small", "float64", "adam", epochs=1))
    bound = result.pop("GEMM bound (products alone)")
    total = result.pop("whole step")
    rest = result.pop("rest (Python, L2 penalty, calls)")
    expected = {
        "gather the batch", "GEMM forward", "bias add", "activation forward",
        "output head (loss + seed)", "GEMM backward", "bias gradients",
        "activation backward", "finiteness check + snapshot", "adam update",
    }  # fmt: skip
    assert set(result) == expected
    assert all(us > 0 for us in result.values()) and bound > 0
    assert sum(result.values()) + rest == pytest.approx(total)
    assert rest >= 0


def test_timed_network_computes_what_the_network_computes():
    profile_step = _load("profile_step")
    from skffnn.network import Network

    rng = np.random.default_rng(0)
    X = rng.standard_normal((30, 4))
    Y = np.eye(3)[rng.integers(0, 3, 30)]
    plain = Network([4, 5, 6, 3], "relu", "log_loss")
    timed = profile_step._TimedNetwork([4, 5, 6, 3], "relu", "log_loss")
    theta = plain.init_params(0)
    loss, grad = plain.loss_and_gradient(theta, X, Y, alpha=0.1)
    timed_loss, timed_grad = timed.loss_and_gradient(theta, X, Y, alpha=0.1)
    assert timed_loss == loss
    np.testing.assert_array_equal(timed_grad, grad)
    assert timed.clock["GEMM forward"] > 0


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_step_floor_runs_the_products_and_the_update_of_every_batch(solver):
    h = _load("_harness")
    gemm = h.GemmBound([8, 6, 3], [5, 5, 2], np.float64)
    update = h.UpdateBound([8, 6, 3], 3, np.float64, solver)
    before = update.theta.copy()
    h.StepFloor(gemm, update).epoch()
    assert not np.array_equal(update.theta, before)


def test_profile_step_prints_both_profiles(capsys):
    profile_step = _load("profile_step")
    assert profile_step.main(["--workload", "small", "--steps", "3"]) == 0
    assert profile_step.main(["--workload", "small", "--in-situ", "--epochs", "1"]) == 0
    out = capsys.readouterr().out
    assert "each phase alone" in out and "inside training" in out
    assert "GEMM inside training / GEMM bound" in out


def test_bench_mlp_quick_run_reports_both_libraries(tmp_path, capsys):
    bench = _load("bench_mlp")
    target = tmp_path / "run.json"
    argv = [
        "--quick", "--workloads", "small", "--libs", "skffnn,sklearn",
        "--threads", "1", "--repeats", "1", "--dtypes", "float64",
        "--json", str(target),
    ]  # fmt: skip
    assert bench.main(argv) == 0
    assert target.exists()
    out = capsys.readouterr().out
    for column in ("GEMM frac", "+upd frac", "skffnn", "sklearn"):
        assert column in out


def test_ab_fit_compares_the_working_tree_with_a_git_revision(capsys):
    import subprocess

    root = BENCH.parent
    inside = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True
    )
    if inside.returncode != 0:
        pytest.skip("not a git checkout: ab_fit.py compares git revisions")
    ab_fit = _load("ab_fit")
    argv = ["--base", "HEAD", "--workload", "small", "--rounds", "1"]
    assert ab_fit.main(argv) == 0
    out = capsys.readouterr().out
    assert "base HEAD" in out and "new / base:" in out
    # The base version was exported and imported apart from the working tree.
    base = sys.modules["skffnn_base"]
    assert not Path(base.__file__).resolve().is_relative_to(root.resolve())


# What a GPU machine that "cannot install anything" has: these distributions
# and their own requirements (cupy too, where installed), nothing else.
_GPU_MACHINE = ("numpy", "scipy", "scikit-learn", "torch", "cupy")

# Run a script with the standard library, the allowed packages' top-level
# modules and the checkout only: no site-packages .pth (so no editable install
# of skffnn), any other package's import fails as where it is missing.
_ISOLATED = """
import importlib.abc, json, runpy, sys
checkout, site_dirs, allowed, script, *args = json.loads(sys.argv[1])
sys.path[:0] = [checkout]
sys.path.extend(site_dirs)
allowed = set(allowed) | set(sys.stdlib_module_names) | {"skffnn", "_distutils_hack"}
class Missing(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        top = name.partition(".")[0]
        if top not in allowed and not top.startswith("_"):
            raise ModuleNotFoundError(f"No module named {top!r}", name=top)
sys.meta_path.insert(0, Missing())
sys.argv = [script, *args]
try:
    runpy.run_path(script, run_name="__main__")
finally:
    print("# skffnn from", sys.modules["skffnn"].__file__)
"""


def _requirement_closure(roots):
    """Top-level module names of ``roots``' distributions and their requirements."""
    from importlib import metadata

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    seen, todo = set(), [canonicalize_name(r) for r in roots]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        seen.add(name)
        for text in dist.requires or ():
            req = Requirement(text)
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                todo.append(canonicalize_name(req.name))
    return sorted(
        top
        for top, dists in metadata.packages_distributions().items()
        if any(canonicalize_name(d) in seen for d in dists)
    )


def test_bench_backends_runs_with_only_gpu_machine_packages_and_pythonpath():
    """As on a GPU machine that cannot install anything: torch, CuPy, numpy,
    scipy and scikit-learn (and what they require) and the checkout on the
    path; no skffnn install, no optional extra (dask, tqdm, array-api-strict)."""
    import json
    import site
    import subprocess

    require_extra("torch", "array-api")
    require_sklearn_version("1.9", "its array API contract, which skffnn follows")
    root = BENCH.parent
    allowed = _requirement_closure(_GPU_MACHINE)
    assert "torch" in allowed and "threadpoolctl" in allowed
    assert "dask" not in allowed and "array_api_strict" not in allowed
    spec = [str(root), site.getsitepackages(), allowed,
            str(BENCH / "bench_backends.py"), "--quick", "--repeats", "1",
            "--threads", "1"]  # fmt: skip
    env = {"PATH": "/usr/bin:/bin", "SCIPY_ARRAY_API": "1"}  # no PYTHONPATH
    run = subprocess.run(
        [sys.executable, "-S", "-c", _ISOLATED, json.dumps(spec)],
        capture_output=True, text=True, env=env, cwd=root, timeout=600,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    out = run.stdout
    for cell in ("| small |", "| lbfgs |", "| predict_proba 100k |", "numpy/torch cpu"):
        assert cell in out
    where = out.rsplit("# skffnn from ", 1)[1].strip()
    assert Path(where).resolve().is_relative_to(root.resolve() / "skffnn")
