"""The *Data* group: which dataset, how many classes and samples, noise and test split.

It shows a RunConfig (with its resolved values) and turns edits into the RunConfig
changes they mean; the panel applies them. The Regenerate and Load CSV buttons are
commands of the panel, which connects them itself.
"""

from __future__ import annotations

import math
from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal, Slot
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QSpinBox,
)

from playground.core.datasets import DATASETS, MAX_SAMPLES, DatasetSpec
from playground.session.config import RunConfig
from playground.ui.controls.form import buddy_label, with_value
from playground.ui.controls.resolved import Resolved
from playground.ui.controls.thumbnails import THUMBNAIL_SIZE, dataset_thumbnail

MAX_TEST_PERCENT = 50
CSV_ITEM = ""                     # userData of the "CSV: name.csv" item in the dataset combo


def noise_maximum(spec: DatasetSpec) -> float:
    """Return the right end of the noise slider for ``spec``: 1, or 4 × its default noise."""
    return max(1.0, 4 * spec.default_noise)


class DataGroup(QGroupBox):
    """The dataset combo (with thumbnails), classes, samples, noise and test-set controls."""

    dataset_chosen = Signal(str)        # a registry dataset was picked in the combo
    edited = Signal(object)             # dict of RunConfig fields to replace

    def __init__(self, config: RunConfig, resolved: Resolved) -> None:
        super().__init__("Data")
        self._updating = False
        form = QFormLayout(self)
        self.data_form = form

        self.dataset_combo = QComboBox()
        self.dataset_combo.setIconSize(QSize(THUMBNAIL_SIZE, THUMBNAIL_SIZE))
        self.dataset_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.dataset_combo.setMinimumContentsLength(10)
        for spec in DATASETS.values():
            self.dataset_combo.addItem(QIcon(dataset_thumbnail(spec.name)), spec.label,
                                       spec.name)
            self.dataset_combo.setItemData(self.dataset_combo.count() - 1, spec.description,
                                           Qt.ItemDataRole.ToolTipRole)
        self.dataset_combo.view().setMinimumWidth(
            self.dataset_combo.view().sizeHintForColumn(0) + 8)
        self.dataset_combo.currentIndexChanged.connect(self._on_dataset_combo_index_changed)
        form.addRow(self.dataset_combo)

        self.classes_spin = QSpinBox()
        self.classes_spin.setKeyboardTracking(False)
        self.classes_spin.setToolTip("How many classes the generator draws (k); k ≥ 3 uses a "
                                     "softmax output with one-hot Y (k, m)")
        self.classes_spin.valueChanged.connect(self._on_classes_spin_value_changed)
        form.addRow(buddy_label("Classes", self.classes_spin), self.classes_spin)

        self.samples_spin = QSpinBox()
        self.samples_spin.setKeyboardTracking(False)
        self.samples_spin.setSingleStep(50)
        self.samples_spin.setToolTip("m, the number of examples generated: X is (n_x, m)")
        self.samples_spin.valueChanged.connect(self._on_samples_spin_value_changed)
        form.addRow(buddy_label("Samples m", self.samples_spin), self.samples_spin)

        self.noise_slider = QSlider(Qt.Orientation.Horizontal)
        self.noise_slider.setToolTip("Standard deviation of the Gaussian noise added to the "
                                     "generated data")
        self.noise_value = QLabel()
        self.noise_slider.valueChanged.connect(self._on_noise_slider_value_changed)
        self.noise_slider.sliderReleased.connect(self._on_noise_slider_released)
        self.noise_row = with_value(self.noise_slider, self.noise_value)
        form.addRow(buddy_label("Noise", self.noise_slider), self.noise_row)

        self.test_slider = QSlider(Qt.Orientation.Horizontal)
        self.test_slider.setRange(0, MAX_TEST_PERCENT)
        self.test_slider.setPageStep(5)
        self.test_slider.setToolTip("Share of the examples held out as a test set (seeded "
                                    "random split); the network never trains on them")
        self.test_value = QLabel()
        self.test_slider.valueChanged.connect(self._on_test_slider_value_changed)
        self.test_slider.sliderReleased.connect(self._on_test_slider_released)
        form.addRow(buddy_label("Test set", self.test_slider),
                    with_value(self.test_slider, self.test_value))

        self.regenerate_button = QPushButton("Regenerate")
        self.load_csv_button = QPushButton("Load CSV…")
        self.load_csv_button.setToolTip("Train on your own data: a CSV whose last column is "
                                        "the label (or value) and the others the features")
        buttons = QHBoxLayout()
        buttons.addWidget(self.regenerate_button)
        buttons.addWidget(self.load_csv_button)
        form.addRow(buttons)
        self.show_config(config, resolved)

    def show_config(self, config: RunConfig, resolved: Resolved) -> None:
        """Show ``config`` (whose ``None`` fields mean ``resolved``), emitting nothing."""
        self._config, self._resolved = config, resolved
        self._updating = True
        try:
            self._show_source()
            self._show_generator()
            self._show_test_split()
        finally:
            self._updating = False

    def _show_source(self) -> None:
        """Select the dataset in the combo, or a "CSV: name.csv" item added for a file."""
        c, spec = self._config, self._resolved.spec
        combo = self.dataset_combo
        csv_index = combo.findData(CSV_ITEM)
        if c.data_path is not None:
            text = f"CSV: {Path(c.data_path).name}"
            if csv_index < 0:
                combo.addItem(text, CSV_ITEM)
                csv_index = combo.count() - 1
            combo.setItemText(csv_index, text)
            tip = c.data_path if c.test_data_path is None else \
                f"{c.data_path}\ntest set: {c.test_data_path}"
            combo.setItemData(csv_index, tip, Qt.ItemDataRole.ToolTipRole)
            combo.setCurrentIndex(csv_index)
            combo.setToolTip(f"Training data from the CSV file {tip}. Choose a dataset here "
                             "to go back to generated data.")
        else:
            if csv_index >= 0:
                combo.removeItem(csv_index)
            combo.setCurrentIndex(combo.findData(c.dataset))
            combo.setToolTip(f"Training data: {spec.description}")

    def _show_generator(self) -> None:
        """Show classes, samples and noise; hide the rows a CSV source has no use for."""
        r = self._resolved
        spec = r.spec
        many_classes = spec is not None and len(spec.classes) > 1
        self.data_form.setRowVisible(self.classes_spin, many_classes)
        if many_classes:
            self.classes_spin.setRange(min(spec.classes), max(spec.classes))
            self.classes_spin.setValue(r.classes)

        generated = spec is not None
        self.data_form.setRowVisible(self.samples_spin, generated)
        self.data_form.setRowVisible(self.noise_row, generated)
        if spec is not None:
            self.samples_spin.setRange(min(spec.min_samples(r.classes), r.samples),
                                       max(MAX_SAMPLES, r.samples))
            self.samples_spin.setValue(r.samples)
            self.noise_slider.setRange(0, round(100 * max(noise_maximum(spec), r.noise)))
            self.noise_slider.setValue(round(100 * r.noise))
            self.noise_value.setText(f"{r.noise:.2f}")

    def _show_test_split(self) -> None:
        """Show the test fraction (or "file" for a test CSV) and what Regenerate will do."""
        c, spec, data_seed = self._config, self._resolved.spec, self._resolved.data_seed
        fraction = c.test_fraction
        self.test_slider.setMaximum(max(MAX_TEST_PERCENT, math.ceil(100 * fraction)))
        self.test_slider.setValue(round(100 * fraction))
        self.test_slider.setEnabled(c.test_data_path is None)
        self.test_value.setText("file" if c.test_data_path else f"{100 * fraction:.0f} %")
        self.regenerate_button.setEnabled(spec is not None or (c.test_data_path is None
                                                               and fraction > 0))
        self.regenerate_button.setToolTip(
            f"Draw new data: data seed {data_seed} → {data_seed + 1}"
            + (" (for a CSV: a new random train/test split)" if spec is None else ""))

    # ------------------------------------------------------------------ slots

    @Slot(int)
    def _on_dataset_combo_index_changed(self, index: int) -> None:
        name = self.dataset_combo.itemData(index)
        if self._updating or name == CSV_ITEM or name is None:
            return
        if self._config.data_path is None and name == self._config.dataset:
            return
        self.dataset_chosen.emit(name)

    @Slot(int)
    def _on_classes_spin_value_changed(self, value: int) -> None:
        r = self._resolved
        spec = r.spec
        if self._updating or spec is None or value == r.classes:
            return
        if value not in spec.classes:                  # a gap in the allowed counts
            value = min(spec.classes, key=lambda k: abs(k - value))
        changes: dict[str, object] = {
            "classes": None if value == spec.default_classes else value}
        if r.samples < spec.min_samples(value):
            changes["samples"] = spec.min_samples(value)
        if spec.task_for(value) != r.task:
            changes.update(output=None, loss=None)
        self.edited.emit(changes)

    @Slot(int)
    def _on_samples_spin_value_changed(self, value: int) -> None:
        spec = self._resolved.spec
        if self._updating or spec is None or value == self._resolved.samples:
            return
        self.edited.emit({"samples": None if value == spec.default_samples else value})

    @Slot(int)
    def _on_noise_slider_value_changed(self, position: int) -> None:
        if self._updating:
            return
        self.noise_value.setText(f"{position / 100:.2f}")
        if not self.noise_slider.isSliderDown():
            self._edit_noise(position)

    @Slot()
    def _on_noise_slider_released(self) -> None:
        self._edit_noise(self.noise_slider.value())

    def _edit_noise(self, position: int) -> None:
        """Emit the noise at slider ``position``, or show the config again if it is the same."""
        spec = self._resolved.spec
        if spec is None or position == round(100 * self._resolved.noise):
            self.show_config(self._config, self._resolved)
            return
        noise = position / 100
        self.edited.emit({"noise": None if noise == spec.default_noise else noise})

    @Slot(int)
    def _on_test_slider_value_changed(self, position: int) -> None:
        if self._updating:
            return
        self.test_value.setText(f"{position} %")
        if not self.test_slider.isSliderDown():
            self._edit_test_fraction(position)

    @Slot()
    def _on_test_slider_released(self) -> None:
        self._edit_test_fraction(self.test_slider.value())

    def _edit_test_fraction(self, position: int) -> None:
        """Emit the test fraction at ``position``, or show the config again if the same."""
        if position == round(100 * self._config.test_fraction):
            self.show_config(self._config, self._resolved)
            return
        self.edited.emit({"test_fraction": position / 100})
