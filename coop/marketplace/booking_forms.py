"""The shape of what a budget holder sends to book, cancel, wait for a place or review."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovRadioInput,
    GovSubmitInput,
)
from wtforms import HiddenField, RadioField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from coop.forms import WholeNumberField, strip


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
