"""The console's review page: messages the assistant did not understand well, grouped by meaning.

Editors (and supervisors) accept a message into an intent — written to ``data/nlu/review/`` in
the chosen variety —, mark it out of scope (an ``out_of_scope`` example the same way), or discard
it (:mod:`bot.review.decisions`). An example written to the training data is content, not
conversation: the editor must confirm that the text holds nothing personal (field
``nothing_personal``), checked here on the server for every accept and out-of-scope, not only by
the page. Each item shows where it came from in general terms only (bot/review/origin.py). Every
view and decision is audited (who, when, which item, never the message's text).
"""

from __future__ import annotations

import asyncio

from sanic import Blueprint, Request, Sanic, response

from bot.console.auth import requires_role
from bot.console.rendering import render, render_error
from bot.review.decisions import DECISIONS, WRITES_EXAMPLE, apply_decision, domain_intents
from bot.review.grouping import VARIETIES, group_items, variety_of
from bot.review.models import REASONS
from bot.review.origin import PERIODS, origin_of
from bot.review.settings import DEFAULT_SETTINGS, ReviewSettings
from bot.review.store import ReviewStore

REVIEW_ROLES = ("editor", "supervisor")
NOTICES = ("accepted", "out_of_scope", "discarded", "conflict", "gone", "no_variety", "not_confirmed")
CONFIRM_FIELD = "nothing_personal"
MAX_ITEMS_PER_DECISION = 200
#: Keys the review template builds from values (listed for the console's catalogue check).
MESSAGE_KEYS = (
    *(f"reason.{r}" for r in REASONS),
    *(f"variety.{v}" for v in VARIETIES),
    *(f"review.notice.{n}" for n in NOTICES),
    *(f"review.period.{p}" for p in PERIODS),
)  # fmt: skip

blueprint = Blueprint("review")


def load_review_settings(app: Sanic) -> None:
    """Grouping settings and the intents an example may go to, on ``app.ctx`` (checked at creation)."""
    app.ctx.review_settings = ReviewSettings.load(DEFAULT_SETTINGS)
    app.ctx.review_intents = domain_intents()
    app.ctx.review_store = None


def review_store(app: Sanic) -> ReviewStore:
    """The review items, on the console's database connection (open once the server started)."""
    if app.ctx.review_store is None:
        app.ctx.review_store = ReviewStore(sessions=app.ctx.store.sessions)
    return app.ctx.review_store


async def render_review(request: Request, status: int = 200, notice: str | None = None, detail: str = ""):
    ctx = request.app.ctx
    items = await asyncio.to_thread(review_store(request.app).pending)
    groups = await asyncio.to_thread(group_items, items, ctx.review_settings.group_similarity)
    await asyncio.to_thread(ctx.store.audit, request.ctx.user.id, "review_view", None, f"{len(items)} items")
    return await render(
        request, "review.html", status=status, groups=groups, intents=ctx.review_intents,
        varieties=VARIETIES, variety_of=variety_of, origin_of=origin_of,
        notice=notice if notice in NOTICES else None, detail=detail, count=len(items),
    )  # fmt: skip


@blueprint.get("/review")
@requires_role(*REVIEW_ROLES)
async def review_page(request: Request):
    return await render_review(request, notice=request.args.get("notice"))


@blueprint.post("/review/decide")
@requires_role(*REVIEW_ROLES)
async def decide(request: Request):
    ctx = request.app.ctx
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
        return await render_error(request, 400, "error.bad_request")
    if variety and variety not in VARIETIES:
        return await render_error(request, 400, "error.bad_request")
    user_id = request.ctx.user.id
    if decision in WRITES_EXAMPLE and form.get(CONFIRM_FIELD) != "yes":
        await asyncio.to_thread(ctx.store.audit, user_id, "review_not_confirmed", None, f"{len(ids)} item(s)")
        return await render_review(request, status=400, notice="not_confirmed")
    outcome = await asyncio.to_thread(
        apply_decision, ctx.store, review_store(request.app), user_id, decision, ids, intent, variety
    )
    if outcome.conflict:
        return await render_review(request, status=409, notice="conflict", detail=outcome.conflict)
    if outcome.done == 0:
        notice = "no_variety" if outcome.no_variety else "gone"
        return await render_review(request, status=409, notice=notice)
    return response.redirect(f"/review?notice={DECISIONS[decision]}", status=303)
