"""The shape of what a member sends to choose a helper, and a coordinator to record a nominee."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import RadioField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import InputRequired, Optional, ValidationError

from coop.forms import DayMonthYearField, strip, text_field, within_money_limit
from coop.members.circle_models import NomineeKind, Permission
from coop.money import parse_pounds


def _limit_in_pounds(form, field):
    if Permission.BOOK.value not in (form.permissions.data or []):
        return
    if not field.data:
        raise ValidationError("Enter the most they may spend on one booking, like 20")
    pence = parse_pounds(field.data)
    if pence is None:
        raise ValidationError("Enter the limit in pounds and pence, like 20 or 12.50")
    if pence <= 0:
        raise ValidationError("Enter a limit more than £0")


class HelperForm(FlaskForm):
    """Choose a helper (by email address or membership number) and what they may do."""

    who = text_field(
        "Their email address or membership number",
        "Enter the email address or membership number of the person you choose",
        254,
    )
    permissions = SelectMultipleField(
        "What may they do for you?",
        choices=[(p.value, p.label) for p in Permission],
        validators=[InputRequired(message="Choose at least one thing they may do for you")],
        widget=GovCheckboxesInput(),
    )
    limit = StringField(
        "The most they may spend on one booking, in pounds (only if they may book)",
        filters=[strip],
        validators=[_limit_in_pounds, Optional(), within_money_limit],
        widget=GovTextInput(),
    )
    until = DayMonthYearField("Until (optional)", validators=[Optional()])
    submit = SubmitField("Save", widget=GovSubmitInput())

    @property
    def limit_pence(self) -> int | None:
        return parse_pounds(self.limit.data) if self.limit.data else None


class NomineeForm(FlaskForm):
    """A coordinator records a nominated or authorised person and the evidence they saw."""

    kind = RadioField(
        "Which role do they hold?",
        choices=[(k.value, k.label) for k in NomineeKind],
        validators=[InputRequired(message="Choose nominated or authorised person")],
        widget=GovRadioInput(),
    )
    name = text_field("Their full name", "Enter their full name as on the evidence", 100)
    evidence = text_field(
        "The evidence you saw",
        "Enter the evidence you saw, such as the council's direct payment agreement",
        2000,
        multiline=True,
    )
    evidence_seen_on = DayMonthYearField(
        "The date you saw it",
        validators=[InputRequired(message="Enter the date you saw the evidence")],
    )
    submit = SubmitField("Record", widget=GovSubmitInput())
