"""Pipeline layer: builds data, model, task, callbacks and trainer from a config and runs them."""
