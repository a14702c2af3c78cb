"""Instance moderation of incoming federated content: policies, content rules, rate limits."""
