"""The shape of what members send to offer or ask for peer support."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovRadioInput,
    GovSubmitInput,
)
from wtforms import RadioField, SelectMultipleField, SubmitField
from wtforms.validators import InputRequired

from coop.forms import text_field
from coop.support.buddy_models import Topic, Way


class ProfileForm(FlaskForm):
    role = SelectMultipleField(
        "Do you want to offer support, ask for it, or both?",
        choices=[("offers", "I can offer support"), ("asks", "I would like support")],
        validators=[InputRequired(message="Choose whether you offer support, ask for it, or both")],
        widget=GovCheckboxesInput(),
    )
    topics = SelectMultipleField(
        "Which topics?",
        choices=[(topic.value, topic.label) for topic in Topic],
        validators=[InputRequired(message="Choose at least one topic")],
        widget=GovCheckboxesInput(),
    )
    ways = SelectMultipleField(
        "How could you meet?",
        choices=[(way.value, way.label) for way in Way],
        validators=[InputRequired(message="Choose at least one way to meet")],
        widget=GovCheckboxesInput(),
    )
    about = text_field("A few words about you (optional)", max_length=500, multiline=True)
    phone = text_field("Phone number (optional)", max_length=30)
    submit = SubmitField("Save", widget=GovSubmitInput())


class AnswerForm(FlaskForm):
    answer = RadioField(
        "Will you be buddies?",
        choices=[("yes", "Yes, share our contact details"), ("no", "No, not now")],
        validators=[InputRequired(message="Choose yes or no")],
        widget=GovRadioInput(),
    )
    submit = SubmitField("Send my answer", widget=GovSubmitInput())
