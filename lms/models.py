"""People and the agencies they belong to."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q


class PersonnelCategory(models.TextChoices):
    SWORN = "sworn", "Sworn officer"
    CIVILIAN = "civilian", "Civilian staff"
    LEADER = "leader", "Police leader"
    ELECTED = "elected", "Elected official"


class Agency(models.Model):
    """A department that licenses the platform. Nothing of one agency is visible to another."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=80, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"

    def __str__(self) -> str:
        return self.name


class Unit(models.Model):
    """A division, precinct or shift inside one agency."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="units")
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["agency__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "name"], name="unit_unique_name_per_agency"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.agency})"


class Person(models.Model):
    """The training profile of a user: who they are in their agency."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="person"
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="people")
    unit = models.ForeignKey(
        Unit, on_delete=models.SET_NULL, null=True, blank=True, related_name="people"
    )
    badge_number = models.CharField(max_length=40, blank=True)
    rank = models.CharField(max_length=80, blank=True)
    personnel_category = models.CharField(
        max_length=20, choices=PersonnelCategory.choices, default=PersonnelCategory.SWORN
    )

    class Meta:
        ordering = ["user__last_name", "user__first_name"]
        verbose_name_plural = "people"
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "badge_number"],
                condition=~Q(badge_number=""),
                name="person_unique_badge_per_agency",
            ),
        ]
        permissions = [
            ("view_agency_records", "Can view training records of own agency"),
            ("manage_agency_people", "Can manage people and rosters of own agency"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.user.get_full_name() or self.user.get_username()

    def clean(self) -> None:
        if self.unit_id and self.unit.agency_id != self.agency_id:
            raise ValidationError({"unit": "The unit belongs to another agency."})
