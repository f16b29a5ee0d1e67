"""Characters <-> integer ids, with one id for every character the training text never had."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

#: Stands for every character outside the vocabulary; always id 0.
UNKNOWN = "\ufffd"


class Vocabulary:
    """The characters of a training text, sorted, after the unknown character at id 0.

    Only the list of characters is saved (in the checkpoint's data spec, as plain strings),
    so a checkpoint rebuilds its vocabulary without the text it was trained on.
    """

    def __init__(self, chars: Sequence[str]) -> None:
        if not chars or chars[0] != UNKNOWN:
            raise ValueError("a vocabulary starts with the unknown character")
        self.chars = tuple(str(c) for c in chars)
        self.index = {c: i for i, c in enumerate(self.chars)}

    @classmethod
    def from_text(cls, text: str) -> Vocabulary:
        return cls((UNKNOWN, *sorted(set(text) - {UNKNOWN})))

    def __len__(self) -> int:
        return len(self.chars)

    def encode(self, text: str) -> np.ndarray:
        """Ids of `text`; characters outside the vocabulary become the unknown id 0."""
        index = self.index
        return np.fromiter((index.get(c, 0) for c in text), dtype=np.int64, count=len(text))

    def decode(self, ids: Iterable[int]) -> str:
        return "".join(self.chars[i] for i in ids)
