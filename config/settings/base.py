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
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "drf_standardized_errors",
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
    "xinfang.webhooks",
    "xinfang.hotline",
    "xinfang.open311",
    "xinfang.transfer",
    "xinfang.mediation",
    "xinfang.grid",
    "xinfang.risk",
    "xinfang.outreach",
    "xinfang.textmining",
    "xinfang.notify",
    "xinfang.supervision",
    "xinfang.publicorder",
    "xinfang.dashboards",
    "xinfang.api",
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

# --- REST API (/api/v1/; docs/api.md) ---------------------------------------------------------
# Token authentication for systems (django-rest-knox keeps only a digest of each token), the
# session for browsers (with CSRF). Errors in one format (drf-standardized-errors), messages in
# the language of Accept-Language. Lists are paged, filtered and ordered.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "xinfang.core.api.pagination.Pagination",
    # JSON bodies only (an upload action names its multipart parser itself): form encodings have
    # no null and no types, so "5", "null" and 5 would all mean the same.
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": [
        "xinfang.core.api.filters.FilterBackend",  # django-filter with strict booleans and ids
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "xinfang.core.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "drf_standardized_errors.handler.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.UserRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"user": os.environ.get("XINFANG_API_USER_RATE", "6000/min")},
    "DEFAULT_VERSIONING_CLASS": None,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
DRF_STANDARDIZED_ERRORS = {
    "EXCEPTION_HANDLER_CLASS": "xinfang.core.api.errors.ExceptionHandler",
    "ENABLE_IN_DEBUG_FOR_UNHANDLED_EXCEPTIONS": True,
}
REST_KNOX = {
    # System tokens do not expire unless the administrator says so (api_token_create --days N).
    "TOKEN_TTL": None,
    "AUTO_REFRESH": False,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Xinfang API",
    "DESCRIPTION": "Petition work and dispute resolution: matters, organisations, power list, documents, calendar.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Choice sets that share a field name get names of their own (no "Status0e7Enum").
    "ENUM_NAME_OVERRIDES": {
        "ValidationErrorEnum": "drf_standardized_errors.openapi_serializers.ValidationErrorEnum.choices",
        "ClientErrorEnum": "drf_standardized_errors.openapi_serializers.ClientErrorEnum.choices",
        "ServerErrorEnum": "drf_standardized_errors.openapi_serializers.ServerErrorEnum.choices",
        "ErrorCode401Enum": "drf_standardized_errors.openapi_serializers.ErrorCode401Enum.choices",
        "ErrorCode403Enum": "drf_standardized_errors.openapi_serializers.ErrorCode403Enum.choices",
        "ErrorCode404Enum": "drf_standardized_errors.openapi_serializers.ErrorCode404Enum.choices",
        "ErrorCode405Enum": "drf_standardized_errors.openapi_serializers.ErrorCode405Enum.choices",
        "ErrorCode406Enum": "drf_standardized_errors.openapi_serializers.ErrorCode406Enum.choices",
        "ErrorCode415Enum": "drf_standardized_errors.openapi_serializers.ErrorCode415Enum.choices",
        "ErrorCode429Enum": "drf_standardized_errors.openapi_serializers.ErrorCode429Enum.choices",
        "ErrorCode500Enum": "drf_standardized_errors.openapi_serializers.ErrorCode500Enum.choices",
        "DocumentStatusEnum": "xinfang.notices.models.DocumentStatus",
        "DocumentKindEnum": "xinfang.notices.kinds.DocumentKind",
        "CalendarStatusEnum": "xinfang.workcalendar.choices.CalendarStatus",
        "DayKindEnum": "xinfang.workcalendar.choices.DayKind",
        "ClockAdjustmentKindEnum": "xinfang.workcalendar.models.AdjustmentKind",
        "OrganisationKindEnum": "xinfang.orgs.models.Kind",
        "RecordKindEnum": "xinfang.petitions.states.RecordKind",
        "FollowUpKindEnum": "xinfang.petitions.states.FollowUpKind",
        "DeliveryMethodEnum": "xinfang.notices.models.DeliveryMethod",
        "EvaluationMethodEnum": "xinfang.petitions.states.EvaluationMethod",
        "OpinionStageEnum": "xinfang.petitions.states.OpinionStage",
        "ReviewStageEnum": "xinfang.petitions.states.ReviewStage",
        "EvaluationStageEnum": "xinfang.petitions.states.EvaluationStage",
    },
    # drf-standardized-errors' hook replaces drf-spectacular's (it leaves the error components'
    # per-operation "attr"/"code" enums alone instead of warning about them).
    "POSTPROCESSING_HOOKS": ["drf_standardized_errors.openapi_hooks.postprocess_schema_enums"],
}
# Idempotency keys are kept this many hours; a create sent again with the same key within that
# time returns the first answer instead of creating twice.
XINFANG_API_IDEMPOTENCY_HOURS = 24
# An unfinished request holding a key is given up after this many seconds (a crashed worker).
XINFANG_API_IDEMPOTENCY_STALE_SECONDS = 120

