"""A checkpoint's model as a file that runs without nnfw (ONNX or TorchScript), checked against the model.

The example input is a batch of the run's own test split, so any model with a datamodule
exports the same way; the batch dimension (and a language model's time) stays dynamic.
ONNX goes through torch's dynamo exporter (torch.export + onnxscript): the TorchScript-based
one is deprecated and cannot export an EmbeddingBag with padding (the bag-of-embeddings model).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable
import json
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from nnfw.artifacts.files import written_whole
from nnfw.config import declarations
from nnfw.errors import UserError
from nnfw.inference.generate import is_generative
from nnfw.run.restore import Restored
from nnfw.run.train import quiet
from nnfw.tasks.sampling import Sampler

#: an exported file's outputs may differ from the model's by this many rounding steps of their
#: dtype at their largest magnitude (at least 1): float32 outputs near 1 by 3e-5, a price of 364,000 by 11
ROUNDING_STEPS = 256
#: input kind -> its dimensions (after the batch) that vary between calls
VARYING_DIMS = {"characters": {1: "time"}}
#: what torch says while exporting that users can do nothing about
EXPORT_NOISE = (r"The tensor attributes .* were assigned during export", r"_check_is_size will be removed")
SUFFIXES = {"onnx": "model.onnx", "torchscript": "model.torchscript.pt"}


def example_batch(restored: Restored) -> torch.Tensor:
    """Two inputs of the test split (two rows keep the batch size from being read as a constant 1)."""
    datamodule = restored.datamodule
    datamodule.setup("test")
    inputs = next(iter(datamodule.test_dataloader()))[0].cpu()
    return torch.cat([inputs, inputs])[:2]


def exported(restored: Restored) -> tuple[nn.Module, torch.Tensor]:
    """The module written and an example input: a VAE's decoder or a GAN's generator, which
    read codes; otherwise the whole model, which reads the data."""
    task = restored.task.cpu().eval()
    if is_generative(restored):
        sampler = Sampler(task)
        return sampler, sampler.codes(2)
    return task.exportable(), example_batch(restored)


def to_onnx(model: nn.Module, example: torch.Tensor, path: Path, varying: dict[int, str]) -> Callable[[torch.Tensor], np.ndarray] | None:
    """Write `path`; return a function running it in onnxruntime (None when that is not installed)."""
    try:
        import onnxscript  # noqa: F401  the dynamo exporter's dependency
    except ImportError as err:
        raise UserError("format=onnx needs the onnx exporter's packages",
                        "pip install 'nnfw[export]' (onnx, onnxscript, onnxruntime), or use format=torchscript") from err
    logging.getLogger("torch.onnx").setLevel(logging.ERROR)
    dims = {0: torch.export.Dim("batch"), **{d: torch.export.Dim(name) for d, name in varying.items()}}
    program = torch.onnx.export(model, (example,), dynamo=True, input_names=["input"], output_names=["output"],
                                dynamic_shapes=(dims,), verbose=False)
    program.save(str(path))
    try:
        import onnxruntime
    except ImportError:
        return None
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return lambda inputs: session.run(None, {"input": inputs.numpy()})[0]


def to_torchscript(model: nn.Module, example: torch.Tensor, path: Path, varying: dict[int, str]) -> Callable[[torch.Tensor], np.ndarray]:
    """Write `path` (a trace of the model on the example); return a function running the loaded file."""
    torch.jit.save(torch.jit.trace(model, example), str(path))
    loaded = torch.jit.load(str(path))
    return lambda inputs: loaded(inputs).detach().numpy()


EXPORTERS = {"onnx": to_onnx, "torchscript": to_torchscript}


def allowed_difference(expected: np.ndarray) -> float:
    """How far outputs like `expected` may be from it: ROUNDING_STEPS steps of their dtype at their
    largest magnitude (exactly equal for integer outputs)."""
    if not np.issubdtype(expected.dtype, np.floating):
        return 0.0
    return ROUNDING_STEPS * float(np.finfo(expected.dtype).eps) * max(1.0, float(np.abs(expected).max()))


def inputs_path(path: Path) -> Path:
    """Where the description of an exported model's inputs and outputs goes: beside it, FILE.json."""
    return path.with_name(path.name + ".json")


def description(restored: Restored) -> dict[str, Any] | None:
    """What a table model's exported file reads and writes, for programs without nnfw: each input
    feature (its column and how it is computed from it: fill, standardization, category codes)
    and the outputs; None for models that read something else."""
    if is_generative(restored) or declarations.gives(restored.config.data) not in ("features", "vectors"):
        return None
    datamodule, spec = restored.datamodule, restored.spec
    preprocessor = getattr(datamodule, "preprocessor", None)
    mean, std = getattr(datamodule, "mean", None), getattr(datamodule, "std", None)
    if preprocessor is not None:
        features = preprocessor.describe(mean, std)
        columns = preprocessor.names
    else:
        features = [{"index": i, "feature": name, "column": name,
                     **({"computed": "(value - mean) / std", "mean": float(mean[i]), "std": float(std[i])}
                        if mean is not None else {"computed": "the number as it is"})}
                    for i, name in enumerate(spec.feature_names)]
        columns = list(spec.feature_names)
    if spec.task == "binary":
        outputs = f"one logit per row: P({spec.class_names[1]}) = sigmoid(output), else {spec.class_names[0]}"
    elif spec.task == "multiclass":
        outputs = f"one score per class, softmax for probabilities, in the order {', '.join(spec.class_names)}"
    else:
        outputs = "the predicted value(s), in the data's own units"
    return {"input": f"float32, shape (rows, {len(features)}): one row per table row, the features below in order",
            "columns": columns, "features": features, "output": outputs, "classes": list(spec.class_names)}


def export(restored: Restored, format: str, path: Path) -> tuple[float, float] | None:
    """Write the model to `path` (and for a table model the description of its inputs beside it,
    `inputs_path`); the largest difference from the model on test inputs and the difference
    allowed (None: not checked). A file beyond that is not written: a UserError says by how much."""
    quiet()
    model, example = exported(restored)
    varying = VARYING_DIMS.get(declarations.gives(restored.config.data), {})
    with written_whole(path, "the exported model") as temporary, torch.no_grad(), warnings.catch_warnings():
        for pattern in EXPORT_NOISE:
            warnings.filterwarnings("ignore", message=pattern)
        warnings.simplefilter("ignore", torch.jit.TracerWarning)  # recurrent layers' shape checks; the check below covers them
        run = EXPORTERS[format](model, example, temporary, varying)
        if run is None:
            write_description(restored, path)
            return None
        wider = torch.cat([example, example, example])  # a batch size the file was not traced with
        expected = model(wider).numpy()
        difference = float(np.abs(run(wider).astype(np.float64) - expected).max())
        allowed = allowed_difference(expected)
        if not difference <= allowed:  # NaN included; the file is not moved into place
            raise UserError(f"the exported {format} model differs from the checkpoint's by up to {difference:.3g} "
                            f"(allowed: {allowed:.3g}, for outputs up to {np.abs(expected).max():.3g}); nothing was written",
                            "try the other format (format=onnx or format=torchscript)")
    write_description(restored, path)
    return difference, allowed


def write_description(restored: Restored, path: Path) -> None:
    described = description(restored)
    if described is not None:
        with written_whole(inputs_path(path), "the description of the model's inputs") as temporary:
            temporary.write_text(json.dumps(described, indent=2) + "\n")
