"""HTML pages for people. Each module registers its routes with setup(app)."""
