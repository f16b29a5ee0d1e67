"""How `nnfw predict` reads new inputs, per kind of input the data declares it gives (`_gives_`).

A reader turns an input file into the batch the model takes, with the preprocessing the
checkpoint carries (the datamodule is restored, not set up: nothing is refitted). A new kind
of data plugs in with one entry in READERS.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from nnfw.config import declarations
from nnfw.errors import UserError

#: (input path, restored datamodule) -> the model's input batch for every input, and the inputs'
#: names where rows alone do not say which is which (image files)
Reader = Callable[[Path, Any], tuple[torch.Tensor, list[str] | None]]


def read_features(path: Path, datamodule: Any) -> tuple[torch.Tensor, None]:
    """A CSV with a header holding the training feature columns (other columns are ignored)."""
    from nnfw.data.csv import feature_matrix, read_frame

    frame = read_frame(path, option="input")
    names = list(datamodule.spec.feature_names)
    missing = [name for name in names if name not in frame.columns]
    if missing:
        raise UserError(f"{path} lacks the feature column(s) {', '.join(missing)}",
                        f"the model reads a CSV with a header and the columns {', '.join(names)}")
    return torch.as_tensor(datamodule.transform(feature_matrix(frame, names, path)), dtype=torch.float32), None


def read_lines(path: Path, datamodule: Any) -> tuple[torch.Tensor, None]:
    """One text per line, turned into word ids with the training vocabulary."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (UnicodeDecodeError, OSError) as err:
        raise UserError(f"cannot read {path} as UTF-8 text ({err})", "give a text file, one input per line") from err
    if not lines:
        raise UserError(f"{path} is empty", "give a text file, one input per line")
    return datamodule.encode(lines), None


def read_images(path: Path, datamodule: Any) -> tuple[torch.Tensor, list[str]]:
    """An image file, or every image under a folder: resized to the training images' size and
    colours, and standardized with the training split's per-channel statistics."""
    import numpy as np

    from nnfw.data.folder import EXTENSIONS, read_image

    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.suffix.lower() in EXTENSIONS)
    if not files:
        raise UserError(f"{path} holds no images ({', '.join(sorted(EXTENSIONS))})",
                        "give a folder of images, or one image file")
    channels, height, width = datamodule.spec.image_shape
    pixels = np.stack([read_image(file, height, width, "L" if channels == 1 else "RGB") for file in files])
    return torch.as_tensor(datamodule.transform(pixels), dtype=torch.float32), [str(file) for file in files]


def read_series(path: Path, datamodule: Any) -> tuple[torch.Tensor, None]:
    """A CSV holding the training series' column: its last window, scaled as in training, from
    which a forecaster predicts the values after the series' end."""
    from nnfw.data.series import read_column

    values = read_column(str(path), datamodule.column, option="input")
    window = datamodule.spec.num_features
    if len(values) < window:
        raise UserError(f"{path} holds {len(values)} values; the model forecasts from the last {window}",
                        f"give the series up to the point to forecast from, at least {window} values")
    return torch.as_tensor(datamodule.transform(values[-window:])[None], dtype=torch.float32), None


#: input kind -> its reader
READERS: dict[str, Reader] = {"features": read_features, "vectors": read_features, "words": read_lines,
                               "images": read_images, "series": read_series}


def reader_for(config: Any) -> Reader:
    """The reader for the data a run was trained on, or a UserError naming what predict reads."""
    kind = declarations.gives(config.data)
    if kind not in READERS:
        raise UserError(f"nnfw predict does not read {kind or 'this data'!s} (data {config.data.get('_target_')})",
                        f"it reads {', '.join(READERS)}; for a language model use nnfw sample")
    return READERS[kind]
