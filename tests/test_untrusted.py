"""A checkpoint from a stranger can only rebuild a model, its data, optimizer and scheduler: never start work."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from conftest import run_in_process

#: section -> (what the stranger stores there, words the refusal names); MARK is a path the payload would create
SHAPES = {
    "an entry point in data": (
        "data", {"_target_": "nnfw.cli.main.main", "argv": ["train", "data=xor", "hydra.run.dir=MARK"]},
        ["config.data", "'nnfw.cli.main.main', a function, not a lightning.pytorch.LightningDataModule class"]),
    "a callable in optimizer": (
        "optimizer", {"_target_": "torch.save", "obj": 1, "f": "MARK"},
        ["config.optimizer", "'torch.save', a function, not a torch.optim.Optimizer class"]),
    "a Lightning class that is not a building block": (
        "model", {"_target_": "nnfw.artifacts.saving.InterruptCheckpoint", "dirpath": "MARK"},
        ["config.model", "'nnfw.artifacts.saving.InterruptCheckpoint', a class, not a torch.nn.Module class"]),
    "a Lightning trainer in data": (
        "data", {"_target_": "lightning.pytorch.Trainer", "default_root_dir": "MARK"},
        ["config.data", "foreign _target_ 'lightning.pytorch.Trainer'"]),
    "a nested _target_ in model": (
        "model", {"_target_": "nnfw.models.linear.Linear", "init": {"_target_": "pathlib.Path.mkdir", "self": "MARK"}},
        ["config.model.init", "'pathlib.Path.mkdir' where no class is built"]),
    "an entry point as the model's task": (
        "model", {"_target_": "nnfw.models.linear.Linear", "_task_": "nnfw.cli.main.main"},
        ["config.model._task_", "'nnfw.cli.main.main', not a LightningModule class"]),
    "a foreign task": (
        "task", "subprocess.Popen", ["config.task", "foreign task 'subprocess.Popen'"]),
    "_args_ in model": (
        "model", {"_target_": "nnfw.models.linear.Linear", "_args_": ["MARK"]},
        ["config.model holds _args_"]),
    "_partial_ in data": (
        "data", {"_target_": "nnfw.data.arrays.ArrayDataModule", "_partial_": True},
        ["config.data holds _partial_"]),
}


def stranger(checkpoint: Path, section: str, node: dict, mark: Path, to: Path) -> Path:
    stored = torch.load(checkpoint, weights_only=True)
    stored["nnfw"]["config"][section] = json.loads(json.dumps(node).replace("MARK", str(mark)))
    torch.save(stored, to)
    return to


@pytest.mark.parametrize("command", ["eval", "export"])
@pytest.mark.parametrize("shape", SHAPES)
def test_a_stored_section_naming_anything_but_its_building_block_is_refused(small_checkpoint, tmp_path, capsys, shape,
                                                                           command):
    section, node, words = SHAPES[shape]
    mark, output = tmp_path / "started", tmp_path / "out"
    path = stranger(small_checkpoint, section, node, mark, tmp_path / "stranger.ckpt")
    before = sorted(tmp_path.rglob("*"))
    code, err = run_in_process([command, f"ckpt={path}", f"output={output}"], capsys)
    assert code == 2, err
    assert err.startswith(f"nnfw: error: refusing to load {path}")
    for word in words:
        assert word in err
    assert "Traceback" not in err
    assert not mark.exists() and not output.exists()
    assert sorted(tmp_path.rglob("*")) == before


def test_a_stored_config_of_nnfws_own_building_blocks_loads(small_checkpoint):
    from nnfw.artifacts.checkpoints import load_checkpoint

    assert load_checkpoint(small_checkpoint)["nnfw"]["config"]["model"]["_target_"] == "nnfw.models.linear.Linear"


def test_a_checkpoint_from_a_newer_nnfw_says_so(small_checkpoint, tmp_path, capsys):
    stored = torch.load(small_checkpoint, weights_only=True)
    stored["nnfw"]["version"] = "99.0"
    newer = tmp_path / "newer.ckpt"
    torch.save(stored, newer)
    code, err = run_in_process(["eval", f"ckpt={newer}"], capsys)
    assert code == 2
    assert "was written by nnfw 99.0, newer than this nnfw" in err


def test_evaluating_a_gpu_trained_checkpoint_without_a_gpu_names_the_option_to_change(small_checkpoint, tmp_path,
                                                                                       capsys):
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    stored = torch.load(small_checkpoint, weights_only=True)
    stored["nnfw"]["config"]["trainer"]["accelerator"] = "gpu"
    on_gpu = tmp_path / "gpu.ckpt"
    torch.save(stored, on_gpu)
    output = tmp_path / "eval.json"
    code, err = run_in_process(["eval", f"ckpt={on_gpu}", f"output={output}"], capsys)
    assert code == 2
    assert "accelerator=gpu needs a CUDA GPU" in err and "accelerator=cpu" in err and "Traceback" not in err
    assert not output.exists()
    assert run_in_process(["eval", f"ckpt={on_gpu}", "accelerator=cpu", f"output={output}"], capsys)[0] == 0
    assert output.is_file()
