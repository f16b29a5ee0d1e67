"""`nnfw predict ckpt=PATH | run=RUN_DIR input=FILE output=FILE.csv`: predictions for new inputs."""

from __future__ import annotations

from pathlib import Path

from nnfw.cli import options

ABOUT = "Predict for new inputs with a checkpoint: one CSV row per input (class probabilities or values)."


def run(argv: list[str]) -> int:
    given = options.read("predict", ABOUT, argv)
    if given is None:
        return 0
    cfg, checkpoint = given
    source, output = Path(str(cfg.input)).expanduser(), Path(str(cfg.output)).expanduser()

    from nnfw.pipeline.inputs import reader_for
    from nnfw.pipeline.predict import (
        output_frame,
        predict,
        refuse_generators,
        write_csv,
    )
    from nnfw.pipeline.restore import restore

    restored = restore(checkpoint)
    refuse_generators(restored)
    inputs, names = reader_for(restored.config)(source, restored.datamodule)
    frame = output_frame(restored, inputs, predict(restored, inputs, cfg.batch_size))
    if names is not None:
        frame.insert(0, "input", names)
    write_csv(frame, output)
    print(output)
    return 0
