"""Pure rendering: views in, Telegram HTML text and keyboards out. No network, no state."""
