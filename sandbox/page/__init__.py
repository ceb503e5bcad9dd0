"""The sandbox's web page: a Telegram-like client for every person, served with the Bot API.

Plain HTML, CSS and JavaScript modules in ``static/`` (no build step), a small JSON API and
one server-sent-events stream in :mod:`sandbox.page.routes`.
"""
