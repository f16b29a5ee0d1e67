"""Image data, the cnn model and the pictures of an image run, end to end through the real command."""

from __future__ import annotations

import sys

import numpy as np
import pytest
import torch
from image_files import write_cifar10, write_image_folder, write_mnist
from PIL import Image

from nnfw.views import figures, pictures

BUILT_IN = ["digits", "shapes", "patterns"]
FROM_FILES = {  # data option -> writes its tiny files under a root, in the real formats
    "mnist": write_mnist,
    "fashion_mnist": lambda root: write_mnist(root, "FashionMNIST", gz=True),
    "cifar10": write_cifar10,
    "image_folder": write_image_folder,
    "image_files": write_image_folder,
}
SHAPES = {"digits": [1, 8, 8], "shapes": [1, 16, 16], "patterns": [1, 16, 16], "mnist": [1, 28, 28],
          "fashion_mnist": [1, 28, 28], "cifar10": [3, 32, 32], "image_folder": [3, 32, 32],
          "image_files": [3, 32, 32]}


def data_args(data: str, tmp_path) -> list[str]:
    if data not in FROM_FILES:
        return [f"data={data}"]
    root = FROM_FILES[data](tmp_path / "files")
    return [f"data={data}", f"data.{'path' if data.startswith('image_') else 'root'}={root}"]


@pytest.mark.slow
@pytest.mark.parametrize("model", ["cnn", "mlp"])
@pytest.mark.parametrize("data", [*BUILT_IN, *FROM_FILES])
def test_every_image_dataset_trains_with_cnn_and_mlp(train, tmp_path, model, data):
    result = train(f"model={model}", *data_args(data, tmp_path), "debug=fast")
    assert result.code == 0, result.err
    summary = result.summary
    assert summary["status"] == "completed"
    assert summary["steps"] == 1
    assert summary["data"]["image_shape"] == SHAPES[data]


@pytest.mark.slow
def test_shapes_cnn_is_the_tutorials_473_parameter_network(train):
    result = train("experiment=shapes_cnn", "debug=fast")
    assert result.code == 0, result.err
    assert result.summary["parameters"] == 473
    assert result.summary["task"] == "binary"


@pytest.mark.slow
def test_cnn_reaches_97_percent_on_digits(train):
    result = train("experiment=digits_cnn")
    assert result.code == 0, result.err
    assert result.metrics["test/acc"] >= 0.97


@pytest.mark.slow
def test_the_tutorials_cnn_reaches_98_percent_on_shapes(train):
    result = train("experiment=shapes_cnn")
    assert result.code == 0, result.err
    assert result.summary["data"]["splits"]["test"] == 40
    assert result.metrics["test/acc"] >= 0.98


@pytest.mark.slow
def test_a_run_draws_its_predictions_confusion_matrix_and_filters(train):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    result = train("experiment=shapes_cnn", "trainer.max_epochs=2")
    assert result.code == 0, result.err
    sizes = {"predictions.png": pictures.grid_size(64, 8, label=True),  # 64 of the 160 validation images
             "confusion_matrix.png": tuple(round(side * figures.DPI) for side in figures.confusion_size(2)),
             "filters.png": pictures.grid_size(8, 8, label=False)}  # the 8 filters of 3x3
    for name, size in sizes.items():
        with Image.open(result.run_dir / name) as picture:
            assert picture.size == size, name
    events = EventAccumulator(str(result.run_dir / "tensorboard"), size_guidance={"images": 0})
    events.Reload()
    assert {"images/predictions", "images/confusion_matrix", "images/filters"} <= set(events.Tags()["images"])


def test_the_confusion_matrix_is_drawn_at_its_size_for_any_number_of_classes():
    for classes in (2, 10, 40):
        matrix = np.arange(classes * classes).reshape(classes, classes)
        drawn = figures.confusion_matrix(matrix, [f"class {i}" for i in range(classes)])
        assert drawn.shape == (*(round(side * figures.DPI) for side in figures.confusion_size(classes)[::-1]), 3)
        assert drawn.dtype == np.uint8


@pytest.mark.slow
def test_per_channel_statistics_travel_in_the_checkpoint_and_restore_the_model(train, tmp_path):
    from nnfw.run.restore import restore

    root = write_cifar10(tmp_path / "files")
    result = train("model=cnn", "data=cifar10", f"data.root={root}", "trainer.max_epochs=1")
    assert result.code == 0, result.err
    path = result.run_dir / "checkpoints" / "best.ckpt"
    state = torch.load(path, weights_only=True)["ImageDataModule"]
    assert np.asarray(state["mean"]).shape == (3, 1, 1)
    restored = restore(path)
    model, spec = restored.task.model, restored.spec
    assert spec.image_shape == (3, 32, 32)
    assert model(torch.zeros(2, 3, 32, 32)).shape == (2, 10)


