"""Shared Lives forms: the shape of what coordinators, households and people type."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import (
    DecimalField,
    RadioField,
    SelectField,
    SelectMultipleField,
    SubmitField,
)
from wtforms.validators import InputRequired, NumberRange, Optional

from coop.forms import DayMonthYearField, text_field
from coop.shared_lives import matching
from coop.shared_lives.models import ArrangementType, HouseholdStatus, IncidentKind
from coop.shared_lives.service import MEETING_KINDS


class ReferralForm(FlaskForm):
    person_name = text_field("The person's name", "Enter the person's name")
    person_member_number = text_field("Their member number, if they are a member", max_length=10)
    acting_for_member_number = text_field(
        "Member number of someone who may act for them, if they say so", max_length=10
    )
    arrangement_type = RadioField(
        "What kind of arrangement",
        choices=[(t.value, t.label) for t in ArrangementType],
        validators=[InputRequired(message="Choose the kind of arrangement")],
        widget=GovRadioInput(),
    )
    wanted_from = DayMonthYearField(
        "First day wanted", validators=[InputRequired(message="Enter the first day wanted")]
    )
    wanted_until = DayMonthYearField("Day it ends (short breaks)", validators=[Optional()])
    area_postcode = text_field("Postcode of the area wanted", "Enter a postcode", 8)
    needs = SelectMultipleField(
        "Needs (only coordinators see these)",
        choices=list(matching.NEEDS.items()),
        validators=[Optional()],
        widget=GovCheckboxesInput(),
    )
    health_notes = text_field(
        "Health details (only coordinators see these)", max_length=4000, multiline=True
    )
    must_haves = SelectMultipleField(
        "Must-haves",
        choices=list(matching.MUST_HAVES.items()),
        validators=[Optional()],
        widget=GovCheckboxesInput(),
    )
    language = text_field("Language", max_length=40)
    faith = text_field("Faith", max_length=80)
    interests = text_field("Interests, separated by commas", max_length=400)
    household_wish = text_field("The kind of household they would like", max_length=200)
    shared_summary = text_field(
        "The summary the person agreed to share with a carer household",
        max_length=4000,
        multiline=True,
    )
    submit = SubmitField("Record the referral", widget=GovSubmitInput())


class MoveForm(FlaskForm):
    status = SelectField(
        "Move to",
        choices=[(s.value, s.label) for s in HouseholdStatus],
        validators=[InputRequired(message="Choose the new state")],
        widget=GovSelect(),
    )
    reason = text_field("Reasons", max_length=2000, multiline=True)
    panel_date = DayMonthYearField("Date of the panel's decision", validators=[Optional()])
    submit = SubmitField("Save", widget=GovSubmitInput())


class StayForm(FlaskForm):
    room = SelectField(
        "Room", coerce=int, validators=[InputRequired(message="Choose a room")], widget=GovSelect()
    )
    starts_on = DayMonthYearField(
        "First night", validators=[InputRequired(message="Enter the first night")]
    )
    ends_on = DayMonthYearField(
        "Day they leave", validators=[InputRequired(message="Enter the day they leave")]
    )
    submit = SubmitField("Book the room", widget=GovSubmitInput())


class DaySessionForm(FlaskForm):
    """A day support session: one day, up to 4, 6 or 8 hours, for 1 to 3 people."""

    room = SelectField(
        "Room", coerce=int, validators=[InputRequired(message="Choose a room")], widget=GovSelect()
    )
    on = DayMonthYearField(
        "Day of the session", validators=[InputRequired(message="Enter the day of the session")]
    )
    hours = RadioField(
        "Length of the session",
        choices=[(4, "Up to 4 hours"), (6, "Up to 6 hours"), (8, "Up to 8 hours")],
        coerce=int,
        validators=[InputRequired(message="Choose the length of the session")],
        widget=GovRadioInput(),
    )
    people = SelectField(
        "People supported together in the session",
        choices=[(1, "1"), (2, "2"), (3, "3")],
        coerce=int,
        validators=[InputRequired(message="Choose how many people")],
        widget=GovSelect(),
    )
    submit = SubmitField("Book the session", widget=GovSubmitInput())


class AgreeForm(FlaskForm):
    answer = RadioField(
        "After meeting, should the arrangement go ahead?",
        choices=[("yes", "Yes, go ahead"), ("no", "No")],
        validators=[InputRequired(message="Choose yes or no")],
        widget=GovRadioInput(),
    )
    reason = text_field("If no, why not (the coordinator sees this)", max_length=2000,
                        multiline=True)  # fmt: skip
    submit = SubmitField("Send the answer", widget=GovSubmitInput())


class SayNoForm(FlaskForm):
    reason = text_field("Why not (the coordinator sees this)", "Enter why not", 2000,
                        multiline=True)  # fmt: skip
    submit = SubmitField("Say no to this household", widget=GovSubmitInput())


class CancelForm(FlaskForm):
    reason = text_field("Why is it cancelled?", "Enter why it is cancelled", 2000, multiline=True)
    submit = SubmitField("Cancel it", widget=GovSubmitInput())


class AnswerForm(FlaskForm):
    answer = RadioField(
        "Will you meet this person?",
        choices=[("accept", "Yes, we would like to meet"), ("decline", "No")],
        validators=[InputRequired(message="Choose yes or no")],
        widget=GovRadioInput(),
    )
    reason = text_field(
        "If no, why not (the coordinator sees this)", max_length=2000, multiline=True
    )
    submit = SubmitField("Send our answer", widget=GovSubmitInput())


class PaymentRunForm(FlaskForm):
    month = text_field("Month to pay, like 2027-03", "Enter the month, like 2027-03", 7)
    submit = SubmitField("Work out and post the payments", widget=GovSubmitInput())


class IncidentForm(FlaskForm):
    household = SelectField("Household", coerce=int, widget=GovSelect())
    kind = RadioField(
        "What happened",
        choices=[(k.value, k.label) for k in IncidentKind],
        validators=[InputRequired(message="Choose what happened")],
        widget=GovRadioInput(),
    )
    happened_on = DayMonthYearField(
        "When it happened", validators=[InputRequired(message="Enter when it happened")]
    )
    description = text_field("What happened", "Describe what happened", 4000, multiline=True)
    submit = SubmitField("Record the incident", widget=GovSubmitInput())


class NewHouseholdForm(FlaskForm):
    name = text_field("Household name", "Enter the household's name", 120)
    postcode = text_field("Postcode", "Enter the postcode", 8)
    member_numbers = text_field(
        "Member numbers of the adults in the household, separated by commas",
        "Enter at least one member number",
        100,
    )
    submit = SubmitField("Record the enquiry", widget=GovSubmitInput())


class RoomForm(FlaskForm):
    name = text_field("Room name", "Enter a name for the room, like Back bedroom", 80)
    features = SelectMultipleField(
        "The room",
        choices=[
            ("for_long_term", "For long-term arrangements"),
            ("for_short_breaks", "For short breaks and day support"),
            ("step_free", "Step-free"),
            ("en_suite", "En-suite"),
        ],
        validators=[Optional()],
        widget=GovCheckboxesInput(),
    )
    submit = SubmitField("Add the room", widget=GovSubmitInput())


class BreakForm(FlaskForm):
    room = SelectField("Room", coerce=int, widget=GovSelect())
    starts_on = DayMonthYearField(
        "First night away", validators=[InputRequired(message="Enter the first night")]
    )
    ends_on = DayMonthYearField(
        "Day you are back", validators=[InputRequired(message="Enter the day you are back")]
    )
    submit = SubmitField("Block out these dates", widget=GovSubmitInput())


class MeetingForm(FlaskForm):
    kind = RadioField(
        "Kind of meeting",
        choices=[(k, k) for k in MEETING_KINDS],
        validators=[InputRequired(message="Choose the kind of meeting")],
        widget=GovRadioInput(),
    )
    held_on = DayMonthYearField(
        "Date of the meeting", validators=[InputRequired(message="Enter the date")]
    )
    notes = text_field("Notes", max_length=2000, multiline=True)
    submit = SubmitField("Record the meeting", widget=GovSubmitInput())


class StartForm(FlaskForm):
    room = SelectField("Room", coerce=int, widget=GovSelect())
    starts_on = DayMonthYearField(
        "Start date", validators=[InputRequired(message="Enter the start date")]
    )
    rate_band = SelectField(
        "Rate band", choices=[(n, f"Band {n}") for n in (1, 2, 3, 4)], coerce=int,
        widget=GovSelect(),
    )  # fmt: skip
    plan = text_field("The agreed plan", "Enter the agreed plan", 4000, multiline=True)
    submit = SubmitField("Start the arrangement", widget=GovSubmitInput())


class ReviewForm(FlaskForm):
    held_on = DayMonthYearField("Date of the review", validators=[InputRequired("Enter the date")])
    outcome = text_field("Outcome", "Enter the review's outcome", 4000, multiline=True)
    submit = SubmitField("Record the review", widget=GovSubmitInput())


class EndForm(FlaskForm):
    ends_on = DayMonthYearField("Last day", validators=[InputRequired("Enter the last day")])
    reason = text_field("Why it ends", "Enter why the arrangement ends", 2000, multiline=True)
    submit = SubmitField("End the arrangement", widget=GovSubmitInput())


class ProfileForm(FlaskForm):
    """The household's application and profile, as the household or a coordinator keeps it."""

    reasons = text_field("Why the household wants to be Shared Lives carers", max_length=4000,
                         multiline=True)  # fmt: skip
    reference_1 = text_field(
        "First reference: name and how they know the household", max_length=400
    )
    reference_2 = text_field(
        "Second reference: name and how they know the household", max_length=400
    )
    consents = SelectMultipleField(
        "Consent and permission",
        choices=[
            ("consents_to_dbs", "The adults consent to an enhanced DBS check"),
            ("housing_permission", "The landlord or mortgage lender has given permission"),
            ("smoking", "Someone in the household smokes"),
            ("has_woman_carer", "A woman carer is in the household"),
        ],
        validators=[Optional()],
        widget=GovCheckboxesInput(),
    )
    pets = text_field("Pets", max_length=200)
    languages = text_field("Languages spoken, separated by commas", max_length=200)
    faith = text_field("Faith", max_length=80)
    interests = text_field("Interests, separated by commas", max_length=1000)
    makeup = text_field("The household in a few words", max_length=200)
    approved_types = SelectMultipleField(
        "Arrangement types approved for",
        choices=[(t.value, t.label) for t in ArrangementType],
        validators=[Optional()],
        widget=GovCheckboxesInput(),
    )
    max_people = SelectField(
        "Most people supported at once", choices=[(n, str(n)) for n in (1, 2, 3)], coerce=int,
        widget=GovSelect(),
    )  # fmt: skip
    exclusions = SelectMultipleField(
        "Needs the household cannot support",
        choices=list(matching.NEEDS.items()),
        validators=[Optional()],
        widget=GovCheckboxesInput(),
    )
    submit = SubmitField("Save", widget=GovSubmitInput())


def _pence_field(label: str):

    return DecimalField(
        label,
        places=2,
        validators=[
            InputRequired(message=f"Enter {label.lower()} in pounds"),
            NumberRange(min=0, max=10_000, message=f"{label} must be between £0 and £10,000"),
        ],
        widget=GovTextInput(),
    )


class RatesForm(FlaskForm):
    starts_on = DayMonthYearField(
        "Rates apply from",
        validators=[InputRequired(message="Enter the date the rates apply from")],
    )
    band_1_weekly = _pence_field("Band 1, a week")
    band_2_weekly = _pence_field("Band 2, a week")
    band_3_weekly = _pence_field("Band 3, a week")
    band_4_weekly = _pence_field("Band 4, a week")
    short_break_nightly = _pence_field("Short break, a night")
    day_4h = _pence_field("Day support, up to 4 hours")
    day_6h = _pence_field("Day support, up to 6 hours")
    day_8h = _pence_field("Day support, up to 8 hours")
    save = SubmitField("Save the rates", widget=GovSubmitInput())
