"""The shape of what is typed for surplus ballots and proposals."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxesInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import RadioField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, ValidationError

from coop.forms import strip, text_field, within_money_limit
from coop.money import parse_pounds
from coop.voting.forms import date_field, voting_window_fields


def _pounds(_form, field):
    if field.data and parse_pounds(field.data) is None:
        raise ValidationError(f"Enter {field.label.text.lower()} in pounds, like 2500 or 2,500.00")
    if field.data and parse_pounds(field.data) == 0:
        raise ValidationError(f"{field.label.text} must be more than £0")


def pounds_field(label: str, required_message: str) -> StringField:
    return StringField(
        label,
        validators=[
            InputRequired(message=required_message),
            Length(max=20, message=f"Enter {label.lower()} in pounds, like 2500"),
            _pounds,
            within_money_limit,
        ],
        filters=[strip],
        widget=GovTextInput(),
    )


class SurplusBallotForm(FlaskForm):
    financial_year = text_field("Financial year", "Enter the financial year, like 2026 to 2027", 40)
    amount = pounds_field("Amount to share", "Enter the amount of surplus to share")
    share_less_reason = text_field(
        "If you are sharing less than the surplus, say why", None, 1000, multiline=True
    )
    proposals_close_on = date_field("Proposals close on", "Enter the date proposals close")
    opens_on, opens_time, closes_on, closes_time = voting_window_fields()
    submit = SubmitField("Open the ballot for proposals", widget=GovSubmitInput())


class ProposalForm(FlaskForm):
    title = text_field("Title", "Enter a title for your proposal", 120)
    description = text_field(
        "What would the money do?",
        "Describe what the money would do",
        2000,
        widget=GovCharacterCount(),
        multiline=True,
    )
    cost = pounds_field("Cost", "Enter what it would cost")
    helps = text_field("Who would it help?", "Say who it would help", 200)
    submit = SubmitField("Send proposal", widget=GovSubmitInput())


class ProposalDecisionForm(FlaskForm):
    decision = RadioField(
        "Put this proposal on the ballot?",
        choices=[("accept", "Yes, put it on the ballot"), ("decline", "No")],
        validators=[InputRequired(message="Select yes or no")],
        widget=GovRadioInput(),
    )
    reason = TextAreaField(
        "Reason (needed if not; the proposer will see it)",
        validators=[Length(max=1000, message="The reason must be 1,000 characters or fewer")],
        filters=[strip],
        widget=GovTextArea(),
    )
    submit = SubmitField("Save decision", widget=GovSubmitInput())

    def validate_reason(self, field):
        if self.decision.data == "decline" and not field.data:
            raise ValidationError("Enter the reason the proposal is not going on the ballot")


class ApprovalForm(FlaskForm):
    proposals = SelectMultipleField(
        "Which proposals do you back?",
        choices=[],
        coerce=int,
        widget=GovCheckboxesInput(),
        validate_choice=True,
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())
