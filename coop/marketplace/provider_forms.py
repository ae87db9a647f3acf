"""The shape of what providers and the secretary type about providers, their staff and replies
to reviews; and the button-only form every provider page uses for its CSRF token."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovRadioInput,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import RadioField, StringField, SubmitField
from wtforms.validators import URL, InputRequired, Length, Optional

from coop.forms import DayMonthYearField, DecisionForm, strip, text_field
from coop.marketplace.models import ProviderKind
from coop.members.forms import email_field, uk_postcode


class ProviderForm(FlaskForm):
    name = text_field("Name of the provider", "Enter the name of the provider", 120)
    kind = RadioField(
        "What kind of provider is it?",
        choices=[(kind.value, kind.label) for kind in ProviderKind],
        validators=[InputRequired(message="Choose what kind of provider it is")],
        widget=GovRadioInput(),
    )
    description = text_field(
        "What you offer",
        "Describe what you offer",
        2000,
        widget=GovCharacterCount(),
        multiline=True,
    )
    email = email_field("Contact email address")
    phone = text_field("Contact phone number", "Enter a contact phone number", 30)
    website = StringField(
        "Website (optional)",
        validators=[
            Optional(),
            Length(max=200, message="Website must be 200 characters or fewer"),
            URL(message="Enter the full website address, like https://example.org"),
        ],
        filters=[strip],
        widget=GovTextInput(),
    )
    address_line_1 = text_field("Address line 1", "Enter the first line of the address", 100)
    address_line_2 = text_field("Address line 2 (optional)", None, 100)
    town = text_field("Town or city", "Enter the town or city", 60)
    postcode = StringField(
        "Postcode",
        validators=[
            InputRequired(message="Enter the postcode"),
            Length(max=10, message="Enter a real UK postcode, like DE1 3AB"),
            uk_postcode,
        ],
        filters=[strip],
        widget=GovTextInput(),
    )
    premises_accessibility = text_field(
        "Accessibility of your premises (optional)",
        None,
        2000,
        widget=GovCharacterCount(),
        multiline=True,
    )
    insurance_expires_on = DayMonthYearField(
        "Public liability insurance runs out on",
        validators=[InputRequired(message="Enter the date your insurance runs out")],
    )
    dbs_checked_on = DayMonthYearField(
        "Date of the last DBS check (optional)", validators=[Optional()]
    )
    submit = SubmitField("Save", widget=GovSubmitInput())


class ProviderDecisionForm(DecisionForm):
    who = "the provider"
    missing_reason = "Enter the reason the provider is not accepted"


class ListingReviewForm(DecisionForm):
    who = "the provider"
    missing_reason = "Say what the provider needs to change"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.decision.choices = [("approve", "Approve and publish"), ("reject", "Send it back")]
        self.reason.label.text = "What they need to change (needed if you send it back)"


class StaffForm(FlaskForm):
    email = email_field("Their email address")
    submit = SubmitField("Send an invitation", widget=GovSubmitInput())


class ReplyForm(FlaskForm):
    reply = text_field(
        "Your reply", "Enter your reply", 2000, widget=GovCharacterCount(), multiline=True
    )
    submit = SubmitField("Send reply", widget=GovSubmitInput())


class ActionForm(FlaskForm):
    """A form that is only a button (publish, archive, remove ...): here for its CSRF token."""
