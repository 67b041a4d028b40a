"""Where uploaded files live, and how a private one reaches the person allowed to read it
(docs/storage.md).

Without `MEDIA_S3_BUCKET`, on this server's disk as always: images and documents under
MEDIA_ROOT, evidence and exports in private directories outside it. With it, in one bucket of an
S3-compatible object store, under four prefixes: `public/` (Wagtail images and renditions,
readable by anyone through the bucket policy) and `private/documents/`, `private/evidence/`,
`private/exports/` (readable only through a signed address good for seconds, handed out by a
view after its permission check: `private_file_response`).

Aliases of STORAGES: "default" (what Wagtail's models use), "documents", "evidence", "exports",
and on object storage "public".
"""

import os
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.http import FileResponse, HttpResponse, HttpResponseRedirect
from django.utils.http import content_disposition_header

S3_BACKEND = "storages.backends.s3.S3Storage"
FILE_SYSTEM_BACKEND = "django.core.files.storage.FileSystemStorage"
PRIVATE_ALIASES = ("documents", "evidence", "exports")
# The longest a SigV4 signed address may live.
MAX_URL_SECONDS = 7 * 24 * 3600


def _seconds(raw: str | None, default: int) -> int | None:
    """A whole number of seconds, or None when it is not one (the checks say so)."""
    if raw is None or not raw.strip():
        return default
    return int(raw) if raw.strip().isascii() and raw.strip().isdigit() else None


@dataclass(frozen=True)
class ObjectStorage:
    """The `MEDIA_S3_*` environment: on when a bucket is named."""

    bucket: str = ""
    endpoint_url: str = ""
    region: str = ""
    access_key_id: str = ""
    secret_access_key: str = ""
    public_url: str = ""
    addressing_style: str = "path"
    url_seconds: int | None = 60
    document_url_seconds: int | None = 3600

    @classmethod
    def from_env(cls, env) -> "ObjectStorage":
        def get(name: str) -> str:
            return env.get(name, "").strip()

        return cls(
            bucket=get("MEDIA_S3_BUCKET"),
            endpoint_url=get("MEDIA_S3_ENDPOINT_URL").rstrip("/"),
            region=get("MEDIA_S3_REGION"),
            access_key_id=get("MEDIA_S3_ACCESS_KEY_ID"),
            secret_access_key=get("MEDIA_S3_SECRET_ACCESS_KEY"),
            public_url=get("MEDIA_S3_PUBLIC_URL").rstrip("/"),
            addressing_style=get("MEDIA_S3_ADDRESSING_STYLE") or "path",
            url_seconds=_seconds(env.get("MEDIA_URL_SECONDS"), 60),
            document_url_seconds=_seconds(env.get("MEDIA_DOCUMENT_URL_SECONDS"), 3600),
        )

    @property
    def enabled(self) -> bool:
        return bool(self.bucket)

    @property
    def bucket_url(self) -> str:
        """The bucket's address at the endpoint, in its addressing style."""
        if self.addressing_style == "virtual":
            endpoint = urlsplit(self.endpoint_url)
            return f"{endpoint.scheme}://{self.bucket}.{endpoint.netloc}"
        return f"{self.endpoint_url}/{self.bucket}"

    @property
    def images_url(self) -> str:
        """Where anyone reads public/: MEDIA_S3_PUBLIC_URL (a CDN, say), else the bucket's."""
        return self.public_url or self.bucket_url

    def origins(self) -> tuple[str, str]:
        """The origins of (images, signed addresses), for the Content-Security-Policy."""
        if not self.enabled:
            return "", ""
        images, signed = urlsplit(self.images_url), urlsplit(self.bucket_url)
        return f"{images.scheme}://{images.netloc}", f"{signed.scheme}://{signed.netloc}"

    def problems(self) -> list[str]:
        """What keeps this configuration from working, in words an operator can act on."""
        named = {
            "MEDIA_S3_ENDPOINT_URL": self.endpoint_url,
            "MEDIA_S3_REGION": self.region,
            "MEDIA_S3_ACCESS_KEY_ID": self.access_key_id,
            "MEDIA_S3_SECRET_ACCESS_KEY": self.secret_access_key,
            "MEDIA_S3_PUBLIC_URL": self.public_url,
        }
        if not self.enabled:
            stray = [name for name, value in named.items() if value]
            if stray:
                return [
                    f"{', '.join(stray)} set but MEDIA_S3_BUCKET is not: files stay on the "
                    "local disk. Set MEDIA_S3_BUCKET too, or remove them."
                ]
            return []
        problems = []
        missing = [name for name, value in list(named.items())[:4] if not value]
        if missing:
            problems.append(
                f"MEDIA_S3_BUCKET is set but {', '.join(missing)} "
                f"{'is' if len(missing) == 1 else 'are'} not: object storage needs the "
                "endpoint, the region and both keys."
            )
        for name, url in named.items():
            if name.endswith("_URL") and url and urlsplit(url).scheme not in ("http", "https"):
                problems.append(f"{name} must be an http(s) address, not {url!r}.")
        if self.addressing_style not in ("path", "virtual"):
            problems.append("MEDIA_S3_ADDRESSING_STYLE must be 'path' or 'virtual'.")
        for name, seconds in (
            ("MEDIA_URL_SECONDS", self.url_seconds),
            ("MEDIA_DOCUMENT_URL_SECONDS", self.document_url_seconds),
        ):
            if seconds is None or not 1 <= seconds <= MAX_URL_SECONDS:
                problems.append(
                    f"{name} must be a whole number of seconds from 1 to {MAX_URL_SECONDS}."
                )
        return problems


