"""Run the control panel alone: ``python -m playground.ui.controls``.

It shows the panel with the default RunConfig and prints every signal it emits, which
makes it a quick smoke test of the panel without the rest of the app.
"""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from playground.ui.controls.panel import ControlPanel


def main() -> None:
    """Show the panel alone and print every signal it emits."""
    app = QApplication.instance() or QApplication([])
    panel = ControlPanel()
    panel.config_changed.connect(lambda c: print("config_changed", c))
    panel.learning_rate_changed.connect(lambda v: print("learning_rate_changed", v))
    panel.play_toggled.connect(lambda p: print("play_toggled", p))
    panel.step_requested.connect(lambda n: print("step_requested", n))
    panel.reset_requested.connect(lambda: print("reset_requested"))
    panel.reinitialize_requested.connect(lambda: print("reinitialize_requested", panel.config()))
    panel.load_csv_requested.connect(lambda: print("load_csv_requested"))
    panel.notice.connect(lambda text: print("notice", text))
    panel.resize(300, 760)
    panel.show()
    app.exec()


if __name__ == "__main__":
    main()
