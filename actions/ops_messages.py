"""Message keys the Rasa process renders itself when an action or a database fails (bot/rasa_extensions/replies.py).

Listed here, in the actions package, so that ``make i18n-check`` checks them in every locale; this
module defines no action.
"""

from bot.rasa_extensions.replies import MESSAGE_KEYS

__all__ = ["MESSAGE_KEYS"]
