from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "compliance"
    verbose_name = "Training compliance"

    def ready(self):
        from compliance import models, receivers  # noqa: F401  (module completions post entries)
        from compliance.exporting import kinds  # noqa: F401  (registers compliance's exports)
        from lms.page_cache.signal_handlers import Scope, watch

        # An officer's ledger and adjustments are on their own pages and their agency's.
        watch(models.TrainingEntry, scope=Scope.PERSON)
        watch(models.CycleAdjustment, scope=Scope.PERSON)
        watch(models.ComplianceProfile, scope=Scope.PERSON)
        # What every officer is measured against.
        for model in (models.RuleSet, models.AgencyRuleSet, models.ModuleCategories):
            watch(model, scope=Scope.CONTENT)
