"""A folder of the user's images, one subfolder per class, read with Pillow into a `Table`."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from nnfw.data.table import Table
from nnfw.errors import UserError

EXTENSIONS = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp"}
LAYOUT_HINT = "put each class's images in a subfolder named after it, e.g. ROOT/cat/1.png, ROOT/dog/2.jpg"


def read_image(path: Path, height: int, width: int, mode: str) -> np.ndarray:
    """One image as (C, height, width) floats in [0, 1], grey (`mode="L"`) or RGB."""
    try:
        with Image.open(path) as image:
            picture = image.convert(mode).resize((width, height), Image.Resampling.BILINEAR)
    except (UnidentifiedImageError, OSError) as err:
        raise UserError(f"cannot read the image {path}", "remove it, or save it again as PNG or JPEG") from err
    pixels = np.asarray(picture, dtype=np.float32) / 255
    return pixels[None] if pixels.ndim == 2 else pixels.transpose(2, 0, 1)


def class_files(root: str) -> dict[str, list[Path]]:
    """The image files of every class subfolder of `root`, classes in sorted order."""
    folder = Path(root).expanduser()
    classes = sorted(d for d in folder.iterdir() if d.is_dir() and not d.name.startswith("."))
    if len(classes) < 2:
        raise UserError(f"{folder} has {len(classes)} class subfolder(s); a classifier needs at least 2", LAYOUT_HINT)
    files = {d.name: sorted(p for p in d.rglob("*") if p.suffix.lower() in EXTENSIONS) for d in classes}
    empty = [name for name, found in files.items() if not found]
    if empty:
        raise UserError(f"class folder {folder / empty[0]} holds no images ({', '.join(sorted(EXTENSIONS))})",
                        LAYOUT_HINT)
    return files


def image_folder(path: str, size: int = 32, channels: int = 3) -> Table:
    """Every image under `path`/CLASS/, resized to `size` x `size`, grey (`channels=1`) or RGB (3).

    Classes are the subfolders' names in sorted order; two make a binary task, more a multiclass one.
    """
    files = class_files(path)
    mode = "L" if channels == 1 else "RGB"
    images = np.stack([read_image(path, size, size, mode) for found in files.values() for path in found])
    labels = np.concatenate([np.full(len(found), index) for index, found in enumerate(files.values())])
    return Table(images, labels, "binary" if len(files) == 2 else "multiclass", class_names=tuple(files))
