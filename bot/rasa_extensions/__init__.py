"""Everything of the assistant that extends or replaces parts of Rasa, behind one entry point.

``python -m bot.ops.rasa_server`` (the only way the assistant starts Rasa) calls :func:`install`
before Rasa's command line runs. It refuses any Rasa release but the pinned one
(:mod:`~bot.rasa_extensions.rasa_version`), applies the replacements below, and registers
:class:`~bot.rasa_extensions.server_plugin.RasaServerPlugin` with Rasa's plugin manager, which gives
``rasa run`` the API secret and the Sanic listeners that add ``/health``, ``/ready``, ``/metrics``
(:mod:`~bot.rasa_extensions.ops_routes`).

Public extension points, loaded by Rasa from ``endpoints.yml`` / ``endpoints.prod.yml``:

- :class:`~bot.rasa_extensions.erasing_tracker_store.ErasingSQLTrackerStore` — custom tracker store:
  erase on request, scrubbed turns, checked pool connections;
- :class:`~bot.rasa_extensions.lock_store.RetryingRedisLockStore` — custom lock store: Redis
  commands retried after a reconnection.

Replacements, because Rasa 3.6 offers no extension point for them (details in each module):

| What is replaced (module)            | Why                                        | Guarded by (tests/)   |
|--------------------------------------|--------------------------------------------|-----------------------|
| ``RemoteAction.run``, wrapped        | a failing action server left the citizen   | test_rasa_extensions, |
| (failure_handling)                   | without a reply: polite reply, a person    | test_prod_profile     |
| ``Agent.handle_message``, wrapped    | message counts and times; a failed message | test_rasa_extensions, |
| (failure_handling)                   | gets "send it again", the REST webhook 503 | test_prod_profile     |
| ``MessageProcessor.log_message``,    | intent and NLU-fallback counts             | test_rasa_extensions  |
| wrapped (failure_handling)           |                                            |                       |
| ``FailSafeTrackerStore``'s error     | a failing database gave an empty tracker   | test_rasa_extensions, |
| callback, set (failure_handling)     | silently; the message now fails instead    | test_prod_profile     |
| ``Event.resolve_by_type`` (speedups) | walked every event class per stored event  | test_rasa_speedups    |
| ``RemoteAction._validate_action_``   | built a JSON-schema validator per call     | test_rasa_speedups    |
| ``result`` (speedups)                |                                            |                       |
| ``SQLTrackerStore.save``'s body, in  | scrubbed turn, broker without reloading    | test_rasa_extensions  |
| ``ErasingSQLTrackerStore._write_``   | the tracker, write off the event loop      | (rows as Rasa's save) |
| ``events`` (erasing_tracker_store)   |                                            |                       |

Why no public extension point does these: Rasa calls the action server, runs a message and logs it
with no hook around them (``rasa/plugin.py`` has none, channels only receive ``handle_message`` as
their callback); ``Agent`` builds the ``FailSafeTrackerStore`` itself, without the error callback
its constructor accepts; event lookup and response validation are static parts of Rasa's classes;
``SQLTrackerStore.save`` writes inline, with no smaller method to override.

Private attributes: ``FailSafeTrackerStore._on_tracker_store_error`` is written (the row above);
``FailSafeTrackerStore._tracker_store`` is read by the readiness check (ops_routes) to reach the
configured store's database, for which the wrapper has no accessor.
"""

from __future__ import annotations


def install(api_secret: str, jwt_method: str) -> None:
    """The entry point: checks the Rasa version, applies the replacements, registers the server plugin.

    Raises :class:`~bot.rasa_extensions.rasa_version.UnsupportedRasaVersion` before changing anything
    when the installed Rasa is not the pinned release. Calling it again changes nothing.
    """
    from bot.rasa_extensions.rasa_version import require_supported_rasa

    require_supported_rasa()

    from rasa.plugin import plugin_manager

    from bot.rasa_extensions import failure_handling, speedups
    from bot.rasa_extensions.server_plugin import RasaServerPlugin

    failure_handling.install()
    speedups.install()
    manager = plugin_manager()
    if not any(isinstance(plugin, RasaServerPlugin) for plugin in manager.get_plugins()):
        manager.register(RasaServerPlugin(api_secret, jwt_method))
