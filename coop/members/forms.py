"""The shape of what people type when they join, sign in and manage their account."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxInput,
    GovPasswordInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import Email, EqualTo, InputRequired, Length, Optional, ValidationError

from coop.forms import DecisionForm, strip, text_field  # noqa: F401 - DecisionForm for views
from coop.postcodes import normalise_postcode
from coop.urls import parse_id

MIN_PASSWORD = 12
MAX_PASSWORD = 200

MEMBER_CLASS_CHOICES = [
    ("budget_holder", "Budget holder"),
    ("carer", "Carer"),
    ("pa", "Personal assistant (PA)"),
    ("provider", "Provider"),
]


def uk_postcode(_form, field):
    """Accept any real UK postcode shape, whatever its spacing or case."""
    if field.data and normalise_postcode(field.data) is None:
        raise ValidationError("Enter a real UK postcode, like DE1 3AB")


def email_field(label="Email address"):
    return StringField(
        label,
        validators=[
            InputRequired(message="Enter your email address"),
            Length(max=254, message="Email address must be 254 characters or fewer"),
            Email(
                message="Enter an email address in the correct format, like name@example.com",
                check_deliverability=False,
            ),
        ],
        filters=[strip],
        widget=GovTextInput(),
    )


def new_password_fields(label="Create a password"):
    password = PasswordField(
        label,
        validators=[
            InputRequired(message="Enter a password"),
            Length(
                min=MIN_PASSWORD,
                max=MAX_PASSWORD,
                message=(
                    f"Your password must be between {MIN_PASSWORD} and {MAX_PASSWORD} characters"
                ),
            ),
        ],
        widget=GovPasswordInput(),
    )
    confirm = PasswordField(
        "Type the password again",
        validators=[
            InputRequired(message="Type your password again"),
            EqualTo("password", message="The passwords do not match"),
        ],
        widget=GovPasswordInput(),
    )
    return password, confirm


def address_fields():
    """The four fields of a postal address, created where they are called so that they sit
    in the form's order (and the error summary's) where the address appears on the page."""
    return (
        text_field("Address line 1", "Enter the first line of your address", 100),
        text_field("Address line 2 (optional)", None, 100),
        text_field("Town or city", "Enter your town or city", 60),
        StringField(
            "Postcode",
            validators=[
                InputRequired(message="Enter your postcode"),
                Length(max=10, message="Enter a real UK postcode, like DE1 3AB"),
                uk_postcode,
            ],
            filters=[strip],
            widget=GovTextInput(),
        ),
    )


class OrganisationForProviders:
    """A form with ``member_class`` and ``organisation_name``: a provider must name its
    organisation. Checked here, not inline: the field's Optional() would stop an inline check."""

    organisation_missing = "Enter the name of your organisation"

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if self.member_class.data == "provider" and not self.organisation_name.data:
            self.organisation_name.errors = [
                *self.organisation_name.errors,
                self.organisation_missing,
            ]
            valid = False
        return valid


class RegisterForm(OrganisationForProviders, FlaskForm):
    member_class = RadioField(
        "How will you take part in the co-op?",
        choices=MEMBER_CLASS_CHOICES,
        validators=[InputRequired(message="Select how you will take part in the co-op")],
        widget=GovRadioInput(),
    )
    organisation_name = text_field("Organisation name (providers only)", None, 120)
    name = text_field("Full name", "Enter your full name", 100)
    email = email_field()
    address_line_1, address_line_2, town, postcode = address_fields()
    password, password_confirm = new_password_fields()
    agree = BooleanField(
        "I agree to the co-op's rules and privacy notice",
        validators=[
            InputRequired(message="You must agree to the co-op's rules and privacy notice to join")
        ],
        widget=GovCheckboxInput(),
    )
    submit = SubmitField("Apply to join", widget=GovSubmitInput())


class LoginForm(FlaskForm):
    email = email_field()
    password = PasswordField(
        "Password",
        validators=[
            InputRequired(message="Enter your password"),
            Length(max=MAX_PASSWORD, message="Your email address or password is not right"),
        ],
        widget=GovPasswordInput(),
    )
    remember = BooleanField("Keep me signed in on this device", widget=GovCheckboxInput())
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class ResetRequestForm(FlaskForm):
    email = email_field()
    submit = SubmitField("Send me a link", widget=GovSubmitInput())


class ResetPasswordForm(FlaskForm):
    password, password_confirm = new_password_fields("New password")
    submit = SubmitField("Save new password", widget=GovSubmitInput())


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        "Current password",
        validators=[InputRequired(message="Enter your current password")],
        widget=GovPasswordInput(),
    )
    password, password_confirm = new_password_fields("New password")
    submit = SubmitField("Change password", widget=GovSubmitInput())


class DetailsForm(FlaskForm):
    name = text_field("Full name", "Enter your full name", 100)
    organisation_name = text_field("Organisation name", None, 120)
    email = email_field()
    address_line_1, address_line_2, town, postcode = address_fields()
    submit = SubmitField("Save changes", widget=GovSubmitInput())


class LeaveForm(FlaskForm):
    confirm = BooleanField(
        "I want to leave the co-op",
        validators=[InputRequired(message="Tick the box to confirm you want to leave")],
        widget=GovCheckboxInput(),
    )
    submit = SubmitField("Leave the co-op", widget=GovSubmitInput())


class SearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = text_field("Search by name, email, organisation, postcode or member number", None, 100)
    member_class = SelectField(
        "Member class",
        choices=[("", "All classes")] + MEMBER_CLASS_CHOICES,
        validators=[Optional()],
        widget=GovSelect(),
    )
    submit = SubmitField("Search", widget=GovSubmitInput())


class AppointForm(FlaskForm):
    member_number = StringField(
        "Member number",
        validators=[InputRequired(message="Enter the member number of the new officer")],
        filters=[strip],
        widget=GovTextInput(),
    )
    office = SelectField(
        "Office",
        choices=[
            ("secretary", "Secretary"),
            ("chair", "Chair"),
            ("treasurer", "Treasurer"),
            ("director", "Director"),
            ("shared_lives_coordinator", "Shared Lives coordinator"),
        ],
        validators=[InputRequired(message="Select an office")],
        widget=GovSelect(),
    )
    submit = SubmitField("Appoint", widget=GovSubmitInput())

    def validate_member_number(self, field):
        if parse_id(field.data) is None:
            raise ValidationError("Enter a member number using digits only, like 12")