# --- Open311 GeoReport v2 (/open311/; docs/open311.md) ---------------------------------------
# Civic apps file petitions with a registered client's key (admin or `open311_client_create`) and
# read back only their own. The jurisdiction_id answered to (empty: the parameter is ignored).
XINFANG_OPEN311_JURISDICTION_ID = os.environ.get("XINFANG_OPEN311_JURISDICTION_ID", "")
# "production" or "test" in the discovery document; its contact line (empty: the registering
# organisation's name, phone, e-mail and address).
XINFANG_OPEN311_ENDPOINT_TYPE = "production"
XINFANG_OPEN311_CONTACT = ""
# Rate limits, scope -> (count, seconds): "address" per client address, "read" per client; filings
# per client are the client's own "per hour" figure (default for new clients below).
XINFANG_OPEN311_RATE_LIMITS = {"address": (300, 10 * 60), "read": (600, 10 * 60)}
XINFANG_OPEN311_DEFAULT_REQUESTS_PER_HOUR = 60
XINFANG_OPEN311_CLIENT_IP_HEADER = ""
# A POST body larger than this is refused before it is read.
XINFANG_OPEN311_MAX_BODY_BYTES = 64 * 1024
# Requests filed under these service codes are reports on officials from the start (XF-CLS-03):
# never returned by GET, like every matter triaged as a report.
XINFANG_OPEN311_REPORT_SERVICE_CODES = ["OFFICIAL-MISCONDUCT"]

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
# XF-JUR-01: binding routing decisions (joint conference), read lazily by petitions' triage proposal.
XINFANG_ROUTING_OVERRIDES = ["xinfang.supervision.selectors.routing_override"]
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
# Near-duplicate index (docs/textmining.md): character 3-grams, 42 bands x 3 rows (126 MinHash bins;
# collision curve steepest at Jaccard ~0.29: 94 % at 0.4, 99.6 % at 0.5), at most 30 candidates
# re-scored per check. Changing SHINGLE_SIZE/BANDS/ROWS needs `manage.py neardup_rebuild`.
XINFANG_NEARDUP = {"SHINGLE_SIZE": 3, "BANDS": 42, "ROWS": 3, "CANDIDATES": 30}
# What `neardup_rebuild` can index: object type -> callable yielding (id, text, at) in batches.
XINFANG_NEARDUP_SOURCES = {"petitions.matter": "xinfang.petitions.services.repeats.neardup_documents"}
# Hot spots (docs/hotspots.md): object type -> callable(user, since, until) returning the documents the
# user may count (each source applies restrict()).
XINFANG_HOTSPOT_SOURCES = {"petitions.matter": "xinfang.petitions.selectors.hotspot_documents"}
# The model (textmining_train --output NAME, labels = dispute category codes) that suggests the
# category of an uncategorised grid event before the keyword rules (xinfang/grid/suggest.py).
XINFANG_GRID_CATEGORY_MODEL = "grid-category"
# The staff nav's unread-notification count, loaded by htmx after each page (docs/notify.md).
XINFANG_NOTIFY_BADGE = True
# Callables given every audit event right after it is written, in the writer's transaction
# (xinfang/audit/services.py): derived records that must stay exactly in step with the writes.
XINFANG_AUDIT_LISTENERS: list[str] = [
    "xinfang.dashboards.rollups.on_audit_events",  # takes batches
    "xinfang.notify.listeners.petitioner_steps",  # petitioners told of each step (docs/notify.md)
]
# The public address of this installation, put in front of the verification path in the QR codes
# of official documents (e.g. "https://xinfang.example.gov.cn"); unset, the QR holds a relative path.
XINFANG_PUBLIC_URL = os.environ.get("XINFANG_PUBLIC_URL", "")
# Group visits elect no more than five representatives (XF-VIS-03, Art. 20(3)).
XINFANG_MAX_REPRESENTATIVES = 5
# Attachments: checked at the edge by size and by content (magic bytes), not by the name.
XINFANG_ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024
XINFANG_ATTACHMENT_TYPES = ["application/pdf", "image/jpeg", "image/png", "text/plain"]

