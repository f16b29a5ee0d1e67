"""What a run leaves on disk, and how it is read back safely: checkpoints (atomic writes, trusted
loading, last.ckpt and interrupted.ckpt), summary.json, history.csv, and tables of runs.

May import the components (data, models, tasks) and errors; never the run, views or inference,
so `nnfw runs` and `nnfw report` read a run's files without building one.
"""
