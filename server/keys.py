"""Every aiohttp AppKey, in one place: the web layer owns them (web/app_keys.py); server wires them."""
from __future__ import annotations

from web.app_keys import DATABASE, FEDERATION, SECURE_COOKIES, SETTINGS, TEMPLATES, TRANSLATIONS

__all__ = ["DATABASE", "FEDERATION", "SECURE_COOKIES", "SETTINGS", "TEMPLATES", "TRANSLATIONS"]
