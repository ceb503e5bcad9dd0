"""The sandbox: the whole desk in a browser, with no Telegram and no token.

``helpdesk sandbox`` starts a local Bot API server (:mod:`sandbox.botapi`), the unchanged
desk (``helpdesk run``) pointed at it through ``TELEGRAM_BASE_URL``, and a web page that plays
Telegram for every person in the story (:mod:`sandbox.page`). The world it serves persists
in a directory (:mod:`sandbox.persistence`). The tests and the benchmarks use the same local
server.
"""
