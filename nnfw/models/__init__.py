"""Model layer: plain `torch.nn.Module` architectures, with no training logic and no Lightning."""
