"""Where a text corpus comes from: a file, a directory of files, inline text, or Python itself."""

from __future__ import annotations

from pathlib import Path

from nnfw.errors import UserError


def builtin_corpus() -> str:
    """The help topics of Python's language reference (pydoc_data, ~460k characters).

    They ship with every CPython, so `data=charseq` trains out of the box with no download.
    """
    from pydoc_data.topics import topics

    return "\n\n".join(topics[name] for name in sorted(topics))


def _files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    return sorted(p for p in path.rglob("*")
                  if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts))


def read_corpus(path: str | None = None, text: str | None = None) -> str:
    """The text of `path` (a file, or every file under a directory, in name order), else `text`,
    else the built-in corpus. Bytes that are not UTF-8 become the unknown character."""
    if path is None:
        return text if text is not None else builtin_corpus()
    root = Path(path).expanduser()
    if not root.exists():
        raise UserError(f"data.path names a file that does not exist (got '{path}')")
    files = _files(root)
    if not files:
        raise UserError(f"data.path is a directory without files: {root}", "point data.path at text files")
    corpus = "\n".join(f.read_text(encoding="utf-8", errors="replace") for f in files)
    if not corpus.strip():
        raise UserError(f"data.path holds no text: {root}", "point data.path at a non-empty text file")
    return corpus
