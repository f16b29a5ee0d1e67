"""`nnfw sample run=RUN_DIR | ckpt=PATH [prompt=TEXT] [length=500] [temperature=0.8] [top_k=K] [seed=0]`.

Generates text from a language model's checkpoint alone: the vocabulary travels in it; or,
from a VAE's or a GAN's, `n` images (a PNG grid) or rows (a CSV) written to `output`.
The options (conf/sample.yaml) are checked before torch is imported.
"""

from __future__ import annotations

import sys
from pathlib import Path

from nnfw.cli import options
from nnfw.errors import UserError

ABOUT = "Generate text from a language model's checkpoint, or images or rows from a VAE's or a GAN's."


def run(argv: list[str]) -> int:
    given = options.read("sample", ABOUT, argv, verbatim=("prompt",))
    if given is None:
        return 0
    cfg, path = given

    from nnfw.data.vocab import Vocabulary
    from nnfw.inference.generate import is_generative, write_samples
    from nnfw.run.restore import restore
    from nnfw.tasks.language_model import sample_text

    restored = restore(path)
    model, spec = restored.task.model, restored.spec
    if is_generative(restored):
        print(write_samples(restored, cfg.n, cfg.seed, Path(cfg.output).expanduser() if cfg.output else None))
        return 0
    if spec.task != "language_model":
        raise UserError(f"{path} holds a {spec.task} model, not a language model",
                        "nnfw sample needs a checkpoint of a language model (data=charseq), a VAE or a GAN")
    text = sample_text(model, Vocabulary(spec.class_names), cfg.prompt, cfg.length, cfg.temperature, cfg.top_k, cfg.seed)
    sys.stdout.write(cfg.prompt + text + "\n")
    return 0