def build_storages(media: ObjectStorage) -> dict[str, dict]:
    """STORAGES without "staticfiles": on the local disk, or in the bucket when one is named."""
    if not media.enabled:
        return {
            "default": {"BACKEND": FILE_SYSTEM_BACKEND},
            "documents": {"BACKEND": FILE_SYSTEM_BACKEND},
            "evidence": _private_directory("COMPLIANCE_EVIDENCE_ROOT", "evidence"),
            "exports": _private_directory("COMPLIANCE_EXPORTS_ROOT", "exports"),
        }
    images = urlsplit(media.images_url)
    common = {
        "bucket_name": media.bucket,
        "endpoint_url": media.endpoint_url,
        "region_name": media.region,
        "access_key": media.access_key_id,
        "secret_key": media.secret_access_key,
        "addressing_style": media.addressing_style,
        "signature_version": "s3v4",
        "default_acl": "private",  # public/ is readable through the bucket policy, not ACLs
        "file_overwrite": False,
    }

    def private(location: str, seconds: int | None) -> dict:
        options = {"location": location, "querystring_auth": True, "querystring_expire": seconds}
        return {"BACKEND": S3_BACKEND, "OPTIONS": {**common, **options}}

    return {
        "default": {"BACKEND": "lms.storage.MediaStorage"},
        "public": {
            "BACKEND": S3_BACKEND,
            "OPTIONS": {
                **common,
                "location": "public",
                "querystring_auth": False,
                "custom_domain": images.netloc + images.path,
                "url_protocol": f"{images.scheme}:",
            },
        },
        # Wagtail names its documents documents/…: they land under private/documents/.
        "documents": private("private", media.document_url_seconds),
        "evidence": private("private/evidence", media.url_seconds),
        "exports": private("private/exports", media.url_seconds),
    }


def _private_directory(root_setting: str, name: str) -> dict:
    return {
        "BACKEND": "lms.storage.PrivateDirectoryStorage",
        "OPTIONS": {"root_setting": root_setting, "default": os.path.join("private", name)},
    }


