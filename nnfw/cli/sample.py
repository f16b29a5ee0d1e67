"""`nnfw sample ckpt=PATH [prompt=...] [length=500] [temperature=0.8] [top_k=K] [seed=0]`.

Generates text from a language model's checkpoint alone: the vocabulary travels in it; or,
from a VAE's or a GAN's, `n` images (a PNG grid) or rows (a CSV) written to `output`.
The options are checked before torch is imported.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from nnfw.errors import UserError, suggestion

#: option -> (default, description); ckpt is required
OPTIONS: dict[str, tuple[Any, str]] = {
    "ckpt": (None, "the checkpoint, e.g. outputs/.../checkpoints/best.ckpt"),
    "prompt": ("\n", "the text to continue"),
    "length": (500, "characters to generate"),
    "temperature": (0.8, "0: always the most likely character; higher: more varied"),
    "top_k": (None, "draw only from the k most likely characters (null: all)"),
    "seed": (0, "the same seed gives the same text"),
    "n": (64, "VAE and GAN: samples to generate"),
    "output": (None, "VAE and GAN: the file to write (default: samples.png for images, samples.csv for rows)"),
}

USAGE = "usage: nnfw sample ckpt=PATH [prompt=TEXT] [length=500] [temperature=0.8] [top_k=K] [seed=0]"


def _integer(key: str, text: str, low: int) -> int:
    try:
        value = int(text)
    except ValueError:
        value = low - 1
    if value < low:
        raise UserError(f"{key} must be an integer >= {low} (got '{text}')")
    return value


def parse(argv: list[str]) -> dict[str, Any]:
    """The options of a command line of key=value words."""
    options = {key: default for key, (default, _) in OPTIONS.items()}
    for word in argv:
        key, sep, text = word.partition("=")
        if not sep:
            raise UserError(f"cannot read '{word}'", USAGE)
        if key not in OPTIONS:
            raise UserError(f"unknown option '{key}'", suggestion(key, OPTIONS, "options"))
        if key in ("length", "seed", "n"):
            options[key] = _integer(key, text, 0 if key == "seed" else 1)
        elif key == "top_k":
            options[key] = None if text in ("null", "") else _integer(key, text, 1)
        elif key == "temperature":
            try:
                options[key] = float(text)
            except ValueError:
                options[key] = -1.0
            if options[key] < 0:
                raise UserError(f"temperature must be a number >= 0 (got '{text}')")
        else:
            options[key] = text
    if options["ckpt"] is None:
        raise UserError("ckpt must be set", "e.g. nnfw sample ckpt=outputs/DATE/RUN/checkpoints/best.ckpt")
    return options


def print_help() -> None:
    print(USAGE, "", "Generate text from a language model's checkpoint.", "", "options:", sep="\n")
    for key, (default, about) in OPTIONS.items():
        print(f"  {key:<12} {about}" + ("" if default is None else f" (default: {default!r})"))


def run(argv: list[str]) -> int:
    if any(word in ("-h", "--help") for word in argv):
        print_help()
        return 0
    options = parse(argv)
    path = Path(options["ckpt"]).expanduser()
    if not path.is_file():
        raise UserError(f"checkpoint not found: {path}", "give ckpt=RUN_DIR/checkpoints/best.ckpt of a finished run")

    from nnfw.data.vocab import Vocabulary
    from nnfw.pipeline.generate import is_generative, write_samples
    from nnfw.pipeline.restore import restore
    from nnfw.tasks.language_model import sample_text

    restored = restore(path)
    model, spec = restored.task.model, restored.spec
    if is_generative(restored):
        output = Path(options["output"]).expanduser() if options["output"] else None
        print(write_samples(restored, options["n"], options["seed"], output))
        return 0
    if spec.task != "language_model":
        raise UserError(f"{path} holds a {spec.task} model, not a language model",
                        "nnfw sample needs a checkpoint of a language model (data=charseq), a VAE or a GAN")
    text = sample_text(model, Vocabulary(spec.class_names), options["prompt"], options["length"],
                       options["temperature"], options["top_k"], options["seed"])
    sys.stdout.write(options["prompt"] + text + "\n")
    return 0
