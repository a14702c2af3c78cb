"""Sentences for the moderation log of promotions (federation/promotions/requests.py): an admin approved or
rejected a page's request to promote a post. sentences.py merges PROMOTION_SENTENCES into SENTENCES."""
from __future__ import annotations

from models.moderation import ModLogEntry
from web.i18n import N_
from web.modlog_text.targets import Targets
from web.modlog_text.writer import Part, Writer

Sentence = tuple[Part, list[Part]]

PROMOTIONS = {  # the target is the promoted post
    "promotion.approved": N_("%(moderator)s approved the promotion of %(target)s"),
    "promotion.rejected": N_("%(moderator)s rejected the promotion of %(target)s"),
}


def _promotion(w: Writer, entry: ModLogEntry, t: Targets, hidden: bool) -> Sentence:
    from web.modlog_text.sentences import post_phrase  # sentences.py imports this module

    return w.fill(PROMOTIONS[entry.action], moderator=w.moderator(entry.moderator),
                  target=post_phrase(w, entry.target, t, hidden)), []


PROMOTION_SENTENCES = {code: _promotion for code in PROMOTIONS}
