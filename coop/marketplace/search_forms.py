"""The shape of what people type to find services in the marketplace."""

from datetime import timedelta

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovTextInput,
)
from wtforms import BooleanField, RadioField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, ValidationError

from coop import clock
from coop.forms import DayMonthYearField, strip, text_field, within_money_limit
from coop.marketplace.models import ACCESSIBILITY_FEATURES, Category
from coop.marketplace.schedule import format_date
from coop.marketplace.search import WEEKDAYS, TimeOfDay
from coop.money import parse_pounds

#: How far ahead a search may look, in days.
MOST_DAYS_AHEAD = 366


class SearchForm(FlaskForm):
    """A GET form: what, when, how much and which accessibility features."""

    class Meta:
        csrf = False

    q = text_field("What are you looking for?", None, 100)
    category = SelectField(
        "Type of service",
        choices=[SelectChoice("", "Any")] + [SelectChoice(c.value, c.label) for c in Category],
        default="",
        validate_choice=False,
        widget=GovSelect(),
    )
    from_date = DayMonthYearField(
        "From", invalid_value_message="The first date must be a real date, like 27 3 2027"
    )
    to_date = DayMonthYearField(
        "To", invalid_value_message="The last date must be a real date, like 27 3 2027"
    )
    days = SelectMultipleField(
        "Days of the week",
        choices=[SelectChoice(str(number), name) for number, name in enumerate(WEEKDAYS)],
        validate_choice=False,
        widget=GovCheckboxesInput(),
    )
    time_of_day = RadioField(
        "Time of day",
        choices=[SelectChoice("", "Any time")]
        + [SelectChoice(t.value, t.label) for t in TimeOfDay],
        default="",
        validate_choice=False,
        widget=GovRadioInput(),
    )
    max_price = StringField(
        "Most you want to pay for a place",
        validators=[
            Length(max=20, message="Enter the most you want to pay, like 10 or 7.50"),
            within_money_limit,
        ],
        filters=[strip],
        widget=GovTextInput(),
    )
    off_peak = BooleanField(
        "Only off-peak and concession prices",
        description="Sessions that cost you less because of when they start.",
        widget=GovCheckboxInput(),
    )
    features = SelectMultipleField(
        "Accessibility",
        choices=[SelectChoice(name, label) for name, label in ACCESSIBILITY_FEATURES],
        validate_choice=False,
        widget=GovCheckboxesInput(),
    )
    direct_payments = BooleanField(
        "Only show services I can pay for with direct payments",
        description="Some councils do not let direct payments be spent on some services.",
        widget=GovCheckboxInput(),
    )

    def validate_max_price(self, field):
        if not field.data or parse_pounds(field.data) is not None:
            return
        if field.data.lstrip("£ ").startswith("-"):
            raise ValidationError("The most you want to pay must be £0 or more")
        raise ValidationError("Enter the most you want to pay in pounds, like 10 or 7.50")

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        latest = clock.london_today() + timedelta(days=MOST_DAYS_AHEAD)
        for field, which in ((self.from_date, "first"), (self.to_date, "last")):
            if field.data and field.data > latest:
                field.errors = [
                    *field.errors,
                    f"Enter a {which} date no later than {format_date(latest)}. "
                    "You can search up to a year ahead",
                ]
                valid = False
        first, last = self.from_date.data, self.to_date.data
        if first and last and last < first and not self.to_date.errors:
            self.to_date.errors = [
                *self.to_date.errors,
                "The last date must be the same as or after the first date",
            ]
            valid = False
        return valid

    @property
    def max_price_pence(self) -> int | None:
        """The most the person will pay for a place, in pence; None for any price."""
        return parse_pounds(self.max_price.data) if self.max_price.data else None

    @property
    def chosen_days(self) -> frozenset[int]:
        """The days of the week ticked, Monday 0; anything else sent is left out."""
        known = {str(number): number for number in range(len(WEEKDAYS))}
        return frozenset(known[day] for day in self.days.data or () if day in known)

    @property
    def chosen_features(self) -> frozenset[str]:
        known = {name for name, _label in ACCESSIBILITY_FEATURES}
        return frozenset(name for name in self.features.data or () if name in known)
