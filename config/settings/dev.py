"""`make run`: the one-command demo on SQLite."""

from .base import *  # noqa: F403

DEBUG = True
