"""The shape of what a budget holder sends to book, cancel, wait for a place or review."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovRadioInput,
    GovSubmitInput,
    GovTextArea,
    GovTextInput,
)
from wtforms import HiddenField, RadioField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from coop.forms import WholeNumberField, strip
from coop.money import parse_pounds


class BookForm(FlaskForm):
    places = WholeNumberField(
        "How many places?",
        invalid_value_message="Enter how many places you want as a number, such as 1",
        default=1,
        validators=[
            InputRequired(message="Enter how many places you want, such as 1"),
            NumberRange(min=1, max=10, message="Enter a number of places from 1 to 10"),
        ],
    )
    #: The price of one place as the page showed it; booking refuses if it is not the price
    #: that would be charged.
    price_pence = HiddenField()
    #: "budget" or "card"; where only one is possible the page sends it hidden.
    method = RadioField(
        "How do you want to pay?",
        widget=GovRadioInput(),
        choices=[("budget", "Pay from your budget"), ("card", "Pay by card")],
        validators=[Optional()],
        validate_choice=False,
    )
    #: Whom the booking is for: "me", or the id of a member who lets the booker book for them.
    book_for = HiddenField()
    submit = SubmitField("Confirm and pay", widget=GovSubmitInput())


class CardPaymentForm(FlaskForm):
    """The card payment: Stripe.js puts the tokenised card's id here; no card data ever
    reaches the co-op."""

    payment_method = HiddenField()
    submit = SubmitField("Pay now", widget=GovSubmitInput())


class ReviewForm(FlaskForm):
    rating = RadioField(
        "How would you rate the session?",
        widget=GovRadioInput(),
        choices=[
            ("5", "5 stars – excellent"),
            ("4", "4 stars – good"),
            ("3", "3 stars – all right"),
            ("2", "2 stars – poor"),
            ("1", "1 star – very poor"),
        ],
        validators=[InputRequired(message="Choose a rating from 1 to 5 stars")],
    )
    comment = TextAreaField(
        "Comment (optional)",
        widget=GovCharacterCount(),
        filters=[strip],
        validators=[
            Optional(),
            Length(max=2000, message="Keep the comment to 2,000 characters or fewer"),
        ],
    )
    submit = SubmitField("Send review", widget=GovSubmitInput())


class PooledForm(FlaskForm):
    """Setting up a booking shared between budget holders."""

    people = TextAreaField(
        "Who are you booking with?",
        description="Their email address or member number, one person on each line. Each "
        "must be a budget holder of the co-op. You are included already.",
        filters=[strip],
        validators=[
            InputRequired(message="Enter the email address or member number of each person"),
            Length(max=2000, message="The list must be 2,000 characters or fewer"),
        ],
        widget=GovTextArea(),
    )
    places = WholeNumberField(
        "How many places?",
        description="Usually one for each person.",
        invalid_value_message="Enter how many places as a number, such as 3",
        validators=[
            InputRequired(message="Enter how many places, such as 3"),
            NumberRange(min=1, max=10, message="Enter a number of places from 1 to 10"),
        ],
    )
    split = RadioField(
        "How will you split the cost?",
        choices=[
            ("equal", "Equally between everyone"),
            ("shares", "In set shares (you choose each amount next)"),
        ],
        default="equal",
        validators=[InputRequired(message="Choose how to split the cost")],
        widget=GovRadioInput(),
    )
    submit = SubmitField("Continue", widget=GovSubmitInput())


class ActForForm(FlaskForm):
    """A button that acts for one person in a pooled booking (yourself, or someone you help)."""

    person = HiddenField()
    submit = SubmitField("Confirm", widget=GovSubmitInput())


def shares_form(people: list[tuple[int, str, int]]) -> FlaskForm:
    """A form with one amount for each (member id, name, share in pence) of a pooled booking."""

    class SharesForm(FlaskForm):
        submit = SubmitField("Save the shares", widget=GovSubmitInput())

    for member_id, name, pence in people:
        setattr(
            SharesForm,
            f"share_{member_id}",
            StringField(
                f"{name}’s share",
                default=f"{pence // 100}.{pence % 100:02d}",
                filters=[strip],
                validators=[
                    InputRequired(message=f"Enter {name}’s share"),
                    _pounds(f"Enter {name}’s share in pounds and pence, like 10 or 9.50"),
                ],
                widget=GovTextInput(),
            ),
        )
    return SharesForm()


def _pounds(message: str):
    def check(_form, field):
        if parse_pounds(field.data) is None:
            raise ValidationError(message)

    return check
