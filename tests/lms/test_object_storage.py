"""Media in an S3-compatible bucket (issue 19, item 3; lms/storage.py, docs/storage.md), against
moto's S3 server started here on a free port: evidence uploaded through the officer's form lands
in the bucket; staff read it through a signed address that works, expires and is refused
unsigned; another agency gets a 404 and no address; the same for a Wagtail document; images are
public addresses in the bucket. Without MEDIA_S3_BUCKET nothing of this is on (the rest of the
suite runs on the local disk)."""

import json
import threading
import time
import uuid
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from io import BytesIO
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
import requests
from botocore.auth import S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from django.core.checks import run_checks
from django.core.files.images import ImageFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from PIL import Image as PILImage
from wagtail.images import get_image_model
from werkzeug.serving import make_server

from compliance import services
from compliance.exporting.models import ExportRequest
from compliance.models import ComplianceProfile, RuleSet, TrainingEntry
from lms.middleware import policies
from lms.storage import ObjectStorage, build_storages
from tests.courses.test_document_access import CONTENT, make_document, url
from tests.factories import LessonPageFactory
from tests.tasks import run_on_commit, run_tasks

PDF = b"%PDF-1.4\n%test evidence\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
REGION = "us-east-1"
KEY_ID, SECRET = "test-media-key", "test-media-secret"  # moto's throwaway server
Image = get_image_model()


