"""`nnfw export ckpt=PATH | run=RUN_DIR format=onnx|torchscript [output=FILE]`: the model as a standalone file."""

from __future__ import annotations

from pathlib import Path

from nnfw.cli import options

ABOUT = "Export a checkpoint's model to ONNX or TorchScript; the file is checked against the model."


def run(argv: list[str]) -> int:
    given = options.read("export", ABOUT, argv)
    if given is None:
        return 0
    cfg, checkpoint = given

    from nnfw.pipeline.export import SUFFIXES, TOLERANCE, export
    from nnfw.pipeline.restore import restore

    output = Path(cfg.output).expanduser() if cfg.output else options.run_dir_of(checkpoint) / SUFFIXES[cfg.format]
    difference = export(restore(checkpoint), cfg.format, output)
    checked = ("not checked: onnxruntime is not installed" if difference is None
               else f"largest difference from the checkpoint's outputs: {difference:.2g} (allowed {TOLERANCE:g})")
    print(f"{cfg.format}: {checked}")
    print(output)
    return 0
