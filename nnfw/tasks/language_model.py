"""Next-character prediction: cross-entropy in nats, bits per character, perplexity, sampling."""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import nn
from torchmetrics import MetricCollection

from nnfw.data.vocab import Vocabulary
from nnfw.errors import UserError
from nnfw.models.generate import generate
from nnfw.tasks.base import EpochOutputs, SupervisedTask


def sample_text(model: nn.Module, vocabulary: Vocabulary, prompt: str, length: int,
                temperature: float = 0.8, top_k: int | None = None, seed: int = 0) -> str:
    """`length` characters that follow `prompt` (unknown characters read as the unknown id).

    An empty prompt starts from a newline."""
    device = next(model.parameters()).device
    ids = torch.as_tensor(vocabulary.encode(prompt or "\n"), device=device)
    generator = torch.Generator().manual_seed(seed)
    return vocabulary.decode(generate(model, ids, length, temperature, top_k, generator).tolist())


class LanguageModel(SupervisedTask):
    """Outputs are logits (batch, time, vocabulary); targets the next characters (batch, time).

    Every metric follows from the mean loss: bits per character = loss / ln 2 and
    perplexity = exp(loss), so no epoch of logits is kept. Gradients are clipped to a norm of
    `default_gradient_clip` unless regularization.gradient_clip.value sets a clip.
    """

    accepts = ("language_model",)
    keeps_outputs = False
    default_gradient_clip = 5.0  # the tutorials' char-RNN clips at 5

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.states: dict[str, Any] = {}  # stage -> the recurrent state its next batch starts from

    def build_metrics(self) -> MetricCollection:
        return MetricCollection({})

    def on_train_start(self) -> None:
        """Stateful data (`data.stateful=true`) needs a model that takes and returns its state."""
        self.states.pop("train", None)
        if self.spec.stateful and not any(isinstance(layer, nn.RNNBase) for layer in self.model.modules()):
            raise UserError(f"data.stateful=true carries a recurrent model's state, and {type(self.model).__name__} "
                            "has none", "use model=rnn, lstm or gru, or data.stateful=false")

    def on_validation_epoch_start(self) -> None:
        self.states.pop("val", None)  # each pass over the split starts without context

    def on_test_epoch_start(self) -> None:
        self.states.pop("test", None)

    def outputs(self, features: torch.Tensor, stage: str) -> torch.Tensor:
        """With stateful data, each batch starts from the state the previous one of its stage ended
        in, detached: truncated back-propagation through time when training, as char-rnn trains,
        and the same context when validating and testing, as it evaluates."""
        if not self.spec.stateful:
            return self.model(features)
        outputs, state = self.model.step(features, self.states.get(stage))
        self.states[stage] = tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()
        return outputs

    def loss(self, outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        return nn.functional.cross_entropy(outputs.flatten(0, 1), targets.flatten())

    def epoch_metrics(self, stage: str, kept: EpochOutputs) -> dict[str, torch.Tensor]:
        loss = kept.mean_loss()
        return {f"{stage}/loss": loss, f"{stage}/bpc": loss / math.log(2), f"{stage}/perplexity": loss.exp()}

    def configure_gradient_clipping(self, optimizer: torch.optim.Optimizer, gradient_clip_val: float | None = None,
                                    gradient_clip_algorithm: str | None = None) -> None:
        if gradient_clip_val is None:
            gradient_clip_val, gradient_clip_algorithm = self.default_gradient_clip, "norm"
        self.clip_gradients(optimizer, gradient_clip_val, gradient_clip_algorithm)

    def sample(self, prompt: str, length: int, temperature: float = 0.8, top_k: int | None = None,
               seed: int = 0) -> str:
        """Text the model writes after `prompt` (in eval mode; the training mode is restored)."""
        training = self.model.training
        self.model.eval()
        try:
            return sample_text(self.model, Vocabulary(self.spec.class_names), prompt, length,
                               temperature, top_k, seed)
        finally:
            self.model.train(training)
