"""The console's pages as Sanic blueprints, one module per area; :mod:`bot.console.app` composes them.

Handlers find what they share (the store, the delivery worker, the config, the templates) on
``request.app.ctx``, set up by :func:`bot.console.app.create_app`.
"""
