"""The review queue's settings, read from ``data/review/settings.yml`` (data, not code)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.settings import ROOT

DEFAULT_SETTINGS = ROOT / "data" / "review" / "settings.yml"


@dataclass(frozen=True)
class ReviewSettings:
    """What counts as "not understood well", how the review page groups messages, and when the
    question "may your messages help improve the assistant?" must not be asked."""

    low_confidence_threshold: float = 0.6
    yes_no_questions: frozenset[str] = frozenset({"utter_delete_confirm"})
    handoff_context_messages: int = 3
    handoff_skip_intents: frozenset[str] = frozenset({"talk_to_human", "affirm", "deny"})
    group_similarity: float = 0.5
    quiet_intents: frozenset[str] = frozenset(
        {"emergency", "violence_support", "child_protection", "talk_to_human", "delete_my_data"}
    )
    quiet_actions: frozenset[str] = frozenset({"action_handoff", "action_offer_callback", "callback_form"})

    @classmethod
    def load(cls, path: Path = DEFAULT_SETTINGS) -> ReviewSettings:
        """Reads and checks the file; a wrong value is a clear error naming the file."""
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        if not isinstance(data, dict):
            raise ValueError(f"{path}: expected a mapping of settings")
        settings = cls(
            low_confidence_threshold=float(
                data.get("low_confidence_threshold", cls.low_confidence_threshold)
            ),
            yes_no_questions=frozenset(data.get("yes_no_questions") or cls.yes_no_questions),
            handoff_context_messages=int(data.get("handoff_context_messages", cls.handoff_context_messages)),
            handoff_skip_intents=frozenset(data.get("handoff_skip_intents") or cls.handoff_skip_intents),
            group_similarity=float(data.get("group_similarity", cls.group_similarity)),
            quiet_intents=frozenset(data.get("consent_question_never_after_intents") or cls.quiet_intents),
            quiet_actions=frozenset(data.get("consent_question_never_after_actions") or cls.quiet_actions),
        )
        if not 0 < settings.low_confidence_threshold <= 1:
            raise ValueError(f"{path}: low_confidence_threshold must be in (0, 1]")
        if not 0 < settings.group_similarity <= 1:
            raise ValueError(f"{path}: group_similarity must be in (0, 1]")
        if settings.handoff_context_messages < 0:
            raise ValueError(f"{path}: handoff_context_messages must be 0 or more")
        return settings
