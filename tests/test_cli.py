"""The command itself: help, listing, and that answering them never imports torch."""

from __future__ import annotations

import sys

import pytest
from conftest import run_cli

from nnfw.config import locate


def test_help_lists_subcommands_and_every_group_with_its_options():
    result = run_cli("--help")
    assert result.returncode == 0
    for subcommand in ("train", "eval", "predict", "export", "sample", "runs", "tensorboard", "list"):
        assert f"\n  {subcommand} " in result.stdout, subcommand
    for group, options in locate.groups().items():
        assert group in result.stdout
        for option in options:
            assert option in result.stdout, (group, option)


ANSWERED_WITHOUT_TORCH = [
    (("--help",), 0),
    (("list",), 0),
    (("train", "--cfg", "job", "model=mlp", "data=moons"), 0),
    (("train", "model=mlq"), 2),  # a config error
    (("--version",), 0),
    (("--shell-completion", "install=bash"), 0),
]


@pytest.mark.parametrize(("args", "code"), ANSWERED_WITHOUT_TORCH, ids=[" ".join(a) for a, _ in ANSWERED_WITHOUT_TORCH])
def test_answers_without_importing_torch_or_lightning(fresh_answers, args, code):
    table = [a for a, _ in ANSWERED_WITHOUT_TORCH]
    result = fresh_answers([list(a) for a in table])[table.index(args)]
    assert result.code == code
    assert args != ("--version",) or result.out.startswith("nnfw 0.")
    assert "nnfw.cli.main" in result.imported  # the module list was read
    assert "torch" not in result.imported
    assert "lightning" not in result.imported


def test_list_prints_a_group_and_rejects_an_unknown_one():
    listed = run_cli("list", "model")
    assert listed.returncode == 0
    assert listed.stdout.strip() == "model: " + ", ".join(locate.options("model"))
    assert {"mlp", "cnn", "lstm", "transformer"} <= set(locate.options("model"))  # read from conf/model/
    unknown = run_cli("list", "modle")
    assert unknown.returncode == 2
    assert "did you mean 'model'" in unknown.stderr


def test_unknown_subcommand_suggests_the_nearest():
    result = run_cli("trian")
    assert result.returncode == 2
    assert "did you mean 'train'" in result.stderr


def test_train_help_is_hydras_help_for_the_train_config():
    result = run_cli("train", "--help")
    assert result.returncode == 0
    assert "nnfw train" in result.stdout
    assert "== Configuration groups ==" in result.stdout
    assert "optimizer: adagrad, adam, adamw, rmsprop, sgd" in result.stdout
    assert "_loader" not in result.stdout and "_recurrent" not in result.stdout  # bases, not options


def test_checkout_launcher_runs_without_installation(tmp_path):
    import subprocess
    import sys

    from conftest import REPO

    result = subprocess.run([sys.executable, str(REPO / "cli.py"), "list", "optimizer"],
                            cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0
    assert "optimizer: adagrad, adam, adamw, rmsprop, sgd" in result.stdout
    assert "_loader" not in result.stdout and "_recurrent" not in result.stdout  # bases, not options


def test_each_checkpoint_command_has_help_listing_its_options():
    for command, option in (("eval", "split:"), ("predict", "input:"), ("export", "format:")):
        result = run_cli(command, "--help")
        assert result.returncode == 0, result.stderr
        assert f"usage: nnfw {command}" in result.stdout and option in result.stdout
    assert "--sort" in run_cli("runs", "--help").stdout


def test_the_command_leaves_its_objects_to_the_process_end_rather_than_collect_them_at_exit(monkeypatch):
    import gc

    from nnfw.cli.main import entry

    monkeypatch.setattr(sys, "argv", ["nnfw", "--version"])
    with pytest.raises(SystemExit) as stop:
        entry()
    try:
        assert stop.value.code == 0
        assert gc.get_freeze_count() > 0  # frozen: the exit does not walk them
    finally:
        gc.unfreeze()


def test_output_into_a_reader_that_stops_early_ends_without_a_traceback():
    import subprocess

    reader = subprocess.Popen([sys.executable, "-m", "nnfw", "--help"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    reader.stdout.close()  # as `| head -0` would: the pipe's reading end is gone before the help is written
    stderr = reader.stderr.read().decode()
    assert reader.wait() == 1
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr
