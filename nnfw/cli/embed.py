"""`nnfw embed ckpt=PATH | run=RUN_DIR input=FOLDER output=features.csv`: a model's features for new inputs."""

from __future__ import annotations

from pathlib import Path

from nnfw.cli import options

ABOUT = ("Write the features a trained model computes for new inputs (what its output layer reads: a pretrained "
         "backbone's pooled features), one CSV row per input, for use in other tools.")


def run(argv: list[str]) -> int:
    given = options.read("embed", ABOUT, argv)
    if given is None:
        return 0
    cfg, checkpoint = given
    source, output = Path(str(cfg.input)).expanduser(), Path(str(cfg.output)).expanduser()

    from nnfw.inference.embed import embed, features_frame
    from nnfw.inference.inputs import reader_for
    from nnfw.inference.predict import write_csv
    from nnfw.run.restore import restore

    restored = restore(checkpoint)
    inputs, names = reader_for(restored.config)(source, restored.datamodule)
    write_csv(features_frame(embed(restored, inputs, cfg.batch_size), names), output)
    print(output)
    return 0
