"""Operations: the production profile's launcher and proxy, the processes' health, readiness and metrics.

- :mod:`bot.ops.rasa_server` — starts Rasa (``rasa run``) with the API secret and the assistant's
  Rasa extensions (:mod:`bot.rasa_extensions`: ``/health``, ``/ready``, ``/metrics`` and the failure
  handling around actions and messages).
- :mod:`bot.ops.action_server`, :mod:`bot.ops.console` — the action server and the caseworker
  console with the same three endpoints.
- :mod:`bot.ops.prod` — ``make run-prod``: N Rasa instances, M action servers, the console, nginx.
"""
