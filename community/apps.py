from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "community"
    verbose_name = "Community events and transparency"

    def ready(self):
        from community import models
        from lms.page_cache.signal_handlers import Scope, watch

        # The public agency pages (anonymous page cache) show events and obey the switch: a
        # change to either renews every cached page at once, so a page switched off is gone
        # at the next request. Responses and codes renew nothing: the figures they feed are
        # cached for PUBLIC_PAGE_SECONDS at most (community.transparency).
        watch(models.CommunityEvent, scope=Scope.CONTENT)
        watch(models.TransparencyPage, scope=Scope.CONTENT)
