"""`nnfw predict ckpt=PATH | run=RUN_DIR input=FILE output=FILE.csv`: predictions for new inputs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nnfw.cli import options
from nnfw.config import declarations

ABOUT = ("Predict for new inputs with a checkpoint: one CSV row per input (class probabilities or values), "
         "or a recommender's top-k items per user.")


def predictions(restored: Any, source: Path, batch_size: int) -> Any:
    """One row per input of a table, text or image model: its class probabilities or values, or an
    autoencoder's reconstruction and reconstruction error."""
    from nnfw.inference.inputs import reader_for
    from nnfw.inference.predict import output_frame, predict, refuse_generators

    refuse_generators(restored)
    inputs, names = reader_for(restored.config)(source, restored.datamodule)
    frame = output_frame(restored, inputs, predict(restored, inputs, batch_size))
    if names is not None:
        frame.insert(0, "input", names)
    return frame


def run(argv: list[str]) -> int:
    given = options.read("predict", ABOUT, argv)
    if given is None:
        return 0
    cfg, checkpoint = given
    source, output = Path(str(cfg.input)).expanduser(), Path(str(cfg.output)).expanduser()

    from nnfw.inference.predict import write_csv
    from nnfw.run.restore import restore

    restored = restore(checkpoint)
    if declarations.gives(restored.config.data) == "ratings":
        from nnfw.inference.recommend import recommendations

        frame = recommendations(restored, source, cfg.k, cfg.batch_size)
    else:
        frame = predictions(restored, source, cfg.batch_size)
    write_csv(frame, output)
    print(output)
    return 0
