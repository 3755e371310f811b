"""Whether a window can open here, and what to tell a user when it cannot (Qt aborts
with a long message when its platform plugin fails; this says it in a line first)."""

from __future__ import annotations

import ctypes.util
import os
import sys

NO_DISPLAY_HINT = """\
playground needs a display for its window, and none could be used here ({reason}).
On a desktop, start it from a graphical session. On Debian/Ubuntu the window also needs
Qt's X11 libraries:
  sudo apt-get install -y libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 \\
    libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 \\
    libxkbcommon-x11-0 libegl1
Without a screen, QT_QPA_PLATFORM=offscreen playground --screenshot out.png renders the
window to a file, and the command line trains headless: playground train --help"""


def display_problem(environ: dict[str, str] | None = None) -> str | None:
    """Return why Qt's window system would fail to start here, or None if it should work."""
    env = os.environ if environ is None else environ
    platform = env.get("QT_QPA_PLATFORM", "")
    if platform and not platform.startswith(("xcb", "wayland")):
        return None                                   # offscreen, minimal, vnc, …
    if not sys.platform.startswith("linux"):
        return None
    if platform.startswith("wayland") or (not platform and env.get("WAYLAND_DISPLAY")):
        return None
    if not env.get("DISPLAY"):
        return "DISPLAY is not set"
    if ctypes.util.find_library("xcb-cursor") is None:
        return "the library libxcb-cursor0 is missing"
    return None
