"""A pretrained image backbone from timm with a new head sized from the data: transfer learning.

timm (and torchvision, which timm needs) is imported only when a backbone is built, so every
other model, `nnfw --help` and the config checks run without them. Nothing is downloaded:
pretrained weights come from the local caches timm reads (Hugging Face's hub cache, torch hub's
checkpoints folder) or from a file, and their absence is a UserError saying where to put them.
"""

from __future__ import annotations

import difflib
import pickle
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import torch
from torch import nn
from torch.nn import functional

from nnfw.errors import UserError

#: the layers whose running statistics a frozen backbone may keep fixed (timm's BatchNormAct2d is a BatchNorm2d)
BATCH_NORMS = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, nn.SyncBatchNorm)
#: the prefixes a backbone's weights may carry in a file: an nnfw checkpoint, a Backbone's own
#: state dict, a model saved from DataParallel, or none (timm's and torchvision's files)
PREFIXES = ("model.backbone.", "backbone.", "module.", "")
INSTALL = "pip install 'nnfw[backbones]' (timm and torchvision)"


def import_timm() -> Any:
    try:
        import timm
        import timm.data
    except (ImportError, RuntimeError) as err:  # a torchvision built for another torch fails at import
        raise UserError(f"model=backbone needs timm, which does not import here ({err})", INSTALL) from err
    return timm


def check_name(timm: Any, name: str) -> None:
    """`name` is a timm architecture, with a pretrained tag it has if one is given (resnet18.a1_in1k)."""
    if name.startswith(("hf-hub:", "hf_hub:", "local-dir:")):
        return  # a location timm resolves itself
    architecture, _, tag = name.partition(".")
    if not timm.is_model(architecture):
        close = difflib.get_close_matches(architecture, timm.list_models(), n=5, cutoff=0.6)
        hint = f"did you mean {', '.join(close)}? " if close else ""
        raise UserError(f"model.name={name} is not a timm model",
                        f"{hint}python -c \"import timm; print(timm.list_models('{architecture[:3]}*'))\" lists them")
    if tag and name not in timm.list_pretrained(f"{architecture}.*"):
        tags = timm.list_pretrained(f"{architecture}.*")
        raise UserError(f"model.name={name}: timm has no weights tagged '{tag}' for {architecture}",
                        f"its tags: {', '.join(tags) or 'none'}; or give the architecture alone, model.name={architecture}")


def cached_weights(pretrained_cfg: Mapping[str, Any]) -> tuple[Path | None, list[str]]:
    """The pretrained weights file timm would load, if it is already on this machine, and the
    places looked in (Hugging Face's hub cache, then torch hub's checkpoints folder)."""
    looked: list[str] = []
    hub_id = pretrained_cfg.get("hf_hub_id")
    if hub_id:
        from huggingface_hub import try_to_load_from_cache
        from huggingface_hub.constants import HF_HUB_CACHE

        names = [pretrained_cfg["hf_hub_filename"]] if pretrained_cfg.get("hf_hub_filename") else [
            "model.safetensors", "pytorch_model.bin"]
        for filename in names:
            found = try_to_load_from_cache(hub_id, filename)
            if isinstance(found, str):
                return Path(found), looked
        looked.append(f"the Hugging Face cache {HF_HUB_CACHE} ({hub_id}: {' or '.join(names)})")
    url = pretrained_cfg.get("url")
    if url:
        path = Path(torch.hub.get_dir()) / "checkpoints" / Path(urlparse(url).path).name
        if path.is_file():
            return path, looked
        looked.append(str(path))
    return None, looked


def read_weights(path: Path) -> Mapping[str, torch.Tensor]:
    """The tensors of a safetensors file, a state dict, or a checkpoint holding one (nnfw's, timm's)."""
    if not path.is_file():
        raise UserError(f"model.weights={path}: no such file", "give the path of a .safetensors, .pth or .ckpt file")
    try:
        if path.suffix == ".safetensors":
            from safetensors.torch import load_file

            return load_file(str(path))
        stored = torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, OSError, EOFError, ValueError) as err:
        raise UserError(f"model.weights={path} cannot be read as weights ({str(err).splitlines()[0]})",
                        "give a state dict saved with torch.save, a .safetensors file or an nnfw checkpoint") from err
    for key in ("state_dict", "model", "state_dict_ema"):
        if isinstance(stored, Mapping) and isinstance(stored.get(key), Mapping):
            return stored[key]
    if not isinstance(stored, Mapping):
        raise UserError(f"model.weights={path} holds a {type(stored).__name__}, not a state dict",
                        "save the backbone's weights with torch.save(model.state_dict(), path)")
    return stored


