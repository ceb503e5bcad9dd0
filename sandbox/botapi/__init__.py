"""A fake Telegram Bot API server for end-to-end tests, benchmarks and a local sandbox.

It speaks the Bot API over real HTTP (Starlette on uvicorn, 127.0.0.1), keeps users, chats, forum
topics and messages, answers with the result shapes python-telegram-bot 22 parses, and
refuses what Telegram refuses with Telegram's status codes and descriptions (malformed HTML,
too long text, missing topics, blocked users...).

In tests::

    async with FakeBotApi(token="123456:TEST-TOKEN") as server:
        app = (
            ApplicationBuilder()
            .token(server.token)
            .base_url(server.base_url)
            .base_file_url(server.base_file_url)
            .build()
        )
        ann = server.add_user("Ann", username="ann")
        staff = server.add_forum("Support staff")
        await server.user_sends(ann, "/new")
        await server.wait_for(lambda: server.bot_messages(ann))

Faults (``server.faults.add(...)``), flood limits (``flood_limits=FloodLimits()``),
``block_bot`` and ``delete_topic`` reproduce Telegram's failure modes.

Standalone (benchmarks, sandbox)::

    python -m sandbox.botapi --port 8081 --token 123456:TEST-TOKEN [--flood-limits]

Control API of a standalone server (JSON in, JSON out; errors: 400 ``{"error": ...}``):

=======  ==========================  =======================================================
Method   Path                        Body / query → answer
=======  ==========================  =======================================================
GET      /_control/stats             → counters: calls_by_method, too_many_requests,
                                     messages_by_chat, messages_delivered, pending_updates
POST     /_control/users             {first_name, username?, last_name?, id?} → User
POST     /_control/groups            {title, forum?, supergroup?, id?, username?} → Chat
POST     /_control/members           {chat_id, user_id, status?} → {ok}
POST     /_control/topics            {chat_id, name} → ForumTopic (made by a person)
GET      /_control/topics            ?chat_id= → topics with closed/deleted flags
POST     /_control/user_sends        {user_id, chat_id?, thread_id?, reply_to?, text?,
                                     caption?, photo?, document?, voice?, ..., location?,
                                     contact?} → Message (the bot gets an update)
POST     /_control/user_presses      {user_id, chat_id, message_id, data? | button_text?}
                                     → {callback_query_id}
POST     /_control/block             {user_id, blocked?=true} → {ok}
POST     /_control/private_topics    {enabled?=true} → {ok} (the bot's private chats have
                                     topics: BotFather's threaded mode)
POST     /_control/faults            {method?, chat_id?, status?, retry_after?, hang?,
                                     answer_delay?, description?, times?} → {ok}
DELETE   /_control/faults            → {ok}
GET      /_control/messages          ?chat_id=&thread_id=&include_service= → Messages
GET      /_control/calls             ?method= → recorded calls
GET      /_control/updates           → [{update_id, queued_at, delivered_at, chat_id,
                                     message_id}] (times: time.monotonic() seconds)
POST     /_control/raw_updates       {kind, payload} → the update, queued exactly as given
                                     (malformed on purpose: fields missing, unknown kinds)
=======  ==========================  =======================================================

Known simplifications: no webhooks, inline mode, payments or channels; Markdown parse modes
are accepted but not parsed; ``allowed_updates`` filters what is returned without dropping
anything; the bot sees every group message (no privacy mode).
"""

from sandbox.botapi.errors import ApiError
from sandbox.botapi.faults import FaultInjector, FaultRule
from sandbox.botapi.html_check import FormattedText, HtmlParseError, parse_html
from sandbox.botapi.limits import FloodLimits
from sandbox.botapi.params import UploadedFile
from sandbox.botapi.recording import ApiCall, DeliveryStats
from sandbox.botapi.server import DEFAULT_TOKEN, FakeBotApi
from sandbox.botapi.state import ApiObject, FakeChat, FakeTopic, FakeUser

__all__ = [
    "DEFAULT_TOKEN",
    "ApiCall",
    "ApiError",
    "ApiObject",
    "DeliveryStats",
    "FakeBotApi",
    "FakeChat",
    "FakeTopic",
    "FakeUser",
    "FaultInjector",
    "FaultRule",
    "FloodLimits",
    "FormattedText",
    "HtmlParseError",
    "UploadedFile",
    "parse_html",
]
