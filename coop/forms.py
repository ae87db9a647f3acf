"""Form fields shared by every domain."""

from govuk_frontend_wtf.wtforms_widgets import GovDateInput
from wtforms import DateField


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