# Bulk imports (docs/import_export.md): the largest file, the most data rows per file, and the rows
# between two progress reports. A file is imported all or nothing, in one transaction.
XINFANG_IMPORT_MAX_BYTES = 20 * 1024 * 1024
XINFANG_IMPORT_MAX_ROWS = 100_000
XINFANG_IMPORT_BATCH = 500

# Webhooks (docs/webhooks.md): events pushed to other systems (the 12345 platform …), signed with
# HMAC-SHA256, retried with exponential backoff: attempt n+1 waits base * 2**(n-1) seconds (capped).
XINFANG_WEBHOOK_TIMEOUT_SECONDS = 10
XINFANG_WEBHOOK_MAX_ATTEMPTS = 8
XINFANG_WEBHOOK_RETRY_BASE_SECONDS = 60
XINFANG_WEBHOOK_RETRY_MAX_SECONDS = 6 * 60 * 60
# SSRF guard: endpoints on loopback, link-local (169.254.x.x: cloud metadata), multicast, unspecified
# or reserved addresses are refused, unless inside one of these networks (e.g. ["127.0.0.1/32"] for
# a receiver on the same machine). Private networks (10.x, 192.168.x …) are allowed: government
# systems talk over the intranet; list any to refuse as well in XINFANG_WEBHOOK_BLOCKED_NETWORKS.
XINFANG_WEBHOOK_ALLOWED_NETWORKS: list[str] = []
XINFANG_WEBHOOK_BLOCKED_NETWORKS: list[str] = []