class SignedAddressesChecked:
    """What S3 does and moto's server does not (it takes any `Signature=` as signed): a request
    with a query-string signature is refused (403) once past X-Amz-Date + X-Amz-Expires, or
    when the signature is not the one these credentials make for it."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        raw = environ.get("RAW_URI") or environ["PATH_INFO"]
        path, _, query = raw.partition("?")
        fields = parse_qs(query)
        if "X-Amz-Signature" in fields and not self.valid(environ, path, query, fields):
            start_response("403 Forbidden", [("Content-Type", "application/xml")])
            return [b"<Error><Code>AccessDenied</Code><Message>Request has expired</Message>"]
        return self.app(environ, start_response)

    @staticmethod
    def valid(environ, path: str, query: str, fields: dict) -> bool:
        signed_at = datetime.strptime(fields["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ")
        expires = int(fields["X-Amz-Expires"][0])
        if datetime.now(UTC).replace(tzinfo=None) > signed_at + timedelta(seconds=expires):
            return False
        unsigned = "&".join(p for p in query.split("&") if not p.startswith("X-Amz-Signature="))
        host = environ["HTTP_HOST"]
        request = AWSRequest(
            method=environ["REQUEST_METHOD"],
            url=f"http://{host}{path}?{unsigned}",
            headers={"host": host},
        )
        request.context["timestamp"] = fields["X-Amz-Date"][0]
        auth = S3SigV4QueryAuth(Credentials(KEY_ID, SECRET), "s3", REGION, expires=expires)
        canonical = auth.canonical_request(request)
        signature = auth.signature(auth.string_to_sign(request, canonical), request)
        return signature == fields["X-Amz-Signature"][0]


@dataclass
class Bucket:
    name: str
    client: object
    media: ObjectStorage

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()

    def object_keys(self) -> list[str]:
        listing = self.client.list_objects_v2(Bucket=self.name)
        return sorted(item["Key"] for item in listing.get("Contents", []))


@pytest.fixture(scope="session")
def s3_endpoint():
    """moto's S3 server in this process, on a free port, for the session; stopped after."""
    server = make_server(
        "127.0.0.1",
        0,
        SignedAddressesChecked(DomainDispatcherApplication(create_backend_app)),
        threaded=True,
        request_handler=MotoRequestHandler,
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


def public_read_policy(bucket: str) -> str:
    """docs/storage.md's bucket policy: anyone may read public/, nothing else."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "PublicImages",
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "s3:GetObject",
                    "Resource": f"arn:aws:s3:::{bucket}/public/*",
                }
            ],
        }
    )


def env_for(endpoint: str, bucket: str, **overrides) -> dict[str, str]:
    return {
        "MEDIA_S3_BUCKET": bucket,
        "MEDIA_S3_ENDPOINT_URL": endpoint,
        "MEDIA_S3_REGION": REGION,
        "MEDIA_S3_ACCESS_KEY_ID": KEY_ID,
        "MEDIA_S3_SECRET_ACCESS_KEY": SECRET,
        "MEDIA_URL_SECONDS": "30",
        **overrides,
    }


@pytest.fixture
def bucket(settings, s3_endpoint, tmp_path) -> Bucket:
    """A new bucket with the documented policy, and the settings built from its environment."""
    name = f"media-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name=REGION,
        aws_access_key_id=KEY_ID,
        aws_secret_access_key=SECRET,
    )
    client.create_bucket(Bucket=name)
    client.put_bucket_policy(Bucket=name, Policy=public_read_policy(name))
    media = ObjectStorage.from_env(env_for(s3_endpoint, name))
    settings.MEDIA_S3 = media
    settings.STORAGES = {**build_storages(media), "staticfiles": settings.STORAGES["staticfiles"]}
    settings.MEDIA_ROOT = str(tmp_path / "media")  # must stay empty
    settings.COMPLIANCE_EVIDENCE_ROOT = str(tmp_path / "evidence")  # must stay empty
    return Bucket(name=name, client=client, media=media)


@pytest.fixture
def officer(learner):
    services.rule_sets_load()
    services.agency_rule_set_choose(
        agency=learner.agency, rule_set=RuleSet.objects.get(code="mn-post")
    )
    ComplianceProfile.objects.create(
        person=learner,
        state_id="MN-12345",
        licence_expires_on=timezone.localdate() + timedelta(days=540),
    )
    return learner


@pytest.fixture
def entry(officer, client, bucket) -> TrainingEntry:
    """Evidence sent through the officer's own form, as they do."""
    client.force_login(officer.user)
    upload = SimpleUploadedFile("letter.pdf", PDF, content_type="application/pdf")
    response = client.post(
        "/compliance/records/",
        {
            "title": "Crisis intervention team course",
            "provider": "Regional academy",
            "completed_on": (timezone.localdate() - timedelta(days=10)).isoformat(),
            "hours": "6",
            "categories": ["crisis_intervention"],
            "evidence": upload,
        },
    )
    assert response.status_code == 302
    client.logout()
    return TrainingEntry.objects.get(person=officer)


def staff_evidence(entry: TrainingEntry) -> str:
    return f"/compliance/staff/records/{entry.pk}/evidence/"


def unsigned(address: str) -> str:
    return address.split("?", 1)[0]


# --- Evidence ------------------------------------------------------------------------------------


def test_evidence_sent_through_the_form_lands_in_the_private_part_of_the_bucket(
    entry, bucket, tmp_path
):
    assert bucket.object_keys() == [f"private/evidence/{entry.evidence.name}"]
    assert bucket.read(f"private/evidence/{entry.evidence.name}") == PDF
    assert not (tmp_path / "evidence").exists() and not (tmp_path / "media").exists()


def test_staff_are_redirected_to_a_signed_address_that_serves_the_file(client, command_a, entry):
    client.force_login(command_a.user)

    response = client.get(staff_evidence(entry))

    assert response.status_code == 302
    assert response["Cache-Control"] == "private, no-store"
    address = response["Location"]
    query = parse_qs(urlsplit(address).query)
    assert query["X-Amz-Expires"] == ["30"] and "X-Amz-Signature" in query
    fetched = requests.get(address, timeout=10)
    assert fetched.status_code == 200 and fetched.content == PDF
    assert fetched.headers["Content-Type"] == "application/pdf"
    assert fetched.headers["Content-Disposition"] == 'attachment; filename="letter.pdf"'


def test_the_object_is_refused_without_the_signature_or_with_another(client, command_a, entry):
    client.force_login(command_a.user)
    address = client.get(staff_evidence(entry))["Location"]

    assert requests.get(unsigned(address), timeout=10).status_code == 403
    forged = address.replace("X-Amz-Signature=", "X-Amz-Signature=0")
    assert requests.get(forged, timeout=10).status_code == 403


def test_the_signed_address_expires_after_media_url_seconds(
    client, command_a, entry, bucket, settings
):
    media = ObjectStorage.from_env(
        env_for(bucket.media.endpoint_url, bucket.name, MEDIA_URL_SECONDS="1")
    )
    settings.MEDIA_S3 = media
    settings.STORAGES = {**build_storages(media), "staticfiles": settings.STORAGES["staticfiles"]}
    client.force_login(command_a.user)
    address = client.get(staff_evidence(entry))["Location"]
    assert parse_qs(urlsplit(address).query)["X-Amz-Expires"] == ["1"]
    assert requests.get(address, timeout=10).status_code == 200

    time.sleep(2.1)  # past X-Amz-Date (whole seconds) + 1 s

    assert requests.get(address, timeout=10).status_code == 403


def test_the_officer_gets_their_own_evidence_by_signed_address(client, officer, entry, bucket):
    client.force_login(officer.user)

    response = client.get(f"/compliance/records/{entry.pk}/evidence/")

    assert response.status_code == 302
    assert response["Location"].startswith(
        f"{bucket.media.endpoint_url}/{bucket.name}/private/evidence/"
    )
    assert requests.get(response["Location"], timeout=10).content == PDF


def test_staff_of_another_agency_get_a_404_and_no_address(client, command_b, learner_b, entry):
    for user in (command_b.user, learner_b.user):
        client.force_login(user)
        for path in (staff_evidence(entry), f"/compliance/records/{entry.pk}/evidence/"):
            response = client.get(path)
            assert response.status_code in (403, 404)
            assert "Location" not in response
            assert b"X-Amz" not in response.content
    client.force_login(command_b.user)
    assert client.get(staff_evidence(entry)).status_code == 404


def test_the_evidence_package_reads_evidence_from_the_bucket_and_is_kept_there_privately(
    client, command_a, officer, entry, bucket
):
    client.force_login(command_a.user)
    with run_on_commit(execute=True):
        client.post(
            "/compliance/staff/exports/new/", {"kind": "evidence-package", "person": officer.pk}
        )
    run_tasks()
    export = ExportRequest.objects.get(status="ready")
    assert f"private/exports/{export.file.name}" in bucket.object_keys()

    response = client.get(f"/compliance/staff/exports/{export.pk}/")

    assert response.status_code == 302
    assert response["Location"].startswith(
        f"{bucket.media.endpoint_url}/{bucket.name}/private/exports/"
    )
    archive = zipfile.ZipFile(BytesIO(requests.get(response["Location"], timeout=10).content))
    evidence = next(name for name in archive.namelist() if name.startswith("evidence/"))
    assert archive.read(evidence) == PDF


# --- Wagtail documents ---------------------------------------------------------------------------


@pytest.fixture
def lesson_document(module, bucket):
    document = make_document("Policy")
    LessonPageFactory(
        parent=module.page,
        body=[{"type": "document", "value": {"document": document.pk, "description": ""}}],
    )
    return document


def test_a_document_is_stored_privately_and_served_by_signed_address(
    client, learner, lesson_document, bucket
):
    assert bucket.object_keys() == [f"private/{lesson_document.file.name}"]
    client.force_login(learner.user)

    response = client.get(url(lesson_document))

    assert response.status_code == 302
    address = response["Location"]
    assert address.startswith(f"{bucket.media.endpoint_url}/{bucket.name}/private/documents/")
    assert parse_qs(urlsplit(address).query)["X-Amz-Expires"] == ["3600"]
    assert requests.get(address, timeout=10).content == CONTENT
    assert requests.get(unsigned(address), timeout=10).status_code == 403


def test_a_document_is_a_404_and_no_address_for_another_agency(client, learner_b, lesson_document):
    client.force_login(learner_b.user)

    response = client.get(url(lesson_document))

    assert response.status_code == 404 and "Location" not in response


# --- Images --------------------------------------------------------------------------------------


def test_images_render_with_public_addresses_in_the_bucket(client, learner, module, bucket):
    buffer = BytesIO()
    PILImage.new("RGB", (40, 30), (20, 90, 160)).save(buffer, "PNG")
    image = Image.objects.create(title="Patrol car", file=ImageFile(buffer, name="car.png"))
    lesson = LessonPageFactory(
        parent=module.page,
        body=[
            {
                "type": "image",
                "value": {"image": image.pk, "alt_text": "A patrol car", "caption": ""},
            }
        ],
    )
    client.force_login(learner.user)

    response = client.get(lesson.url)

    assert response.status_code == 200
    rendition = image.get_rendition("width-1200")
    public = f"{bucket.media.endpoint_url}/{bucket.name}/public/"
    assert rendition.url.startswith(public) and "X-Amz" not in rendition.url
    assert f'src="{rendition.url}"' in response.content.decode()
    assert requests.get(rendition.url, timeout=10).status_code == 200  # the bucket policy
    policy = response["Content-Security-Policy"]
    assert f"img-src 'self' data: {bucket.media.endpoint_url};" in policy
    assert f"media-src 'self' {bucket.media.endpoint_url};" in policy  # videos, captions
    assert f"public/{image.file.name}" in bucket.object_keys()


# --- Settings and checks -------------------------------------------------------------------------


def test_without_a_bucket_files_stay_on_the_local_disk():
    storages = build_storages(ObjectStorage.from_env({}))
    assert storages["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    assert {alias: s["BACKEND"].rsplit(".", 1)[-1] for alias, s in storages.items()} == {
        "default": "FileSystemStorage",
        "documents": "FileSystemStorage",
        "evidence": "PrivateDirectoryStorage",
        "exports": "PrivateDirectoryStorage",
    }


def test_private_aliases_are_signed_and_private_and_images_are_not():
    storages = build_storages(ObjectStorage.from_env(env_for("https://s3.example.gov", "m")))
    for alias in ("documents", "evidence", "exports"):
        options = storages[alias]["OPTIONS"]
        assert options["querystring_auth"] is True and options["default_acl"] == "private"
        assert options["location"].startswith("private")
    assert storages["public"]["OPTIONS"]["querystring_auth"] is False
    assert storages["public"]["OPTIONS"]["location"] == "public"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"MEDIA_S3_ACCESS_KEY_ID": ""}, "MEDIA_S3_BUCKET is set but MEDIA_S3_ACCESS_KEY_ID"),
        ({"MEDIA_S3_SECRET_ACCESS_KEY": ""}, "but MEDIA_S3_SECRET_ACCESS_KEY is not"),
        ({"MEDIA_S3_ENDPOINT_URL": ""}, "but MEDIA_S3_ENDPOINT_URL is not"),
        ({"MEDIA_S3_REGION": ""}, "but MEDIA_S3_REGION is not"),
        ({"MEDIA_S3_BUCKET": ""}, "set but MEDIA_S3_BUCKET is not"),
        ({"MEDIA_S3_ENDPOINT_URL": "s3.example.gov"}, "must be an http(s) address"),
        ({"MEDIA_URL_SECONDS": "soon"}, "MEDIA_URL_SECONDS must be a whole number"),
        ({"MEDIA_DOCUMENT_URL_SECONDS": "0"}, "MEDIA_DOCUMENT_URL_SECONDS must be"),
        ({"MEDIA_URL_SECONDS": "604801"}, "from 1 to 604800"),
        ({"MEDIA_S3_ADDRESSING_STYLE": "dns"}, "'path' or 'virtual'"),
    ],
)
def test_a_half_configured_bucket_is_an_error_at_start(settings, env, message):
    settings.MEDIA_S3 = ObjectStorage.from_env(env_for("https://s3.example.gov", "m", **env))

    errors = [e for e in run_checks() if e.id == "lms.E001"]

    assert len(errors) == 1 and message in errors[0].msg


def test_a_complete_configuration_and_none_pass_the_checks(settings):
    for media in (ObjectStorage(), ObjectStorage.from_env(env_for("https://s3.example.gov", "m"))):
        settings.MEDIA_S3 = media
        assert [e for e in run_checks() if e.id == "lms.E001"] == []


def test_images_behind_a_cdn_and_virtual_host_addresses_are_what_the_policy_allows():
    media = ObjectStorage.from_env(
        env_for(
            "https://s3.example.gov",
            "m",
            MEDIA_S3_PUBLIC_URL="https://cdn.example.gov/media",
            MEDIA_S3_ADDRESSING_STYLE="virtual",
        )
    )
    site, admin = policies(media)
    for policy in (site, admin):
        assert "https://cdn.example.gov;" in policy.split("img-src")[1].split(";")[0] + ";"
        assert "https://m.s3.example.gov;" in policy.split("media-src")[1].split(";")[0] + ";"
    assert policies(ObjectStorage())[0].count("https://") == 0
