"""Delivering the outbox: claim due rows, send them through Telegram, settle them."""
