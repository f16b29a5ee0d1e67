"""`python -m nnfw ...` is the same as the `nnfw` command."""

from nnfw.cli.main import main

if __name__ == "__main__":
    main()
