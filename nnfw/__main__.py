"""`python -m nnfw ...` is the same as the `nnfw` command."""

from nnfw.cli.main import entry

if __name__ == "__main__":
    entry()
