"""The control panel (the left column that edits the next run's RunConfig), as a package.

``panel`` holds ``ControlPanel``: the one RunConfig, its public API and the decisions
worth knowing. It composes three group boxes, each showing a config and emitting the
changes an edit means: ``data_group`` (dataset, classes, samples, noise, test split),
``network_group`` (hidden layers, built from ``layer_rows``, output and loss) and
``training_group`` (learning rate, initialisation, seed, run buttons). ``resolved``
works out what a config's ``None`` ("the dataset's default") fields stand for;
``thumbnails`` draws the dataset combo's icons in the plots' palette; ``form`` holds
the groups' shared layout helpers. ``python -m playground.ui.controls`` runs the panel
alone (``__main__``).
"""

from playground.ui.controls.panel import ControlPanel
from playground.ui.controls.training_group import (
    INIT_SCALE_RANGE,
    LEARNING_RATE_RANGE,
    PAUSE_TEXT,
    PLAY_TEXT,
)

__all__ = ["INIT_SCALE_RANGE", "LEARNING_RATE_RANGE", "PAUSE_TEXT", "PLAY_TEXT", "ControlPanel"]
