"""Django settings for Sitting. Everything comes from the environment (or a .env file);
the defaults run on a laptop with nothing installed but Python.
"""

import sys
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF

from studio import config

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if env.bool("READ_DOT_ENV", default=True):  # the test run turns this off
    environ.Env.read_env(BASE_DIR / ".env")

VAR_DIR = Path(env.str("VAR_DIR", default=str(BASE_DIR / "var")))
if not VAR_DIR.is_absolute():
    VAR_DIR = BASE_DIR / VAR_DIR
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1"] if DEBUG else [])
SECRET_KEY = env.str("SECRET_KEY", default="")
if DEBUG and not SECRET_KEY:
    SECRET_KEY = config.dev_secret_key(VAR_DIR)
if problem := config.production_problem(
    debug=DEBUG, secret_key=SECRET_KEY, allowed_hosts=ALLOWED_HOSTS
):
    sys.exit(problem)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The address people use to reach the site, for links in emails and calendar invites.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "workspace.apps.StudioAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "crispy_forms",
    "crispy_bootstrap5",
    "csp",
    "axes",
    "studio",
    "clients",
    "sessions.apps.ShootsConfig",
    "gallery",
    "workspace",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "studio.middleware.RequestSizeMiddleware",  # before anything that might read the body
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "studio.actors.ActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "studio.middleware.StudioMiddleware",
    "axes.middleware.AxesMiddleware",  # turns a refused sign-in into the page saying why
]

ROOT_URLCONF = "studio.urls"
WSGI_APPLICATION = "studio.wsgi.application"
ASGI_APPLICATION = "studio.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "studio.context_processors.studio",
            ],
        },
    },
]

DATABASES = {
    "default": config.database_config(url=env.str("DATABASE_URL", default=""), var_dir=VAR_DIR)
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# django-axes counts wrong passwords per username and address (studio/login_limits.py).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_HANDLER = "studio.login_limits.LoginLimitHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(days=2)  # how long wrong passwords are remembered
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "studio.login_limits.lockout_response"
AXES_CLIENT_IP_CALLABLE = "studio.http.client_address"
AXES_DISABLE_ACCESS_LOG = True  # no record of every sign-in's address
AXES_ENABLE_ADMIN = False  # `manage.py axes_reset_ip_username <ip> <name>` lifts a wait
AXES_VERBOSE = False

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Time and language. TIME_ZONE is the zone a new studio starts in; the studio's own
# zone (edited in the admin) is activated per request by StudioMiddleware.
LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="en-gb")
# Sitting's own formats where a language's clock differs from the rest of Sitting.
FORMAT_MODULE_PATH = ["studio.formats"]
TIME_ZONE = env.str("TIME_ZONE", default="Europe/London")
STUDIO_CURRENCY = env.str("STUDIO_CURRENCY", default="GBP")
if problem := config.studio_defaults_problem(time_zone=TIME_ZONE, currency=STUDIO_CURRENCY):
    sys.exit(problem)
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

# Static files are served by WhiteNoise; media through Django's storage API.
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_MANIFEST = env.bool("STATIC_MANIFEST", default=not DEBUG)
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST
MEDIA_URL = "media/"
MEDIA_ROOT = VAR_DIR / "media"
AWS_STORAGE_BUCKET_NAME = env.str("AWS_STORAGE_BUCKET_NAME", default="")
STORAGES = config.storages_config(
    bucket=AWS_STORAGE_BUCKET_NAME,
    static_manifest=STATIC_MANIFEST,
    options={
        key: value
        for key, value in {
            "region_name": env.str("AWS_S3_REGION_NAME", default=""),
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default=""),
        }.items()
        if value
    },
)
FILE_UPLOAD_PERMISSIONS = 0o640
# Bodies above this are refused from their Content-Length before being read (413), except
# on views that take more (studio.middleware.REQUEST_BODY_ALLOWANCES: a gallery photo 80 MB,
# questionnaire photos 100 MB, 1 MB more for the form); the proxy's limit: the largest.
REQUEST_BODY_MAX_BYTES = 10 * 1024 * 1024
# Django's own limits within that: form fields held in memory, and files in memory before
# they spill to a temporary file.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# Email: an SMTP URL in production (smtp+tls://user:password@host:587); by default every
# message is written to var/outbox/ as an .eml file that any mail program opens. Emails go
# from this address under the studio's name (studio.emailing.email_sender), so it should be
# one the mail server may send from (SPF, DKIM); replies reach the studio by Reply-To.
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="studio@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_OUTBOX_DIR = VAR_DIR / "outbox"
if env.str("EMAIL_URL", default=""):
    globals().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "studio.mail.OutboxEmailBackend"

