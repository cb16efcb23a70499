"""The console's review page: messages the assistant did not understand well, grouped by meaning.

Editors (and supervisors) accept a message into an intent — written to ``data/nlu/review/`` in
the chosen variety —, mark it out of scope (an ``out_of_scope`` example the same way), or discard
it. An example written to the training data is content, not conversation: the editor must confirm
that the text holds nothing personal (field ``nothing_personal``), checked here on the server for
every accept and out-of-scope, not only by the page. Each item shows where it came from in general
terms only (bot/review/origin.py). Decisions are conditional updates, so two editors deciding the
same item at once cannot both write it; every view and decision is audited (who, when, which item,
never the message's text).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import yaml
from sanic import Sanic, response

from bot.console.auth import requires_role
from bot.review.grouping import VARIETIES, group_items, variety_of
from bot.review.models import REASONS
from bot.review.nlu_writer import ExampleConflict, append_example
from bot.review.origin import PERIODS, origin_of
from bot.review.settings import DEFAULT_SETTINGS, ReviewSettings
from bot.review.store import ReviewStore
from bot.settings import ROOT

REVIEW_ROLES = ("editor", "supervisor")
DECISIONS = {"accept": "accepted", "out_of_scope": "out_of_scope", "discard": "discarded"}
NOTICES = ("accepted", "out_of_scope", "discarded", "conflict", "gone", "no_variety", "not_confirmed")
#: Decisions that write the text into the training data, so need "this text holds nothing personal".
WRITES_EXAMPLE = ("accept", "out_of_scope")
CONFIRM_FIELD = "nothing_personal"
MAX_ITEMS_PER_DECISION = 200
#: Keys the review template builds from values (listed for the console's catalogue check).
MESSAGE_KEYS = (
    *(f"reason.{r}" for r in REASONS),
    *(f"variety.{v}" for v in VARIETIES),
    *(f"review.notice.{n}" for n in NOTICES),
    *(f"review.period.{p}" for p in PERIODS),
)  # fmt: skip


def domain_intents(domain_file: Path = ROOT / "domain.yml") -> list[str]:
    """Intents an example may be accepted into: the domain's, without the console's EXTERNAL_ ones."""
    data = yaml.safe_load(domain_file.read_text(encoding="utf-8")) or {}
    names = [next(iter(i)) if isinstance(i, dict) else str(i) for i in data.get("intents") or []]
    return sorted(n for n in names if not n.startswith("EXTERNAL_") and n != "nlu_fallback")


def register(app: Sanic) -> None:
    """Adds ``/review`` and ``/review/decide`` to the console."""
    ctx = app.ctx
    ctx.review_settings = ReviewSettings.load(DEFAULT_SETTINGS)
    ctx.review_intents = domain_intents()

    def review_store() -> ReviewStore:
        if getattr(ctx, "review_store", None) is None:
            ctx.review_store = ReviewStore(sessions=ctx.store.sessions)
        return ctx.review_store

    async def page(request, status: int = 200, notice: str | None = None, detail: str = ""):
        items = await asyncio.to_thread(review_store().pending)
        groups = await asyncio.to_thread(group_items, items, ctx.review_settings.group_similarity)
        await asyncio.to_thread(
            ctx.store.audit, request.ctx.user.id, "review_view", None, f"{len(items)} items"
        )
        return await ctx.render(
            request, "review.html", status=status, groups=groups, intents=ctx.review_intents,
            varieties=VARIETIES, variety_of=variety_of, origin_of=origin_of,
            notice=notice if notice in NOTICES else None, detail=detail, count=len(items),
        )  # fmt: skip

    @app.get("/review")
    @requires_role(*REVIEW_ROLES)
    async def review_page(request):
        return await page(request, notice=request.args.get("notice"))

    @app.post("/review/decide")
    @requires_role(*REVIEW_ROLES)
    async def decide(request):
        form = request.form or {}
        decision = form.get("decision") or ""
        intent = form.get("intent") or ""
        variety = form.get("variety") or ""
        try:
            ids = sorted({int(value) for value in form.getlist("item") or []})
        except ValueError:
            ids = []
        if decision == "out_of_scope":
            intent = "out_of_scope"
        bad_intent = decision != "discard" and intent not in ctx.review_intents
        if decision not in DECISIONS or not ids or len(ids) > MAX_ITEMS_PER_DECISION or bad_intent:
            return await ctx.render_error(request, 400, "error.bad_request")
        if variety and variety not in VARIETIES:
            return await ctx.render_error(request, 400, "error.bad_request")
        if decision in WRITES_EXAMPLE and form.get(CONFIRM_FIELD) != "yes":
            await asyncio.to_thread(ctx.store.audit, request.ctx.user.id, "review_not_confirmed", None,
                                    f"{len(ids)} item(s)")  # fmt: skip
            return await page(request, status=400, notice="not_confirmed")
        outcome = await asyncio.to_thread(_apply, ctx.store, review_store(), request.ctx.user.id, decision, ids, intent,
                                          variety)  # fmt: skip
        if outcome.conflict:
            return await page(request, status=409, notice="conflict", detail=outcome.conflict)
        if outcome.done == 0:
            notice = "no_variety" if outcome.no_variety else "gone"
            return await page(request, status=409, notice=notice)
        return response.redirect(f"/review?notice={DECISIONS[decision]}", status=303)


class _Outcome:
    def __init__(self) -> None:
        self.done = 0
        self.no_variety = 0
        self.conflict = ""


def _apply(
    handoffs, review: ReviewStore, staff_id: int, decision: str, ids: list[int], intent: str, variety: str
):
    """Decides each item (skipping those decided meanwhile), writes accepted examples, audits each."""
    outcome = _Outcome()
    status = DECISIONS[decision]
    for item in review.get_many(ids):
        if item.status != "pending":
            continue
        chosen = variety or variety_of(item.language, item.script)
        if decision != "discard" and not chosen:
            outcome.no_variety += 1
            continue
        if not review.decide(item.id, status, staff_id, intent or None, chosen or None):
            continue  # another editor was first
        if decision != "discard":
            try:
                append_example(intent, chosen, item.text)
            except ExampleConflict as conflict:
                review.reopen(item.id)
                outcome.conflict = conflict.intent
                handoffs.audit(
                    staff_id, "review_conflict", None, f"item {item.id}: {intent} vs {conflict.intent}"
                )
                continue
        outcome.done += 1
        detail = f"item {item.id}" + (f": {intent}/{chosen}" if decision != "discard" else "")
        handoffs.audit(staff_id, f"review_{decision}", None, detail)
    return outcome
