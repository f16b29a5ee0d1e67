"""A trained run at work: a restored checkpoint evaluated on a split, predicting new inputs,
recommending, generating samples, exported to ONNX or TorchScript.

May import every room but the command line.
"""
