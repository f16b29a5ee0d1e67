"""Names of the model options that configs may choose; torch-free so configs are checked fast."""

ACTIVATIONS = ("relu", "leaky_relu", "tanh", "sigmoid", "elu", "gelu")
INITS = ("default", "zeros", "normal", "xavier", "he")
POSITIONS = ("learned", "sinusoidal")  # the transformer's position encodings
POOLINGS = ("max", "avg", "none")  # after each conv block of the cnn
