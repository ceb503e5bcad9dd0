"""``python -m bot`` runs the bot, like ``helpdesk run``."""

import sys

from bot.entry import main

sys.exit(main(["run", *sys.argv[1:]]))
