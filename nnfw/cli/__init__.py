"""The `nnfw` command: a dispatcher over subcommands, each a Hydra app or a small tool."""
