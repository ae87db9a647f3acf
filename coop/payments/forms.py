"""The shape of what the secretary types about budgets: a search, and money arriving."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from govuk_frontend_wtf.wtforms_widgets import (
    GovFileInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import RadioField, SelectField, StringField, SubmitField
from wtforms.validators import InputRequired, ValidationError

from coop.forms import DayMonthYearField, strip, text_field, within_money_limit
from coop.money import parse_pounds


def _in_pounds(_form, field):
    if parse_pounds(field.data) is None:
        raise ValidationError("Enter the amount in pounds and pence, like 250 or 99.50")


def amount_field(label: str, required_message: str) -> StringField:
    """An amount typed in pounds and pence, checked by ``coop.money.parse_pounds``."""
    return StringField(
        label,
        validators=[InputRequired(message=required_message), _in_pounds, within_money_limit],
        filters=[strip],
        widget=GovTextInput(),
    )


class BudgetSearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = text_field("Search by name", None, 100)
    submit = SubmitField("Search", widget=GovSubmitInput())


class FundingForm(FlaskForm):
    amount = amount_field("Amount received", "Enter the amount received")
    funding_kind = RadioField(
        "What kind of money is it?",
        choices=[
            ("direct_payment", "Direct payment"),
            ("individual_service_fund", "Individual service fund"),
        ],
        validators=[InputRequired(message="Select direct payment or individual service fund")],
        widget=GovRadioInput(),
    )
    received_on = DayMonthYearField(
        "Date received",
        validators=[InputRequired(message="Enter the date the money arrived")],
    )
    reference = text_field("Reference", "Enter the bank or remittance reference", 60)
    submit = SubmitField("Record the money", widget=GovSubmitInput())

    @property
    def amount_pence(self) -> int | None:
        """The amount typed, in pence (None until it is a valid amount)."""
        return parse_pounds(self.amount.data)


class PeriodForm(FlaskForm):
    """Any run of days for a return, typed as two dates (a GET form: it changes nothing)."""

    class Meta:
        csrf = False

    first = DayMonthYearField("From", validators=[InputRequired(message="Enter the first day")])
    last = DayMonthYearField("To", validators=[InputRequired(message="Enter the last day")])
    submit = SubmitField("Show the return", widget=GovSubmitInput())

    def validate_last(self, field):
        if self.first.data and field.data and field.data < self.first.data:
            raise ValidationError("The last day must be the same as or after the first day")


class PayoutForm(FlaskForm):
    """The treasurer records a payout sent to a provider."""

    up_to = DayMonthYearField(
        "Money up to", validators=[InputRequired(message="Enter the last day the payout covers")]
    )
    paid_on = DayMonthYearField(
        "Date sent", validators=[InputRequired(message="Enter the date the money was sent")]
    )
    bank_reference = text_field("Bank reference", "Enter the reference on the bank transfer", 60)
    submit = SubmitField("Record the payout", widget=GovSubmitInput())


class CostForm(FlaskForm):
    """The treasurer records one of the co-op's own costs."""

    spent_on = DayMonthYearField(
        "Date paid", validators=[InputRequired(message="Enter the date the cost was paid")]
    )
    amount = amount_field("Amount", "Enter the amount paid")
    category = RadioField(
        "What was it for?",
        choices=[],
        validators=[InputRequired(message="Select what the cost was for")],
        widget=GovRadioInput(),
    )
    description = text_field("Description", "Say what the cost was for", 200)
    reference = text_field("Reference", "Enter the invoice or bank reference", 60)
    submit = SubmitField("Record the cost", widget=GovSubmitInput())


FUND_PAYMENT_KINDS = [
    ("pa_wages", "PA wages"),
    ("household_bill", "Household bill"),
    ("personal_allowance", "Personal allowance"),
    ("larger_item", "Larger item"),
    ("other", "Other"),
]


class FundPaymentForm(FlaskForm):
    """The treasurer records a payment out of an individual service fund."""

    payee = text_field("Who was paid", "Enter who was paid", 120)
    kind = RadioField(
        "What was it for?",
        choices=FUND_PAYMENT_KINDS,
        validators=[InputRequired(message="Select what the payment was for")],
        widget=GovRadioInput(),
    )
    amount = amount_field("Amount", "Enter the amount paid")
    paid_on = DayMonthYearField(
        "Date paid", validators=[InputRequired(message="Enter the date it was paid")]
    )
    reference = text_field("Reference", "Enter the bank or invoice reference", 60)
    receipt = FileField("Receipt or invoice (optional)", widget=GovFileInput())
    submit = SubmitField("Record the payment", widget=GovSubmitInput())


class RepeatingForm(FlaskForm):
    """The treasurer sets up a payment the fund makes on a schedule."""

    payee = text_field("Who is paid", "Enter who is paid", 120)
    kind = RadioField(
        "What is it for?",
        choices=FUND_PAYMENT_KINDS,
        validators=[InputRequired(message="Select what the payment is for")],
        widget=GovRadioInput(),
    )
    amount = amount_field("Amount each time", "Enter the amount paid each time")
    every = RadioField(
        "How often?",
        choices=[("week", "Every week"), ("month", "Every month")],
        validators=[InputRequired(message="Select every week or every month")],
        widget=GovRadioInput(),
    )
    starts_on = DayMonthYearField(
        "First payment", validators=[InputRequired(message="Enter the date of the first payment")]
    )
    reference = text_field("Reference", "Enter the reference the bank transfer will carry", 60)
    submit = SubmitField("Set up the repeating payment", widget=GovSubmitInput())


class AuditorGrantForm(FlaskForm):
    """The secretary gives an auditor read-only access to one budget holder's returns."""

    auditor_email = text_field("The auditor's email address", "Enter the auditor's email", 254)
    organisation = text_field("Who they work for", "Say who the auditor works for", 120)
    member_id = SelectField(
        "Whose returns", coerce=int, validators=[InputRequired(message="Choose a budget holder")],
        widget=GovSelect(),
    )  # fmt: skip
    until = DayMonthYearField(
        "Until", validators=[InputRequired(message="Enter the last day the access lasts")]
    )
    submit = SubmitField("Ask the budget holder to agree", widget=GovSubmitInput())


class EarmarkSpendForm(FlaskForm):
    """The treasurer records money spent on a purpose members voted for."""

    amount = amount_field("Amount", "Enter the amount spent")
    spent_on = DayMonthYearField(
        "Date paid", validators=[InputRequired(message="Enter the date it was paid")]
    )
    description = text_field("What was bought", "Say what was bought", 200)
    reference = text_field("Reference", "Enter the invoice or bank reference", 60)
    submit = SubmitField("Record the spending", widget=GovSubmitInput())
