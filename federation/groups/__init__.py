"""Groups (FEP-1b12): membership, admission of posts, relaying, and moderation."""
