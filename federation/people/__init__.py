"""People's own choices: about other accounts, personal blocks and mutes (blocks.py, mutes.py), and the one read
helper every timeline, notification, search and promotion read asks (personal_filters.py); about their own
posts, the posting defaults (posting_defaults.py)."""
