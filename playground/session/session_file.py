"""The saved-session file: every control's value as JSON, so a run can be set up again.

    {"format": "playground-session", "version": 1, "playground": "<app version>",
     "config": {RunConfig fields}}
"""

from __future__ import annotations

import json

from playground import __version__
from playground.session.config import RunConfig

SESSION_FORMAT = "playground-session"
SESSION_VERSION = 1


def session_to_json(config: RunConfig) -> str:
    """Return the JSON text of a saved session."""
    return json.dumps({"format": SESSION_FORMAT, "version": SESSION_VERSION,
                       "playground": __version__, "config": config.to_dict()}, indent=2)


def session_from_json(text: str) -> RunConfig:
    """Return the RunConfig of a saved session; ValueError says what is wrong."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"not a session file: {error}") from None
    if not isinstance(document, dict) or document.get("format") != SESSION_FORMAT:
        raise ValueError("not a playground session file")
    if document.get("version") != SESSION_VERSION:
        raise ValueError(f"session version {document.get('version')!r} is not supported")
    return RunConfig.from_dict(document.get("config"))
