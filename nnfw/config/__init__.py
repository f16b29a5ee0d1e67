"""Finding, listing and checking nnfw's Hydra configs; torch-free so it answers fast."""
