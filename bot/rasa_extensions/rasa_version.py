"""The one Rasa release the extensions are written against, checked before any of them is applied.

Every replacement listed in :mod:`bot.rasa_extensions` reproduces or wraps code of this exact release
(and the tracker store repeats the body of ``SQLTrackerStore.save``). Under another release they could
silently do the wrong thing, so the server refuses to start instead: upgrading Rasa means re-reading
each replacement against the new code, running the tests named in the package's table, then moving
this pin.
"""

from __future__ import annotations

SUPPORTED_RASA_VERSION = "3.6.21"


class UnsupportedRasaVersion(RuntimeError):
    """The installed Rasa is not the release the extensions were checked against."""


def installed_rasa_version() -> str:
    import rasa

    return rasa.__version__


def require_supported_rasa(installed: str | None = None) -> None:
    """Raises :class:`UnsupportedRasaVersion` unless ``installed`` (default: Rasa's own) is the pinned one."""
    version = installed_rasa_version() if installed is None else installed
    if version != SUPPORTED_RASA_VERSION:
        raise UnsupportedRasaVersion(
            f"Rasa {version} is installed, but bot/rasa_extensions replaces parts of Rasa "
            f"{SUPPORTED_RASA_VERSION} only. Install rasa=={SUPPORTED_RASA_VERSION} (requirements.lock), "
            f"or check every replacement listed in bot/rasa_extensions/__init__.py against Rasa {version} "
            f"and update SUPPORTED_RASA_VERSION."
        )
