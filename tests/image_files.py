"""Tiny image datasets in the real on-disk formats, written for tests (nothing is downloaded)."""

from __future__ import annotations

import gzip
import pickle
from pathlib import Path

import numpy as np
from PIL import Image


def idx_bytes(array: np.ndarray) -> bytes:
    """An idx file of unsigned bytes: 0, 0, type 0x08, rank, big-endian sizes, data."""
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    return header + array.astype(np.uint8).tobytes()


def write_mnist(root: Path, folder: str = "MNIST", train: int = 100, test: int = 20, gz: bool = False) -> Path:
    """root/FOLDER/raw/ with idx files of `train` and `test` random 28x28 images, labels 0-9 in turn."""
    raw = root / folder / "raw"
    raw.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for prefix, count in (("train", train), ("t10k", test)):
        for kind, array in (("images-idx3-ubyte", rng.integers(0, 256, (count, 28, 28))),
                            ("labels-idx1-ubyte", np.arange(count) % 10)):
            name = raw / f"{prefix}-{kind}"
            with gzip.open(f"{name}.gz", "wb") if gz else open(name, "wb") as handle:
                handle.write(idx_bytes(array))
    return root


def write_cifar10(root: Path, per_batch: int = 20) -> Path:
    """root/cifar-10-batches-py/ with 5 training batches and a test batch of random 32x32 images."""
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    names = [b"airplane", b"automobile", b"bird", b"cat", b"deer", b"dog", b"frog", b"horse", b"ship", b"truck"]
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        batch = {b"batch_label": name.encode(), b"labels": [i % 10 for i in range(per_batch)],
                 b"data": rng.integers(0, 256, (per_batch, 3072), dtype=np.uint8),
                 b"filenames": [f"{i}.png".encode() for i in range(per_batch)]}
        (folder / name).write_bytes(pickle.dumps(batch, protocol=2))
    (folder / "batches.meta").write_bytes(pickle.dumps({b"label_names": names, b"num_vis": 3072}, protocol=2))
    return root


def write_image_folder(root: Path, classes: tuple[str, ...] = ("cat", "dog", "fox"), per_class: int = 10) -> Path:
    """root/CLASS/N.png: small RGB images of different sizes, each class its own colour."""
    rng = np.random.default_rng(0)
    for index, name in enumerate(classes):
        (root / name).mkdir(parents=True)
        for n in range(per_class):
            pixels = rng.integers(0, 60, (12 + n, 10 + n, 3)).astype(np.uint8)
            pixels[..., index % 3] += 180
            Image.fromarray(pixels).save(root / name / f"{n}.png")
    return root
