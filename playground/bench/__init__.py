"""``playground bench``: the engine beside its peers (``engine.py``) and the window while it
trains (``window.py``, ``bench --gui``). Figures, method and machines: ``docs/performance.md``."""
