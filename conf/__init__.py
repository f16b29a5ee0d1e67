"""Hydra configs of nnfw, shipped as package data and found through pkg://nnfw.conf."""
