"""The shape of what members and the secretary type about motions, votes and proxies."""

import re
from decimal import Decimal, InvalidOperation

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
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
    StringField,
    SubmitField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
    ValidationError,
)

from coop import clock
from coop.forms import DayMonthYearField, WholeNumberField, strip, text_field
from coop.urls import parse_id


def _time_of_day(_form, field):
    if field.data and clock.parse_time(field.data) is None:
        raise ValidationError(
            f"Enter {field.label.text.lower()} as a 24-hour time, like 09:00 or 17:30"
        )


def date_field(label, required_message=None):
    """A GOV.UK date input, read as day month year, with plain-English messages."""
    return DayMonthYearField(
        label,
        validators=[InputRequired(message=required_message) if required_message else Optional()],
    )


def voting_window_fields():
    """Dates and times voting opens and closes, UK time: (opens_on, opens_time, closes_on,
    closes_time), created where called so they sit in the form's order."""

    def time_field(label, message):
        return StringField(
            label,
            validators=[InputRequired(message=message), _time_of_day],
            filters=[strip],
            widget=GovTextInput(),
        )

    return (
        date_field("Voting opens on", "Enter the date voting opens"),
        time_field("Opening time", "Enter the opening time"),
        date_field("Voting closes on", "Enter the date voting closes"),
        time_field("Closing time", "Enter the closing time"),
    )


def percent_field(label, required=True):
    return WholeNumberField(
        label,
        invalid_value_message=f"{label} must be a whole number, like 25",
        validators=[
            InputRequired(message=f"Enter {label.lower()}") if required else Optional(),
            NumberRange(min=0, max=100, message=f"{label} must be between 0 and 100"),
        ],
        widget=GovTextInput(),
    )


def member_number_field(label, required=True):
    return StringField(
        label,
        validators=[
            DataRequired(message=f"Enter the {label.lower()}") if required else Optional(),
            Length(max=10, message="Enter a member number, like 12"),
        ],
        filters=[strip],
        widget=GovTextInput(),
    )


def percent_text(basis_points: int) -> str:
    """A rate in basis points as the percentage people type: 800 -> '8', 750 -> '7.5'."""
    return str(Decimal(basis_points) / 100)


class BasisPointsField(StringField):
    """A percentage typed with up to two decimal places ('8', '7.5'), held as basis points.

    The data is a whole number of basis points (800 for 8%), so no rate is ever a float.
    """

    def __init__(self, label, **kwargs):
        kwargs.setdefault("widget", GovTextInput())
        super().__init__(label, **kwargs)

    def process_formdata(self, valuelist):
        self.data = None
        text = (valuelist[0] if valuelist else "").strip().removesuffix("%").strip()
        if not text:
            return
        name = self.label.text
        if not re.fullmatch(
            r"-?(?:[0-9]+\.?[0-9]*|\.[0-9]+)", text
        ):  # ASCII digits: Decimal takes '١٢'
            raise ValueError(f"{name} must be a number, like 8 or 7.5")
        try:
            percent = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"{name} must be a number, like 8 or 7.5") from None
        if not percent.is_finite():
            raise ValueError(f"{name} must be a number, like 8 or 7.5")
        if not 0 <= percent < 100:
            raise ValueError(f"{name} must be at least 0% and less than 100%")
        basis_points = percent * 100
        if basis_points != basis_points.to_integral_value():
            raise ValueError(f"{name} can have at most 2 decimal places, like 7.25")
        self.data = int(basis_points)

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else percent_text(self.data)

    def pre_validate(self, form):
        if self.data is None and not self.process_errors:
            raise StopValidation(f"Enter the {self.label.text.lower()}")


