"""What a run shows: the terminal's config tree and results table, the pictures of a run
(learning curves, decision boundaries, predictions, generated samples, diagnostics), the
baselines it is judged against, its diagnosis and the HTML report.

May import the components (data, models, tasks), artifacts and errors; never the run or
inference: views read what a run hands them or leaves on disk.
"""
