"""Human handoff: the queue of conversations handed to caseworkers, shared by the bot and the console."""
