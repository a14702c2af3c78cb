"""Community activities: polls, events, Q&A, daily check-ins and draws (their federation and actions)."""
