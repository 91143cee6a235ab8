"""Settings of the Koto DX Platform, read once from the environment.

Embedded default: SQLite and the Huey queue in ``$KOTODX_DATA_DIR`` (default ``./var``).
Scale-out: ``DATABASE_URL`` (PostgreSQL) and ``REDIS_URL`` (cache, sessions, queue).
Production: ``KOTODX_PRODUCTION=1`` — then ``SECRET_KEY`` is required.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured


def env_bool(name: str, default: bool = False) -> bool:
    """0/1/true/false (any case); unset or empty is the default. Anything else ("yes", "ture", "off") is
    refused at start: a typo must not silently turn a setting such as KOTODX_PRODUCTION off."""
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    word = value.strip().lower()
    if word in {"1", "true"}:
        return True
    if word in {"0", "false"}:
        return False
    raise ImproperlyConfigured(
        f"{name}={value!r} は真偽値ではありません: 1, 0, true, false のいずれかにしてください "
        f"({name} must be 1, 0, true or false)"
    )


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name, "")
    return [v.strip() for v in value.split(",") if v.strip()] if value.strip() else default


PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent.parent
DATA_DIR = Path(os.environ.get("KOTODX_DATA_DIR") or PROJECT_DIR / "var").resolve()
MEDIA_ROOT = DATA_DIR / "media"
PRODUCTION = env_bool("KOTODX_PRODUCTION")
DEBUG = env_bool("KOTODX_DEBUG", default=False) and not PRODUCTION


def _secret_key() -> str:
    key = os.environ.get("SECRET_KEY", "").strip()
    if key:
        return key
    if PRODUCTION:
        raise ImproperlyConfigured(
            "本番モード (KOTODX_PRODUCTION=1) では環境変数 SECRET_KEY が必要です。"
            " SECRET_KEY is required in production mode: set it to a long random string."
        )
    # Embedded mode: one random key per data folder, kept so sessions survive a restart.
    key_file = DATA_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("KOTODX_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("KOTODX_CSRF_TRUSTED_ORIGINS", [])
SITE_NAME = os.environ.get("KOTODX_SITE_NAME", "江東区 DXプラットフォーム")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    "ninja",
    "huey.contrib.djhuey",
    "kotodx.core",
    "kotodx.plan",
    "kotodx.opendata",
    "kotodx.eapply",
    "kotodx.gis",
    "kotodx.a11y",
    "kotodx.governance",
    "kotodx.security",
    "kotodx.automation",
    "kotodx.assistant",
]

MIDDLEWARE = [
    "kotodx.core.middleware.ClientAddressMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "kotodx.core.middleware.RequestIdMiddleware",
    "kotodx.core.middleware.RefuseNulMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kotodx.urls"
WSGI_APPLICATION = "kotodx.wsgi.application"
AUTH_USER_MODEL = "core.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kotodx.core.context_processors.site",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "").strip()
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
    if DATABASES["default"]["ENGINE"].endswith("postgresql"):
        DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = 5
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "kotodx.sqlite3"),
            "CONN_MAX_AGE": 60,  # a connection (and its PRAGMAs) per worker thread, not per request
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
                    "PRAGMA mmap_size=268435456;"  # reads of big layers and datastore tables without syscalls
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, sessions, queue --------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "").strip()
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": os.environ.get("KOTODX_QUEUE_NAME", "kotodx"),
        "url": REDIS_URL,
        "immediate": False,
        "consumer": {"workers": env_int("KOTODX_QUEUE_WORKERS", 2), "worker_type": "thread"},
    }
else:
    # The database cache is shared by every process on the machine (rate limits must be).
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "kotodx_cache"}
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.db"
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "kotodx",
        "filename": str(DATA_DIR / "queue.sqlite3"),
        "immediate": False,
        "consumer": {"workers": env_int("KOTODX_QUEUE_WORKERS", 2), "worker_type": "thread"},
    }

# A queue consumer holds a lease on the job it runs and renews it every quarter of this; a job whose
# consumer stopped renewing it (killed) is queued again by the others (core.lease).
KOTODX_JOB_LEASE_SECONDS = env_int("KOTODX_JOB_LEASE_SECONDS", 60)

# --- Authentication ---------------------------------------------------------------------------
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
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:staff_home"
LOGOUT_REDIRECT_URL = "core:home"
SESSION_COOKIE_AGE = env_int("KOTODX_SESSION_SECONDS", 8 * 3600)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# New e-applications from one address in 10 minutes (a bot must not fill the database with drafts).
EAPPLY_START_LIMIT = env_int("KOTODX_EAPPLY_START_LIMIT", 30)

# --- Residents' optional sign-in by OpenID Connect (eapply/oidc.py) -----------------------------
# Any OpenID provider with discovery (e.g. the Digital Agency's 認証アプリ). Unset issuer or client ID:
# no sign-in button anywhere. Residents who sign in are not users: who they are lives in the session.
_oidc_issuer = os.environ.get("KOTODX_OIDC_ISSUER", "").strip()
KOTODX_OIDC = {
    "issuer": _oidc_issuer,
    "client_id": os.environ.get("KOTODX_OIDC_CLIENT_ID", "").strip(),
    "client_secret": os.environ.get("KOTODX_OIDC_CLIENT_SECRET", "").strip(),
    "label": os.environ.get("KOTODX_OIDC_NAME", "").strip() or "マイナンバーカード等でサインイン（任意）",
    "scopes": os.environ.get("KOTODX_OIDC_SCOPES", "").strip() or "openid profile email address",
    # client_secret_basic, client_secret_post, or none (a public client: PKCE only); default by the secret
    "token_auth_method": os.environ.get("KOTODX_OIDC_TOKEN_AUTH_METHOD", "").strip(),
    "timeout": env_int("KOTODX_OIDC_TIMEOUT", 10),
}
if PRODUCTION and _oidc_issuer and not _oidc_issuer.startswith("https://"):
    raise ImproperlyConfigured(
        "本番モードでは KOTODX_OIDC_ISSUER は https:// で始まる必要があります。"
        " KOTODX_OIDC_ISSUER must be an https:// URL in production mode."
    )

# Questions to the AI assistant per address in 10 minutes (the page and the API count together).
ASSISTANT_ASK_LIMIT = env_int("KOTODX_ASSISTANT_ASK_LIMIT", 60)
# Login rate limit (django-axes): 5 failures for one login ID from one address lock it for 15 minutes.
AXES_FAILURE_LIMIT = env_int("KOTODX_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "core/lockout.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]  # the resident's, behind a trusted proxy (below)
# Addresses (or networks) of the reverse proxies in front of the app processes, comma-separated, e.g.
# "127.0.0.1" for nginx on the same machine: their X-Forwarded-For names the resident
# (core.middleware.ClientAddressMiddleware). Empty: the header is ignored.
KOTODX_TRUSTED_PROXIES = env_list("KOTODX_TRUSTED_PROXIES", [])
for _proxy in KOTODX_TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"KOTODX_TRUSTED_PROXIES の「{_proxy}」は IP アドレスでもネットワーク（例 10.0.0.0/24）でも"
            "ありません。"
            f" KOTODX_TRUSTED_PROXIES: {_proxy!r} is not an IP address or network."
        ) from None

OTP_TOTP_ISSUER = SITE_NAME

# --- Security headers -------------------------------------------------------------------------
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
CSRF_FAILURE_VIEW = "kotodx.core.views.csrf_failure"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "https://cyberjapandata.gsi.go.jp"],  # 地理院タイル
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("KOTODX_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("KOTODX_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = False
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
SILENCED_SYSTEM_CHECKS = ["security.W021"]  # HSTS preload is the ward's own decision

# --- Language, time ----------------------------------------------------------------------------
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

# --- Files ------------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
CHROMIUM = os.environ.get("KOTODX_CHROMIUM", "/usr/bin/chromium")  # the accessibility checker's browser
NODE_MODULES = Path(os.environ.get("KOTODX_NODE_MODULES") or PROJECT_DIR / "node_modules")
STATICFILES_DIRS = [
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/design-tokens", NODE_MODULES / "@digital-go-jp" / "design-tokens" / "dist"),
    ("vendor/leaflet", NODE_MODULES / "leaflet" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Public files: readable by the proxy (nginx as www-data) too, unlike uploads (FILE_UPLOAD_PERMISSIONS).
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage",
        "OPTIONS": {"file_permissions_mode": 0o644, "directory_permissions_mode": 0o755},
    },
}
# Source maps are for developers' tools, not worth compressing at every collectstatic (they are 10 MB).
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [
    "map",
    "jpg",
    "jpeg",
    "png",
    "gif",
    "webp",
    "zip",
    "gz",
    "tgz",
    "bz2",
    "tbz",
    "xz",
    "br",
    "swf",
    "flv",
    "woff",
    "woff2",
    "3gp",
    "3gpp",
    "asf",
    "avi",
    "m4v",
    "mov",
    "mp4",
    "mpeg",
    "mpg",
    "webm",
    "wmv",
]
MEDIA_URL = "/media/"  # never served directly: downloads go through views that check permissions
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o640
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o750  # the proxy passes through the data folder, never into these
FORMS_URLFIELD_ASSUME_HTTPS = True

# --- Mail (receipts to residents) ---------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("KOTODX_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("KOTODX_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("KOTODX_EMAIL_PORT", 25)
# A relay that asks for a login: user and password; STARTTLS (port 587) or implicit TLS (port 465).
EMAIL_HOST_USER = os.environ.get("KOTODX_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("KOTODX_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("KOTODX_EMAIL_STARTTLS")
EMAIL_USE_SSL = env_bool("KOTODX_EMAIL_SSL")
EMAIL_TIMEOUT = 30
if PRODUCTION and EMAIL_HOST_USER and not (EMAIL_USE_TLS or EMAIL_USE_SSL):
    raise ImproperlyConfigured(
        "本番モードでは、メールのログイン（KOTODX_EMAIL_USER）には KOTODX_EMAIL_STARTTLS=1 か"
        " KOTODX_EMAIL_SSL=1 が必要です（パスワードを暗号化せずに送らないため）。"
        " KOTODX_EMAIL_USER needs KOTODX_EMAIL_STARTTLS=1 or KOTODX_EMAIL_SSL=1 in production mode."
    )
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured(
        "KOTODX_EMAIL_STARTTLS と KOTODX_EMAIL_SSL はどちらか一方だけを指定してください"
        "（587番ポートは STARTTLS、465番ポートは SSL）。"
        " Set only one of KOTODX_EMAIL_STARTTLS and KOTODX_EMAIL_SSL."
    )
DEFAULT_FROM_EMAIL = os.environ.get("KOTODX_FROM_EMAIL", "noreply@city.koto.example")

# --- Logging ----------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("KOTODX_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "axes": {"level": "ERROR"},  # failures are in our audit log
        "huey": {"level": "WARNING"},
    },
}