@pytest.mark.slow
def test_the_official_test_files_are_the_test_split(train, tmp_path):
    root = write_mnist(tmp_path / "files", train=100, test=20)
    result = train("model=mlp", "data=mnist", f"data.root={root}", "debug=fast")
    assert result.code == 0, result.err
    assert result.summary["data"]["splits"] == {"train": 90, "val": 10, "test": 20}


@pytest.mark.parametrize("data", ["mnist", "cifar10"])
def test_missing_files_exit_2_naming_the_path_and_the_fix_and_write_nothing(train, tmp_path, data):
    result = train(f"data={data}", f"data.root={tmp_path / 'empty'}")
    assert result.code == 2
    assert str(tmp_path / "empty") in result.err
    assert "data.download=true" in result.err and "put " in result.err
    assert "Traceback" not in result.err
    assert not result.run_dir.exists()


def test_download_without_a_working_torchvision_exits_2_saying_how_to_get_the_files(train, tmp_path, monkeypatch):
    import lightning.pytorch  # noqa: F401  (with torchvision installed, torchmetrics imports it as Lightning loads)

    monkeypatch.setitem(sys.modules, "torchvision", None)  # as if missing: nothing is fetched
    result = train("data=mnist", f"data.root={tmp_path}", "data.download=true", "debug=fast")
    assert result.code == 2
    assert "data.download=true needs a working torchvision" in result.err
    assert f"{tmp_path}/MNIST/raw" in result.err
    assert "Traceback" not in result.err


def test_a_cifar_batch_that_would_run_code_is_refused(train, tmp_path):
    import os
    import pickle

    root = write_cifar10(tmp_path / "files")
    (root / "cifar-10-batches-py" / "data_batch_3").write_bytes(pickle.dumps(os.system))
    result = train("data=cifar10", f"data.root={root}", "debug=fast")
    assert result.code == 2
    assert "data_batch_3 is not a CIFAR-10 batch" in result.err


def test_an_image_folder_needs_two_classes_of_images(train, tmp_path):
    write_image_folder(tmp_path / "one", classes=("cat",))
    result = train("data=image_folder", f"data.path={tmp_path / 'one'}", "debug=fast")
    assert result.code == 2
    assert "1 class subfolder(s)" in result.err and "ROOT/cat/1.png" in result.err


@pytest.mark.slow
def test_two_class_folders_are_a_binary_task_in_greyscale(train, tmp_path):
    root = write_image_folder(tmp_path / "pets", classes=("cat", "dog"))
    result = train("model=cnn", "data=image_folder", f"data.path={root}", "data.channels=1", "data.size=16",
                   "debug=fast")
    assert result.code == 0, result.err
    assert result.summary["task"] == "binary"
    assert result.summary["data"]["image_shape"] == [1, 16, 16]
    assert result.summary["data"]["class_names"] == ["cat", "dog"]


def test_flips_and_shifts_move_pixels_but_keep_the_batch():
    from nnfw.data.augment import Augment

    torch.manual_seed(0)
    images = torch.zeros(64, 1, 8, 8)
    images[:, 0, 4, 2] = 1.0
    flipped = Augment(flip=True)(images)
    assert {tuple(torch.nonzero(image[0]).flatten().tolist()) for image in flipped} == {(4, 2), (4, 5)}
    shifted = Augment(crop_padding=1)(images)
    assert shifted.shape == images.shape
    assert torch.allclose(shifted.sum(dim=(1, 2, 3)), torch.ones(64))  # whole-pixel shifts keep the pixel
    positions = {tuple(torch.nonzero(image[0]).flatten().tolist()) for image in shifted}
    assert len(positions) > 1 and all(abs(r - 4) <= 1 and abs(c - 2) <= 1 for r, c in positions)


def test_freezing_the_features_trains_only_the_head():
    from nnfw.models.cnn import CNN

    model = CNN((1, 8, 8), 10, channels=[4], hidden_sizes=[], freeze_features=True, batchnorm=True).train()
    conv_before = [p.clone() for p in model.features.parameters()]
    head_before = [p.clone() for p in model.head.parameters()]
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    torch.nn.functional.cross_entropy(model(torch.randn(16, 1, 8, 8)), torch.arange(16) % 10).backward()
    optimizer.step()
    assert all(torch.equal(a, b) for a, b in zip(conv_before, model.features.parameters()))
    assert not all(torch.equal(a, b) for a, b in zip(head_before, model.head.parameters()))
    assert not model.features.training  # batch-norm statistics stay as they were


