"""An agency's own rule set in the Wagtail admin (Compliance rule sets), edited by its
coordinators in the shape of the rule-set files (compliance/rulesets/FORMAT.md). Only the
agency's own rule sets are listed and editable; the state rule sets come from their files."""

import json

import yaml
from django import forms
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, ObjectList
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from compliance.models import RuleSet
from compliance.rules import RuleSetError, parse_definition
from lms.audit import Action, record_event
from lms.scoping import viewer_person

MAX_DEFINITION = 50_000
STARTER = """cycle:
  kind: calendar_year
total_hours: 24
categories:
  - {code: firearms, name: Firearms, min_hours: 4}
  - {code: other, name: Other training, min_hours: 0}
pools: []
recurring: []
proration: monthly
waivers: true
extension_max_months: 3
"""


class RuleSetForm(WagtailAdminModelForm):
    definition_yaml = forms.CharField(
        label="Definition (YAML)",
        widget=forms.Textarea(attrs={"rows": 24, "spellcheck": "false"}),
        help_text="The shape of the state rule-set files: see compliance/rulesets/FORMAT.md.",
    )

    class Meta:
        model = RuleSet
        fields = ["name", "code", "notes"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        definition = self.instance.definition if self.instance.pk else None
        self.fields["definition_yaml"].initial = (
            yaml.safe_dump(definition, sort_keys=False, allow_unicode=True)
            if definition
            else STARTER
        )

    def clean_definition_yaml(self) -> str:
        text = self.cleaned_data["definition_yaml"]
        if len(text) > MAX_DEFINITION:
            raise forms.ValidationError("Keep the definition under 50,000 characters.")
        try:
            data = yaml.safe_load(text)
            parse_definition(data)
        except yaml.YAMLError as error:
            raise forms.ValidationError(f"Not valid YAML: {error}") from None
        except RuleSetError as error:
            raise forms.ValidationError(error.problems) from None
        self.definition = yaml.safe_load(yaml.safe_dump(data))
        return text

    def clean(self):
        cleaned = super().clean()
        if self.instance.agency_id is None and viewer_person(self.for_user) is None:
            raise forms.ValidationError("Only an agency's staff can define its rule set.")
        return cleaned

    def save(self, commit=True):
        self.instance.definition = json.loads(json.dumps(self.definition, default=str))
        if self.instance.agency_id is None:
            self.instance.agency = viewer_person(self.for_user).agency
        return super().save(commit=commit)


class RuleSetViewSet(SnippetViewSet):
    model = RuleSet
    icon = "doc-full"
    menu_label = "Compliance rule sets"
    menu_order = 230
    add_to_admin_menu = True
    list_display = ["name", "code", "updated_at"]
    search_fields = ["name", "code"]
    edit_handler = ObjectList(
        [
            FieldPanel("name"),
            FieldPanel("code"),
            FieldPanel("definition_yaml"),
            FieldPanel("notes"),
        ],
        base_form_class=RuleSetForm,
    )

    def get_queryset(self, request):
        person = viewer_person(request.user)
        if person is None:
            return (
                RuleSet.objects.none() if not request.user.is_superuser else RuleSet.objects.all()
            )
        return RuleSet.objects.filter(agency_id=person.agency_id)


register_snippet(RuleSetViewSet)


def _audit(request, instance) -> None:
    if isinstance(instance, RuleSet):
        record_event(
            action=Action.COMPLIANCE_RULE_SET_CHANGED,
            actor=request.user,
            obj=instance,
            agency_id=instance.agency_id,
            data={"code": instance.code, "definition": instance.definition},
        )


@hooks.register("after_create_snippet")
def audit_rule_set_created(request, instance):
    _audit(request, instance)


@hooks.register("after_edit_snippet")
def audit_rule_set_edited(request, instance):
    _audit(request, instance)
