"""Media accessibility rules of lesson blocks: alt text, captions or transcript, document facts."""

from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.images import ImageFile
from PIL import Image as PILImage
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.documents import get_document_model
from wagtail.images import get_image_model

from courses.blocks import ImageBlock, LessonBodyBlock, VideoBlock

Document = get_document_model()
Image = get_image_model()


def document(name: str, data: bytes = b"content") -> Document:
    return Document.objects.create(title=name, file=ContentFile(data, name=name))


@pytest.fixture
def image(db):
    buffer = BytesIO()
    PILImage.new("RGB", (4, 3), (20, 90, 160)).save(buffer, "PNG")
    return Image.objects.create(title="Patrol car", file=ImageFile(buffer, name="car.png"))


@pytest.fixture
def clip(db):
    return document("clip.mp4", b"\x00\x00mp4")


def clean_video(**value):
    block = VideoBlock()
    raw = {"title": "Foot patrol", "captions": None, "transcript": "", **value}
    return block.clean(block.to_python(raw))


def non_block_messages(error: StructBlockValidationError) -> list[str]:
    return [message for e in error.non_block_errors.as_data() for message in e.messages]


# --- Images -------------------------------------------------------------------------------------


def test_an_image_without_alt_text_is_rejected(image):
    block = ImageBlock()
    with pytest.raises(StructBlockValidationError) as raised:
        block.clean(block.to_python({"image": image.pk, "alt_text": "", "caption": ""}))
    assert "alt_text" in raised.value.block_errors


def test_alt_text_of_only_spaces_is_rejected(image):
    block = ImageBlock()
    with pytest.raises(StructBlockValidationError) as raised:
        block.clean(block.to_python({"image": image.pk, "alt_text": "   ", "caption": ""}))
    assert "alt_text" in raised.value.block_errors


def test_an_image_with_alt_text_is_accepted(image):
    block = ImageBlock()
    value = block.clean(
        block.to_python({"image": image.pk, "alt_text": "A patrol car", "caption": ""})
    )
    assert value["alt_text"] == "A patrol car"


# --- Videos -------------------------------------------------------------------------------------


def test_a_video_without_captions_or_transcript_is_rejected(clip):
    with pytest.raises(StructBlockValidationError) as raised:
        clean_video(video=clip.pk)
    assert any("captions or a transcript" in m for m in non_block_messages(raised.value))


@pytest.mark.parametrize("empty", ["<p></p>", "<p> &nbsp; </p>", "<p><br></p>"])
def test_an_empty_looking_transcript_does_not_count(clip, empty):
    with pytest.raises(StructBlockValidationError):
        clean_video(video=clip.pk, transcript=empty)


def test_a_video_with_a_transcript_only_is_accepted(clip):
    value = clean_video(video=clip.pk, transcript="<p>An officer walks the beat.</p>")
    assert value["captions"] is None


@pytest.mark.parametrize("name", ["clip.vtt", "clip.srt", "CLIP.VTT"])
def test_a_video_with_captions_only_is_accepted(clip, name):
    captions = document(name, b"WEBVTT\n\n")
    value = clean_video(video=clip.pk, captions=captions.pk)
    assert value["captions"] == captions


@pytest.mark.parametrize("name", ["clip.pdf", "clip.txt", "vtt"])
def test_captions_must_be_a_vtt_or_srt_file(clip, name):
    captions = document(name)
    with pytest.raises(StructBlockValidationError) as raised:
        clean_video(video=clip.pk, captions=captions.pk, transcript="<p>Words.</p>")
    assert ".vtt" in raised.value.block_errors["captions"].messages[0]


def test_a_lesson_body_with_an_inaccessible_video_does_not_validate(clip):
    body = LessonBodyBlock()
    raw = [{"type": "video", "value": {"title": "Patrol", "video": clip.pk, "transcript": ""}}]
    with pytest.raises(ValidationError):
        body.clean(body.to_python(raw))


# --- Rendering ----------------------------------------------------------------------------------


def test_a_document_block_shows_file_type_and_size(db):
    policy = document("policy.pdf", b"x" * 2048)
    block = LessonBodyBlock()
    html = block.render(
        block.to_python(
            [{"type": "document", "value": {"document": policy.pk, "description": "Read it."}}]
        )
    )
    assert "(PDF, 2.0\xa0KB)" in html
    assert "Read it." in html


def test_vtt_captions_become_a_track_and_srt_captions_a_download(clip):
    block = LessonBodyBlock()
    vtt, srt = document("a.vtt", b"WEBVTT\n\n"), document("b.srt", b"1\n")

    def render(captions):
        raw = {"title": "Patrol", "video": clip.pk, "captions": captions.pk, "transcript": ""}
        return block.render(block.to_python([{"type": "video", "value": raw}]))

    with_vtt, with_srt = render(vtt), render(srt)
    assert f'<track kind="captions" src="{vtt.url}"' in with_vtt
    assert "<track" not in with_srt
    assert f'href="{srt.url}"' in with_srt
    assert "Captions (SRT)" in with_srt
    assert "Transcript" not in with_vtt  # no empty transcript panel
