"""StreamField blocks for lesson bodies. Every block renders author HTML through lms.sanitize.

Every input an author types into has an accessible name. Wagtail does not give one to two
kinds of input (wagtail/wagtail#11179, #14205), so the blocks here carry their label to it:
a text line standing alone in a stream or a list (`LabelledCharBlock`) and every rich-text
editor (`LabelledRichTextBlock`, and `RichTextPanel` for the rich-text fields of pages).
"""

import hashlib
import html

from django.core.exceptions import ValidationError
from django.utils.functional import cached_property
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from wagtail import blocks
from wagtail.admin.panels import FieldPanel
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageChooserBlock

from courses.branching import RATINGS, follow, scenario_problems
from lms.page_cache import remembered
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


def learner_order(items: list, *, learner: str, block_id: str) -> list:
    """`items` in an order of their own for one learner and one block: the same at every
    reload (derived from both ids, not drawn at random), different between learners, so the
    recommended option is not always where the author put it."""

    def key(pair):
        index, _ = pair
        return hashlib.sha256(f"{learner}:{block_id}:{index}".encode()).digest()

    return [item for _, item in sorted(enumerate(items), key=key)]


class ScenarioBlock(blocks.StructBlock):
    """A single decision: a situation and 2-4 options, each opened to read its outcome. Each
    learner sees the options in their own order (`learner_order`)."""

    title = blocks.CharBlock(max_length=160)
    situation = LabelledRichTextBlock(features=RICH_TEXT_FEATURES)
    options = blocks.ListBlock(ScenarioOptionBlock(), min_num=2, max_num=4)

    class Meta:
        icon = "group"
        template = "courses/blocks/scenario.html"

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context=parent_context)
        user = getattr(context.get("request"), "user", None)
        options = list(value["options"])
        if getattr(user, "is_authenticated", False) and context.get("id"):
            options = learner_order(options, learner=str(user.pk), block_id=context["id"])
        context["options"] = options
        return context


class ScenarioChoiceBlock(blocks.StructBlock):
    text = blocks.TextBlock(help_text="What the officer does.")
    consequence = blocks.TextBlock(help_text="What happens next, and why.")
    next = blocks.CharBlock(max_length=50, help_text="The id of the step this choice leads to.")


class ScenarioOutcomeBlock(blocks.StructBlock):
    rating = blocks.ChoiceBlock(
        choices=[(rating, rating.capitalize()) for rating in RATINGS], required=False
    )
    went_well = blocks.TextBlock(required=False, help_text="What went well.")
    to_improve = blocks.TextBlock(
        required=False, help_text="What did not, and what would have been better."
    )


class ScenarioStepBlock(blocks.StructBlock):
    id = blocks.CharBlock(
        max_length=50,
        help_text="Lower-case letters, digits and hyphens, unique in this scenario; "
        "choices name it in “Next step”.",
    )
    situation = LabelledRichTextBlock(features=RICH_TEXT_FEATURES)
    choices = blocks.ListBlock(
        ScenarioChoiceBlock(),
        min_num=0,
        max_num=4,
        default=[],  # not one blank choice: a step left without choices is an ending
        help_text="Two to four for a decision; none for an ending.",
    )
    outcome = ScenarioOutcomeBlock(help_text="For an ending only: how it went.")


def scenario_data(value) -> dict:
    """A branching scenario's block value as plain data, the shape of the curriculum files
    (courses/curriculum/FORMAT.md) that courses.branching reads."""
    return {
        "title": value["title"],
        "setting": getattr(value["setting"], "source", value["setting"]) or "",
        "steps": [
            {
                "id": step["id"],
                "situation": getattr(step["situation"], "source", step["situation"]) or "",
                "choices": [
                    {"text": c["text"], "consequence": c["consequence"], "next": c["next"]}
                    for c in step["choices"]
                ],
                "outcome": {
                    "rating": step["outcome"]["rating"],
                    "went_well": step["outcome"]["went_well"],
                    "to_improve": step["outcome"]["to_improve"],
                },
            }
            for step in value["steps"]
        ],
    }