@pytest.mark.slow
def test_a_folder_read_by_dataloader_workers_trains_as_the_folder_held_in_memory(train, tmp_path):
    from nnfw.run.restore import restore

    root = write_image_folder(tmp_path / "files", per_class=20)
    runs = {data: train("model=cnn", f"data={data}", f"data.path={root}", "data.size=16", "trainer.max_epochs=10")
            for data in ("image_folder", "image_files")}
    for result in runs.values():
        assert result.code == 0, result.err
    on_disk = runs["image_files"]
    assert on_disk.summary["data"]["splits"] == runs["image_folder"].summary["data"]["splits"]
    assert on_disk.metrics["test/acc"] >= 0.9
    assert (on_disk.run_dir / "predictions.png").is_file()
    restored = restore(on_disk.run_dir / "checkpoints" / "best.ckpt")
    restored.datamodule.setup("fit")
    loader = restored.datamodule.train_dataloader()
    assert (loader.num_workers, loader.persistent_workers) == (2, True)
    images, labels = next(iter(loader))
    assert images.shape[1:] == (3, 16, 16) and labels.dtype == torch.int64  # three classes


def test_16_bit_and_float_images_keep_their_contrast():
    """Pillow's convert("L") clips them to one value: every 16-bit PNG became white, every float TIFF black."""
    from nnfw.data.folder import deep_pixels

    ramp = np.linspace(0, 1, 64, dtype=np.float32)[None].repeat(8, axis=0)
    deep = Image.fromarray((ramp * 65535).astype(np.uint16))
    read = deep_pixels(deep, 8, 64, "RGB")
    assert read.shape == (3, 8, 64) and read.min() < 0.02 and read.max() > 0.98
    floats = deep_pixels(Image.fromarray(ramp * 1000 - 500, mode="F"), 8, 64, "L")  # any range: stretched to [0, 1]
    np.testing.assert_allclose(floats[0, 0], ramp[0], atol=0.02)


def test_an_image_folder_reads_upright_photos_skips_macos_leftovers_and_names_every_unreadable_file(tmp_path):
    from nnfw.data.folder import class_files, image_folder, read_image
    from nnfw.errors import UserError

    root = write_image_folder(tmp_path / "pets", classes=("cat", "dog"), per_class=3)
    (root / "__MACOSX" / "cat").mkdir(parents=True)
    (root / "__MACOSX" / "cat" / "._0.png").write_bytes(b"\x00\x05\x16\x07")  # AppleDouble, not a PNG
    (root / "cat" / "._0.png").write_bytes(b"\x00\x05\x16\x07")
    assert {name: len(found) for name, found in class_files(str(root)).items()} == {"cat": 3, "dog": 3}

    stored = np.zeros((10, 20, 3), dtype=np.uint8)
    stored[:, :10, 0] = 255  # red on the left of the pixels as stored, which the camera held sideways
    exif = Image.new("RGB", (1, 1)).getexif()
    exif[0x0112] = 6  # EXIF orientation: shown turned 90 degrees clockwise, the red on top
    Image.fromarray(stored).save(tmp_path / "photo.jpg", exif=exif)
    red = read_image(tmp_path / "photo.jpg", 20, 10, "RGB")[0]
    assert red[:8].mean() > 0.9 and red[12:].mean() < 0.1  # top and bottom, not left and right

    for name in ("cat/broken.png", "dog/half.jpg"):
        (root / name).write_bytes(b"\x89PNG\r\n\x1a\n not an image")
    with pytest.raises(UserError, match=r"cannot read the image .*broken.png \(and 1 more: .*half.jpg\)"):
        image_folder(str(root), size=8)


def test_an_image_too_large_for_pillow_is_a_user_error(tmp_path, monkeypatch):
    from nnfw.data.folder import read_image
    from nnfw.errors import UserError

    Image.new("RGB", (300, 300)).save(tmp_path / "large.png")
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 20_000)  # twice that is Pillow's refusal
    with pytest.raises(UserError, match=r"cannot read the image .*large.png: Image size \(90000 pixels\) exceeds"):
        read_image(tmp_path / "large.png", 8, 8, "RGB")


def test_a_user_error_raised_in_a_dataloader_worker_keeps_its_message_and_hint():
    """torch rebuilds it in the main process from the worker's traceback text."""
    from torch._utils import ExceptionWrapper

    from nnfw.errors import UserError

    try:
        raise UserError("cannot read the image /data/cat/0.png", "remove it, or save it again as PNG or JPEG")
    except UserError:
        wrapped = ExceptionWrapper(where="in DataLoader worker process 0")
    with pytest.raises(UserError) as raised:
        wrapped.reraise()
    assert str(raised.value) == "cannot read the image /data/cat/0.png\n  remove it, or save it again as PNG or JPEG"


def test_an_image_folder_that_is_a_file_or_is_gone_is_named(train, tmp_path):
    from nnfw.data.folder import class_files
    from nnfw.errors import UserError

    (tmp_path / "a.png").write_bytes(b"")
    result = train("data=image_folder", f"data.path={tmp_path / 'a.png'}", "debug=fast")
    assert result.code == 2 and f"{tmp_path / 'a.png'} is a file, not a folder" in result.err
    with pytest.raises(UserError, match="image folder not found: gone"):  # a run's folder, read again by nnfw eval
        class_files("gone")
