"""nnfw: config-driven training of neural networks from the command line.

Importing the package stays cheap (no torch, no Lightning) so that `nnfw --help`
and config errors answer at once; the heavy layers are imported where they run.
"""

__version__ = "0.1.0"
