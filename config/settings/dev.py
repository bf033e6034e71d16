"""`make run`: the one-command demo on SQLite."""

import os

from .base import *  # noqa: F403

DEBUG = True
# QR codes on documents point at the local demo server unless told otherwise.
XINFANG_PUBLIC_URL = os.environ.get("XINFANG_PUBLIC_URL", "http://127.0.0.1:8000")
