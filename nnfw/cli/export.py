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

    from nnfw.inference.export import SUFFIXES, export, inputs_path
    from nnfw.run.restore import restore

    output = Path(cfg.output).expanduser() if cfg.output else options.run_dir_of(checkpoint) / SUFFIXES[cfg.format]
    compared = export(restore(checkpoint), cfg.format, output)
    checked = ("not checked: onnxruntime is not installed" if compared is None
               else "largest difference from the checkpoint's outputs: {:.2g} (allowed {:.2g})".format(*compared))
    print(f"{cfg.format}: {checked}")
    if inputs_path(output).exists():
        print(f"its inputs and outputs: {inputs_path(output)}")
    print(output)
    return 0
