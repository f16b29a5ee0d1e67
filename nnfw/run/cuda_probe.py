"""Whether a CUDA device is there, answered by the CUDA runtime on a machine that has none,
rather than by NVML at every optimizer step.

Lightning sets PYTORCH_NVML_BASED_CUDA_CHECK=1 when it is imported, so that asking whether CUDA
is available does not initialize CUDA in a process that may fork later. torch then answers
`torch.cuda.is_available()` through NVML, uncached until CUDA is initialized: with a CUDA build
of torch on a machine without a GPU it tries to load libnvidia-ml at every call, fails, and asks
the runtime anyway (45 µs a call). torch's Adam and AdamW ask at every step
(`Optimizer._accelerator_graph_capture_health_check`): a third of a small model's step.

Where no device is visible, both ways answer 0 and there is no device a fork could lose, so the
runtime is asked directly. A machine with a GPU is left as Lightning set it.
"""

from __future__ import annotations

import os

import torch

NVML_CHECK = "PYTORCH_NVML_BASED_CUDA_CHECK"


def ask_runtime_without_devices() -> bool:
    """Let torch ask the CUDA runtime, not NVML, when no CUDA device is visible; whether it does."""
    if os.environ.get(NVML_CHECK) != "1" or torch.cuda.device_count() > 0:
        return False
    os.environ[NVML_CHECK] = "0"
    return True
