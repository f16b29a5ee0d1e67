"""`trainer.precision=auto`: bf16 mixed precision where the device computes bf16 natively, else 32-bit.

Lightning has no automatic precision: a recipe that is fastest in bf16 on one machine would fail
or crawl on another. `auto` is decided when the run is built, from the device it trains on: a
CUDA GPU that supports bf16, or a CPU with bf16 instructions (AVX512-BF16 or AMX), gets
`bf16-mixed`; anything else `32-true`.
"""

from __future__ import annotations

from pathlib import Path

import torch

AUTO = "auto"
#: /proc/cpuinfo flags of CPUs with bf16 arithmetic in hardware
BF16_FLAGS = {"avx512_bf16", "amx_bf16"}
CPUINFO = Path("/proc/cpuinfo")


def cpu_has_bf16(cpuinfo: Path = CPUINFO) -> bool:
    """Whether the CPU lists bf16 instructions among its flags (Linux; elsewhere: no)."""
    try:
        text = cpuinfo.read_text()
    except OSError:
        return False
    flags = next((line.partition(":")[2].split() for line in text.splitlines() if line.startswith("flags")), [])
    return bool(BF16_FLAGS & set(flags))


def trains_on_cuda(accelerator: str) -> bool:
    """Whether Lightning will train on a CUDA GPU for `trainer.accelerator=accelerator`."""
    return accelerator in ("gpu", "cuda") or (accelerator == AUTO and torch.cuda.is_available())


def resolved_precision(precision: str | int | None, accelerator: str) -> str | int | None:
    """`precision` as Lightning takes it: `auto` becomes `bf16-mixed` or `32-true` (see the module)."""
    if precision != AUTO:
        return precision
    if trains_on_cuda(accelerator):
        return "bf16-mixed" if torch.cuda.is_bf16_supported() else "32-true"
    return "bf16-mixed" if accelerator in ("cpu", AUTO) and cpu_has_bf16() else "32-true"
