"""Operations: the production profile's launcher and proxy, health, readiness and metrics.

- :mod:`bot.ops.replies` — what the citizen reads when part of the service is down (``ops`` catalogue).
- :mod:`bot.ops.rasa_plugin` — loaded into every Rasa process as a channel: ``/health``, ``/ready``,
  ``/metrics`` and the failure handling around actions and messages.
- :mod:`bot.ops.action_server`, :mod:`bot.ops.console` — the action server and the caseworker
  console with the same three endpoints; ``bot.ops.console`` is the console's one entry point
  (``serve`` and the user sub-commands of :mod:`bot.ops.console_users`).
- :mod:`bot.ops.purge` — ``make purge``: the retention job, every store's copies included.
- :mod:`bot.ops.prod` — ``make run-prod``: N Rasa instances, M action servers, the console, nginx.
"""
