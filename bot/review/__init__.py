"""Review queue: messages the assistant did not understand well, collected for the content team."""