# 12345 hotline work orders (docs/hotline.md, regulations.md §6). HOT-04: the national guidance sets
# no numbers; these defaults follow 山东省 (2020) and 济南/潍坊 and are UNCONFIRMED locally: working
# days, from the start event named. Each is (period, unit) like XINFANG_PETITION_PERIODS.
XINFANG_HOTLINE_PERIODS = {
    "hotline_dispatch": (1, "working"),  # received (or returned/objected) -> dispatched
    "hotline_return_window": (2, "working"),  # a misdirected order is returned within 2 WD of dispatch
    "hotline_reply": (5, "working"),  # reply to the caller and the hotline within 5 WD of dispatch
    "hotline_visit": (3, "working"),  # return visit and evaluation after the reply (local choice)
}
# The reply period by kind of order (Zunyi: consultations 1 WD …); a kind not listed uses "hotline_reply".
XINFANG_HOTLINE_REPLY_PERIODS_BY_KIND: dict[str, tuple[int, str]] = {}
# HOT-04 (山东省 2020): complex orders may be extended once, by at most 10 working days.
XINFANG_HOTLINE_MAX_EXTENSION_DAYS = 10
XINFANG_HOTLINE_MAX_EXTENSIONS = 1
# 济南 Art. 27 [P]: the hotline office may send a reply back when the caller is dissatisfied; Art. 25
# bars re-handling the same facts after proper handling. How many times is local: default once [I].
XINFANG_HOTLINE_MAX_REHANDLES = 1
# Major decisions and social-stability risk assessment (xinfang.risk, docs/risk.md). The outcome each
# risk level permits: RA-03 [P] (uncontrollable risk: adjust first), RA-06/RA-07 [S] (high: not
# implemented or postponed; medium: only with prevention measures; low: may approve, with the measures
# in the approval). No Guangdong/Guangzhou level rule is confirmed (RA-09): configuration, not law.
XINFANG_RISK_PERMITTED_OUTCOMES: dict[str, list[str]] = {
    "high": ["postponed", "rejected"],
    "medium": ["approved_with_measures", "postponed", "rejected"],
    "low": ["approved", "approved_with_measures", "postponed", "rejected"],
}
# Steps an assessment records before its conclusion (RA-02: risk points and the public heard).
XINFANG_RISK_REQUIRED_STEPS = ["identification", "consultation"]
# Levels whose conclusion must state prevention measures (RA-02, RA-05).
XINFANG_RISK_MEASURES_REQUIRED_LEVELS = ["high", "medium"]
# Cluster trigger (risk_cluster_check): at least MIN petitions and grid events within WINDOW_DAYS
# around a listed decision flag its assessment for review; decided ones are watched DECIDED_MONTHS.
XINFANG_RISK_CLUSTER_MIN = 5
XINFANG_RISK_CLUSTER_WINDOW_DAYS = 30
XINFANG_RISK_CLUSTER_DECIDED_MONTHS = 6
# The API schema names the choice sets of these two apps (fields called kind, status … elsewhere too).
SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"].update(  # type: ignore[attr-defined]
    {
        "HotlineOrderKindEnum": "xinfang.hotline.states.OrderKind",
        "HotlineOrderStatusEnum": "xinfang.hotline.states.OrderStatus",
        "HotlineExclusionEnum": "xinfang.hotline.states.Exclusion",
        "HotlineEvaluationEnum": "xinfang.hotline.states.Evaluation",
        "WebhookDeliveryStatusEnum": "xinfang.webhooks.models.DeliveryStatus",
        "GridEventStatusEnum": "xinfang.grid.states.EventStatus",
        "GridEventLevelEnum": "xinfang.grid.states.EventLevel",
        "LevelEnum": "xinfang.orgs.models.Level",
        "PartyRoleEnum": "xinfang.grid.states.PartyRole",
        "MediationCaseStatusEnum": "xinfang.mediation.states.CaseStatus",
        "MediationSourceKindEnum": "xinfang.mediation.states.SourceKind",
        "JcResultEnum": "xinfang.mediation.states.JcResult",
        "OutcomeEnum": "xinfang.notices.kinds.Outcome",  # a handling opinion's outcome (its name before risk's)
        "RiskLevelEnum": "xinfang.risk.states.RiskLevel",
        "RiskOutcomeEnum": "xinfang.risk.states.Outcome",
        "RiskDecisionKindEnum": "xinfang.risk.states.DecisionKind",
        "RiskStepKindEnum": "xinfang.risk.states.StepKind",
        "OutreachVisitKindEnum": "xinfang.outreach.states.VisitKind",
        "OutreachItemOutcomeEnum": "xinfang.outreach.states.ItemOutcome",
        "SupervisionOrderStatusEnum": "xinfang.supervision.states.OrderStatus",
        "SupervisionOrderKindEnum": "xinfang.supervision.states.OrderKind",
        "SupervisionTriggerEnum": "xinfang.supervision.states.Trigger",
        "SupervisionCloseOutcomeEnum": "xinfang.supervision.states.CloseOutcome",
        "SupervisionReferralStatusEnum": "xinfang.supervision.states.ReferralStatus",
        "SupervisionHandlingModeEnum": "xinfang.supervision.states.HandlingMode",
        "SupervisionNoticeStageEnum": "xinfang.supervision.states.NoticeStage",
        "SupervisionFindingEnum": "xinfang.supervision.states.FindingKind",
        "SupervisionMeasureEnum": "xinfang.supervision.states.Measure",
        "SupervisionDecisionKindEnum": "xinfang.supervision.states.DecisionKind",
        "SupervisionFollowUpStatusEnum": "xinfang.supervision.states.FollowUpStatus",
        "ConductKindEnum": "xinfang.publicorder.states.ConductKind",
        "ConductResponseEnum": "xinfang.publicorder.states.ResponseKind",
        "OrderWarningKindEnum": "xinfang.publicorder.states.WarningKind",
        "OrderWarningStatusEnum": "xinfang.publicorder.states.WarningStatus",
        "LitigationLevelEnum": "xinfang.publicorder.states.LitigationLevel",
    }
)

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

# Mediation (docs/mediation.md, regulations.md §4.6). MED-02 / D35 [S]: "generally within one month"
# of acceptance — a guideline, configurable: (period, unit) on the working calendar.
XINFANG_MEDIATION_PERIOD = (30, "calendar")
# Days before a mediation clock's due date from which lists flag it as due soon (reminder).
XINFANG_MEDIATION_DUE_SOON_DAYS = 5
