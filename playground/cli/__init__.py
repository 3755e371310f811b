"""The command line: the same engine, scriptable.

    playground train      train a network headless, print the course-style log or JSON
    playground gradcheck  compare backprop with two-sided differences
    playground sweep      train once per value of one hyperparameter (all cores) and
                          print the table, e.g. the notebook's accuracy per hidden size
    playground bench      training speed beside NumPy, scikit-learn and PyTorch; --gui
                          measures the window while it trains

Exit codes: 0 ok; 1 the gradient check found a bug (not for gradients too small to
judge); 2 bad arguments or input (one line on stderr, nothing written); 3 training
diverged. ``dispatch.py`` parses and dispatches.
"""

SUBCOMMANDS = ("train", "gradcheck", "sweep", "bench")
