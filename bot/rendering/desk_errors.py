"""The desk's refusals in the customer's language, and in ``STAFF_LANGUAGE`` for agents.

Core speaks English in its errors (it renders no text for people, only says why). The
sentences a customer can meet are listed here as templates that mirror core's wording, and
those only agents meet after them; one that matches is shown translated, with its values
kept. Anything else is shown as it is.
"""

from __future__ import annotations

import re
from functools import cache

from bot.i18n import N_, _, staff_gettext
from bot.rendering.words import customer_status_word, priority_word, status_word
from core.domain.values import Priority, Status

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
STAFF_ERRORS = (
    N_("Wrong username or password."),
    N_("Too many failed logins. Try again after {time} UTC ({day})."),
    N_("No agent is called {name}."),
    N_("No customer {reference} has written to the desk."),
    N_("There is no saved reply “{name}”. /saved lists them all."),
    N_("There is no saved reply “{name}”. Did you mean: {names}? /saved lists them all."),
    N_("Ticket #{number} is already assigned to {agent}."),
    N_("Ticket #{number} already has {priority} priority."),
    N_("Ticket #{number} is already yours and {status}."),
    N_("Ticket #{number} has no tag “{tag}”."),
    N_("Name at least one tag."),
    N_("A ticket carries at most {limit} tags."),
    N_("A tag is at most {limit} characters long."),
    N_("A tag needs at least one letter or digit."),
    N_("Only agents can do that."),
    N_("Only an admin agent can see unreadable updates."),
    N_("Write what to search for, for example: /search printer smoke"),
    N_("Those words are too common to search for; add a more specific one."),
    N_("#{number} cannot be merged into itself: name two tickets."),
    N_("{name} is banned already."),
    N_("{name} is not banned."),
    N_("Unknown status “{value}”. Use one of: {names}."),
    N_("A saved reply is at most {limit} characters."),
    N_("Write the reply after its name: /saved add {name} text…"),
    N_("“{text}” is neither a Telegram user id nor an @username."),
    N_("“customer:{reference}” needs @username or a Telegram id."),
    N_("“{name}:” needs a value, for example {example}."),
    N_("No unreadable update has the id {id}."),
    N_("A ticket cannot go from {current} to {requested}: the ticket is already {status}."),
    N_("A ticket cannot go from {current} to {requested}: only {who} may make this move."),
    N_("A ticket cannot go from {current} to {requested}: the lifecycle has no such move."),
)
"""Refusals only agents meet, matched before ``CUSTOMER_ERRORS`` (which they meet too)."""
_FIELD = re.compile(r"\{(\w+)\}")
_STATUSES = {status.value: status for status in Status}
_PRIORITIES = {priority.value: priority for priority in Priority}


@cache
def _patterns(templates: tuple[str, ...]) -> tuple[tuple[str, re.Pattern[str]], ...]:
    compiled = []
    for template in templates:
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
    for template, pattern in _patterns(CUSTOMER_ERRORS):
        found = pattern.fullmatch(text)
        if found is None:
            continue
        values = {
            name: customer_status_word(_STATUSES[value]) if value in _STATUSES else value
            for name, value in found.groupdict().items()
        }
        return _(template).format(**values)
    return text


def staff_error(error: Exception) -> str:
    """What a refusal says, in ``STAFF_LANGUAGE`` when it is one the desk knows."""
    text = str(error)
    for template, pattern in _patterns(STAFF_ERRORS + CUSTOMER_ERRORS):
        found = pattern.fullmatch(text)
        if found is None:
            continue
        values = {name: _staff_word(value) for name, value in found.groupdict().items()}
        return staff_gettext(template).format(**values)
    return text


def _staff_word(value: str) -> str:
    """A status or a priority named in a refusal, in ``STAFF_LANGUAGE``; others as they are."""
    if value in _STATUSES:
        return status_word(_STATUSES[value])
    if value in _PRIORITIES:
        return priority_word(_PRIORITIES[value])
    return value
