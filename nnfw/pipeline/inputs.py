"""How `nnfw predict` reads new inputs, per kind of model input (the kinds of nnfw.config.compat).

A reader turns an input file into the batch the model takes, with the preprocessing the
checkpoint carries (the datamodule is restored, not set up: nothing is refitted). A new kind
of data plugs in with one entry in READERS.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from nnfw.config.compat import DATA_INPUTS
from nnfw.errors import UserError

#: (input file, restored datamodule) -> the model's input batch for every row / line of the file
Reader = Callable[[Path, Any], torch.Tensor]


def read_features(path: Path, datamodule: Any) -> torch.Tensor:
    """A CSV with a header holding the training feature columns (other columns are ignored)."""
    from nnfw.data.csv import _read, feature_matrix

    frame = _read(path, option="input")
    names = list(datamodule.spec.feature_names)
    missing = [name for name in names if name not in frame.columns]
    if missing:
        raise UserError(f"{path} lacks the feature column(s) {', '.join(missing)}",
                        f"the model reads a CSV with a header and the columns {', '.join(names)}")
    return torch.as_tensor(datamodule.transform(feature_matrix(frame, names, path)), dtype=torch.float32)


def read_lines(path: Path, datamodule: Any) -> torch.Tensor:
    """One text per line, turned into word ids with the training vocabulary."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (UnicodeDecodeError, OSError) as err:
        raise UserError(f"cannot read {path} as UTF-8 text ({err})", "give a text file, one input per line") from err
    if not lines:
        raise UserError(f"{path} is empty", "give a text file, one input per line")
    return datamodule.encode(lines)


#: input kind -> its reader; an image branch adds e.g. "images": read_image_folder
READERS: dict[str, Reader] = {"features": read_features, "words": read_lines}


def reader_for(config: Any) -> Reader:
    """The reader for the data a run was trained on, or a UserError naming what predict reads."""
    kind = DATA_INPUTS.get(config.data.get("_target_"))
    if kind not in READERS:
        raise UserError(f"nnfw predict does not read {kind or 'this data'!s} (data {config.data.get('_target_')})",
                        f"it reads {', '.join(READERS)}; for a language model use nnfw sample")
    return READERS[kind]
