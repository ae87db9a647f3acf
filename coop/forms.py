"""Form fields shared by every domain."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovDateInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import DateField, IntegerField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from coop.money import TOO_MUCH_MESSAGE, parse_pounds, too_much
from coop.urls import MAX_ID, parse_id


class DayMonthYearField(DateField):
    """A date typed into GOV.UK's three boxes (day, month, year), which share one name.

    A request that leaves the boxes out altogether is treated as three empty boxes, so the
    page is shown again with a message instead of failing.
    """

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("format", "%d %m %Y")
        kwargs.setdefault("widget", GovDateInput())
        kwargs.setdefault("invalid_value_message", f"{label} must be a real date, like 27 3 2027")
        super().__init__(label, validators, **kwargs)

    def process_formdata(self, valuelist):
        if len(valuelist) != 3:
            valuelist = [*valuelist[:3], *[""] * (3 - min(len(valuelist), 3))]
            self.raw_data = valuelist
        if not any(value.strip() for value in valuelist):
            self.data = None
            return
        super().process_formdata([" ".join(value.strip() for value in valuelist)])


class WholeNumberField(IntegerField):
    """The project's integer field: ASCII digits only (WTForms' own takes '١٢' as 12), an
    optional minus sign, and nothing beyond what an INTEGER column holds.

    Anything else is refused with the field's `invalid_value_message`.
    """

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("widget", GovTextInput())
        kwargs.setdefault("invalid_value_message", f"{label} must be a whole number")
        super().__init__(label, validators, **kwargs)
        self.invalid_value_message = kwargs["invalid_value_message"]

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = valuelist[0].strip()
        if not text:
            self.data = None
            return
        number = parse_id(text.removeprefix("-"), maximum=MAX_ID)
        if number is None:
            self.data = None
            raise ValueError(self.invalid_value_message)
        self.data = -number if text.startswith("-") else number


def within_money_limit(_form, field):
    """A validator for amounts typed in pounds: no more than the money columns hold."""
    if too_much(parse_pounds(field.data)):
        raise ValidationError(TOO_MUCH_MESSAGE)


def whole_number_text(message: str):
    """A validator for numbers kept as text (member numbers): ASCII digits, within range."""

    def check(_form, field):
        if field.data and parse_id(field.data) is None:
            raise ValidationError(message)

    return check


def strip(value):
    """A WTForms filter: trim spaces from what was typed."""
    return value.strip() if isinstance(value, str) else value


class OneLine:
    """A WTForms validator: no line breaks in a one-line answer. A title or a name goes into
    email subjects and calendar files, where a line break would spoil the message."""

    def __init__(self, label: str) -> None:
        self.message = f"{label} must be on one line: remove the line break"

    def __call__(self, _form, field):
        if isinstance(field.data, str) and any(c in field.data for c in "\r\n"):
            raise ValidationError(self.message)


def text_field(label, required_message=None, max_length=100, *, widget=None, multiline=False):
    """A trimmed text field: required (spaces alone do not count) or optional, with a limit.

    The limit's message names the field: "Full name must be 100 characters or fewer". A
    one-line field (not ``multiline``) refuses line breaks.
    """
    validators = [DataRequired(message=required_message)] if required_message else [Optional()]
    validators.append(
        Length(max=max_length, message=f"{label} must be {max_length:,} characters or fewer")
    )
    if not multiline:
        validators.append(OneLine(label))
    field = TextAreaField if multiline else StringField
    default_widget = GovTextArea() if multiline else GovTextInput()
    return field(label, validators=validators, filters=[strip], widget=widget or default_widget)


class ConfirmForm(FlaskForm):
    """A form that is only a button: confirming an emailed link, cancelling, joining a list."""

    submit = SubmitField("Confirm", widget=GovSubmitInput())


class DecisionForm(FlaskForm):
    """The secretary's decision on an application: approve, or do not accept with a reason.

    Subclasses say who is told (``who``) and what to ask for when the reason is missing.
    """

    who = "the applicant"
    missing_reason = "Enter the reason for not accepting this application"

    decision = RadioField(
        "Your decision",
        choices=[("approve", "Approve"), ("reject", "Do not accept")],
        validators=[InputRequired(message="Select approve or do not accept")],
        widget=GovRadioInput(),
    )
    reason = TextAreaField(
        "Reason",
        validators=[Length(max=2000, message="The reason must be 2,000 characters or fewer")],
        filters=[strip],
        widget=GovTextArea(),
    )
    submit = SubmitField("Save decision", widget=GovSubmitInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reason.label.text = f"Reason (needed if you do not accept; {self.who} will see it)"

    def validate_reason(self, field):
        if self.decision.data == "reject" and not field.data:
            raise ValidationError(self.missing_reason)


def show_error(form, error: Exception, default: str, message: str | None = None) -> None:
    """Put a rule the service refused beside the field it names, or else the default field.

    Every domain's error carries ``field`` (which may be None) and a plain-English message.
    """
    name = getattr(error, "field", None)
    target = getattr(form, name, None) if name else None
    if target is None or not hasattr(target, "errors"):
        target = getattr(form, default)
    target.errors = [*target.errors, message if message is not None else str(error)]
