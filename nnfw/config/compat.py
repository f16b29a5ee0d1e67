"""Which models can read which data, checked from the config before torch is imported.

Each datamodule gives one kind of input and each model reads some kinds; a mismatch (an LSTM
language model on a table, an MLP on characters) is a config error with the models that fit.
Targets not listed here (a user's own classes) are not checked.
"""

from __future__ import annotations

from omegaconf import DictConfig, OmegaConf

from nnfw.config import locate
from nnfw.errors import UserError

#: datamodule -> the input it gives
DATA_INPUTS = {
    "nnfw.data.arrays.ArrayDataModule": "features",
    "nnfw.data.series.SeriesDataModule": "series",
    "nnfw.data.charseq.CharSeqDataModule": "characters",
    "nnfw.data.textclass.TextClassificationDataModule": "words",
    "nnfw.data.images.ImageDataModule": "images",
    "nnfw.data.image_files.ImageFiles": "images",
}

#: model -> the inputs it reads
MODEL_INPUTS = {
    "nnfw.models.linear.Linear": {"features", "series"},
    "nnfw.models.mlp.MLP": {"features", "series", "images"},  # images as their flattened pixels
    "nnfw.models.cnn.CNN": {"images"},
    "nnfw.models.perceptron.Perceptron": {"features"},
    "nnfw.models.forecast.RecurrentForecaster": {"series"},
    "nnfw.models.recurrent.RecurrentLM": {"characters"},
    "nnfw.models.transformer.CausalTransformer": {"characters"},
    "nnfw.models.text.BagOfEmbeddings": {"words"},
    "nnfw.models.text.RecurrentClassifier": {"words"},
}


def option_target(group: str, option: str) -> str | None:
    """An option's `_target_`, read from its file or the base configs its defaults list names."""
    node = OmegaConf.load(locate.config_dir() / group / f"{option}.yaml")
    target = node.get("_target_") or (node.get(group) or {}).get("_target_")  # or under `model:` (@_global_)
    bases = [d for d in node.get("defaults", []) if isinstance(d, str) and d != "_self_"]
    for base in bases:
        target = target or option_target(group, base)
    return target


def models_reading(kind: str) -> list[str]:
    """The model options that read `kind` inputs."""
    return [name for name in locate.options("model") if kind in MODEL_INPUTS.get(option_target("model", name), ())]


def check_compatible(cfg: DictConfig) -> None:
    data_target, model_node = cfg.data.get("_target_"), cfg.get("model")
    given = DATA_INPUTS.get(data_target)
    read = MODEL_INPUTS.get(model_node.get("_target_") if model_node else None)
    if given is None or read is None or given in read:
        return
    choices = cfg.hydra.runtime.choices
    raise UserError(
        f"model={choices.get('model')} reads {' or '.join(sorted(read))}, "
        f"but data={choices.get('data')} gives {given}",
        f"models for {given}: {', '.join(models_reading(given))}",
    )
