"""The fast room: the formulas of ``core/network.py`` computed into buffers made once.

Nothing here is new maths. ``engine.py`` runs forward → backward → update for one
architecture and one training set; ``kernels.py`` holds the in-place forms of every
activation and output (each registered under the same name as its readable form in
``core/activations.py`` and ``core/objectives.py``); ``tanh_table.py`` is a tanh for large
arrays, which ``calibrate.py`` chooses over ``np.tanh`` where and from what size this
machine computes it faster; ``calls.py`` records a step's NumPy calls once and replays them.

Course 2: ``batched.py`` runs the readable loop of ``core/training.py`` (mini-batches,
optimizers, decay, penalties, dropout) over passes of ``batch_pass.py``, with the update
rules' in-place forms in ``update_kernels.py``. The tests check every piece against the
readable room.
"""
