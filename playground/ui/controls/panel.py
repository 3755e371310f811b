"""The control panel: the left column that edits the RunConfig of the next run.

``ControlPanel`` holds one ``RunConfig`` (the single source of truth) and shows it in
three group boxes — *Data*, *Network*, *Training* — inside its own ``QScrollArea``, so it
fits a ~300 px column at any window height. Every combo box is filled from the core
registries (DATASETS, ACTIVATIONS, INITS, OBJECTIVES); nothing lists names by hand.
The groups show what the panel hands them and emit the RunConfig changes a user's edit
means; only the panel applies them (``_commit``) and emits its signals.

Decisions worth knowing
-----------------------
- ``None`` fields of RunConfig ("the dataset's default") survive: ``set_config(c)`` then
  ``config()`` gives ``c`` back exactly. A user edit that lands on the dataset's default
  (samples, noise, classes, loss) stores ``None`` again, so returning to the defaults of
  ``flower`` gives the course's data bit for bit.
- Choosing another dataset resets samples, noise, classes, data seed, output and loss to
  that dataset's defaults; the test fraction is kept.
- Sliders (noise, test fraction, init scale) emit ``config_changed`` once, when released
  (or per keyboard step), never while dragging. The learning-rate slider emits
  ``learning_rate_changed`` live while dragging and never ``config_changed``.
- The scale slider is enabled only for initialisations whose ``Init.takes_scale``.
- Regenerate: data seed + 1 (from the dataset's default seed 1, or 0 for CSV splits).
- Re-initialise: seed + 1 (wrapping at 2³²), reproducible and visible in the seed box;
  it emits ``reinitialize_requested`` only — read ``config()`` and reset with it.
- Every ``set_*`` method is silent: ``set_config``, ``set_learning_rate``, ``set_playing``
  and ``set_csv_source`` (after which the main window resets with ``config()`` itself).
- Values the widgets cannot show are clamped by them: learning rate to [1e-4, 10], init
  scale to [1e-3, 10]. Units above 64 from a loaded config are kept (that row's box
  widens its range); samples, noise and test-fraction sliders stretch to show them.
- Pace and stop are the run loop's settings, not the RunConfig's: they emit
  ``pace_changed`` and ``stop_at_changed`` and are shown with ``set_pace``/``set_stop_at``.
- The panel registers no shortcuts. The main window binds Space / S / Shift+S / R / [ / ]
  to ``toggle_play()``, ``request_step(1 | 100)``, ``request_reset()`` and
  ``pace_slider.step(∓1)``; the tooltips name them.

Run alone: ``python -m playground.ui.controls`` prints every signal it emits.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal, Slot
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QFrame, QScrollArea, QVBoxLayout, QWidget

from playground.session.config import RunConfig
from playground.ui.controls.data_group import DataGroup
from playground.ui.controls.network_group import NetworkGroup
from playground.ui.controls.resolved import Resolved, objective_for, resolve
from playground.ui.controls.training_group import MAX_SEED, TrainingGroup

#: Settings that change a running training without a reset (``commands.SetTrainingOptions``).
LIVE_FIELDS = frozenset({"batch_size", "shuffle_seed", "optimizer", "beta", "beta1", "beta2",
                         "epsilon", "decay_rate", "decay_interval", "l2", "l1", "keep_prob"})


class ControlPanel(QWidget):
    """Data, network and training controls; emits a new RunConfig per user change."""

    config_changed = Signal(object)      # a new RunConfig: reset the run
    options_changed = Signal(object)     # a new RunConfig differing in LIVE_FIELDS only
    learning_rate_changed = Signal(float)
    play_toggled = Signal(bool)
    step_requested = Signal(int)
    reset_requested = Signal()
    reinitialize_requested = Signal()
    load_csv_requested = Signal()
    pace_changed = Signal(object)        # iterations per second, or None for max
    stop_at_changed = Signal(object)     # an iteration, or None for never
    notice = Signal(str)                 # a typed value was clamped or refused, and why

    def __init__(self, config: RunConfig | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._config = RunConfig() if config is None else config
        self._csv_task: str | None = None
        self._csv_classes: int | None = None

        resolved = self._resolve()
        self.data_group = DataGroup(self._config, resolved)
        self.network_group = NetworkGroup(self._config, resolved)
        self.training_group = TrainingGroup(self._config)
        self._connect_groups()
        self._name_widgets()

        content = QWidget()
        column = QVBoxLayout(content)
        column.setContentsMargins(6, 6, 6, 6)
        column.addWidget(self.data_group)
        column.addWidget(self.network_group)
        column.addWidget(self.training_group)
        column.addStretch(1)

        self.scroll_area = QScrollArea()
        self.scroll_area.setWidgetResizable(True)
        self.scroll_area.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll_area.setWidget(content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.scroll_area)

    def _connect_groups(self) -> None:
        """Route the groups' edits to ``_commit`` and their command buttons to the API."""
        data, network, training = self.data_group, self.network_group, self.training_group
        for group in (data, network, training, network.inputs_box, training.optimisation,
                      training.regularisation):
            group.edited.connect(self._on_group_edited)
        data.dataset_chosen.connect(self._on_data_group_dataset_chosen)
        data.regenerate_button.clicked.connect(self._on_regenerate_button_clicked)
        data.load_csv_button.clicked.connect(self._on_load_csv_button_clicked)
        training.notice.connect(self.notice)
        training.learning_rate_slider.value_changed.connect(
            self._on_learning_rate_slider_value_changed)
        training.play_button.toggled.connect(self.play_toggled)
        training.step_button.clicked.connect(self._on_step_button_clicked)
        training.reset_button.clicked.connect(self._on_reset_button_clicked)
        training.reinitialize_button.clicked.connect(self._on_reinitialize_button_clicked)
        training.pace_slider.pace_changed.connect(self.pace_changed)
        training.stop_at_edit.stop_at_changed.connect(self.stop_at_changed)

    def _name_widgets(self) -> None:
        """Make the groups' widgets reachable as ``panel.<name>``, as callers and tests use."""
        data, network, training = self.data_group, self.network_group, self.training_group
        self.data_form = data.data_form
        self.dataset_combo = data.dataset_combo
        self.classes_spin = data.classes_spin
        self.samples_spin = data.samples_spin
        self.noise_slider = data.noise_slider
        self.noise_value = data.noise_value
        self.test_slider = data.test_slider
        self.test_value = data.test_value
        self.regenerate_button = data.regenerate_button
        self.load_csv_button = data.load_csv_button

        self.layer_rows = network.layer_rows          # the same list, kept up to date
        self.no_layers_label = network.no_layers_label
        self.add_layer_button = network.add_layer_button
        self.remove_layer_button = network.remove_layer_button
        self.output_label = network.output_label
        self.loss_combo = network.loss_combo

        self.learning_rate_slider = training.learning_rate_slider
        self.init_combo = training.init_combo
        self.init_scale_slider = training.init_scale_slider
        self.seed_spin = training.seed_spin
        self.play_button = training.play_button
        self.step_button = training.step_button
        self.reset_button = training.reset_button
        self.reinitialize_button = training.reinitialize_button
        self.pace_slider = training.pace_slider
        self.stop_at_edit = training.stop_at_edit

    # ------------------------------------------------------------------ public API

    def config(self) -> RunConfig:
        """Return the current settings as a validated RunConfig."""
        return self._config.replace(learning_rate=self.learning_rate_slider.value())

    def set_config(self, config: RunConfig) -> None:
        """Show ``config`` in every control, emitting nothing."""
        if config.data_path != self._config.data_path:
            self._csv_task = self._csv_classes = None
        self._config = config
        self._refresh()

    def set_playing(self, playing: bool) -> None:
        """Show the Play/Pause button as ``playing``, emitting nothing."""
        self.training_group.show_playing(playing)

    def set_learning_rate(self, value: float) -> None:
        """Show learning rate ``value`` (clamped to [1e-4, 10]), emitting nothing."""
        self.learning_rate_slider.set_value(value, silent=True)
        self._config = self.config()

    def set_csv_source(self, path: str, test_path: str | None = None, task: str | None = None,
                       n_classes: int | None = None) -> None:
        """Make the CSV at ``path`` (and test CSV ``test_path``) the data source, silently.

        ``task`` ("binary", "multiclass", "regression") and ``n_classes`` describe its
        labels: the output and loss follow them. The caller resets with ``config()``.
        Choosing a registry dataset in the combo returns to generated data.
        """
        same_source = (path == self._config.data_path
                       and test_path == self._config.test_data_path)
        self._csv_task, self._csv_classes = task, n_classes
        changes: dict[str, object] = {}
        if not same_source:
            changes.update(data_path=str(path), test_data_path=test_path, samples=None,
                           noise=None, classes=None, data_seed=None, output=None, loss=None)
        elif self._config.output is not None or self._config.loss is not None:
            kept = objective_for(self._config, task)   # keep a loaded loss if it still fits
            if kept is None or (task is not None and kept.task != task):
                changes.update(output=None, loss=None)
        self._config = self._config.replace(**changes)
        self._refresh()

    def set_pace(self, pace: float | None) -> None:
        """Show ``pace`` (iterations per second, None for max), emitting nothing."""
        self.pace_slider.set_pace(pace)

    def set_stop_at(self, iteration: int | None) -> None:
        """Show the stop iteration (None: never), emitting nothing."""
        self.stop_at_edit.set_stop_at(iteration)

    def change_layers(self, hidden_layers: tuple[int, ...], activations: tuple[str, ...]
                      ) -> None:
        """Change the hidden layers as the learner would here (the network diagram's +
        and −): the same rules and limits, then ``config_changed`` if anything changed."""
        self._commit(hidden_layers=tuple(hidden_layers), activations=tuple(activations))

    def toggle_play(self) -> None:
        """Flip Play/Pause as if the button were clicked (emits ``play_toggled``)."""
        self.play_button.toggle()

    def request_step(self, count: int = 1) -> None:
        """Emit ``step_requested(count)``."""
        self.step_requested.emit(int(count))

    def request_reset(self) -> None:
        """Emit ``reset_requested``."""
        self.reset_requested.emit()

    def reinitialize(self) -> None:
        """Set seed + 1 (silently) and emit ``reinitialize_requested``."""
        self._config = self._config.replace(seed=(self._config.seed + 1) % (MAX_SEED + 1))
        self._refresh()
        self.reinitialize_requested.emit()

    def regenerate(self) -> None:
        """Draw new data: data seed + 1, emitting ``config_changed``."""
        self._commit(data_seed=(self._resolve().data_seed + 1) % (MAX_SEED + 1))

    # ------------------------------------------------------------------ updating

    def _resolve(self) -> Resolved:
        """Return the values the current config stands for (see ``resolved``)."""
        return resolve(self._config, self._csv_task, self._csv_classes)

    def _commit(self, **changes: object) -> None:
        """Apply ``changes``; if the config really changed, emit ``options_changed`` when
        only LIVE_FIELDS did (the run goes on), else ``config_changed`` (a reset)."""
        try:
            new = self._config.replace(**changes)
        except ValueError as error:
            self.notice.emit(str(error))
            new = self._config
        changed = {name for name in changes if getattr(new, name) != getattr(self._config, name)}
        self._config = new
        self._refresh()
        if changed and changed <= LIVE_FIELDS:
            self.options_changed.emit(self.config())
        elif changed:
            self.config_changed.emit(self.config())

    def _refresh(self) -> None:
        """Show ``self._config`` in every group; the groups do not react to it."""
        resolved = self._resolve()
        self.data_group.show_config(self._config, resolved)
        self.network_group.show_config(self._config, resolved)
        self.training_group.show_config(self._config)

    # ------------------------------------------------------------------ slots

    @Slot(object)
    def _on_group_edited(self, changes: dict[str, object]) -> None:
        self._commit(**changes)

    @Slot(str)
    def _on_data_group_dataset_chosen(self, name: str) -> None:
        self._csv_task = self._csv_classes = None
        self._commit(dataset=name, data_path=None, test_data_path=None, samples=None,
                     noise=None, classes=None, data_seed=None, output=None, loss=None)

    @Slot()
    def _on_regenerate_button_clicked(self) -> None:
        self.regenerate()

    @Slot()
    def _on_load_csv_button_clicked(self) -> None:
        self.load_csv_requested.emit()

    @Slot(float)
    def _on_learning_rate_slider_value_changed(self, value: float) -> None:
        self._config = self._config.replace(learning_rate=value)
        self.learning_rate_changed.emit(value)

    @Slot()
    def _on_step_button_clicked(self) -> None:
        shift = QGuiApplication.keyboardModifiers() & Qt.KeyboardModifier.ShiftModifier
        self.request_step(100 if shift else 1)

    @Slot()
    def _on_reset_button_clicked(self) -> None:
        self.request_reset()

    @Slot()
    def _on_reinitialize_button_clicked(self) -> None:
        self.reinitialize()

    def sizeHint(self) -> QSize:  # Qt's name
        """Return the size of a comfortable left column: 300 × 760."""
        return QSize(max(300, self.minimumSizeHint().width()), 760)

    def minimumSizeHint(self) -> QSize:  # Qt's name
        """Return the content's minimum width plus a vertical scroll bar; any height."""
        content = self.scroll_area.widget().minimumSizeHint().width()
        bar = self.scroll_area.verticalScrollBar().sizeHint().width()
        return QSize(content + bar, 200)
