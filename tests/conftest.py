"""Helpers that run nnfw the way users do: the real CLI, in this process or in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
QUIET = ["trainer.enable_progress_bar=false", "print_config=false", "callbacks.model_summary=null"]


def pytest_configure(config: pytest.Config) -> None:
    """pytest-xdist runs the suite in one worker per CPU (`-n auto`): each worker's runs and
    subprocesses compute on their share of the CPUs, not all of them, as nnfw's parallel sweep
    jobs do. A user's OMP_NUM_THREADS wins."""
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    if workers > 1:
        from nnfw.run.threads import usable_cpus

        os.environ.setdefault("OMP_NUM_THREADS", str(max(1, usable_cpus() // workers)))


@dataclass
class Result:
    code: int
    out: str
    err: str
    run_dir: Path

    @property
    def summary(self) -> dict[str, Any]:
        return json.loads((self.run_dir / "summary.json").read_text())

    @property
    def metrics(self) -> dict[str, float]:
        return self.summary["metrics"]


@pytest.fixture
def train(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    """Run `nnfw train ARGS` in this process (torch is imported once per session) into tmp_path."""
    from nnfw.cli.main import main

    counter = iter(range(1000))

    def run(*args: str, quiet: bool = True) -> Result:
        given = [a.split("=", 1)[1] for a in args if a.startswith("hydra.run.dir=")]
        run_dir = Path(given[0]) if given else tmp_path / f"run{next(counter)}"
        argv = ["train", *(QUIET if quiet else []), *args, *([] if given else [f"hydra.run.dir={run_dir}"])]
        try:
            main(argv)
        except SystemExit as stop:
            code = int(stop.code or 0)
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err, run_dir)

    return run


def run_cli(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
            python_flags: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    """`nnfw ARGS` in a fresh interpreter, as a user's shell would run it."""
    return subprocess.run(
        [sys.executable, *python_flags, "-m", "nnfw", *args],
        cwd=cwd or REPO, capture_output=True, text=True, timeout=600,
        env={**os.environ, "COLUMNS": "120", **(env or {})},
    )


@dataclass
class Answer:
    code: int
    out: str
    err: str
    imported: frozenset[str]  # every module loaded by the end of this answer (and of those before it)


ANSWER_EACH = """
import contextlib, io, json, os, sys
calls, written, answers = json.loads(sys.argv[1]), sys.argv[2], []  # nnfw train rewrites sys.argv for Hydra
for argv, env in calls:
    os.environ.update(env)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        from nnfw.cli.main import main
        try:
            main(argv)
            code = 0
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else int(stop.code is not None)
    for name in env:
        del os.environ[name]
    answers.append({"code": code, "out": out.getvalue(), "err": err.getvalue(), "imported": sorted(sys.modules)})
with open(written, "w") as file:
    json.dump(answers, file)
"""


@pytest.fixture(scope="session")
def fresh_answers(tmp_path_factory: pytest.TempPathFactory):
    """`fresh_answers(ARGVS, ENVS)`: `nnfw ARGV` with ENV set, for each ARGV, one after another in
    one fresh interpreter, as a user's shell would start it: a table of answers that must come
    before torch is imported costs one interpreter, not one each, and each table runs once a
    session. A module that one answer imports shows in its own `imported` and every later one."""
    tables: dict[str, list[Answer]] = {}

    def answers(argvs: list[list[str]], envs: list[dict[str, str]] | None = None) -> list[Answer]:
        calls = json.dumps(list(zip(argvs, envs or [{}] * len(argvs))))
        if calls not in tables:
            written = tmp_path_factory.mktemp("answers") / "answers.json"
            subprocess.run([sys.executable, "-c", ANSWER_EACH, calls, str(written)], cwd=REPO, check=True,
                           timeout=600, env={**os.environ, "COLUMNS": "120"})
            tables[calls] = [Answer(a["code"], a["out"], a["err"], frozenset(a["imported"]))
                             for a in json.loads(written.read_text())]
        return tables[calls]

    return answers


def run_in_process(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """`nnfw ARGV` in this process: its exit status and what it printed to stderr."""
    from nnfw.cli.main import main

    with pytest.raises(SystemExit) as stop:
        main(argv)
    return int(stop.value.code or 0), capsys.readouterr().err


@pytest.fixture(scope="session")
def small_checkpoint(tmp_path_factory) -> Path:
    """The best checkpoint of a one-epoch linear model on XOR, shared by the session's tests,
    which read it and check that nothing is written beside it."""
    from nnfw.cli.main import main

    run_dir = tmp_path_factory.mktemp("small") / "run"
    with pytest.raises(SystemExit) as stop:
        main(["train", *QUIET, "data=xor", "model=linear", "trainer.max_epochs=1", "logger=none",
              f"hydra.run.dir={run_dir}"])
    assert stop.value.code == 0
    return run_dir / "checkpoints" / "best.ckpt"
