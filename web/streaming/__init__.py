"""Live updates for apps: Mastodon's streaming API (WebSocket and server-sent events) fed by one hub per process."""
