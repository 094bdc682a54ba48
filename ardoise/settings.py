"""Django settings for Ardoise.

One module, read from the environment through the small typed helpers below.
In production (ARDOISE_ENV=production) a missing secret fails loudly instead of
falling back to a development value.
"""

import os
from pathlib import Path
from typing import Any

import dj_database_url
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise RuntimeError(f"The environment variable {name} must be set.")
    return value


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return default if value is None else int(value)


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


PRODUCTION = env_str("ARDOISE_ENV", "development") == "production"

DEBUG = env_bool("DEBUG", default=False)
# In production the key must come from the environment; the development key
# is only good for a laptop and the throwaway demo database.
SECRET_KEY = env_str("SECRET_KEY") if PRODUCTION else env_str("SECRET_KEY", "dev-only-not-secret-" + "x" * 40)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# A form sent after its page expired gets a French page saying to reload it.
CSRF_FAILURE_VIEW = "ardoise.towns.errors.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks_db",
    "ninja",  # serves the OpenAPI docs page's scripts locally, not from a CDN.
    "ardoise.towns",
    "ardoise.accounts",
    "ardoise.calendars",
    "ardoise.activities",
    "ardoise.families",
    "ardoise.documents",
    "ardoise.consents",
    "ardoise.quotients",
    "ardoise.bookings",
    "ardoise.admissions",
    "ardoise.signup",
    "ardoise.billing",
    "ardoise.payments",
    "ardoise.prepayment",
    "ardoise.directdebit",
    "ardoise.treasury",
    "ardoise.caf",
    "ardoise.charts",
    "ardoise.legal",
    "ardoise.privacy",
    "ardoise.audit",
    "ardoise.messaging",
    "ardoise.portal",
    "ardoise.backoffice",
    "ardoise.api",
    "ardoise.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "ardoise.towns.middleware.PageContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Every error answer of the API is JSON, whoever made it (ardoise/api/errors.py).
    "ardoise.api.errors.ApiErrorsAsJson",
    # No control character in any input; before the session reads its cookie (ardoise/middleware.py).
    "ardoise.middleware.RefuseControlCharacters",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "ardoise.towns.middleware.TownMiddleware",
    # A parent with consents to answer is asked before any other portal page (ardoise/portal/consents.py).
    "ardoise.portal.consents.ConsentGate",
]

ROOT_URLCONF = "ardoise.urls"
WSGI_APPLICATION = "ardoise.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "ardoise" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ardoise.towns.context_processors.town",
            ],
            # Dates in words the French way ("1er décembre") in every template, e-mail and PDF.
            "builtins": ["ardoise.calendars.templatetags.dates_fr"],
        },
    },
]

# SQLite is the embedded default (demo, small town); production and CI use
# PostgreSQL through DATABASE_URL.
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'ardoise.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 0))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL lets readers run beside the writer; IMMEDIATE transactions take the
    # write lock up front so that two writers queue on the busy timeout instead
    # of failing with "database is locked" half-way.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
# A PostgreSQL streaming replica of the primary for the read-only reports (ardoise/towns/replica.py,
# docs/scaling.md). Without it every read goes to `default`, as on one machine.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(DATABASE_REPLICA_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 0))
    # A replica that does not answer is given up quickly: the report then reads the primary.
    DATABASES["replica"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 3)
    # The tests have one database: the replica alias reads `default`'s test database.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["ardoise.towns.replica.PrimaryReplicaRouter"]
# How long a report waits for the replica to replay what the primary had written when the report began,
# before it reads the primary instead (milliseconds).
DATABASE_REPLICA_WAIT_MS = env_int("DATABASE_REPLICA_WAIT_MS", 500)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["ardoise.accounts.backends.TownLoginBackend"]
# Accounts are unique per town (a parent may have children in two towns), so
# the e-mail is unique together with the town, not on its own; our backend
# looks users up within the town.
SILENCED_SYSTEM_CHECKS = [
    "auth.W004",
    # HSTS preload commits the whole domain (often the town's, shared with other
    # services) to HTTPS for good: a decision for the town, so it stays opt-in
    # (SECURE_HSTS_PRELOAD) instead of a warning that every deployment must face.
    "security.W021",
]
# ARGON2_PROFILE: `django` (default: Django's argon2id parameters) or `owasp` (19 MiB, t=2, p=1: a cheaper
# login, measured in docs/benchmarks.md); a security decision, see the README. Hashes of either profile verify
# under the other and are rehashed with the configured one at the next login.
ARGON2_PROFILE = env_str("ARGON2_PROFILE", "django")
ARGON2_HASHERS = {
    "django": "django.contrib.auth.hashers.Argon2PasswordHasher",
    "owasp": "ardoise.accounts.hashers.OwaspArgon2PasswordHasher",
}
if ARGON2_PROFILE not in ARGON2_HASHERS:
    raise RuntimeError(f"ARGON2_PROFILE must be one of {', '.join(ARGON2_HASHERS)}, not {ARGON2_PROFILE!r}.")
