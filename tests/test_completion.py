"""Shell completion: subcommands, config groups and their options, config keys, Trainer arguments."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, run_cli

QUERIES = [
    ("nnfw tr", ["train"]),
    ("nnfw train mod", ["model.", "model="]),
    ("nnfw train model=cnn data=mn", ["data=mnist"]),
    ("nnfw train trainer.max_s", ["trainer.max_steps="]),
    ("nnfw train -m optimizer.l", ["optimizer.lr="]),
    ("nnfw eval r", ["run="]),
    ("nnfw sample ", ["ckpt=", "length=", "n=", "output=", "prompt=", "run=", "seed=", "temperature=", "top_k="]),
    ("nnfw train model=", None),  # every model option
]


@pytest.fixture(scope="module")
def query(fresh_answers):
    """What `nnfw -sc query=bash` answers for the line being typed, as the installed script asks;
    every line of QUERIES answered in one interpreter."""
    lines = [line for line, _ in QUERIES]
    answers = fresh_answers([["-sc", "query=bash"]] * len(lines), [{"COMP_LINE": line} for line in lines])

    def answer(line: str) -> list[str]:
        result = answers[lines.index(line)]
        assert result.code == 0, result.err
        assert "torch" not in result.imported and "lightning" not in result.imported
        return result.out.split()

    return answer


@pytest.mark.parametrize(("line", "expected"), [q for q in QUERIES if q[1] is not None])
def test_the_query_offers_what_may_follow(query, line: str, expected: list[str]) -> None:
    assert query(line) == expected


def test_a_group_offers_its_options(query) -> None:
    from nnfw.config import locate

    assert query("nnfw train model=") == [f"model={option}" for option in locate.options("model")]


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_the_installed_bash_script_completes_nnfw_alone(tmp_path: Path) -> None:
    shim = tmp_path / "bin" / "nnfw"  # `nnfw` on the PATH, running this checkout
    shim.parent.mkdir()
    shim.write_text(f'#!/bin/sh\nPYTHONPATH={REPO} exec {sys.executable} -m nnfw "$@"\n')
    shim.chmod(0o755)
    installed = run_cli("train", "-sc", "install=bash")  # as Hydra users type it
    assert installed.returncode == 0, installed.stderr
    assert installed.stdout.rstrip().endswith("_nnfw_completion nnfw")
    script = tmp_path / "completion.bash"
    script.write_text(installed.stdout)
    completed = subprocess.run(
        ["bash", "-c", f'source {script}; COMP_LINE="nnfw train optimizer=ad"; COMP_WORDS=(nnfw train optimizer=ad); '
                       'COMP_CWORD=2; _nnfw_completion; echo "${COMPREPLY[@]}"; complete -p'],
        capture_output=True, text=True, env={"PATH": f"{shim.parent}:/usr/bin:/bin"}, timeout=120)
    lines = completed.stdout.splitlines()
    assert lines[0].split() == ["optimizer=adagrad", "optimizer=adam", "optimizer=adamw"]
    assert [line.split()[-1] for line in lines[1:]] == ["nnfw"]  # registered for nnfw, not for `train`


def test_zsh_runs_the_same_script_through_bashcompinit() -> None:
    installed = run_cli("--shell-completion", "install=zsh")
    assert installed.returncode == 0
    assert installed.stdout.startswith("autoload -U +X bashcompinit && bashcompinit\n")


def test_completion_without_an_action_says_how_to_install_it() -> None:
    result = run_cli("train", "--shell-completion")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert 'eval "$(nnfw --shell-completion install=bash)"' in result.stderr
