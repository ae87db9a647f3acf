"""The shape of what providers type about their listings, schedules, closures, off-peak
prices and sessions."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxesInput,
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from coop import clock
from coop.forms import (
    DayMonthYearField,
    WholeNumberField,
    strip,
    text_field,
    within_money_limit,
)
from coop.marketplace.models import ACCESSIBILITY_FEATURES, Category
from coop.marketplace.schedule import DAY_NAMES
from coop.money import parse_pounds

DAY_CHOICES = [(str(number), name) for number, name in enumerate(DAY_NAMES)]


def time_field(label: str, what: str):
    """A UK clock time typed like 10:00; `what` names it in messages, e.g. 'the start time'."""

    def real_time(_form, field):
        if field.data and clock.parse_time(field.data) is None:
            raise ValidationError(f"Enter {what} as a 24-hour time, like 10:00 or 17:30")

    return StringField(
        label,
        validators=[InputRequired(message=f"Enter {what}"), real_time],
        filters=[strip],
        widget=GovTextInput(),
    )


def whole_number_field(label: str, low: int, high: int, required_message: str | None, example):
    return WholeNumberField(
        label,
        invalid_value_message=f"{label} must be a whole number, like {example}",
        validators=[
            InputRequired(message=required_message) if required_message else Optional(),
            NumberRange(min=low, max=high, message=f"{label} must be between {low:,} and {high:,}"),
        ],
        widget=GovTextInput(),
    )


def days_field(label: str):
    return SelectMultipleField(
        label,
        choices=DAY_CHOICES,
        validators=[InputRequired(message="Choose at least one day")],
        widget=GovCheckboxesInput(),
    )


class ListingForm(FlaskForm):
    title = text_field("Title", "Enter a title", 120)
    description = text_field(
        "Description", "Enter a description", 4000, widget=GovCharacterCount(), multiline=True
    )
    category = SelectField(
        "Type of service",
        choices=[("", "Choose a type")] + [(c.value, c.label) for c in Category],
        validators=[InputRequired(message="Choose the type of service")],
        widget=GovSelect(),
    )
    price = StringField(
        "Price of one place",
        validators=[
            InputRequired(message="Enter the price of one place, or 0 if it is free"),
            Length(max=20, message="Enter the price in pounds, like 8 or 7.50"),
            within_money_limit,
        ],
        filters=[strip],
        widget=GovTextInput(),
    )
    duration_minutes = whole_number_field(
        "Length of a session in minutes", 1, 1440, "Enter how long a session lasts", 60
    )
    places = whole_number_field(
        "Places in each session", 1, 500, "Enter how many places each session has", 10
    )
    where = RadioField(
        "Where do sessions happen?",
        choices=[("venue", "At a venue"), ("home", "At the person's home")],
        validators=[InputRequired(message="Choose where sessions happen")],
        widget=GovRadioInput(),
    )
    venue_address = text_field("Venue address", None, 250)
    features = SelectMultipleField(
        "Accessibility", choices=list(ACCESSIBILITY_FEATURES), widget=GovCheckboxesInput()
    )
    direct_payments_allowed = RadioField(
        "Can budget holders pay for this with a direct payment?",
        choices=[("yes", "Yes"), ("no", "No")],
        validators=[InputRequired(message="Say whether direct payments can pay for this")],
        widget=GovRadioInput(),
    )
    cancellation_notice_hours = whole_number_field(
        "Notice needed for a full refund, in hours",
        0,
        672,
        "Enter the hours of notice needed for a full refund, or 0",
        24,
    )
    members_discount_percent = whole_number_field(
        "Discount for co-op members, in percent (optional)", 1, 100, None, 10
    )
    submit = SubmitField("Save listing", widget=GovSubmitInput())

    def validate_price(self, field):
        if field.data and parse_pounds(field.data) is None:
            raise ValidationError("Enter the price in pounds, like 8 or 7.50, or 0 if it is free")

    def validate_venue_address(self, field):
        if self.where.data == "venue" and not field.data:
            raise ValidationError("Enter the address where the sessions happen")

    @property
    def price_pence(self) -> int | None:
        return parse_pounds(self.price.data)


class ScheduleForm(FlaskForm):
    days = days_field("Days")
    starts_at = time_field("Start time", "the start time")
    submit = SubmitField("Add to the schedule", widget=GovSubmitInput())


class ClosureForm(FlaskForm):
    first_day = DayMonthYearField(
        "First day closed",
        validators=[InputRequired(message="Enter the first day you are closed")],
    )
    last_day = DayMonthYearField(
        "Last day closed (leave empty if closed for one day)", validators=[Optional()]
    )
    reason = text_field("Reason (optional), for example Christmas", None, 120)
    submit = SubmitField("Add closure", widget=GovSubmitInput())


class ConcessionForm(FlaskForm):
    days = days_field("Days")
    window_start = time_field("From", "the time the cheaper price starts")
    window_end = time_field("Until", "the time the cheaper price ends")
    percent_off = whole_number_field(
        "Percent off", 1, 100, "Enter the percent off, like 50 for half price", 50
    )
    members_only = BooleanField("Only for co-op members", widget=GovCheckboxInput())
    submit = SubmitField("Add off-peak price", widget=GovSubmitInput())

    def validate_window_end(self, field):
        start, end = clock.parse_time(self.window_start.data), clock.parse_time(field.data)
        if start and end and not start < end:
            raise ValidationError("The cheaper price must end after it starts")


class CancelSessionForm(FlaskForm):
    reason = text_field(
        "Why is the session cancelled?",
        "Say why the session is cancelled; everyone booked is told",
        500,
        multiline=True,
    )
    submit = SubmitField("Cancel the session and refund everyone", widget=GovSubmitInput())


class AttendanceForm(FlaskForm):
    """Sent by one of two buttons, 'Came' or 'Did not come'."""

    attended = RadioField(
        "Did they come?",
        choices=[("yes", "Came"), ("no", "Did not come")],
        validators=[InputRequired(message="Say whether they came")],
    )
