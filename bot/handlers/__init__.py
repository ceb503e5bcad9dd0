"""Telegram handlers: parse the update, call one desk operation, render the answer."""
