"""The fast room: the formulas of ``core/network.py`` computed into buffers made once.

Nothing here is new maths. ``engine.py`` runs forward → backward → update for one
architecture and one training set; ``kernels.py`` holds the in-place forms of every
activation and output (each registered under the same name as its readable form in
``core/activations.py`` and ``core/objectives.py``); ``tanh_table.py`` is a tanh for large
float64 arrays; ``calls.py`` records a step's NumPy calls once and replays them. The tests
check every piece against the readable room.
"""