class BranchingScenarioBlock(blocks.StructBlock):
    """A decision tree (courses.branching): a setting, then steps; the first step is where it
    starts. Each decision has 2-4 choices, each with its consequence and the step it leads to;
    a step without choices is an ending with its outcome. The admin refuses an unsound tree
    (a choice leading nowhere, an unreached step, a cycle, a path of fewer than two or more
    than four decisions), naming the step.

    A learner walks it on the lesson page, one decision at a time, each a form post
    (courses.scenarios); the template is handed the learner's walk as `walk`."""

    title = blocks.CharBlock(max_length=160)
    setting = LabelledRichTextBlock(
        features=RICH_TEXT_FEATURES, help_text="The call as dispatched."
    )
    steps = blocks.ListBlock(ScenarioStepBlock(), min_num=1)

    class Meta:
        icon = "link"
        template = "courses/blocks/branching_scenario.html"

    def clean(self, value):
        value = super().clean(value)
        if problems := scenario_problems(scenario_data(value)["steps"]):
            raise StructBlockValidationError(
                non_block_errors=[ValidationError(problem) for problem in problems]
            )
        return value

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context=parent_context)
        block_id = context.get("id")
        state = (context.get("scenario_states") or {}).get(block_id)
        data = scenario_data(value)
        context["scenario"], context["block_id"], context["state"] = data, block_id, state
        context["walk"] = state.walk if state else follow(data["steps"], [])
        return context


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


class SourceBlock(blocks.StructBlock):
    """A reference the module relies on, in a standard citation form."""

    citation = blocks.TextBlock(
        help_text="Author or body, title, year, publisher (plain text). Never invent a source."
    )
    url = blocks.URLBlock(required=False, help_text="A stable address, where one exists.")
    cited_as = blocks.CharBlock(
        max_length=120,
        required=False,
        help_text="How the lesson text cites it, e.g. “President's Task Force, 2015”.",
    )

    class Meta:
        icon = "doc-full"

    def clean(self, value):
        value = super().clean(value)
        if value.get("url") and not value["url"].lower().startswith(("https://", "http://")):
            raise StructBlockValidationError(
                block_errors={"url": ValidationError("Give a web address (https://…).")}
            )
        return value


class JobAidSectionBlock(blocks.StructBlock):
    """One part of a module's one-page job aid: a heading and its lines."""

    heading = blocks.CharBlock(max_length=120)
    items = blocks.ListBlock(LabelledCharBlock(max_length=300, label="Line"), min_num=1)

    class Meta:
        icon = "list-ul"


class LessonBodyBlock(blocks.StreamBlock):
    rich_text = LabelledRichTextBlock(
        features=RICH_TEXT_FEATURES, template="courses/blocks/rich_text.html"
    )
    callout = CalloutBlock()
    scenario = ScenarioBlock()
    branching_scenario = BranchingScenarioBlock()
    reflection_prompt = ReflectionPromptBlock()
    key_takeaways = KeyTakeawaysBlock()
    image = ImageBlock()
    video = VideoBlock()
    document = DocumentBlock()


# What a block shows depends on who reads it: a scenario's options in the learner's own order,
# a branching scenario's walk, a reflection's answer. Every other block reads the same for all.
PER_LEARNER_BLOCKS = frozenset({"scenario", "branching_scenario", "reflection_prompt"})


def lesson_body(page, request) -> list[tuple]:
    """The page's body as (block, html) pairs: `html` the rendering of one or more blocks in a
    row, the same for every learner, with `block` None; for a block the template renders for
    the learner (PER_LEARNER_BLOCKS), the block with `html` None. Made once per worker, page
    revision and content version (every save of a page renews it) and shared, the learner's
    blocks made into block values once too. A preview renders it all from the draft it shows."""
    if getattr(request, "is_preview", False):
        return [(block, None) for block in page.body]

    def build() -> list[tuple]:
        # Only the learner's blocks are made into block values (Wagtail converts a stream's
        # blocks by type, on first access); the rest of the body is kept as its HTML.
        pairs = []  # consecutive shared blocks joined: one pair for the template to loop over
        for i, raw in enumerate(page.body.raw_data):
            block = page.body[i]
            if raw["type"] in PER_LEARNER_BLOCKS:
                pairs.append((block, None))
                continue
            html = str(block.render(context={"page": page, "block_id": block.id}))
            if pairs and pairs[-1][0] is None:
                html = pairs.pop()[1] + html
            pairs.append((None, mark_safe(html)))  # noqa: S308 (our blocks' templates)
        return pairs

    return remembered(f"lesson-body:{page.pk}:{page.live_revision_id}", build, copy=False)
