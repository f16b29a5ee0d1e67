"""The run itself: a checked config built into data, model, task, callbacks and Trainer, fitted,
evaluated and summarised as a Hydra job (or a sweep of them), and a trained run rebuilt from its
checkpoint (restore).

May import the components (data, models, tasks), config, artifacts and views; nothing imports
it but inference and the command line.
"""
