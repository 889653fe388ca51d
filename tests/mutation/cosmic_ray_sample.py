"""Operator mutants of skffnn's modules by cosmic-ray, sampled, each on its fast tests.

cosmic-ray (a mutation tool, not a dependency of skffnn) makes every mutant of
a module that its operators define: a ``+`` made ``-``, a ``<`` made ``<=``, a
constant changed, a ``break`` made ``continue``, ... Most modules have
hundreds, each needing a test run, so this script draws a sample of them
(``--per-module``, seeded) and runs only those, each against the module's own
fast test files (``MODULE_TESTS``), which stop at the first failure. The
others are marked skipped in cosmic-ray's session database.

Install cosmic-ray outside the interpreter under test, and point to it::

    python -m pip install --target /tmp/cr cosmic-ray==8.7.0
    python tests/mutation/cosmic_ray_sample.py --cosmic-ray /tmp/cr
    python tests/mutation/cosmic_ray_sample.py --cosmic-ray /tmp/cr \\
        --modules _losses _solvers --per-module 40 --json /tmp/mutants.json

The work runs in a scratch copy (of the working tree, or of ``--rev``), never in
the working tree. cosmic-ray runs in its own process with its own packages on
``sys.path``; the tests run in a clean subprocess whose ``skffnn`` is the
copy's. It reports, per module, the mutants made, sampled, killed (a test
failed, or the tests timed out) and survived, and writes each survivor's diff,
to be judged: equivalent, not worth a test, or a hole to fill.

Exit status: 0 when no sampled mutant survived, 1 when some did, 2 on a setup
error.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from plant_faults import _copy_tree

# The fast test files that guard each module (the oracle files first: with -x
# a killed mutant stops at its first failure). Update when files move.
PINNED = "tests/test_pinned_paths.py"
MODULE_TESTS = {
    "_callbacks": [PINNED, "tests/test_callbacks.py"],
    "_dask": [PINNED, "tests/test_dask.py"],
    "_persistence": [PINNED, "tests/test_persistence.py"],
    "_losses": [
        PINNED, "tests/test_heads.py", "tests/test_parity.py", "tests/test_network.py",
    ],
    "_solvers": [PINNED, "tests/test_solvers.py", "tests/test_parity.py"],
    "_training": [
        PINNED, "tests/test_parity.py", "tests/test_estimators.py",
        "tests/test_callbacks.py", "tests/test_reliability.py",
    ],
    "_solver_objects": [
        PINNED, "tests/test_fit_path.py", "tests/test_parity.py",
        "tests/test_estimators.py",
    ],
    "_target": [
        PINNED, "tests/test_fit_path.py", "tests/test_estimators.py",
        "tests/test_heads.py",
    ],
}  # fmt: skip
# Test files that appear later (the refactor's, this issue's) are added to every
# module's command when they exist.
EXTRA_TESTS = [
    "tests/test_fit_path.py", "tests/test_arguments.py", "tests/test_side_effects.py",
]  # fmt: skip

# Run cosmic-ray with its own packages first on sys.path, in its own process only.
_LAUNCH = (
    "import sys; sys.path.insert(0, sys.argv.pop(1)); "
    "from cosmic_ray.cli import cli; sys.argv[0] = 'cosmic-ray'; cli()"
)


def _cosmic_ray(cr_path: str, copy: Path, *args: str) -> None:
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    env.pop("PYTHONPATH", None)  # the tests must import the copy's skffnn only
    subprocess.run(
        [sys.executable, "-c", _LAUNCH, cr_path, *args], cwd=copy, env=env, check=True
    )


def _config(module: str, tests: list[str], timeout: float) -> str:
    command = " ".join(
        [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider",
         "-p", "no:randomly", "-m", "'not slow'", *tests]
    )  # fmt: skip
    return (
        "[cosmic-ray]\n"
        f'module-path = "skffnn/{module}.py"\n'
        f"timeout = {timeout}\n"
        "excluded-modules = []\n"
        f'test-command = "{command}"\n'
        "\n[cosmic-ray.distributor]\n"
        'name = "local"\n'
    )


def _annotation_spans(path: Path) -> list[tuple]:
    """``((line, col), (end_line, end_col))`` of every annotation in the module."""
    spans = []
    for node in ast.walk(ast.parse(path.read_text())):
        found = []
        if isinstance(node, ast.arg | ast.AnnAssign) and node.annotation is not None:
            found.append(node.annotation)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.returns:
            found.append(node.returns)
        spans += [
            ((a.lineno, a.col_offset), (a.end_lineno, a.end_col_offset)) for a in found
        ]
    return spans


def _in_spans(item, spans) -> bool:
    start = tuple(item.mutations[0].start_pos)
    return any(lo <= start < hi for lo, hi in spans)


def _identity(item) -> tuple:
    m = item.mutations[0]
    return (str(m.module_path), tuple(m.start_pos), m.operator_name, m.occurrence)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--cosmic-ray", required=True, metavar="DIR",
        help="folder where cosmic-ray is installed (pip install --target DIR)",
    )  # fmt: skip
    parser.add_argument(
        "--modules", nargs="+", default=list(MODULE_TESTS), choices=list(MODULE_TESTS)
    )
    parser.add_argument(
        "--per-module", type=int, default=20, help="mutants drawn per module (0: all)"
    )
    parser.add_argument(
        "--sample", nargs="+", default=[], metavar="MODULE=N",
        help="another sample size for a module, e.g. _dask=10 (its tests are slow)",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=0, help="seeds the draw")
    parser.add_argument("--timeout", type=float, default=240.0, help="s per mutant")
    parser.add_argument("--rev", help="copy this git revision, not the working tree")
    parser.add_argument("--overlay", nargs="+", default=[], metavar="PATH")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--keep", action="store_true", help="keep the scratch copy")
    args = parser.parse_args(argv)
    sizes = dict.fromkeys(args.modules, args.per_module)
    for spec in args.sample:
        module, _, n = spec.partition("=")
        if module not in MODULE_TESTS or not n.isdigit():
            parser.error(f"--sample takes MODULE=N with a known module, got {spec!r}")
        sizes[module] = int(n)
    cr_path = str(Path(args.cosmic_ray).resolve())
    sys.path.insert(0, cr_path)
    from cosmic_ray.work_db import WorkDB, use_db
    from cosmic_ray.work_item import WorkerOutcome, WorkResult

    scratch = Path(tempfile.mkdtemp(prefix="skffnn-cosmic-ray-"))
    rows, survivors = [], []
    try:
        copy = scratch / "repo"
        copy.mkdir()
        _copy_tree(copy, args.rev, args.overlay)
        print(f"scratch copy: {copy} ({args.rev or 'working tree'})", flush=True)
        for module in args.modules:
            tests = MODULE_TESTS[module] + [
                t for t in EXTRA_TESTS if (copy / t).is_file()
            ]
            tests = [t for t in tests if (copy / t).is_file()]
            cfg = scratch / f"{module}.toml"
            db_path = scratch / f"{module}.sqlite"
            cfg.write_text(_config(module, tests, args.timeout))
            _cosmic_ray(cr_path, copy, "init", str(cfg), str(db_path))
            spans = _annotation_spans(copy / f"skffnn/{module}.py")
            with use_db(str(db_path), WorkDB.Mode.open) as db:
                # job ids are random: order by what the mutant is, so that a
                # seed draws the same mutants of the same source every time
                items = sorted(db.work_items, key=_identity)
                made = len(items)
                # a mutant inside a type annotation is equivalent (the
                # annotations are never evaluated): not drawn
                live = [w for w in items if not _in_spans(w, spans)]
                draw = random.Random(f"{args.seed}-{module}")
                n = len(live) if sizes[module] <= 0 else min(sizes[module], len(live))
                keep = {w.job_id for w in draw.sample(live, n)}
                db.set_multiple_results(
                    [w.job_id for w in items if w.job_id not in keep],
                    WorkResult(worker_outcome=WorkerOutcome.SKIPPED),
                )
            start = time.monotonic()
            _cosmic_ray(cr_path, copy, "exec", str(cfg), str(db_path))
            secs = time.monotonic() - start
            counts = {"killed": 0, "survived": 0, "incompetent": 0, "other": 0}
            with use_db(str(db_path), WorkDB.Mode.open) as db:
                for item, result in db.completed_work_items:
                    if item.job_id not in keep:
                        continue
                    outcome = (result.test_outcome or result.worker_outcome).value
                    key = outcome if outcome in counts else "other"
                    counts[key] += 1
                    if outcome == "survived":
                        m = item.mutations[0]
                        found = dict(
                            module=module, operator=m.operator_name,
                            line=m.start_pos[0], diff=result.diff,
                        )  # fmt: skip
                        survivors.append(found)
                        # printed now: a run cut short still shows its survivors
                        print(
                            f"-- survived: {module} line {found['line']} "
                            f"({found['operator']})\n{(result.diff or '').strip()}",
                            flush=True,
                        )
            row = dict(
                module=module, made=made, annotations=made - len(live), sampled=n,
                seconds=round(secs),
            )  # fmt: skip
            row.update(counts)
            rows.append(row)
            if args.json:  # after each module: a run cut short keeps its results
                args.json.write_text(
                    json.dumps(
                        dict(seed=args.seed, modules=rows, survivors=survivors),
                        indent=1,
                    )
                )
            print(
                f"{module:13s} made {made:4d}  in annotations {made - len(live):3d}"
                f"  sampled {n:3d}  killed "
                f"{counts['killed']:3d}  survived {counts['survived']:3d}  "
                f"incompetent {counts['incompetent']:2d}  other {counts['other']:2d}"
                f"  {secs:5.0f} s",
                flush=True,
            )
        print(f"\n{len(survivors)} survivor(s) of {sum(r['sampled'] for r in rows)}")
        for row in rows:
            print(
                f"{row['module']:13s} made {row['made']:4d}  in annotations "
                f"{row['annotations']:3d}  sampled "
                f"{row['sampled']:3d}  killed {row['killed']:3d}  survived "
                f"{row['survived']:3d}  incompetent {row['incompetent']:2d}  "
                f"other {row['other']:2d}  {row['seconds']:5d} s"
            )
        return 1 if survivors else 0
    finally:
        if args.keep:
            print(f"kept {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
