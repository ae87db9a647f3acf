"""The shape of what PAs, budget holders, their helpers and coordinators type."""

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (
    GovCheckboxesInput,
    GovCheckboxInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import (
    BooleanField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    ValidationError,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Optional

from coop import clock
from coop.forms import DayMonthYearField, WholeNumberField, strip, text_field
from coop.money import parse_pounds
from coop.support.models import Skill
from coop.support.pa_register import DAYS

SKILL_CHOICES = [SelectChoice(s.value, s.label) for s in Skill]
DAY_CHOICES = [SelectChoice(str(i), day) for i, day in enumerate(DAYS)]
ANY = [SelectChoice("", "Any")]


def _time_field(label: str, required: str | None = None, hint_label: bool = True):
    def check(_form, field):
        if field.data and clock.parse_time(field.data) is None:
            raise ValidationError(f"{label} must be a time like 09:00 or 14:30")

    validators = [InputRequired(message=required)] if required else [Optional()]
    return StringField(
        f"{label}, like 14:30" if hint_label else label,
        validators=[*validators, check],
        filters=[strip],
        widget=GovTextInput(),
    )


class ProfileForm(FlaskForm):
    skills = SelectMultipleField(
        "Skills", choices=SKILL_CHOICES, validators=[Optional()], widget=GovCheckboxesInput()
    )
    languages = text_field("Languages you speak, separated by commas", max_length=200)
    districts = text_field(
        "Postcode districts you cover, separated by commas, like DE1, DE22",
        "Enter the postcode districts you cover",
        200,
    )
    hourly_rate = text_field("Your hourly rate in pounds, like 14.50", "Enter your hourly rate", 10)
    introduction = text_field("Introduce yourself", max_length=2000, multiline=True)
    gender = RadioField(
        "How you describe yourself (so families who ask for a woman PA can find you)",
        choices=[SelectChoice("", "Prefer not to say"), SelectChoice("woman", "Woman"),
                 SelectChoice("man", "Man"), SelectChoice("other", "In another way")],
        default="",
        validators=[Optional()],
        widget=GovRadioInput(),
    )  # fmt: skip
    published = BooleanField("Show my profile in the register", default=True,
                             widget=GovCheckboxInput())  # fmt: skip
    submit = SubmitField("Save my profile", widget=GovSubmitInput())

    def validate_hourly_rate(self, field):
        if field.data and parse_pounds(field.data) is None:
            raise ValidationError("Enter the hourly rate in pounds, like 14.50")


# One pair of boxes for each day of the week: empty means a day off.
for _i, _day in enumerate(DAYS):
    setattr(ProfileForm, f"day_{_i}_from", _time_field(f"{_day} from", hint_label=False))
    setattr(ProfileForm, f"day_{_i}_to", _time_field(f"{_day} to", hint_label=False))


class ChecksForm(FlaskForm):
    dbs_issued_on = DayMonthYearField("Date on the DBS certificate", validators=[Optional()])
    right_to_work_seen_on = DayMonthYearField("Right to work seen on", validators=[Optional()])
    right_to_work_until = DayMonthYearField(
        "Right to work ends on (time-limited permission only)", validators=[Optional()]
    )
    references_on = DayMonthYearField("Two references received on", validators=[Optional()])
    submit = SubmitField("Save the checks", widget=GovSubmitInput())


class SearchForm(FlaskForm):
    """A GET form: which skill, where, which day and time."""

    class Meta:
        csrf = False

    skill = SelectField(
        "Skill", choices=ANY + SKILL_CHOICES, default="", validate_choice=False,
        widget=GovSelect(),
    )  # fmt: skip
    district = text_field("Postcode district, like DE22", max_length=8)
    day = SelectField(
        "Day", choices=ANY + DAY_CHOICES, default="", validate_choice=False,
        widget=GovSelect(),
    )  # fmt: skip
    starts = _time_field("From")
    ends = _time_field("Until")


class CoverForm(FlaskForm):
    person = SelectField("Who needs cover", choices=[], validate_choice=False, widget=GovSelect())
    day = DayMonthYearField(
        "Date of the shift", validators=[InputRequired(message="Enter the date of the shift")]
    )
    starts = _time_field("Start time", "Enter the start time")
    ends = _time_field("End time", "Enter the end time")
    district = text_field("Postcode district, like DE22", "Enter the postcode district", 8)
    skills = SelectMultipleField(
        "Skills needed", choices=SKILL_CHOICES, validators=[Optional()],
        widget=GovCheckboxesInput(),
    )  # fmt: skip
    tasks = text_field(
        "What the PA will do (shown only to PAs who can take the shift, never emailed)",
        max_length=2000,
        multiline=True,
    )
    wants_woman = BooleanField("A woman PA, please", widget=GovCheckboxInput())
    bank_delay = WholeNumberField("Minutes your own PAs have before every PA is asked")
    submit = SubmitField("Ask for cover", widget=GovSubmitInput())

    def validate_bank_delay(self, field):
        if field.data is not None and not 0 <= field.data <= 240:
            raise ValidationError("Choose up to 240 minutes (4 hours)")


class HoursForm(FlaskForm):
    hours = WholeNumberField("Hours", validators=[InputRequired(message="Enter the hours worked")])
    minutes = SelectField(
        "And minutes",
        choices=[SelectChoice(m, m) for m in ("0", "15", "30", "45")],
        default="0",
        widget=GovSelect(),
    )
    submit = SubmitField("Record my hours", widget=GovSubmitInput())


class RegularForm(FlaskForm):
    pa = SelectField("PA", choices=[], validate_choice=False, widget=GovSelect())
    weekday = SelectField("Day of the week", choices=DAY_CHOICES, widget=GovSelect())
    starts = _time_field("Start time", "Enter the start time")
    ends = _time_field("End time", "Enter the end time")
    starts_on = DayMonthYearField(
        "First week from", validators=[InputRequired(message="Enter the first date")]
    )
    until = DayMonthYearField("Last day (leave empty if it goes on)", validators=[Optional()])
    submit = SubmitField("Add the regular shift", widget=GovSubmitInput())
