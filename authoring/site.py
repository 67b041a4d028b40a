"""The site's home page: the one place the page tree and the default Wagtail site are set up."""

from wagtail.models import Page, Site

from courses.models import HomePage

SITE_NAME = "Common Ground"
HOME_INTRO = (
    "<p>Common Ground is where officers, civilian staff, police leaders and elected "
    "officials work through the department's community-policing curriculum: short "
    "lessons, realistic scenarios, quizzes and a certificate anyone can verify.</p>"
)


def ensure_home_page() -> HomePage:
    """Return the home page, creating it (and pointing the default site at it) when missing.

    A freshly migrated database holds Wagtail's "Welcome" placeholder as the site root; it is
    replaced. Safe to run again: an existing home page and site are left as they are.
    """
    home = HomePage.objects.first()
    if home is None:
        root = Page.get_first_root_node()
        home = root.add_child(
            instance=HomePage(title=SITE_NAME, slug="common-ground", intro=HOME_INTRO)
        )
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(
            hostname="localhost",
            port=80,
            root_page=home,
            is_default_site=True,
            site_name=SITE_NAME,
        )
    elif site.root_page_id != home.pk:
        old_root = site.root_page
        site.root_page = home
        site.site_name = SITE_NAME
        site.save()
        if not isinstance(old_root.specific, HomePage) and old_root.depth == 2:
            old_root.delete()  # Wagtail's "Welcome" placeholder page
    return home
