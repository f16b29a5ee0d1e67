"""A folder of the user's images, one subfolder per class, read with Pillow into a `Table`."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from nnfw.data.table import Table
from nnfw.errors import UserError

EXTENSIONS = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp"}
LAYOUT_HINT = "put each class's images in a subfolder named after it, e.g. ROOT/cat/1.png, ROOT/dog/2.jpg"


def read_image(path: Path, height: int, width: int, mode: str) -> np.ndarray:
    """One image as (C, height, width) floats in [0, 1], grey (`mode="L"`) or RGB, turned upright
    as its EXIF orientation says (a phone's photo)."""
    try:
        with Image.open(path) as image:
            upright = ImageOps.exif_transpose(image)
            if upright.mode in DEEP_MODES:
                return deep_pixels(upright, height, width, mode)
            picture = upright.convert(mode).resize((width, height), Image.Resampling.BILINEAR)
    except Image.DecompressionBombError as err:
        raise UserError(f"cannot read the image {path}: {err}", "save it smaller, or remove it") from err
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as err:  # Pillow's plugins raise all of these
        raise UserError(f"cannot read the image {path}", "remove it, or save it again as PNG or JPEG") from err
    pixels = np.asarray(picture, dtype=np.float32) / 255
    return pixels[None] if pixels.ndim == 2 else pixels.transpose(2, 0, 1)


#: Pillow's one-channel modes of more than 8 bits (16-bit PNGs, 32-bit integer and float TIFFs),
#: which `convert("L")` clips to 255 or 0 rather than rescales
DEEP_MODES = {"I;16", "I;16B", "I;16L", "I;16N", "I", "F"}


def deep_pixels(image: Image.Image, height: int, width: int, mode: str) -> np.ndarray:
    """A grey image of more than 8 bits in [0, 1]: 16-bit values over 65535, float ones as they
    are when they lie in [0, 1], any other range stretched from its lowest to its highest value."""
    values = np.asarray(image, dtype=np.float32)
    low, high = float(values.min()), float(values.max())
    if image.mode != "F" and low >= 0 and high <= 65535:
        values = values / 65535
    elif not (0 <= low and high <= 1):
        values = (values - low) / (high - low) if high > low else np.zeros_like(values)
    grey = np.asarray(Image.fromarray(values, mode="F").resize((width, height), Image.Resampling.BILINEAR))
    return np.repeat(grey[None], 3 if mode == "RGB" else 1, axis=0).clip(0, 1)


def hidden(path: Path, root: Path) -> bool:
    """A file or folder under `root` that no one meant as an image: a dot file (macOS's ._NAME
    copies, .DS_Store) or one in a dot folder or in the __MACOSX folder an unzip leaves."""
    return any(part.startswith(".") or part == "__MACOSX" for part in path.relative_to(root).parts)


def class_files(root: str) -> dict[str, list[Path]]:
    """The image files of every class subfolder of `root`, classes in sorted order."""
    folder = Path(root).expanduser()
    if not folder.is_dir():
        raise UserError(f"image folder not found: {folder}" + (f" (from {Path.cwd()})" if not folder.is_absolute() else ""),
                        "set data.path to a folder with one subfolder of images per class; eval and predict read "
                        "a run's folder again, from where it was when the run started")
    classes = sorted(d for d in folder.iterdir() if d.is_dir() and not hidden(d, folder))
    if len(classes) < 2:
        raise UserError(f"{folder} has {len(classes)} class subfolder(s); a classifier needs at least 2", LAYOUT_HINT)
    files = {d.name: sorted(p for p in d.rglob("*") if p.suffix.lower() in EXTENSIONS and not hidden(p, folder))
             for d in classes}
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
    read, unreadable = [], []
    for file in (file for found in files.values() for file in found):
        try:
            read.append(read_image(file, size, size, mode))
        except UserError as err:
            unreadable.append((file, err))
    if unreadable:  # every such file named at once, not one a run
        first, others = unreadable[0][1], [str(file) for file, _ in unreadable[1:]]
        listed = ", ".join(others[:5]) + (", ..." if len(others) > 5 else "")
        raise UserError(first.message + (f" (and {len(others)} more: {listed})" if others else ""), first.hint)
    images = np.stack(read)
    labels = np.concatenate([np.full(len(found), index) for index, found in enumerate(files.values())])
    return Table(images, labels, "binary" if len(files) == 2 else "multiclass", class_names=tuple(files))
