"""`nnfw eval ckpt=PATH | run=RUN_DIR [split=test] [output=FILE]`: a checkpoint's metrics, as a table and eval.json."""

from __future__ import annotations

from pathlib import Path

from nnfw.cli import options

ABOUT = "Evaluate a checkpoint on the test (or val) split of the data it was trained on."


def run(argv: list[str]) -> int:
    given = options.read("eval", ABOUT, argv)
    if given is None:
        return 0
    cfg, checkpoint = given
    output = Path(cfg.output).expanduser() if cfg.output else options.run_dir_of(checkpoint) / "eval.json"

    from nnfw.artifacts.summary import write_json
    from nnfw.inference.evaluate import eval_record, evaluate
    from nnfw.run.restore import restore
    from nnfw.views.console import console, results_table

    metrics = evaluate(restore(checkpoint), cfg.split, cfg.accelerator)
    console.print(f"{checkpoint} on the {cfg.split} split", soft_wrap=True)  # a long path is not folded to the table's width
    console.print(results_table(metrics, title=""))
    write_json(output, eval_record(checkpoint, cfg.split, metrics))
    print(output)
    return 0
