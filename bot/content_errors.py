"""Error raised when content files (directory, catalogue, …) have problems: all of them, not the first."""

from __future__ import annotations


class ContentError(ValueError):
    """Problems in content files; ``problems`` lists each as ``file[:line]: text``."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems
