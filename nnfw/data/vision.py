"""MNIST, Fashion-MNIST and CIFAR-10 read from their standard files; torchvision only downloads them.

The files are read here rather than by torchvision so that training needs no torchvision at
all. CIFAR-10's batches are pickles: they are read with an unpickler that can build nothing
but the numpy arrays those files hold, so a planted file cannot run code.
"""

from __future__ import annotations

import codecs
import gzip
import pickle
from pathlib import Path
from typing import Any

import numpy as np

from nnfw.data.layout import LAYOUTS, VISION_EXTRA, files_error
from nnfw.data.table import Table
from nnfw.errors import UserError

try:
    from numpy._core.multiarray import _reconstruct
except ImportError:  # numpy < 2
    from numpy.core.multiarray import _reconstruct

FASHION = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")
IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path: Path) -> np.ndarray:
    """An array from an idx file (plain or .gz): 2 zero bytes, a type code, the rank, big-endian sizes, data."""
    with (gzip.open if path.suffix == ".gz" else open)(path, "rb") as handle:
        data = handle.read()
    if len(data) < 4 or data[:2] != b"\0\0" or data[2] not in IDX_TYPES:
        raise UserError(f"{path} is not an idx file", "use the files as published (or data.download=true)")
    rank, dtype = data[3], np.dtype(IDX_TYPES[data[2]])
    shape = tuple(int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(rank))
    body = data[4 + 4 * rank:]
    if len(body) != int(np.prod(shape)) * dtype.itemsize:
        raise UserError(f"{path} is truncated: its header promises {shape}", "download it again")
    return np.frombuffer(body, dtype=dtype).reshape(shape)


class ArrayUnpickler(pickle.Unpickler):
    """Builds numpy arrays, lists, dicts, strings and numbers; refuses every other global."""

    ALLOWED = {
        ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
        ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
        ("numpy", "ndarray"): np.ndarray,
        ("numpy", "dtype"): np.dtype,
        ("_codecs", "encode"): codecs.encode,  # how protocol 2 writes bytes
    }

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"{module}.{name} is not part of a CIFAR-10 batch")
        return self.ALLOWED[(module, name)]


def read_batch(path: Path) -> dict[str, Any]:
    """One CIFAR-10 batch file as a dict with str keys."""
    try:
        with path.open("rb") as handle:
            batch = ArrayUnpickler(handle, encoding="bytes").load()
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError) as err:
        raise UserError(f"{path} is not a CIFAR-10 batch ({err})", "use the files as published (or data.download=true)") from err
    return {k.decode() if isinstance(k, bytes) else k: v for k, v in batch.items()}


def mnist_like(root: Path, dataset: str) -> Table:
    """MNIST or Fashion-MNIST: 60000 training and 10000 test images of 28x28 grey pixels."""
    names = tuple(str(d) for d in range(10)) if dataset == "MNIST" else FASHION
    layout = LAYOUTS[dataset]

    def part(prefix: str) -> Table:
        images, labels = (read_idx(layout.path(root, f"{prefix}-{kind}")) for kind in ("images-idx3-ubyte", "labels-idx1-ubyte"))
        return Table(images[:, None].astype(np.float32) / 255, labels, "multiclass", class_names=names)

    train = part("train")
    train.test = part("t10k")
    return train


def _cifar_part(root: Path, names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    batches = [read_batch(LAYOUTS["CIFAR10"].path(root, name)) for name in names]
    images = np.concatenate([np.asarray(b["data"], dtype=np.uint8).reshape(-1, 3, 32, 32) for b in batches])
    return images.astype(np.float32) / 255, np.concatenate([np.asarray(b["labels"]) for b in batches])


def cifar10(root: Path, dataset: str = "CIFAR10") -> Table:
    """CIFAR-10: 50000 training and 10000 test colour images of 32x32, 10 classes."""
    names = tuple(n.decode() if isinstance(n, bytes) else str(n)
                  for n in read_batch(LAYOUTS[dataset].path(root, "batches.meta"))["label_names"])
    X, y = _cifar_part(root, [f"data_batch_{i}" for i in range(1, 6)])
    X_test, y_test = _cifar_part(root, ["test_batch"])
    return Table(X, y, "multiclass", class_names=names, test=Table(X_test, y_test, "multiclass", class_names=names))


READERS = {"MNIST": mnist_like, "FashionMNIST": mnist_like, "CIFAR10": cifar10}


def fetch(root: Path, dataset: str) -> None:
    """Fetch a dataset's files with torchvision, which writes them in the layout read here."""
    try:
        import torchvision.datasets
    except Exception as err:  # missing, or built for another torch (`operator torchvision::nms does not exist`)
        raise UserError(f"data.download=true needs a working torchvision ({type(err).__name__}: {err})",
                        f"{VISION_EXTRA} with a torchvision built for your torch, or put the files in place "
                        f"yourself: {files_error(root, dataset).hint}") from err
    for train in (True, False):
        getattr(torchvision.datasets, dataset)(str(root), train=train, download=True)


def standard(root: str, dataset: str, download: bool = False) -> Table:
    """A standard dataset from its files under `root`, fetched first when `download` and missing."""
    folder = Path(root).expanduser()
    if LAYOUTS[dataset].missing(folder):
        if not download:
            raise files_error(folder, dataset)
        fetch(folder, dataset)
    return READERS[dataset](folder, dataset)
