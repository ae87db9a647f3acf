"""Form fields shared by every domain."""

from govuk_frontend_wtf.wtforms_widgets import GovDateInput, GovTextArea, GovTextInput
from wtforms import DateField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


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


def strip(value):
    """A WTForms filter: trim spaces from what was typed."""
    return value.strip() if isinstance(value, str) else value


def text_field(label, required_message=None, max_length=100, *, widget=None, multiline=False):
    """A trimmed text field: required (spaces alone do not count) or optional, with a limit.

    The limit's message names the field: "Full name must be 100 characters or fewer".
    """
    validators = [DataRequired(message=required_message)] if required_message else [Optional()]
    validators.append(
        Length(max=max_length, message=f"{label} must be {max_length:,} characters or fewer")
    )
    field = TextAreaField if multiline else StringField
    default_widget = GovTextArea() if multiline else GovTextInput()
    return field(label, validators=validators, filters=[strip], widget=widget or default_widget)
