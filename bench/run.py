"""Every speed figure the README reports, in one run: nnfw against plain PyTorch loops.

    python bench/run.py [--json FILE]
    python bench/run.py --table FILE     # the README's speed table, from the figures --json wrote

- spirals: the tutorial's MLP, full batch, 1000 epochs (bench/steps.py), fit and end to end;
- mini-batches: `experiment=spirals` (300 epochs of 10 batches of 32) and a 20k x 20 table with
  a 256-256 MLP at batch 32 (bench/steps.py), fit;
- digits CNN: one training epoch (bench/images.py), and 5 epochs with every image augmentation
  against none (bench/augment.py: nnfw against itself);
- char-LSTM: a fixed number of steps on ../shared/data/tinyshakespeare.txt (bench/sequences.py);
- tiny runs as whole processes: `experiment=xor`, `experiment=and` and `data=moons` through
  `python -m nnfw train` against the plain script of the same network, each beside the floor
  of a process that only imports `lightning.pytorch` (bench/tiny.py);
- start-up: `nnfw --help` and `nnfw train` to its first training step (bench/startup.py), and
  `import lightning.pytorch` alone: the fastest of the tiny runs' floors;
- the default diagnostics and the pictures drawn while fitting on the spirals and classification
  cases: their own time as a share of the fit, accounted within each run, and fit time with and
  without them (bench/diagnostics.py).

The in-memory cases also run a plain Lightning script (bench/peer.py), whose fit time is the
"lightning" column: nnfw's ratio to it should be at most 1.

Plain loops build the optimizer as a hand-written loop does, in torch's default implementation;
nnfw's Adam asks for torch's fused kernel, so the cases of bench/steps.py also give the ratio against
the same loop with nnfw's optimizer settings ("the loop with nnfw's fused Adam").

Each nnfw run and its plain loop run in this process, one after the other, on the same
device and thread count; each pair runs `--repeat` times (5). "ratio" divides the fastest time
of each side (a small machine's speed wanders by tens of percent, which only ever adds time, so
the fastest of several runs is each side's own cost); "pairs" is the median of the ratios
within each pair, which a slow stretch of the machine affects on both sides alike. Run it on an
otherwise idle machine: on a busy one, torch's threads wait for each other and small steps
slow down many times over.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
from collections.abc import Callable
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

import augment  # noqa: E402
import diagnostics  # noqa: E402
import images  # noqa: E402
import sequences  # noqa: E402
import startup  # noqa: E402
import steps  # noqa: E402
import tiny  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--text", type=Path, default=sequences.DEFAULT_TEXT, help="corpus for the char-LSTM")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each pair; the fastest counts")
    parser.add_argument("--table", type=Path, help="print the README's table from the figures of --json FILE, and stop")
    args = parser.parse_args()
    if args.table:
        print(markdown_table(json.loads(args.table.read_text())))
        return
    if not args.text.is_file():  # before a minute of other benchmarks, not after
        parser.error(f"no corpus at {args.text}: give the char-LSTM's text with --text FILE (tinyshakespeare.txt)")

    def repeated(bench: Callable[[], dict]) -> list[dict]:
        return [bench() for _ in range(args.repeat)]

    spirals = repeated(lambda: steps.bench_case("spirals_full_batch"))
    minibatch = repeated(lambda: steps.bench_case("spirals_minibatch"))
    table = repeated(lambda: steps.bench_case("classification_minibatch"))
    cnn = repeated(images.bench_cnn_digits)
    augmented = augment.bench_augmentation(5, args.repeat)
    lstm = repeated(lambda: sequences.bench_steps(args.text))
    rows = [
        ("spirals MLP, 1000 full-batch epochs: fit", *steps.compared(spirals, "nnfw_fit_s", "plain_fit_s")),
        ("  the loop with nnfw's fused Adam", *steps.compared(spirals, "nnfw_fit_s", "fused_fit_s", with_peer=False)),
        ("spirals MLP, 1000 full-batch epochs: end to end", *steps.compared(spirals, "nnfw_total_s", "plain_total_s")),
        ("spirals MLP, 300 epochs x 10 batches of 32: fit", *steps.compared(minibatch, "nnfw_fit_s", "plain_fit_s")),
        ("  the loop with nnfw's fused Adam", *steps.compared(minibatch, "nnfw_fit_s", "fused_fit_s", with_peer=False)),
        ("20k x 20 table, 256-256 MLP, batch 32, 5 epochs: fit", *steps.compared(table, "nnfw_fit_s", "plain_fit_s")),
        ("  the loop with nnfw's fused Adam", *steps.compared(table, "nnfw_fit_s", "fused_fit_s", with_peer=False)),
        ("digits CNN, one epoch", *steps.compared(cnn, "nnfw_s", "plain_s")),
        (f"{lstm[0]['case']}, {lstm[0]['steps']} steps", *steps.compared(lstm, "nnfw_s", "plain_s")),
    ]
    whole = {case: tiny.bench(case, args.repeat) for case in tiny.CASES}
    help_s, first_step_s = startup.help_seconds(), startup.first_step_seconds()
    import_s = min(row["lightning_import_s"] for row in whole.values())  # the tiny runs' floor, timed beside them
    costs = {case: diagnostics.bench_diagnostics(case, args.repeat)
             for case in ("spirals_full_batch", "spirals_minibatch", "classification_minibatch")}

    device = torch.cuda.get_device_name() if torch.cuda.is_available() else platform.processor() or "CPU"
    print(f"\ntorch {torch.__version__}, {device}, {torch.get_num_threads()} threads")
    print(f"{'case':<52} {'nnfw s':>8} {'plain s':>8} {'ratio':>6} {'pairs':>6} {'lightning s':>11} {'ratio':>6}")
    for name, nnfw, plain, pairs, peer in rows:
        against_peer = f" {peer:>11.2f} {nnfw / peer:>6.2f}" if peer else ""
        print(f"{name:<52} {nnfw:>8.2f} {plain:>8.2f} {nnfw / plain:>6.2f} {pairs:>6.2f}{against_peer}")
    print(f"{'digits CNN, 5 epochs: augmented / not (fit)':<52} {augmented['augmented_s']:>8.2f} "
          f"{augmented['plain_s']:>8.2f} {augmented['ratio']:>6.2f} {augmented['median_ratio']:>6.2f}")
    print()
    tiny.print_cases(whole, args.repeat)
    print(f"{'nnfw --help':<52} {help_s:>8.2f}")
    print(f"{'nnfw train to its first training step':<52} {first_step_s:>8.2f}")
    print(f"{'import lightning.pytorch alone':<52} {import_s:>8.2f}")
    diagnostics.print_costs(costs)
    if args.json:
        figures = {"rows": [{"case": n, "nnfw_s": a, "plain_s": b, "ratio": a / b, "median_pair_ratio": m,
                             "lightning_s": p} for n, a, b, m, p in rows],
                   "tiny": whole, "help_s": help_s, "first_step_s": first_step_s, "import_lightning_s": import_s,
                   "diagnostics": costs, "augmentation": augmented,
                   "torch": torch.__version__, "device": device}
        args.json.write_text(json.dumps(figures, indent=2) + "\n")


def markdown_table(figures: dict) -> str:
    """The README's speed table: each case's nnfw time beside its plain baseline's, and the ratio."""
    lines = ["| case | nnfw s | plain s | ratio |", "|---|---|---|---|"]
    for row in figures["rows"]:  # an indented case compares the row above with another baseline
        case = row["case"]
        shown = f"&nbsp;&nbsp;the same against {case.strip()}" if case.startswith(" ") else case
        lines.append(f"| {shown} | {row['nnfw_s']:.2f} | {row['plain_s']:.2f} | {row['ratio']:.2f} |")
    for case, row in figures["tiny"].items():
        plain = min(row["plain_s"], row["plain_1_thread_s"])
        lines.append(f"| `{' '.join(tiny.CASES[case][0])}`, the whole process against the plain script | "
                     f"{row['nnfw_s']:.2f} | {plain:.2f} | {row['ratio']:.2f} |")
        lines.append(f"| &nbsp;&nbsp;the floor: a process that only imports Lightning | "
                     f"{row['lightning_import_s']:.2f} | {plain:.2f} | {row['floor_ratio']:.2f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
