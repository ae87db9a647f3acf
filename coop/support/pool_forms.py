"""The shape of what members send to set up a pooled fund, propose spending and vote."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import RadioField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from coop.forms import WholeNumberField, strip, text_field
from coop.money import parse_pounds
from coop.payments.forms import amount_field


def _optional_pounds(_form, field):
    if field.data and parse_pounds(field.data) is None:
        raise ValidationError("Enter the amount in pounds and pence, like 30 or 12.50")


class PoolForm(FlaskForm):
    name = text_field("Name of the pool", "Enter a name for the pool", 100)
    purpose = text_field("What is it for? (optional)", max_length=2000, multiline=True)
    people = TextAreaField(
        "Who is in it with you?",
        description="Their email address or member number, one person on each line. For set "
        "amounts, put the amount after it, like: ben@example.org 25",
        filters=[strip],
        validators=[
            InputRequired(message="Enter the email address or member number of each person"),
            Length(max=2000, message="The list must be 2,000 characters or fewer"),
        ],
        widget=GovTextArea(),
    )
    rule = RadioField(
        "How much does each person pay in?",
        choices=[("equal", "Everyone pays the same"), ("fixed", "A set amount for each person")],
        default="equal",
        validators=[InputRequired(message="Choose how much each person pays in")],
        widget=GovRadioInput(),
    )
    amount = StringField(
        "If everyone pays the same: how much each time",
        filters=[strip],
        validators=[Optional(), _optional_pounds],
        widget=GovTextInput(),
    )
    founder_amount = StringField(
        "If each has a set amount: how much you pay in each time",
        filters=[strip],
        validators=[Optional(), _optional_pounds],
        widget=GovTextInput(),
    )
    notice_days = WholeNumberField(
        "Notice to leave, in days",
        description="A member leaving gets back what of theirs is unspent once this has passed.",
        default=28,
        validators=[
            InputRequired(message="Enter the notice period in days, such as 28"),
            NumberRange(min=0, max=365, message="Enter a notice period from 0 to 365 days"),
        ],
    )
    submit = SubmitField("Set up the pool", widget=GovSubmitInput())


class SpendForm(FlaskForm):
    payee = text_field("Who is to be paid?", "Enter who is to be paid", 120)
    amount = amount_field("How much?", "Enter how much")
    what_for = text_field("What is it for?", "Say what the money is for", 300)
    submit = SubmitField("Ask the others to agree", widget=GovSubmitInput())


class VoteForm(FlaskForm):
    agrees = RadioField(
        "Do you agree?",
        choices=[("yes", "Yes, pay it"), ("no", "No")],
        validators=[InputRequired(message="Choose yes or no")],
        widget=GovRadioInput(),
    )
    submit = SubmitField("Send my answer", widget=GovSubmitInput())