class PrivateDirectoryStorage(FileSystemStorage):
    """Files on this server's disk outside MEDIA_ROOT, never served as media (no URL): in the
    directory a setting names, read at each use, by default `default` beside the code."""

    def __init__(self, *, root_setting: str, default: str):
        super().__init__()
        self.root_setting = root_setting
        self.default = default

    @property
    def base_location(self):
        return str(
            getattr(settings, self.root_setting, None)
            or os.path.join(settings.BASE_DIR, self.default)
        )

    @property
    def location(self):
        return os.path.abspath(self.base_location)

    @property
    def base_url(self):
        return None


def _delegated(method: str):
    def call(self, name, *args, **kwargs):
        return getattr(self.target(name), method)(name, *args, **kwargs)

    call.__name__ = method
    return call


class AliasStorage(Storage):
    """The storage under an alias of STORAGES, looked up at each use: a model field, made when
    its module is imported, follows the settings in force (object storage, a test's directory)."""

    def __init__(self, alias: str):
        self.alias = alias

    def target(self, name: str) -> Storage:
        return storages[self.alias]

    open = _delegated("open")
    save = _delegated("save")
    delete = _delegated("delete")
    exists = _delegated("exists")
    listdir = _delegated("listdir")
    size = _delegated("size")
    url = _delegated("url")
    path = _delegated("path")
    get_accessed_time = _delegated("get_accessed_time")
    get_created_time = _delegated("get_created_time")
    get_modified_time = _delegated("get_modified_time")
    get_valid_name = _delegated("get_valid_name")
    get_alternative_name = _delegated("get_alternative_name")
    get_available_name = _delegated("get_available_name")
    generate_filename = _delegated("generate_filename")

    def deconstruct(self):
        return ("lms.storage.AliasStorage", (self.alias,), {})


class MediaStorage(AliasStorage):
    """The "default" alias on object storage. Wagtail keeps documents under documents/ of the
    default storage (its Document model names no other): those go to the private "documents"
    alias, everything else (images, renditions) to "public"."""

    def __init__(self):
        super().__init__("public")

    def target(self, name: str) -> Storage:
        in_documents = PurePosixPath(name).parts[:1] == ("documents",)
        return storages["documents" if in_documents else "public"]


def is_on_local_disk(file) -> bool:
    try:
        file.storage.path(file.name)
    except NotImplementedError:
        return False
    return True


def signed_redirect(
    file, *, content_type: str, filename: str, as_attachment: bool = True
) -> HttpResponseRedirect | None:
    """A redirect to a signed address of a file in object storage, good for the storage's
    few seconds (MEDIA_URL_SECONDS), that answers with these headers; None for a file on the
    local disk. Only ever after the caller's permission check."""
    if is_on_local_disk(file):
        return None
    url = file.storage.url(
        file.name,
        parameters={
            "ResponseContentType": content_type,
            "ResponseContentDisposition": content_disposition_header(as_attachment, filename),
        },
    )
    response = HttpResponseRedirect(url)
    response["Cache-Control"] = "private, no-store"  # the address expires; ask again
    response["Referrer-Policy"] = "no-referrer"
    return response


def private_file_response(
    file, *, content_type: str, filename: str, as_attachment: bool = True
) -> HttpResponse:
    """A private file, once the caller's permission check has passed: a redirect to a signed,
    short-lived address in object storage, or the file streamed from the local disk. Never a
    public address."""
    redirect = signed_redirect(
        file, content_type=content_type, filename=filename, as_attachment=as_attachment
    )
    if redirect is not None:
        return redirect
    response = FileResponse(
        file.storage.open(file.name, "rb"),
        content_type=content_type,
        as_attachment=as_attachment,
        filename=filename,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def check_object_storage(app_configs=None, **kwargs) -> list[Error]:
    """At start (`manage.py check`, runserver, migrate): a half-configured bucket is an error,
    not a silent fall back to the local disk of one server."""
    media = getattr(settings, "MEDIA_S3", None) or ObjectStorage()
    return [Error(problem, id="lms.E001") for problem in media.problems()]
