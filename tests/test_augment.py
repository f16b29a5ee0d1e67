"""Augmentation of images, series and texts: training batches change, validation and test batches never."""

from __future__ import annotations

from typing import ClassVar

import pytest
import torch
from lightning.pytorch.callbacks import Callback


class BatchProbe(Callback):
    """Keeps a copy of every batch the model is handed while fitting and testing, by stage."""

    seen: ClassVar[dict[str, list[torch.Tensor]]] = {}

    def _keep(self, stage: str, batch) -> None:
        inputs = batch[0] if isinstance(batch, (tuple, list)) and not isinstance(batch[0], (tuple, list)) else None
        if inputs is not None:
            BatchProbe.seen.setdefault(stage, []).append(inputs.detach().cpu().clone())

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx) -> None:
        self._keep("train", batch)

    def on_validation_batch_start(self, trainer, pl_module, batch, batch_idx, dataloader_idx=0) -> None:
        self._keep(f"val_{trainer.state.fn.value}", batch)

    def on_test_batch_start(self, trainer, pl_module, batch, batch_idx, dataloader_idx=0) -> None:
        self._keep("test", batch)


def batches_seen(train, *overrides: str) -> dict[str, list[torch.Tensor]]:
    BatchProbe.seen = {}
    result = train(*overrides, "+callbacks.batch_probe._target_=test_augment.BatchProbe", "trainer.max_epochs=2")
    assert result.code == 0, result.err
    return dict(BatchProbe.seen)


AUGMENTED = {
    "images": ("model=cnn", "data=digits", "model.channels=[4]", "model.hidden_sizes=[]", "fuse_steps=1"),
    "series": ("model=mlp", "data=timeseries", "fuse_steps=1"),
    "texts": ("model=bag_of_embeddings", "data=text_classification", "fuse_steps=1"),
}
CHANGES = {
    "images": ("data.augment.flip=true", "data.augment.scale=[0.5,1]", "data.augment.rotation=10",
               "data.augment.brightness=0.3", "data.augment.contrast=0.3", "data.augment.noise=0.05"),
    "series": ("data.augment.jitter=0.1", "data.augment.scaling=0.1", "data.augment.slicing=0.8"),
    "texts": ("data.augment.rate=0.3",),
}


@pytest.mark.slow
@pytest.mark.parametrize("kind", list(AUGMENTED))
def test_augmentation_changes_training_batches_only(train, kind):
    plain = batches_seen(train, *AUGMENTED[kind])
    augmented = batches_seen(train, *AUGMENTED[kind], *CHANGES[kind])
    assert set(plain) == set(augmented) >= {"train", "val_fit", "val_validate", "test"}, set(plain)
    for stage in ("val_fit", "val_validate", "test"):  # the same batches, untouched
        assert len(plain[stage]) == len(augmented[stage])
        assert all(torch.equal(a, b) for a, b in zip(plain[stage], augmented[stage])), stage
    assert len(plain["train"]) == len(augmented["train"])
    assert all(a.shape == b.shape and a.dtype == b.dtype for a, b in zip(plain["train"], augmented["train"]))
    assert not any(torch.equal(a, b) for a, b in zip(plain["train"], augmented["train"]))  # every batch changed


def test_colours_change_pixel_values_as_the_data_standardized_them():
    from nnfw.data.augment import Augment

    torch.manual_seed(0)
    mean, std = torch.tensor([0.2, 0.4, 0.6]).view(3, 1, 1), torch.tensor([0.1, 0.2, 0.3]).view(3, 1, 1)
    pixels = torch.rand(16, 3, 8, 8)
    pixels[:, :, 0, 0] = 0.0  # black stays black whatever the brightness
    augment = Augment(brightness=0.5)
    augment.standardized_with(mean.numpy(), std.numpy())
    changed = augment((pixels - mean) / std) * std + mean
    ratio = changed[:, :, 1:, 1:] / pixels[:, :, 1:, 1:]
    factor = ratio.flatten(1).median(1).values
    assert torch.allclose(changed[:, :, 0, 0], torch.zeros(16, 3), atol=1e-6)
    assert torch.allclose(ratio, factor.view(-1, 1, 1, 1).expand_as(ratio), atol=1e-4)  # one factor per image
    assert ((factor >= 0.5) & (factor <= 1.5)).all() and factor.std() > 0.05


def test_grey_images_keep_their_shade_under_saturation_and_gain_noise():
    from nnfw.data.augment import Augment

    images = torch.rand(8, 1, 8, 8)
    assert torch.equal(Augment(saturation=0.9)(images), images)
    noisy = Augment(noise=0.1)(images)
    assert 0.08 < (noisy - images).std() < 0.12


