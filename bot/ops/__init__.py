"""Operations: the production profile's launcher and proxy, the processes' health, readiness and metrics.

- :mod:`bot.ops.rasa_server` — starts Rasa (``rasa run``) with the API secret and the assistant's
  Rasa extensions (:mod:`bot.rasa_extensions`: ``/health``, ``/ready``, ``/metrics`` and the failure
  handling around actions and messages).
- :mod:`bot.ops.action_server`, :mod:`bot.ops.console` — the action server and the caseworker
  console with the same three endpoints; ``bot.ops.console`` is the console's one entry point
  (``serve`` and the user sub-commands of :mod:`bot.ops.console_users`).
- :mod:`bot.ops.purge` — ``make purge``: the retention job, every store's copies included.
- :mod:`bot.ops.prod` — ``make run-prod``: N Rasa instances, M action servers, the console, nginx.
"""
