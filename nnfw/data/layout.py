"""Where image files must lie for the image datasets that read them.

Torch-free, so that a missing file is reported from the config before torch is imported.
MNIST, Fashion-MNIST and CIFAR-10 use torchvision's layout under `data.root`, so a folder that
torchvision once downloaded into is read as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nnfw.errors import UserError

IDX_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
CIFAR10_FILES = (*(f"data_batch_{i}" for i in range(1, 6)), "test_batch", "batches.meta")
VISION_EXTRA = "pip install 'nnfw[vision]'"


@dataclass(frozen=True)
class Layout:
    """The files of a dataset, in `folder` under the root; idx files may also be gzipped (FILE.gz)."""

    folder: str
    files: tuple[str, ...]
    gzipped: bool = False

    def path(self, root: str | Path, name: str) -> Path:
        """Where file `name` is: the plain file, else its .gz, else (missing) the plain name."""
        plain = Path(root).expanduser() / self.folder / name
        gz = plain.with_name(f"{name}.gz")
        return gz if self.gzipped and not plain.is_file() and gz.is_file() else plain

    def missing(self, root: str | Path) -> list[Path]:
        return [p for p in (self.path(root, name) for name in self.files) if not p.is_file()]


#: dataset name (torchvision's class name) -> its files
LAYOUTS = {
    "MNIST": Layout("MNIST/raw", IDX_FILES, gzipped=True),
    "FashionMNIST": Layout("FashionMNIST/raw", IDX_FILES, gzipped=True),
    "CIFAR10": Layout("cifar-10-batches-py", CIFAR10_FILES),
}


def files_error(root: str | Path, dataset: str) -> UserError:
    """What is missing for `dataset` under `root`, and the ways to get it there."""
    layout = LAYOUTS[dataset]
    missing = layout.missing(root)
    folder = Path(root).expanduser() / layout.folder
    gz = " (or .gz)" if layout.gzipped else ""
    return UserError(
        f"{dataset} files not found: {missing[0]}" + (f" and {len(missing) - 1} more" if len(missing) > 1 else ""),
        f"put {', '.join(layout.files)}{gz} in {folder}, or set data.root to the folder that holds "
        f"{layout.folder.split('/')[0]}/, or add data.download=true to fetch them (needs torchvision: {VISION_EXTRA})",
    )


def check_image_files(data: Any) -> None:
    """The files an image dataset reads exist; other data configs pass.

    A standard dataset (`dataset` under `root`) needs its files unless `download` will fetch
    them; a folder of the user's own images (`path`, with the `channels` it is read in) needs the folder.
    """
    folder, root, dataset = data.get("path"), data.get("root"), data.get("dataset")
    if folder is not None and "channels" in data and not Path(folder).expanduser().is_dir():
        found = Path(folder).expanduser().exists()
        raise UserError(f"{folder} is a file, not a folder" if found else f"image folder not found: {folder}",
                        "set data.path to a folder with one subfolder of images per class, e.g. DIR/cat/1.png, DIR/dog/2.jpg")
    if root is not None and dataset in LAYOUTS and not data.get("download") and LAYOUTS[dataset].missing(root):
        raise files_error(root, dataset)