# Celery: Redis when REDIS_URL (or CELERY_BROKER_URL) is set, else an embedded broker.
_celery = config.celery_config(
    broker_url=env.str("CELERY_BROKER_URL", default="") or env.str("REDIS_URL", default=""),
    var_dir=VAR_DIR,
)
CELERY_BROKER_URL = _celery["broker_url"]
CELERY_BROKER_TRANSPORT = _celery.get("broker_transport")
CELERY_RESULT_BACKEND = _celery["result_backend"]
CELERY_BROKER_TRANSPORT_OPTIONS = _celery["broker_transport_options"]
CELERY_TASK_ALWAYS_EAGER = False
# A worker's pool process keeps the memory its photos need while they keep coming, and
# gives it back after this many seconds without a task (studio/worker_memory.py).
WORKER_MEMORY_IDLE_SECONDS = env.float("WORKER_MEMORY_IDLE_SECONDS", default=60.0)

# Cache (rate limits): Redis when configured, else files under var/ that every process
# on this machine shares; CACHE=database (after `manage.py createcachetable`) or memory.
try:
    CACHES = config.cache_config(
        kind=env.str("CACHE", default=""),
        redis_url=env.str("REDIS_URL", default=""),
        var_dir=VAR_DIR,
    )
except ValueError as problem:
    sys.exit(str(problem))
# django-ratelimit counts by the address limits use everywhere (an IPv6 /64 counts as one).
# Not in INSTALLED_APPS: its system check knows only memcached and django-redis, while
# every cache above keeps its counters (tests/studio/test_rate_limits.py).
RATELIMIT_IP_META_KEY = "studio.http.client_address"

# Payments: on when the Stripe secret key is set. Without the webhook secret every webhook
# is refused (and `manage.py check` says so), since payments are confirmed by webhooks.
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
PAYMENTS_ENABLED = bool(STRIPE_SECRET_KEY)
# Another address speaking Stripe's API (stripe-mock, or the tests' stand-in).
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="https://api.stripe.com").rstrip("/")

# Outside calendars are read only from the public internet, unless this is on (a calendar
# server on the studio's own network, or the tests' local one).
OUTSIDE_CALENDARS_ALLOW_PRIVATE = env.bool("OUTSIDE_CALENDARS_ALLOW_PRIVATE", default=False)

# Security headers. Scripts and styles come from this site only; nothing inline.
_media_origins = config.s3_origins(
    bucket=AWS_STORAGE_BUCKET_NAME, endpoint_url=env.str("AWS_S3_ENDPOINT_URL", default="")
)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", *_media_origins],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF, *config.checkout_origins(STRIPE_API_BASE)],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # monitors probe over plain HTTP from inside
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# Preload commits the whole registrable domain to HTTPS in every browser, a decision a
# studio on a subdomain may not be able to make; it stays opt-in, without a reminder.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
if env.bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# The certificate that seals signed documents' PDFs (sessions/documents/seal.py): both files
# (PEM, key unencrypted) to use the studio's own, else one is made on first use under VAR_DIR.
DOCUMENT_SEAL_KEY_FILE = env.str("DOCUMENT_SEAL_KEY_FILE", default="")
DOCUMENT_SEAL_CERT_FILE = env.str("DOCUMENT_SEAL_CERT_FILE", default="")

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
