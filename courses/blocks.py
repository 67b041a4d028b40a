"""StreamField blocks for lesson bodies. Every block renders author HTML through lms.sanitize.

Every input an author types into has an accessible name. Wagtail does not give one to two
kinds of input (wagtail/wagtail#11179, #14205), so the blocks here carry their label to it:
a text line standing alone in a stream or a list (`LabelledCharBlock`) and every rich-text
editor (`LabelledRichTextBlock`, and `RichTextPanel` for the rich-text fields of pages).
"""

import html

from django.core.exceptions import ValidationError
from django.utils.functional import cached_property
from django.utils.text import capfirst
from wagtail import blocks
from wagtail.admin.panels import FieldPanel
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageChooserBlock

from lms.sanitize import clean_text

RICH_TEXT_FEATURES = ["h2", "h3", "bold", "italic", "ol", "ul", "link", "blockquote"]
CAPTION_EXTENSIONS = frozenset({"vtt", "srt"})


def rich_text_editor(label: str, features=RICH_TEXT_FEATURES):
    """A Draftail editor whose editable box is named `label` (its `aria-label`).

    Wagtail points a rich-text field's `<label for>` at the hidden input Draftail replaces, so
    the box a screen reader reaches has no name (axe `aria-input-field-name`, wagtail#14205).
    Draftail passes its options on as editor props, `ariaLabel` among them.
    """
    from wagtail.admin.rich_text import get_rich_text_editor_widget  # needs the app registry

    widget = get_rich_text_editor_widget(features=features)
    widget.options["ariaLabel"] = str(label)
    return widget


class RichTextPanel(FieldPanel):
    """A page's rich-text field, its editor named by the panel's heading (`rich_text_editor`).
    The widget is made when the form is, after the app registry is ready."""

    def get_form_options(self):
        options = super().get_form_options()
        if not self.read_only and not self.widget:
            label = self.heading or capfirst(self.db_field.verbose_name)
            editor = rich_text_editor(label, features=self.db_field.features)
            options.setdefault("widgets", {})[self.field_name] = editor
        return options


class LabelledRichTextBlock(blocks.RichTextBlock):
    """Rich text whose editor is named by the block's label (see `rich_text_editor`)."""

    @cached_property
    def field(self):
        field = super().field
        field.widget.options["ariaLabel"] = str(self.label)
        return field


class LabelledCharBlock(blocks.CharBlock):
    """A line of text that can stand alone in a stream or a list, named by its `label`.

    Wagtail draws no `<label>` for a field block outside a struct block: its label is only the
    stream block's heading, or nothing in a list (axe `label`, wagtail#11179).
    """

    def __init__(self, *args, label: str, **kwargs):
        super().__init__(*args, label=label, **kwargs)
        self.field.widget.attrs["aria-label"] = label


class CalloutBlock(blocks.StructBlock):
    tone = blocks.ChoiceBlock(
        choices=[("note", "Note"), ("tip", "Tip"), ("caution", "Caution"), ("policy", "Policy")],
        default="note",
    )
    title = blocks.CharBlock(max_length=120)
    text = LabelledRichTextBlock(features=RICH_TEXT_FEATURES)

    class Meta:
        icon = "warning"
        template = "courses/blocks/callout.html"


class ScenarioOptionBlock(blocks.StructBlock):
    choice = blocks.TextBlock(help_text="What the officer does.")
    outcome = blocks.TextBlock(help_text="What happens as a result, and why.")
    recommended = blocks.BooleanBlock(required=False)


class ScenarioBlock(blocks.StructBlock):
    title = blocks.CharBlock(max_length=160)
    situation = LabelledRichTextBlock(features=RICH_TEXT_FEATURES)
    options = blocks.ListBlock(ScenarioOptionBlock(), min_num=2, max_num=4)

    class Meta:
        icon = "group"
        template = "courses/blocks/scenario.html"


class ReflectionPromptBlock(blocks.StructBlock):
    prompt = blocks.TextBlock()
    guidance = blocks.TextBlock(required=False)

    class Meta:
        icon = "help"
        template = "courses/blocks/reflection_prompt.html"


class KeyTakeawaysBlock(blocks.StructBlock):
    items = blocks.ListBlock(LabelledCharBlock(max_length=400, label="Takeaway"), min_num=1)

    class Meta:
        icon = "list-ul"
        template = "courses/blocks/key_takeaways.html"


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock()
    alt_text = blocks.CharBlock(max_length=250, help_text="Describe the image for screen readers.")
    caption = blocks.CharBlock(max_length=250, required=False)

    class Meta:
        icon = "image"
        template = "courses/blocks/image.html"


def has_text(rich_text) -> bool:
    """True when rich text holds words, not just empty paragraphs or non-breaking spaces."""
    source = getattr(rich_text, "source", rich_text) or ""
    return bool(html.unescape(clean_text(source)).strip())


class VideoBlock(blocks.StructBlock):
    """A video every learner can follow: it needs captions, a transcript, or both."""

    title = blocks.CharBlock(max_length=160)
    video = DocumentChooserBlock(help_text="An MP4 or WebM file from the document library.")
    captions = DocumentChooserBlock(
        required=False, help_text="A captions file: WebVTT (.vtt) or SubRip (.srt)."
    )
    transcript = LabelledRichTextBlock(
        features=RICH_TEXT_FEATURES,
        required=False,
        help_text="Everything said and shown. Needed when the video has no captions.",
    )

    class Meta:
        icon = "media"
        template = "courses/blocks/video.html"

    def clean(self, value):
        value = super().clean(value)
        captions, transcript = value.get("captions"), value.get("transcript")
        if captions and captions.file_extension.lower() not in CAPTION_EXTENSIONS:
            raise StructBlockValidationError(
                block_errors={
                    "captions": ValidationError(
                        "Captions must be a WebVTT (.vtt) or SubRip (.srt) file."
                    )
                }
            )
        if not captions and not has_text(transcript):
            raise StructBlockValidationError(
                non_block_errors=[
                    ValidationError(
                        "Add captions or a transcript: learners who cannot hear the video "
                        "need one of them."
                    )
                ]
            )
        return value


class DocumentBlock(blocks.StructBlock):
    document = DocumentChooserBlock()
    description = blocks.CharBlock(max_length=250, required=False)

    class Meta:
        icon = "doc-full"
        template = "courses/blocks/document.html"


class LessonBodyBlock(blocks.StreamBlock):
    rich_text = LabelledRichTextBlock(
        features=RICH_TEXT_FEATURES, template="courses/blocks/rich_text.html"
    )
    callout = CalloutBlock()
    scenario = ScenarioBlock()
    reflection_prompt = ReflectionPromptBlock()
    key_takeaways = KeyTakeawaysBlock()
    image = ImageBlock()
    video = VideoBlock()
    document = DocumentBlock()