def test_a_random_resized_crop_zooms_in_without_uncovering_a_border():
    from nnfw.data.augment import Augment

    torch.manual_seed(0)
    ones = torch.ones(32, 1, 16, 16)
    assert torch.allclose(Augment(scale=(0.2, 0.6))(ones), ones, atol=1e-5)  # the crop lies inside the image
    assert (Augment(crop_padding=3)(ones) == 0).any()  # a shift uncovers zeros
    ramp = torch.linspace(0, 1, 16).repeat(16, 1).expand(32, 1, 16, 16)
    cropped = Augment(scale=(0.25, 0.25), ratio=(1, 1))(ramp)
    spans = cropped[:, 0, 8, -1] - cropped[:, 0, 8, 0]
    assert torch.allclose(spans, torch.full((32,), 0.5), atol=0.05)  # half the width, stretched


def test_series_scaling_scales_the_targets_and_slicing_keeps_the_last_value():
    from nnfw.data.augment_series import SeriesAugment

    torch.manual_seed(0)
    windows = torch.cumsum(torch.rand(64, 30), 1) + 100
    targets = windows[:, -1] + 1
    scaled, scaled_targets = SeriesAugment(scaling=0.2).batch(windows, targets)
    factor = scaled[:, 0] / windows[:, 0]
    assert torch.allclose(scaled, windows * factor[:, None]) and torch.allclose(scaled_targets, targets * factor)
    assert factor.std() > 0.1
    sliced, same_targets = SeriesAugment(slicing=0.5).batch(windows, targets)
    assert torch.equal(same_targets, targets)
    assert torch.allclose(sliced[:, -1], windows[:, -1])
    assert (sliced[:, 0] >= windows[:, 0]).all() and (sliced[:, 0] <= windows[:, 15] + 1e-4).all()
    jittered, kept = SeriesAugment(jitter=0.5).batch(windows, targets)
    assert torch.equal(kept, targets) and not torch.equal(jittered, windows)


def test_word_dropout_never_touches_padding():
    from nnfw.data.augment_text import TokenDropout

    ids = torch.tensor([[0, 0, 5, 6, 7], [0, 2, 3, 4, 8]]).repeat(50, 1)
    assert torch.equal(TokenDropout(rate=1.0)(ids), torch.where(ids == 0, 0, 1))
    dropped = TokenDropout(rate=0.3)(ids)
    share = ((dropped == 1) & (ids > 1)).sum() / (ids > 1).sum()
    assert 0.2 < share < 0.4 and torch.equal(dropped[ids == 0], ids[ids == 0])


@pytest.mark.parametrize(("override", "named"), [
    ("data.augment.scale=[0.5,2]", "data.augment.scale must be a [low, high] pair"),
    ("data.augment.brightness=1.5", "data.augment.brightness must be < 1"),
    ("data.augment.crop_padding=-1", "data.augment.crop_padding must be >= 0"),
])
def test_a_bad_augmentation_value_exits_2_naming_it(train, override, named):
    result = train("model=cnn", "data=digits", override)
    assert result.code == 2
    assert named in result.err and "Traceback" not in result.err


def test_a_series_slicing_share_outside_0_1_exits_2(train):
    result = train("model=mlp", "data=timeseries", "data.augment.slicing=0")
    assert result.code == 2 and "data.augment.slicing must be > 0" in result.err


@pytest.mark.slow
def test_augmented_png_shows_the_training_images_and_their_versions(train):
    plain = train("model=cnn", "data=digits", "model.channels=[4]", "trainer.max_epochs=1")
    result = train("model=cnn", "data=digits", "model.channels=[4]", "trainer.max_epochs=1", "data.augment.flip=true",
                   "data.augment.noise=0.1")
    assert result.code == 0 and plain.code == 0, result.err
    assert not (plain.run_dir / "augmented.png").exists()
    from PIL import Image

    with Image.open(result.run_dir / "augmented.png") as picture:
        width, height = picture.size
    assert width > height * 0.9  # 8 columns (the image and 7 versions) of 8 rows
    events = b"".join(path.read_bytes() for path in (result.run_dir / "tensorboard").glob("events.*"))
    assert b"images/augmented" in events


@pytest.mark.slow
def test_augmented_batches_train_alike_in_fused_steps_and_one_step_at_a_time(train):
    """An augmented block changes each batch as its step takes it: with dropout drawing from
    the same random stream, blocks of 4 steps give the weights Lightning's own loop gives."""
    weights = {}
    for fuse in (1, 4):
        result = train("model=cnn", "data=digits", "model.channels=[4]", "model.hidden_sizes=[16]",
                       "regularization.dropout=0.2", "trainer.max_epochs=2", f"fuse_steps={fuse}",
                       *CHANGES["images"])
        assert result.code == 0, result.err
        weights[fuse] = torch.load(result.run_dir / "checkpoints" / "last.ckpt", weights_only=True)["state_dict"]
    assert weights[1].keys() == weights[4].keys()
    for name, value in weights[1].items():
        assert torch.equal(weights[4][name], value), name
