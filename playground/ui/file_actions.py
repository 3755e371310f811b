"""The main window's File menu: weights (.npz), sessions (.json), data (.csv) and plot
images, each with its dialog, remembering the folders last used.

A mixin for ``MainWindow``: it reads the newest frame (``session.latest``) and the
controls, and sends commands; a bad file gets a message and changes nothing.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QFileDialog

from playground.core import csv_data
from playground.core.atomic import write_atomically
from playground.core.datasets import DATASETS, Dataset
from playground.core.npz import ModelFileError, SavedModel, load_model, save_model
from playground.session.commands import LoadModel
from playground.session.config import RunConfig
from playground.session.data_spec import data_spec, recorded_training, training_spec
from playground.session.session_file import session_from_json, session_to_json


class FileActions:
    """Export/import weights, save/open sessions, load/export CSV, export the plot.

    Needs of the window: ``session``, ``controls``, ``settings``, ``boundary_view``,
    ``statusBar()``, ``show_error(title, message)`` and ``apply_config(config, message)``.
    """

    def _folder(self, kind: str) -> str:
        return str(self.settings.value(f"folders/{kind}", str(Path.home())))

    def _remember_folder(self, kind: str, path: str) -> None:
        self.settings.setValue(f"folders/{kind}", os.path.dirname(os.path.abspath(path)))

    def _ask_save(self, kind: str, title: str, pattern: str, name: str) -> str | None:
        path, _ = QFileDialog.getSaveFileName(self, title, os.path.join(self._folder(kind),
                                                                        name), pattern)
        return path or None

    def _ask_open(self, kind: str, title: str, pattern: str) -> str | None:
        path, _ = QFileDialog.getOpenFileName(self, title, self._folder(kind), pattern)
        return path or None

    def current_model(self) -> SavedModel | None:
        """Return the newest frame's parameters and settings as a SavedModel, with the
        data it trained on (so that loading it evaluates on the same examples) and the
        course-2 options it trains with (so that loading it trains on as before)."""
        s = self.session.latest
        if s is None:
            return None
        config = s.config or self.controls.config()
        return SavedModel(s.arch, dict(s.parameters), init=s.init,
                          init_scale=s.init_scale, seed=s.seed,
                          learning_rate=s.learning_rate, iteration=s.iteration,
                          cost_history=s.cost_history, **data_spec(config),
                          **training_spec(config))

    def export_weights(self, path: str) -> bool:
        """Write the current parameters to ``path``; show an error and return False on failure."""
        model = self.current_model()
        if model is None:
            return False
        try:
            save_model(path, model)
        except (ModelFileError, OSError) as error:
            self.show_error("Export weights failed", str(error))
            return False
        self._remember_folder("weights", path)
        self.statusBar().showMessage(f"Exported weights of iteration {model.iteration} "
                                     f"to {path}", 5000)
        return True

    def import_weights(self, path: str) -> bool:
        """Load ``path`` and continue from it; on failure show why and change nothing."""
        try:
            model = load_model(path)
        except ModelFileError as error:
            self.show_error("Import weights failed", str(error))
            return False
        config = self.controls.config()
        if (model.dataset in DATASETS and model.dataset != config.dataset
                and config.data_path is None):
            config = config.replace(dataset=model.dataset, samples=None, noise=None,
                                    data_seed=None, classes=None)
        try:
            config = config.replace(
                hidden_layers=model.arch.hidden_layers, activations=model.arch.activations,
                output=model.arch.output, loss=model.arch.loss, init=model.init,
                init_scale=model.init_scale if model.init_scale > 0 else config.init_scale,
                seed=model.seed,
                learning_rate=model.learning_rate if model.learning_rate > 0
                else config.learning_rate, **recorded_training(model))
        except ValueError as error:
            self.show_error("Import weights failed", str(error))
            return False
        self._remember_folder("weights", path)
        note = self._show_config(config)
        self.session.send(LoadModel(model, self.controls.config(),
                                    f"Imported {os.path.basename(path)} "
                                    f"(iteration {model.iteration})." + note))
        return True

    def save_session(self, path: str) -> bool:
        try:
            write_atomically(path, lambda handle: handle.write(
                session_to_json(self.controls.config()).encode("utf-8")))
        except OSError as error:
            self.show_error("Save session failed", str(error))
            return False
        self._remember_folder("sessions", path)
        return True

    def open_session(self, path: str) -> bool:
        try:
            with open(path, encoding="utf-8") as handle:
                config = session_from_json(handle.read())
        except (OSError, UnicodeDecodeError, ValueError) as error:
            self.show_error("Open session failed", f"cannot open {path}: {error}")
            return False
        self._remember_folder("sessions", path)
        message = f"Opened session {os.path.basename(path)}." + self._show_config(config)
        self.apply_config(self.controls.config(), message)
        return True

    def _show_config(self, config: RunConfig) -> str:
        """Set the controls to ``config``; return a note if a control had to clamp a value.

        The run always uses what the controls show, so nothing runs that the learner
        cannot see.
        """
        self.controls.set_config(config)
        shown = self.controls.config()
        notes = [f"{label} {getattr(config, name):g} is outside the control's range: "
                 f"using {getattr(shown, name):g}."
                 for name, label in (("learning_rate", "Learning rate"),
                                     ("init_scale", "Init scale"))
                 if getattr(shown, name) != getattr(config, name)]
        return "".join(" " + note for note in notes)

    def load_csv(self, path: str) -> bool:
        try:
            data: Dataset = csv_data.load_csv(path)
        except ValueError as error:
            self.show_error("Load CSV failed", str(error))
            return False
        self._remember_folder("data", path)
        self.controls.set_csv_source(path, None, data.task, data.n_classes)
        self.apply_config(self.controls.config())
        return True

    def export_png(self, path: str) -> bool:
        try:
            self.boundary_view.export_png(path)
        except OSError as error:
            self.show_error("Export plot failed", str(error))
            return False
        self._remember_folder("images", path)
        return True

    def export_csv(self, path: str) -> bool:
        s = self.session.latest
        if s is None:
            return False
        try:
            csv_data.write_csv(path, s.train)
        except (OSError, ValueError) as error:
            self.show_error("Export data failed", str(error))
            return False
        self._remember_folder("data", path)
        return True

    @Slot()
    def export_weights_dialog(self) -> None:
        if path := self._ask_save("weights", "Export weights", "Weights (*.npz)",
                                  "weights.npz"):
            self.export_weights(path)

    @Slot()
    def import_weights_dialog(self) -> None:
        if path := self._ask_open("weights", "Import weights", "Weights (*.npz)"):
            self.import_weights(path)

    @Slot()
    def save_session_dialog(self) -> None:
        if path := self._ask_save("sessions", "Save session", "Session (*.json)",
                                  "session.json"):
            self.save_session(path)

    @Slot()
    def open_session_dialog(self) -> None:
        if path := self._ask_open("sessions", "Open session", "Session (*.json)"):
            self.open_session(path)

    @Slot()
    def load_csv_dialog(self) -> None:
        if path := self._ask_open("data", "Load CSV", "CSV (*.csv *.txt);;All files (*)"):
            self.load_csv(path)

    @Slot()
    def export_png_dialog(self) -> None:
        if path := self._ask_save("images", "Export plot", "PNG image (*.png)", "plot.png"):
            self.export_png(path)

    @Slot()
    def export_csv_dialog(self) -> None:
        if path := self._ask_save("data", "Export data", "CSV (*.csv)", "data.csv"):
            self.export_csv(path)

