"""The desk's refusals in the customer's language.

Core speaks English in its errors (it renders no text for people, only says why). The
sentences a customer can meet are listed here as templates that mirror core's wording; one
that matches is shown translated, with its values kept. Anything else is shown as it is.
"""

from __future__ import annotations

import re
from functools import cache

from bot.i18n import N_, _
from bot.rendering.words import customer_status_word
from core.domain.values import Status

CUSTOMER_ERRORS = (
    N_("Ticket #{number} was not found."),
    N_("Ticket #{number} is closed."),
    N_("Ticket #{number} was resolved too long ago to reopen."),
    N_("Ticket #{number} is closed; reopen it before replying."),
    N_("Ticket #{number} is closed; it cannot be made active."),
    N_("Ticket #{number} can be rated once it is resolved."),
    N_("Ticket #{number} is open again: just write here and your message goes to the team."),
    N_("Rate ticket #{number} before adding a comment."),
    N_("You already added a comment on ticket #{number}. Thank you!"),
    N_("A ticket cannot go from {current} to {requested}."),
    N_("The message is empty: write some text or attach something."),
    N_("The message is longer than {limit} characters."),
    N_("An edit cannot leave a message empty; the earlier version stands."),
    N_("The edited message is longer than {limit} characters; the earlier version stands."),
    N_("The subject is empty: describe the problem in a few words."),
    N_("The subject is {length} characters long; keep it to {limit} or fewer."),
    N_("A rating is a whole number from 1 to 5."),
    N_("Keep the comment to {limit} characters."),
    N_("The comment is empty."),
    N_("That page link is no longer valid; open the list again."),
    N_("This button is not valid any more."),
)
_FIELD = re.compile(r"\{(\w+)\}")
_STATUSES = {status.value: status for status in Status}


@cache
def _patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    compiled = []
    for template in CUSTOMER_ERRORS:
        parts = _FIELD.split(template)
        regex = "".join(
            re.escape(part) if index % 2 == 0 else f"(?P<{part}>.+?)"
            for index, part in enumerate(parts)
        )
        compiled.append((template, re.compile(regex)))
    return tuple(compiled)


def customer_error(error: Exception) -> str:
    """What a refusal says, in the customer's language when it is one they can meet."""
    text = str(error)
    for template, pattern in _patterns():
        found = pattern.fullmatch(text)
        if found is None:
            continue
        values = {
            name: customer_status_word(_STATUSES[value]) if value in _STATUSES else value
            for name, value in found.groupdict().items()
        }
        return _(template).format(**values)
    return text
