"""StreamField blocks for lesson bodies. Every block renders author HTML through lms.sanitize."""

from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageChooserBlock

RICH_TEXT_FEATURES = ["h2", "h3", "bold", "italic", "ol", "ul", "link", "blockquote"]


class CalloutBlock(blocks.StructBlock):
    tone = blocks.ChoiceBlock(
        choices=[("note", "Note"), ("tip", "Tip"), ("caution", "Caution"), ("policy", "Policy")],
        default="note",
    )
    title = blocks.CharBlock(max_length=120)
    text = blocks.RichTextBlock(features=RICH_TEXT_FEATURES)

    class Meta:
        icon = "warning"
        template = "courses/blocks/callout.html"


class ScenarioOptionBlock(blocks.StructBlock):
    choice = blocks.TextBlock(help_text="What the officer does.")
    outcome = blocks.TextBlock(help_text="What happens as a result, and why.")
    recommended = blocks.BooleanBlock(required=False)


class ScenarioBlock(blocks.StructBlock):
    title = blocks.CharBlock(max_length=160)
    situation = blocks.RichTextBlock(features=RICH_TEXT_FEATURES)
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
    items = blocks.ListBlock(blocks.CharBlock(max_length=400), min_num=1)

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


class VideoBlock(blocks.StructBlock):
    title = blocks.CharBlock(max_length=160)
    video = DocumentChooserBlock(help_text="An MP4 or WebM file from the document library.")
    captions = DocumentChooserBlock(required=False, help_text="A WebVTT captions file.")
    transcript = blocks.RichTextBlock(features=RICH_TEXT_FEATURES)

    class Meta:
        icon = "media"
        template = "courses/blocks/video.html"


class DocumentBlock(blocks.StructBlock):
    document = DocumentChooserBlock()
    description = blocks.CharBlock(max_length=250, required=False)

    class Meta:
        icon = "doc-full"
        template = "courses/blocks/document.html"


class LessonBodyBlock(blocks.StreamBlock):
    rich_text = blocks.RichTextBlock(
        features=RICH_TEXT_FEATURES, template="courses/blocks/rich_text.html"
    )
    callout = CalloutBlock()
    scenario = ScenarioBlock()
    reflection_prompt = ReflectionPromptBlock()
    key_takeaways = KeyTakeawaysBlock()
    image = ImageBlock()
    video = VideoBlock()
    document = DocumentBlock()
