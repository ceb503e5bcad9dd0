"""The HTTP API: an adapter over ``core``, like ``bot/`` is for Telegram."""
