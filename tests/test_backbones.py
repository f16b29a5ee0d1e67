"""Pretrained backbones from timm: building, weights from files and caches (never downloaded),
fine-tuning (a frozen start, discriminative rates), and `nnfw embed`.

The networks are timm's `test_resnet` (373k parameters) on 32x32 images, built without
pretrained weights or with weights the tests save themselves.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import ClassVar

import pandas as pd
import pytest
import torch
from image_files import write_image_folder
from lightning.pytorch.callbacks import Callback

try:  # timm needs a torchvision built for this torch; a mismatched one fails with a RuntimeError
    import timm  # noqa: F401
except (ImportError, RuntimeError) as missing:
    pytest.skip(f"model=backbone needs timm and torchvision (pip install -e '.[backbones]'): {missing}",
                allow_module_level=True)

SMALL = ("model=backbone", "model.name=test_resnet", "model.input_size=32")


def backbone(**options):
    from nnfw.models.backbone import Backbone

    return Backbone((1, 8, 8), 10, **{"name": "test_resnet", "pretrained": False, "input_size": 32, **options})


def cli(*argv: str) -> int:
    from nnfw.cli.main import main

    with pytest.raises(SystemExit) as stop:
        main(list(argv))
    return int(stop.value.code or 0)


@pytest.fixture(scope="module")
def weights_file(tmp_path_factory) -> Path:
    """A state dict of a test_resnet backbone, as torch.save writes one."""
    torch.manual_seed(1)
    path = tmp_path_factory.mktemp("weights") / "test_resnet.pth"
    torch.save(backbone().backbone.state_dict(), path)
    return path


def test_a_timm_backbone_trains_one_step_without_pretrained_weights(train):
    result = train(*SMALL, "model.pretrained=false", "data=digits", "trainer.max_steps=1", "trainer.max_epochs=1",
                   "fuse_steps=1")
    assert result.code == 0, result.err
    summary = result.summary
    assert summary["steps"] == 1 and summary["task"] == "multiclass"
    assert summary["parameters"] == 372688 + 96 * 10 + 10  # timm's test_resnet and a head for 10 classes
    from nnfw.run.restore import restore

    restored = restore(result.run_dir / summary["evaluated_checkpoint"])
    assert restored.task.model.input.size == (32, 32)  # digits' 8x8 are resized to 32x32 on the device
    assert restored.task(torch.zeros(2, 1, 8, 8)).shape == (2, 10)


def test_a_saved_weights_file_loads_and_gives_identical_outputs(weights_file, tmp_path):
    from safetensors.torch import save_file

    images = torch.randn(4, 1, 8, 8)
    torch.manual_seed(1)
    original = backbone().eval()
    torch.manual_seed(2)
    loaded = backbone(weights=str(weights_file)).eval()
    assert torch.equal(original.features(images), loaded.features(images))
    save_file(original.state_dict(), tmp_path / "whole.safetensors")  # a Backbone's own state dict: prefixed
    torch.manual_seed(2)
    again = backbone(weights=str(tmp_path / "whole.safetensors")).eval()
    assert torch.equal(loaded(images), again(images))  # the head is new (seeded alike), the backbone the file's


def test_weights_of_another_architecture_exit_2_naming_the_file_and_the_first_missing_weight(train, tmp_path):
    path = tmp_path / "other.pth"
    torch.save({"layer.weight": torch.zeros(3)}, path)
    result = train(*SMALL, f"model.weights={path}", "data=digits", "debug=fast")
    assert result.code == 2
    assert f"model.weights={path} does not fit model.name=test_resnet: it lacks" in result.err
    assert "Traceback" not in result.err


def test_a_missing_weights_file_exits_2_naming_the_path(train, tmp_path):
    missing = tmp_path / "nowhere" / "resnet.pth"
    result = train(*SMALL, f"model.weights={missing}", "data=digits", "debug=fast")
    assert result.code == 2
    assert str(missing) in result.err and "model.weights" in result.err and "Traceback" not in result.err
    from nnfw.errors import UserError

    with pytest.raises(UserError, match=f"model.weights={missing}: no such file"):  # also when built directly
        backbone(weights=str(missing))


@pytest.fixture
def empty_caches(tmp_path, monkeypatch) -> Path:
    """Hugging Face's hub cache and torch hub's folder, empty, under tmp_path."""
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return tmp_path


def test_pretrained_weights_absent_from_the_caches_exit_2_saying_where_to_put_them(train, empty_caches):
    result = train("model=backbone", "model.name=resnet18", "data=digits", "debug=fast")
    assert result.code == 2
    assert "model.name=resnet18 model.pretrained=true: its weights are not on this machine" in result.err
    assert str(empty_caches / "hub") in result.err  # where nnfw looked, so where to put them
    assert str(empty_caches / "torch" / "hub" / "checkpoints" / "resnet18_a1_0-d63eafa0.pth") in result.err
    assert "timm.create_model('resnet18', pretrained=True)" in result.err and "model.weights=PATH" in result.err
    assert "Traceback" not in result.err


def test_pretrained_weights_are_read_from_the_hugging_face_cache_without_the_network(empty_caches):
    from safetensors.torch import save_file

    torch.manual_seed(3)
    source = backbone()
    snapshot = empty_caches / "hub" / "models--timm--test_resnet.r160_in1k" / "snapshots" / "0123abcd"
    snapshot.mkdir(parents=True)
    (snapshot.parents[1] / "refs").mkdir()
    (snapshot.parents[1] / "refs" / "main").write_text("0123abcd")
    save_file(source.backbone.state_dict(), snapshot / "model.safetensors")
    loaded = backbone(pretrained=True)
    images = torch.randn(2, 1, 8, 8)
    assert torch.equal(source.eval().features(images), loaded.eval().features(images))
    assert loaded.freeze_epochs == 1 and loaded.backbone_lr == 0.1  # learned weights: the plan applies
    assert backbone().freeze_epochs == 0 and backbone().backbone_lr == 1.0  # random ones train whole


@pytest.mark.parametrize(("name", "expected"), [
    ("resnet181", "did you mean resnet18"),
    ("resnet18.nope_in1k", "timm has no weights tagged 'nope_in1k' for resnet18"),
])
def test_an_unknown_backbone_exits_2_with_close_timm_names(train, name, expected):
    result = train("model=backbone", f"model.name={name}", "model.pretrained=false", "data=digits", "debug=fast")
    assert result.code == 2
    assert expected in result.err and "Traceback" not in result.err


def test_the_backbone_learns_at_a_fraction_of_the_heads_rate_in_its_own_optimizer_group(weights_file):
    from nnfw.data.spec import DataSpec
    from nnfw.tasks.classification import MulticlassClassification

    spec = DataSpec(task="multiclass", num_features=64, num_classes=10)
    model = backbone(weights=str(weights_file), backbone_lr=0.05)
    task = MulticlassClassification(model, spec, partial(torch.optim.Adam, lr=0.01))
    groups = task.configure_optimizers().param_groups
    assert [(g["name"], g["lr"]) for g in groups] == [("head", 0.01), ("backbone", pytest.approx(0.0005))]
    assert {id(p) for p in groups[1]["params"]} == {id(p) for p in model.backbone.parameters()}
    assert len(groups[0]["params"]) + len(groups[1]["params"]) == len(list(task.parameters()))

    one_cycle = {"scheduler": partial(torch.optim.lr_scheduler.OneCycleLR, max_lr=0.01, total_steps=10)}
    scheduled = MulticlassClassification(model, spec, partial(torch.optim.Adam, lr=0.01), scheduler=one_cycle)
    scheduler = scheduled.configure_optimizers()["lr_scheduler"]["scheduler"]
    assert [g["max_lr"] for g in scheduler.optimizer.param_groups] == [0.01, pytest.approx(0.0005)]
    from_scratch = MulticlassClassification(backbone(), spec, partial(torch.optim.Adam, lr=0.01))
    assert len(from_scratch.configure_optimizers().param_groups) == 1


class GradientProbe(Callback):
    """Per epoch: whether the backbone and the head had gradients at an optimizer step, whether
    the backbone's batch norm trained, and a batch-norm running mean at the epoch's end."""

    epochs: ClassVar[dict[int, dict]] = {}

    def on_before_optimizer_step(self, trainer, pl_module, optimizer) -> None:
        model = pl_module.model
        norm = next(m for m in model.backbone.modules() if isinstance(m, torch.nn.BatchNorm2d))
        GradientProbe.epochs[trainer.current_epoch] = {
            "backbone": any(p.grad is not None for p in model.backbone.parameters()),
            "head": all(p.grad is not None for p in model.head.parameters()),
            "norm_training": norm.training,
        }

    def on_train_epoch_end(self, trainer, pl_module) -> None:
        norm = next(m for m in pl_module.model.backbone.modules() if isinstance(m, torch.nn.BatchNorm2d))
        GradientProbe.epochs[trainer.current_epoch]["running_mean"] = norm.running_mean.clone()


@pytest.mark.slow
def test_the_backbone_is_frozen_for_the_planned_epochs_then_trained(train, weights_file):
    GradientProbe.epochs = {}
    result = train(*SMALL, f"model.weights={weights_file}", "model.freeze_epochs=2", "data=digits",
                   "trainer.max_epochs=4", "+callbacks.probe._target_=test_backbones.GradientProbe")
    assert result.code == 0, result.err
    seen = GradientProbe.epochs
    assert [seen[e]["backbone"] for e in range(4)] == [False, False, True, True]
    assert all(seen[e]["head"] for e in range(4))
    assert [seen[e]["norm_training"] for e in range(4)] == [False, False, True, True]  # freeze_batchnorm
    initial = next(v for k, v in torch.load(weights_file).items() if k.endswith("running_mean"))
    assert torch.equal(seen[1]["running_mean"], initial)  # statistics fixed while frozen
    assert not torch.equal(seen[2]["running_mean"], initial)
    assert "epoch 2: backbone unfrozen" in (result.run_dir / "train.log").read_text()


def test_frozen_batch_norm_may_keep_training_as_fastais_train_bn(weights_file):
    model = backbone(weights=str(weights_file), freeze_batchnorm=False)
    model.freeze_backbone(True)
    model.train()
    norms = [m for m in model.backbone.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    convs = [m for m in model.backbone.modules() if isinstance(m, torch.nn.Conv2d)]
    assert all(m.training and m.weight.requires_grad for m in norms)
    assert not any(m.weight.requires_grad for m in convs)
    model.freeze_backbone(False)
    assert all(p.requires_grad for p in model.parameters())


def test_a_full_batch_run_fuses_epochs_that_divide_the_frozen_ones(weights_file):
    from types import SimpleNamespace

    from nnfw.config.checks import check
    from nnfw.data.spec import DataSpec
    from nnfw.run.speed import epochs_per_step
    from nnfw.tasks.classification import MulticlassClassification

    cfg, _ = check([*SMALL, "data=digits", "data.batch_size=full", "trainer.max_epochs=100",
                    "trainer.check_val_every_n_epoch=10"])
    spec = DataSpec(task="multiclass", num_features=64, num_classes=10)
    for frozen, fused in ((5, 5), (0, 10), (3, 1)):  # gcd(fuse_epochs=50, validation every 10, 100 epochs, frozen)
        task = MulticlassClassification(backbone(weights=str(weights_file), freeze_epochs=frozen), spec,
                                        partial(torch.optim.SGD, lr=0.1))
        assert epochs_per_step(cfg, SimpleNamespace(batch_size="full"), task) == fused


@pytest.mark.slow
def test_embed_writes_one_row_of_backbone_features_per_image(train, tmp_path, weights_file):
    folder = write_image_folder(tmp_path / "pets", per_class=6)
    result = train(*SMALL, f"model.weights={weights_file}", "data=image_folder", f"data.path={folder}",
                   "data.size=16", "trainer.max_epochs=2")
    assert result.code == 0, result.err
    output = tmp_path / "features.csv"
    assert cli("embed", f"run={result.run_dir}", f"input={folder}", f"output={output}") == 0
    frame = pd.read_csv(output)
    files = sorted(folder.rglob("*.png"))
    assert frame["input"].tolist() == [str(f) for f in files]
    assert frame.shape == (len(files), 1 + 96)  # test_resnet's 96 pooled features
    from nnfw.inference.inputs import read_images
    from nnfw.run.restore import restore

    restored = restore(result.run_dir / "checkpoints" / "best.ckpt")
    images, _ = read_images(folder, restored.datamodule)
    with torch.no_grad():
        expected = restored.task.model.features(images)
    assert torch.allclose(torch.tensor(frame.drop(columns="input").to_numpy(), dtype=torch.float32), expected, atol=1e-5)


@pytest.mark.slow
def test_a_run_from_a_weights_file_predicts_after_the_file_is_gone(train, tmp_path, weights_file):
    copy = tmp_path / "weights.pth"
    copy.write_bytes(weights_file.read_bytes())
    result = train(*SMALL, f"model.weights={copy}", "data=digits", "trainer.max_epochs=1")
    assert result.code == 0, result.err
    copy.unlink()  # the checkpoint holds the weights; restoring reads no file and no cache
    folder = write_image_folder(tmp_path / "digits", classes=("a", "b"), per_class=2)
    output = tmp_path / "predictions.csv"
    assert cli("predict", f"run={result.run_dir}", f"input={folder}", f"output={output}") == 0
    assert len(pd.read_csv(output)) == 4


BACKBONE_ANSWERS = [
    ["train", "--cfg", "job", "model=backbone", "data=digits"],
    ["train", "model=backbone", "data=digits", "model.freeze_epochs=-1"],
    ["embed", "--help"],
]


def test_backbone_configs_and_embed_help_answer_without_torch_or_timm(fresh_answers):
    answers = fresh_answers(BACKBONE_ANSWERS)
    assert [a.code for a in answers] == [0, 2, 0]
    assert "model.freeze_epochs must be >= 0" in answers[1].err
    assert "input:" in answers[2].out
    assert not {"torch", "timm", "torchvision"} & answers[-1].imported


@pytest.mark.slow
def test_the_transfer_experiments_chain_pretraining_into_fine_tuning(train, tmp_path):
    pretrained = train("experiment=backbone_pretrain", "trainer.max_epochs=1", f"hydra.run.dir={tmp_path / 'pre'}")
    assert pretrained.code == 0, pretrained.err
    assert pretrained.summary["data"]["class_names"] == ["0", "1", "2", "3", "4"]
    weights = tmp_path / "pre" / "checkpoints" / "best.ckpt"
    tuned = train("experiment=backbone_finetune", f"model.weights={weights}", "trainer.max_epochs=2")
    scratch = train("experiment=backbone_scratch", "trainer.max_epochs=2")
    for result in (tuned, scratch):
        assert result.code == 0, result.err
        assert result.summary["data"]["class_names"] == ["5", "6", "7", "8", "9"]
        assert result.summary["data"]["splits"] == {"train": 40, "val": 40, "test": 120}
    assert tuned.summary["parameters"] == scratch.summary["parameters"] == pretrained.summary["parameters"] == 317345
    assert "epoch 1: backbone unfrozen" in (tuned.run_dir / "train.log").read_text()
    assert "backbone unfrozen" not in (scratch.run_dir / "train.log").read_text()