class MotionForm(FlaskForm):
    title = text_field("Title", "Enter a title", 150)
    summary = text_field(
        "Summary in plain English",
        "Enter a summary",
        600,
        widget=GovCharacterCount(),
        multiline=True,
    )
    full_text = text_field(
        "Full text of the motion", "Enter the full text of the motion", 20000, multiline=True
    )
    proposer = member_number_field("Proposer's member number")
    seconder = member_number_field("Seconder's member number", required=False)
    resolution = RadioField(
        "Type of resolution",
        choices=[
            ("ordinary", "Ordinary resolution: passes with more than 50% of weighted votes"),
            ("special", "Special resolution: passes with 75% or more of weighted votes"),
        ],
        validators=[InputRequired(message="Select the type of resolution")],
        widget=GovRadioInput(),
    )
    opens_on, opens_time, closes_on, closes_time = voting_window_fields()
    quorum_percent = percent_field("Quorum")
    quorum_budget_holder = percent_field("Quorum among budget holders", required=False)
    quorum_carer = percent_field("Quorum among carers", required=False)
    quorum_pa = percent_field("Quorum among personal assistants", required=False)
    quorum_provider = percent_field("Quorum among providers", required=False)
    submit = SubmitField("Put the motion to members", widget=GovSubmitInput())

    def validate_proposer(self, field):
        if field.data and parse_id(field.data) is None:
            raise ValidationError("Enter the proposer's member number using digits only")

    def validate_seconder(self, field):
        if field.data and parse_id(field.data) is None:
            raise ValidationError("Enter the seconder's member number using digits only")


class VoteForm(FlaskForm):
    choice = RadioField(
        "How do you vote?",
        choices=[("for", "For"), ("against", "Against"), ("abstain", "Abstain")],
        validators=[InputRequired(message="Select For, Against or Abstain")],
        widget=GovRadioInput(),
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class ConfirmVoteForm(VoteForm):
    submit = SubmitField("Cast my vote", widget=GovSubmitInput())


class ProxyForm(FlaskForm):
    proxy = member_number_field("Your proxy's member number")
    scope = RadioField(
        "Which votes may they cast for you?",
        choices=[("motion", "One motion"), ("dates", "Every motion that opens between two dates")],
        validators=[InputRequired(message="Select one motion or a range of dates")],
        widget=GovRadioInput(),
    )
    motion = SelectField("Motion", choices=[], validators=[Optional()], widget=GovSelect())
    starts_on = date_field("First date")
    ends_on = date_field("Last date")
    submit = SubmitField("Appoint proxy", widget=GovSubmitInput())

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if self.scope.data == "motion" and not self.motion.data:
            self.motion.errors = [*self.motion.errors, "Select the motion"]
            valid = False
        if self.scope.data == "dates":
            for field, name in ((self.starts_on, "first"), (self.ends_on, "last")):
                if field.data is None and not field.errors:
                    field.errors = [*field.errors, f"Enter the {name} date"]
                    valid = False
        if self.proxy.data and parse_id(self.proxy.data) is None:
            self.proxy.errors = [*self.proxy.errors, "Enter a member number using digits only"]
            valid = False
        return valid


class RulesForm(FlaskForm):
    share_budget_holder = percent_field("Budget holders' share")
    share_carer = percent_field("Carers' share")
    share_pa = percent_field("Personal assistants' share")
    share_provider = percent_field("Providers' share")
    quorum_percent = percent_field("Quorum")
    max_proxies = WholeNumberField(
        "The most proxies one member may hold",
        invalid_value_message="The most proxies one member may hold must be a whole number, like 3",
        validators=[
            InputRequired(message="Enter the most proxies one member may hold"),
            NumberRange(min=0, max=50, message="Enter a number from 0 to 50"),
        ],
        widget=GovTextInput(),
    )
    seconder_required = BooleanField("Every motion needs a seconder", widget=GovCheckboxInput())
    min_class_voters = WholeNumberField(
        "Fewest voters for a class's votes to be shown on their own",
        invalid_value_message="The fewest voters must be a whole number, like 5",
        validators=[
            Optional(),  # left empty, the rule stays as it is
            NumberRange(min=1, max=1000, message="Enter a number from 1 to 1,000"),
        ],
    )
    commission_percent = BasisPointsField("Commission on marketplace bookings")
    submit = SubmitField("Save the new rules", widget=GovSubmitInput())

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        shares = [self.share_budget_holder, self.share_carer, self.share_pa, self.share_provider]
        if valid and sum(f.data for f in shares) != 100:
            self.share_budget_holder.errors = [
                f"The shares add up to {sum(f.data for f in shares)}%. They must add up to 100%"
            ]
            valid = False
        return valid
