"""The shape of what the secretary types for members without email, and of the page where such
a member confirms an email address the secretary added."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxInput,
    GovRadioInput,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import BooleanField, RadioField, StringField, SubmitField
from wtforms.validators import Email, InputRequired, Length, Optional

from coop.forms import DayMonthYearField, strip, text_field
from coop.members.forms import (
    MEMBER_CLASS_CHOICES,
    OrganisationForProviders,
    address_fields,
    email_field,
    new_password_fields,
)
from coop.members.paper_models import ReceivedBy


class PaperApplicationForm(OrganisationForProviders, FlaskForm):
    organisation_missing = "Enter the name of the organisation"

    received_by = RadioField(
        "How did the application reach you?",
        choices=[(way.value, way.label) for way in ReceivedBy],
        validators=[InputRequired(message="Select how the application reached you")],
        widget=GovRadioInput(),
    )
    received_on = DayMonthYearField(
        "Date it was received",
        validators=[InputRequired(message="Enter the date the application was received")],
    )
    member_class = RadioField(
        "How will they take part in the co-op?",
        choices=MEMBER_CLASS_CHOICES,
        validators=[InputRequired(message="Select how they will take part in the co-op")],
        widget=GovRadioInput(),
    )
    organisation_name = text_field("Organisation name (providers only)", None, 120)
    name = text_field("Full name", "Enter the applicant's full name", 100)
    email = StringField(
        "Email address (optional)",
        validators=[
            Optional(),
            Length(max=254, message="Email address must be 254 characters or fewer"),
            Email(
                message="Enter an email address in the correct format, like name@example.com",
                check_deliverability=False,
            ),
        ],
        filters=[strip],
        widget=GovTextInput(),
    )
    address_line_1, address_line_2, town, postcode = address_fields()
    agreed = BooleanField(
        "They agreed to the co-op's rules and privacy notice (signed on the form, or said so to "
        "you)",
        validators=[
            InputRequired(message="An applicant must agree to the rules and privacy notice to join")
        ],
        widget=GovCheckboxInput(),
    )
    submit = SubmitField("Record the application", widget=GovSubmitInput())


class IdentityForm(FlaskForm):
    note = text_field(
        "How you know who they are (optional)",
        None,
        500,
        widget=GovCharacterCount(),
        multiline=True,
    )
    submit = SubmitField("Confirm their identity", widget=GovSubmitInput())


class AddEmailForm(FlaskForm):
    email = email_field("Their email address")
    submit = SubmitField("Send them a link", widget=GovSubmitInput())


class ChoosePasswordForm(FlaskForm):
    password, password_confirm = new_password_fields("Choose a password")
    submit = SubmitField("Confirm and save password", widget=GovSubmitInput())
