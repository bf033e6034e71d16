"""Settings of the django-helpdesk comparison server (bench/api_intake.py). Production-like: DEBUG
off, PostgreSQL on the same server as ours with the same persistent connections (CONN_MAX_AGE 60),
token authentication (rest_framework.authtoken) as ours uses knox tokens. E-mail goes to the dummy
backend: helpdesk still renders its notification e-mails, nothing leaves the machine.

Environment: HELPDESK_BENCH_SECRET_KEY, HELPDESK_BENCH_MEDIA_ROOT, HELPDESK_BENCH_DB_NAME / _HOST / _PORT / _USER."""

import os

SECRET_KEY = os.environ["HELPDESK_BENCH_SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "helpdesk",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "helpdesk_site.urls"
WSGI_APPLICATION = "helpdesk_site.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ.get("HELPDESK_BENCH_DB_NAME", "helpdesk_bench"),
        "HOST": os.environ.get("HELPDESK_BENCH_DB_HOST", "127.0.0.1"),
        "PORT": os.environ.get("HELPDESK_BENCH_DB_PORT", "5432"),
        "USER": os.environ.get("HELPDESK_BENCH_DB_USER", "postgres"),
        "CONN_MAX_AGE": 60,
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
SITE_ID = 1

# The ticket API (helpdesk/urls.py: /api/tickets/ when enabled; HELPDESK_ACTIVATE_API_ENDPOINT is the
# setting's name before 2.x, kept for older releases), staff only (IsAdminUser), token-authenticated.
HELPDESK_API_ENABLED = True
HELPDESK_ACTIVATE_API_ENDPOINT = True
HELPDESK_TEAMS_MODE_ENABLED = False  # no pinax-teams
# HELPDESK_KB_ENABLED stays at its default (True): helpdesk 2.6.1's urls.py fails without it.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.TokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}

EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
DEFAULT_FROM_EMAIL = "helpdesk@example.com"
SERVER_EMAIL = "helpdesk@example.com"

LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
STATIC_URL = "/static/"
MEDIA_ROOT = os.environ["HELPDESK_BENCH_MEDIA_ROOT"]  # a temporary folder of the bench run
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