def backbone_state(stored: Mapping[str, torch.Tensor], expected: Mapping[str, torch.Tensor], path: Path,
                   name: str) -> dict[str, torch.Tensor]:
    """The backbone's weights out of `stored`, under whichever prefix fits them best; other
    entries (an old head, a classifier of 1000 classes) are left out."""
    prefix = max(PREFIXES, key=lambda p: sum(f"{p}{key}" in stored for key in expected))
    missing = [key for key in expected if f"{prefix}{key}" not in stored]
    fix = f"give weights saved from a model.name={name} backbone, or model.pretrained=true for timm's"
    if missing:
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        raise UserError(f"model.weights={path} does not fit model.name={name}: it lacks {missing[0]}{more}", fix)
    state = {key: stored[f"{prefix}{key}"] for key in expected}
    resized = next((key for key in expected if state[key].shape != expected[key].shape), None)
    if resized is not None:
        raise UserError(f"model.weights={path} does not fit model.name={name}: {resized} is "
                        f"{tuple(state[resized].shape)}, not {tuple(expected[resized].shape)}", fix)
    return state


class BackboneInput(nn.Module):
    """Images as the data gives them turned into what the backbone was trained on, on the device:
    back to pixels (undoing the data's standardization), grey repeated as RGB, normalized with
    the backbone's own mean and spread (one affine op), and resized to its input size."""

    def __init__(self, data_channels: int, channels: int, size: tuple[int, int] | None, interpolation: str,
                 mean: Sequence[float], std: Sequence[float], pixel_mean: Sequence[float] | None,
                 pixel_std: Sequence[float] | None) -> None:
        super().__init__()
        if data_channels not in (1, channels):
            raise UserError(f"model=backbone reads {channels}-channel images (or grey ones), "
                            f"the data has {data_channels} channels", "use images of 1 or 3 channels")
        self.channels, self.size = channels, size
        self.mode = "bicubic" if interpolation == "bicubic" else "bilinear"
        given_mean = torch.tensor(pixel_mean if pixel_mean else [0.0]).expand(channels)
        given_std = torch.tensor(pixel_std if pixel_std else [1.0]).expand(channels)
        mean_, std_ = torch.tensor(mean[:channels]), torch.tensor(std[:channels])
        # pixels = x * given_std + given_mean; the backbone reads (pixels - mean) / std
        self.register_buffer("scale", (given_std / std_).view(1, -1, 1, 1), persistent=False)
        self.register_buffer("shift", ((given_mean - mean_) / std_).view(1, -1, 1, 1), persistent=False)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        if images.shape[1] != self.channels:
            images = images.expand(-1, self.channels, -1, -1)
        images = images * self.scale + self.shift
        if self.size is not None and tuple(images.shape[-2:]) != self.size:
            shrinking = images.shape[-1] > self.size[1] or images.shape[-2] > self.size[0]
            images = functional.interpolate(images, size=self.size, mode=self.mode, align_corners=False,
                                            antialias=shrinking)
        return images