PASSWORD_HASHERS = [
    ARGON2_HASHERS[ARGON2_PROFILE],
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Password reset and first-connection links expire after one day.
PASSWORD_RESET_TIMEOUT = 24 * 3600
# Login throttling (accounts/throttling.py), within the window: failures against one account from
# one address stop that address for that account (the first barrier, lower than the account's own
# limit, so that one address alone cannot lock a parent out); failures against one account from any
# addresses lock it; failures from one address against any logins stop that address (higher: parents
# behind one mobile carrier's or school's NAT share it). A password reset through the e-mailed link
# clears its account's failures.
LOGIN_FAILURE_LIMIT_PER_ADDRESS_AND_ACCOUNT = env_int("LOGIN_FAILURE_LIMIT_PER_ADDRESS_AND_ACCOUNT", 5)
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 10)
LOGIN_FAILURE_LIMIT_PER_ADDRESS = env_int("LOGIN_FAILURE_LIMIT_PER_ADDRESS", 50)
# Behind a reverse proxy every parent arrives from the proxy's address: trust the
# address it forwards (X-Forwarded-For, last hop) so that throttling counts per parent.
LOGIN_TRUST_X_FORWARDED_FOR = env_bool("LOGIN_TRUST_X_FORWARDED_FOR", False)
LOGIN_FAILURE_WINDOW_SECONDS = env_int("LOGIN_FAILURE_WINDOW_SECONDS", 15 * 60)
# Password links e-mailed, within the window: at most so many per account, and so many
# requests per address (same address rules as logins).
PASSWORD_RESET_LIMIT_PER_ACCOUNT = env_int("PASSWORD_RESET_LIMIT_PER_ACCOUNT", 3)
PASSWORD_RESET_LIMIT_PER_ADDRESS = env_int("PASSWORD_RESET_LIMIT_PER_ADDRESS", 10)
PASSWORD_RESET_WINDOW_SECONDS = env_int("PASSWORD_RESET_WINDOW_SECONDS", 3600)
# A "remember me" session lasts 30 days; otherwise it ends with the browser.
REMEMBER_ME_SECONDS = 30 * 24 * 3600
SESSION_COOKIE_AGE = REMEMBER_ME_SECONDS
API_TOKEN_LIFETIME_SECONDS = env_int("API_TOKEN_LIFETIME_SECONDS", 30 * 24 * 3600)

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "ardoise" / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
# Project-wide static files (layout CSS, vendored htmx) live beside the templates.
STATICFILES_DIRS = [BASE_DIR / "ardoise" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Interfaces at the edges, chosen here: the PDF engine (a fake only where a test does not look at the PDF).
ARDOISE_PDF_RENDERER = env_str("ARDOISE_PDF_RENDERER", "ardoise.billing.pdf.WeasyPrintRenderer")

TASKS = {"default": {"BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}

# Outgoing mail (Django 6.1 mailers). SMTP in production; the console in development.
MAILERS = {
    "default": {
        "BACKEND": env_str(
            "EMAIL_BACKEND",
            "django.core.mail.backends.smtp.EmailBackend"
            if PRODUCTION
            else "django.core.mail.backends.console.EmailBackend",
        ),
        "OPTIONS": {},
    }
}
if MAILERS["default"]["BACKEND"].endswith("smtp.EmailBackend"):
    MAILERS["default"]["OPTIONS"] = {
        "host": env_str("EMAIL_HOST", "localhost"),
        "port": env_int("EMAIL_PORT", 25),
        "username": env_str("EMAIL_HOST_USER", ""),
        "password": env_str("EMAIL_HOST_PASSWORD", ""),
        "use_tls": env_bool("EMAIL_USE_TLS"),
        "timeout": env_int("EMAIL_TIMEOUT", 20),
    }
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Ardoise <no-reply@ardoise.invalid>")

LOGIN_URL = "/"

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy, in every environment: only the site's own scripts and styles
# (no inline script, style or handler: templates load static files), no plugins, no framing.
# Forms post to the site only, and to PayFiP: "Payer" posts here and is redirected there,
# and browsers check that redirect against form-action.
PAYFIP_ORIGIN = "https://www.payfip.gouv.fr"
# Minutes an online payment not answered yet keeps its invoice or basket to itself (payments/actions.py):
# PayFiP's idOp is paid within 15 minutes, and eopayment keeps 20 between two operations of one debt.
ONLINE_PAYMENT_PENDING_MINUTES = env_int("ONLINE_PAYMENT_PENDING_MINUTES", 20)
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF, PAYFIP_ORIGIN],
}
SESSION_COOKIE_HTTPONLY = True
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)

# Logs go to the console (the process manager keeps them: see docs/privacy.md, "Logs and audit trail", for
# their retention); with LOG_FILE, also to a file turned over at midnight, LOG_RETENTION_DAYS files kept.
LOG_FILE = env_str("LOG_FILE", "")
# Days of logs kept on disk when LOG_FILE is set: six months, the low end of the CNIL's advice on logs.
LOG_RETENTION_DAYS = env_int("LOG_RETENTION_DAYS", 180)
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # WeasyPrint says at INFO each step of every PDF (seven lines an invoice): only its warnings matter.
        "weasyprint.progress": {"level": "WARNING"},
        # Never the SQL, whatever the level asked: its parameters carry children's health records and
        # password hashes (Django logs every query at DEBUG when DEBUG is on).
        "django.db.backends": {"level": "INFO"},
    },
}
if LOG_FILE:
    LOGGING["handlers"]["file"] = {
        "class": "logging.handlers.TimedRotatingFileHandler",
        "filename": LOG_FILE,
        "when": "midnight",
        "backupCount": LOG_RETENTION_DAYS,
        "encoding": "utf-8",
    }
    LOGGING["root"]["handlers"].append("file")
# Error reports (the 500 page with DEBUG on, mail to admins if one day configured) never show a form's
# fields: they may be a password or a child's health record.
DEFAULT_EXCEPTION_REPORTER_FILTER = "ardoise.audit.reporting.NoFormFieldsReporterFilter"
