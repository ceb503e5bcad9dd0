"""A backlog of customers' messages, stored a batch at a time: each once, each chat in order."""

from __future__ import annotations

from core.domain.actors import Actor
from tests.e2e.conftest import Harness


async def _stored(desk_bot: Harness, number: int) -> list[str]:
    detail = await desk_bot.desk.queries.get_ticket(Actor.system(), number)
    return [m.text for m in detail.messages]


class TestBacklog:
    async def test_a_repeat_inside_a_batch_is_stored_once_and_the_rest_in_order(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        ann, bob = server.add_user("Ann"), server.add_user("Bob")
        anns = await desk_bot.open_ticket(ann, "Printer", "It smokes.")
        bobs = await desk_bot.open_ticket(bob, "Router", "No light.")
        await desk_bot.settled()
        await desk_bot.stop()  # the messages below wait for the bot, as one batch
        await server.user_sends(ann, "one")
        repeated = server.updates[-1]["update_id"]
        await server.user_sends(bob, "bob's")
        await server.user_sends(ann, "two")
        server.deliver_again(repeated)  # Telegram sends "one" again, mid-batch
        await server.user_sends(ann, "/my")  # not a plain message: handled after the rest
        await server.user_sends(ann, "three")
        await desk_bot.start()
        await desk_bot.settled()

        assert await _stored(desk_bot, anns) == ["It smokes.", "one", "two", "three"]
        assert await _stored(desk_bot, bobs) == ["No light.", "bob's"]
        topic = await desk_bot.topic_of(anns)
        copied = [m.get("text") for m in server.bot_messages(desk_bot.staff, topic)]
        assert [text for text in copied if text in ("one", "two", "three")] == [
            "one",
            "two",
            "three",
        ]
        await desk_bot.wait_bot_says(ann, f"#{anns}")  # /my answered, after the batch

    async def test_a_batch_handled_but_not_confirmed_comes_again_and_is_stored_once(
        self, desk_bot: Harness
    ) -> None:
        server = desk_bot.server
        ann = server.add_user("Ann")
        number = await desk_bot.open_ticket(ann, "Printer", "It smokes.")
        await desk_bot.settled()
        first = len(server.updates)
        for text in ("a", "b", "c"):
            await server.user_sends(ann, text)
        await desk_bot.settled()
        await desk_bot.stop()
        for update in server.updates[first : first + 3]:  # as after a crash before confirming
            server.deliver_again(update["update_id"])
        await desk_bot.start()
        await desk_bot.settled()
        assert await _stored(desk_bot, number) == ["It smokes.", "a", "b", "c"]