class Backbone(nn.Module):
    """timm's `name` network without its classifier, and a new head: dropout and one linear layer
    from its pooled features (`features`) to the data's outputs.

    Its weights are timm's pretrained ones (`pretrained`, read from the local cache), a file's
    (`weights`: a state dict, a safetensors file, or an nnfw checkpoint of a backbone run), or
    random. Images are brought to the backbone's pretrained input size (`input_size` replaces
    it) and normalization inside the model, so prediction and export need no preprocessing
    of their own. `timm_options` go to `timm.create_model` (e.g. `drop_path_rate`, a ResNet's
    `channels`).

    The fine-tuning plan (`nnfw.tasks.finetuning`) reads `freeze_epochs` (the backbone frozen
    while the new head learns), `backbone_lr` (the backbone's rate as a factor of the head's)
    and `freeze_batchnorm` (frozen batch-norm layers in eval mode, their statistics fixed). A
    backbone with no weights to start from has nothing to protect: it trains whole at the full rate.
    """

    def __init__(self, image_shape: Sequence[int], out_features: int, name: str = "resnet18",
                 pretrained: bool = True, weights: str | None = None, input_size: int | None = None,
                 freeze_epochs: int = 1, backbone_lr: float = 0.1, freeze_batchnorm: bool = True,
                 dropout: float = 0.0, timm_options: Mapping[str, Any] | None = None,
                 pixel_mean: Sequence[float] | None = None, pixel_std: Sequence[float] | None = None) -> None:
        super().__init__()
        timm = import_timm()
        check_name(timm, name)
        options = {"num_classes": 0, **dict(timm_options or {})}
        file = Path(weights).expanduser() if weights else None
        cached = None
        if pretrained and file is None:
            cached = self._cached(timm, name)
        try:
            self.backbone = timm.create_model(name, pretrained=cached is not None, **options,
                                              **({"pretrained_cfg_overlay": {"file": str(cached)}} if cached else {}))
        except TypeError as err:
            raise UserError(f"model.timm_options={dict(timm_options or {})}: timm's {name} refuses them ({err})",
                            "give arguments its constructor takes, or model.timm_options=null") from err
        if file is not None:
            expected = self.backbone.state_dict()
            self.backbone.load_state_dict(backbone_state(read_weights(file), expected, file, name))
        data = timm.data.resolve_model_data_config(self.backbone)
        channels, height, width = data["input_size"]
        size = (input_size, input_size) if input_size else (height, width)
        self.input = BackboneInput(image_shape[0], channels, size, data.get("interpolation", "bilinear"),
                                   data["mean"], data["std"], pixel_mean, pixel_std)
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(self.backbone.num_features, out_features))
        learned = cached is not None or file is not None
        self.freeze_epochs = freeze_epochs if learned else 0
        self.backbone_lr = backbone_lr if learned else 1.0
        self.freeze_batchnorm = freeze_batchnorm
        self.backbone_frozen = False

    @staticmethod
    def _cached(timm: Any, name: str) -> Path:
        """The local file of timm's pretrained weights for `name`, or a UserError saying where to put it."""
        from timm.models import get_pretrained_cfg

        pretrained_cfg = get_pretrained_cfg(name)
        if pretrained_cfg is None or not (pretrained_cfg.hf_hub_id or pretrained_cfg.url):
            raise UserError(f"model.name={name} has no pretrained weights in timm",
                            "train it from scratch with model.pretrained=false, or give model.weights=FILE")
        found, looked = cached_weights(pretrained_cfg.to_dict())
        if found is None:
            raise UserError(
                f"model.name={name} model.pretrained=true: its weights are not on this machine "
                f"(looked in {'; '.join(looked)}); nnfw never downloads them",
                f"fetch them once into that cache with python -c \"import timm; timm.create_model('{name}', "
                f"pretrained=True)\", or give a file with model.weights=PATH, or train from scratch with "
                f"model.pretrained=false")
        return found

    def freeze_backbone(self, frozen: bool) -> None:
        """Stop (or restart) the backbone's training. Batch-norm layers stay trainable while frozen
        unless `freeze_batchnorm`, as Lightning's and fastai's `train_bn` keep them."""
        self.backbone_frozen = frozen
        for module in self.backbone.modules():
            trains = not frozen or (isinstance(module, BATCH_NORMS) and not self.freeze_batchnorm)
            for parameter in module.parameters(recurse=False):
                parameter.requires_grad_(trains)
        self.train(self.training)

    def train(self, mode: bool = True) -> Backbone:
        """A frozen backbone's batch-norm layers stay in eval mode with `freeze_batchnorm`, so their statistics stay fixed."""
        super().train(mode)
        if self.backbone_frozen and self.freeze_batchnorm:
            for module in self.backbone.modules():
                if isinstance(module, BATCH_NORMS):
                    module.eval()
        return self

    def features(self, images: torch.Tensor) -> torch.Tensor:
        """The backbone's pooled features: what the head reads, and what `nnfw embed` writes."""
        return self.backbone(self.input(images))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(images))
