"""Settings shared by every environment. Everything is driven by environment variables.

Environment variables:
  DJANGO_SECRET_KEY   secret key (a random one is generated into var/ on first start when unset)
  DATABASE_URL        e.g. postgres://user@127.0.0.1:5432/xinfang; default: SQLite in var/xinfang.sqlite3
  DJANGO_DEBUG        "1" to enable debug pages
  DJANGO_ALLOWED_HOSTS comma-separated host names
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("XINFANG_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """Read the key from the environment, or from var/secret_key (created once, never committed)."""
    key = os.environ.get("DJANGO_SECRET_KEY")
    if key:
        return key
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(64))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = os.environ.get("DJANGO_DEBUG", "0") == "1"
ALLOWED_HOSTS = [h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "xinfang.core",
    "xinfang.audit",
    "xinfang.orgs",
    "xinfang.accounts",
    "xinfang.workcalendar",
    "xinfang.powerlist",
    "xinfang.petitions",
    "xinfang.notices",
    "xinfang.legalservices",
    "xinfang.guidance",
    "xinfang.portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "xinfang.core.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes requires: it turns lockouts into a translated page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "xinfang.core.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
# Our own thin backends wrap Django's so that the audit triggers' maintenance switch can be
# set around test flushes (see xinfang/core/db/ and docs/adr/0002-audit-log.md).
_DB_ENGINES = {
    "django.db.backends.sqlite3": "xinfang.core.db.sqlite3",
    "django.db.backends.postgresql": "xinfang.core.db.postgresql",
}
_default_db = dj_database_url.parse(
    os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'xinfang.sqlite3'}"), conn_max_age=60
)
_default_db["ENGINE"] = _DB_ENGINES.get(_default_db["ENGINE"], _default_db["ENGINE"])
if _default_db["ENGINE"].endswith("sqlite3"):
    _default_db["CONN_MAX_AGE"] = 0
    _default_db["OPTIONS"] = {
        # Every atomic block takes the write lock at BEGIN: appends to the audit hash chain are
        # serialised and concurrent writers wait instead of failing with "database is locked".
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
DATABASES = {"default": _default_db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts and security -------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Sessions end after 8 idle hours or when the browser closes; cookies are not readable by scripts.
SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Login throttling (django-axes): 5 failures per user name and address lock out for 15 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("XINFANG_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# --- Languages and time ----------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [
    ("zh-hans", "简体中文"),
    ("zh-hant", "繁體中文"),
    ("en", "English"),
]
# Catalogs live in each app (xinfang/<app>/locale/); see docs/i18n.md.
LOCALE_PATHS: list[Path] = []
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

# --- Static files ----------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"
WHITENOISE_USE_FINDERS = True

# --- Background jobs (Django tasks API, database backend) ------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# --- Xinfang settings --------------------------------------------------------------------------
# Only test and maintenance code may switch off the audit log's append-only triggers.
XINFANG_AUDIT_MAINTENANCE_ALLOWED = False

# Deadline rules (regulations.md §3, CNT-01..CNT-06): policy settings, overridable per province.
XINFANG_DEADLINE_RULES = {
    # Calendar-day periods: the start day is excluded (民法典 Art. 201) ...
    "exclude_start_day": True,
    # ... and a last day that is not a working day rolls to the next working day (Art. 203).
    "roll_forward_to_working_day": True,
    # Month periods end on the corresponding day, or the month's last day (民法典 Art. 202).
    "month_end_rule": True,
}

# Petition periods (regulations.md §8), (period, unit): configuration, not code.
XINFANG_PETITION_PERIODS = {
    "triage_15d": (15, "calendar"),  # D1, 条例 Art. 22
    "notice_15d": (15, "calendar"),  # D2/D3, Art. 23(2)-(3)
    "objection_5wd": (5, "working"),  # D4, Art. 23(3)
    "recipient_notice_15d": (15, "calendar"),  # D3, Art. 23(3): the receiving organisation's notice
    "handling_60d": (60, "calendar"),  # D6, Art. 34: conclude within 60 days of acceptance
    "review_window_30d": (30, "calendar"),  # D8, Art. 35: request review within 30 days of receipt
    "review_30d": (30, "calendar"),  # D9, Art. 35: review opinion within 30 days of the request
    "rereview_window_30d": (30, "calendar"),  # D10, Art. 36(1)
    "rereview_30d": (30, "calendar"),  # D11, Art. 36(1); hearing time excluded (Art. 36(2))
    # Simplified procedure (简易办理, XF-SIMP-06): the 2016 figures; the 2022 ones are UNCONFIRMED.
    "simple_accept_3wd": (3, "working"),  # D15: decide acceptance
    "simple_handling_10wd": (10, "working"),  # D16: handling opinion after acceptance
    "simple_pass_on_1wd": (1, "working"),  # D17: each intermediate level passes the matter on
}
# XF-DL-02 (条例 Art. 34): one extension of at most this many days, approved by the organ's head.
XINFANG_MAX_EXTENSION_DAYS = 30
XINFANG_MAX_EXTENSIONS = 1
# XF-REV-07 (UNCONFIRMED nationally): a review or re-review request outside the 30-day window is
# recorded and then "refuse_without_good_reason" (北京 Art. 37(3): accepted only with a good
# reason), "terminate" (山东 Art. 46(2): the matter is 办理终结) or "accept".
XINFANG_LATE_REVIEW_POLICY = "refuse_without_good_reason"
# XF-REV-08 (provincial overlay D13, off by default): working days to decide acceptance of a
# review or re-review request; None = no separate acceptance decision.
XINFANG_REVIEW_ACCEPTANCE_WORKING_DAYS = None
# XF-SAT-02 (scale UNCONFIRMED): (value, label in simplified Chinese, counts as dissatisfied).
# Labels are translated through the catalogs; a new label needs its translations added.
XINFANG_SATISFACTION_SCALE = [
    ("satisfied", "满意", False),
    ("basically_satisfied", "基本满意", False),
    ("dissatisfied", "不满意", True),
]
# Working days a dissatisfaction follow-up (回访) is due after the evaluation.
XINFANG_DISSATISFACTION_FOLLOW_UP_WORKING_DAYS = 10
# Days before the petitioner's own time limit for a statutory procedure (行政复议 60 days …) from
# which the workbench warns that it is close.
XINFANG_TRACK_LIMIT_WARNING_DAYS = 15
# The workbench's "due soon" tab: clocks due within this many working days.
XINFANG_WORKBENCH_DUE_SOON_WORKING_DAYS = 3
# Repeat detection at registration (A2): how far back to look, and the text similarity (0-100)
# from which an earlier matter is proposed.
XINFANG_REPEAT_WINDOW_MONTHS = 24
XINFANG_REPEAT_TEXT_MIN_SCORE = 70
# The public address of this installation, put in front of the verification path in the QR codes
# of official documents (e.g. "https://xinfang.example.gov.cn"); unset, the QR holds a relative path.
XINFANG_PUBLIC_URL = os.environ.get("XINFANG_PUBLIC_URL", "")
# Group visits elect no more than five representatives (XF-VIS-03, Art. 20(3)).
XINFANG_MAX_REPRESENTATIVES = 5
# Attachments: checked at the edge by size and by content (magic bytes), not by the name.
XINFANG_ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024
XINFANG_ATTACHMENT_TYPES = ["application/pdf", "image/jpeg", "image/png", "text/plain"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # WeasyPrint and fontTools log every page and font subset at INFO: noise in a server log.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
