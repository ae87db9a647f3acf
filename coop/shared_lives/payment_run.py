"""The monthly payment run: what each household is owed from what was delivered, posted to
the ledger once, and the statements and tax-year summaries read back from it."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from coop import clock
from coop.extensions import db
from coop.members import roles
from coop.members.models import Member
from coop.money import format_pence
from coop.payments import ledger, postings
from coop.payments.models import TransactionKind
from coop.shared_lives import carer_pay, service
from coop.shared_lives.models import (
    Arrangement,
    ArrangementType,
    CarerPayment,
    Household,
    RateTable,
    Stay,
    StayKind,
)

#: What the council owes the scheme for care it commissions.
COUNCIL = postings.funding_account("council")


def person_account(referral_id: int) -> postings.Account:
    """What a person owes the scheme for rent and their household contribution."""
    return postings.funding_account(f"person-{referral_id}")


class PaymentError(service.SharedLivesError):
    pass


def rates_on(day: date) -> RateTable | None:
    return db.session.scalar(
        select(RateTable).where(RateTable.starts_on <= day).order_by(RateTable.starts_on.desc())
    )


def rate_history() -> list[RateTable]:
    return list(db.session.scalars(select(RateTable).order_by(RateTable.starts_on.desc())))


def set_rates(by: Member, starts_on: date, now: datetime | None = None, **pence: int) -> RateTable:
    """A coordinator sets the rates from a date; earlier rates are kept."""
    if not service.can_coordinate(by):
        raise PaymentError("Only a Shared Lives coordinator can set the rates.")
    if any(not isinstance(v, int) or v < 0 for v in pence.values()):
        raise PaymentError("Rates must be whole pence, £0 or more.")
    table = RateTable(starts_on=starts_on, made_at=now or clock.now(), made_by_id=by.id, **pence)
    try:
        with db.session.begin_nested():
            db.session.add(table)
    except IntegrityError:
        raise PaymentError("Rates already start on that date.", "starts_on") from None
    return table


def as_rates(table: RateTable) -> carer_pay.Rates:
    return carer_pay.Rates(
        band_weekly=(
            table.band_1_weekly_pence,
            table.band_2_weekly_pence,
            table.band_3_weekly_pence,
            table.band_4_weekly_pence,
        ),
        short_break_nightly=table.short_break_nightly_pence,
        day_session={4: table.day_4h_pence, 6: table.day_6h_pence, 8: table.day_8h_pence},
    )


def _payer(referral) -> str | int:
    return referral.person_id if referral.paid_from_budget and referral.person_id else "council"


def lines_for(household: Household, month: date, rates: carer_pay.Rates) -> list[carer_pay.Line]:
    """Everything delivered by the household in the month, each with what it earns."""
    lines = []
    for arrangement in db.session.scalars(
        select(Arrangement)
        .where(
            Arrangement.household_id == household.id,
            Arrangement.arrangement_type == ArrangementType.LONG_TERM,
        )
        .order_by(Arrangement.starts_on, Arrangement.id)
    ):
        line = carer_pay.long_term_line(
            rates,
            month,
            who=arrangement.referral.person_name,
            band=arrangement.rate_band,
            starts_on=arrangement.starts_on,
            ends_on=arrangement.ends_on,
            rent_weekly=arrangement.rent_weekly_pence,
            contribution_weekly=arrangement.contribution_weekly_pence,
            payer=_payer(arrangement.referral),
            person=arrangement.referral_id,
        )
        if line:
            lines.append(line)
    for stay in db.session.scalars(
        select(Stay)
        .where(
            Stay.household_id == household.id,
            Stay.kind != StayKind.CARERS_BREAK,
            Stay.cancelled_at.is_(None),  # a cancelled stay is never paid
        )
        .order_by(Stay.starts_on, Stay.id)
    ):
        who = stay.referral.person_name if stay.referral else "a person"
        payer = _payer(stay.referral) if stay.referral else "council"
        if stay.kind is StayKind.SHORT_BREAK:
            line = carer_pay.short_break_line(
                rates, month, who=who, starts_on=stay.starts_on, ends_on=stay.ends_on, payer=payer
            )
        else:
            line = carer_pay.day_support_line(
                rates, month, who=who, on=stay.starts_on, hours=stay.hours,
                people=stay.people, payer=payer,
            )  # fmt: skip
        if line:
            lines.append(line)
    return lines


def transaction_for(household_id: int, lines: list[carer_pay.Line], memo: str):
    """The balanced ledger transaction: who owes the scheme each line (the council or the
    person's budget for the care fee, the person for rent and their contribution), and what
    the scheme owes the carer household, with fee, rent and contribution as separate lines."""
    entries = []
    for line in lines:
        if line.care_fee_pence:
            payer = COUNCIL if line.payer == "council" else postings.budget_account(line.payer)
            entries.append(postings.Entry(payer, line.care_fee_pence))
        if line.rent_pence:
            entries.append(postings.Entry(person_account(line.person), line.rent_pence))
        if line.contribution_pence:
            entries.append(postings.Entry(person_account(line.person), line.contribution_pence))
    carer = postings.carer_payable_account(household_id)
    for part in ("care_fee_pence", "rent_pence", "contribution_pence"):
        total = sum(getattr(line, part) for line in lines)
        if total:
            entries.append(postings.Entry(carer, -total))
    return postings.Transaction(tuple(entries), memo)


@dataclass(frozen=True)
class RunResult:
    paid: list[CarerPayment]
    already_paid: list[str]
    refused: list[str]


def run(month: date, by: Member | None, now: datetime | None = None) -> RunResult:
    """Pay every approved household for the month, once each: the UNIQUE (household, month)
    stops a second payment. A household whose budget-paid care a budget cannot cover is
    refused, with the reason, and nothing of it is posted."""
    if by is not None and not service.can_coordinate(by):
        raise PaymentError("Only a Shared Lives coordinator can run the payments.")
    now = now or clock.now()
    month = month.replace(day=1)
    next_month = (month + timedelta(days=32)).replace(day=1)
    if next_month > clock.london_today(now):
        raise PaymentError(
            "Pay a month once it has ended, so the payments are for care actually given: "
            f"{month:%B %Y} ends on {next_month - timedelta(days=1):%d %B %Y}."
        )
    table = rates_on(month)
    if table is None:
        raise PaymentError("Set the rates before running the payments.")
    rates = as_rates(table)
    paid, already, refused = [], [], []
    for household in db.session.scalars(select(Household).order_by(Household.id)):
        lines = lines_for(household, month, rates)
        if not lines:
            continue
        if db.session.scalar(
            select(CarerPayment.id).where(
                CarerPayment.household_id == household.id, CarerPayment.month == month
            )
        ):
            already.append(household.name)
            continue
        try:
            with db.session.begin_nested():
                paid.append(_pay(household, month, lines, by, now))
        except postings.InsufficientFunds as error:
            refused.append(f"{household.name}: {error}")
        except IntegrityError:
            already.append(household.name)
    return RunResult(paid, already, refused)


def _pay(household, month, lines, by, now) -> CarerPayment:
    for member_id in {line.payer for line in lines if line.payer != "council"}:
        member = db.session.get(Member, member_id)
        locked = ledger.lock_budget(member)
        needed = sum(line.care_fee_pence for line in lines if line.payer == member_id)
        available = ledger.balance_of(locked)
        if needed > available or not roles.is_budget_holder(member):
            raise postings.InsufficientFunds(postings.budget_account(member_id), available, needed)
    memo = f"Shared Lives carer payment: {household.name}, {month:%B %Y}"
    stored = ledger.post(
        transaction_for(household.id, lines, memo),
        TransactionKind.CARER_PAYMENT,
        posted_by=by,
        now=now,
    )
    payment = CarerPayment(
        household_id=household.id,
        month=month,
        care_fee_pence=sum(line.care_fee_pence for line in lines),
        rent_pence=sum(line.rent_pence for line in lines),
        contribution_pence=sum(line.contribution_pence for line in lines),
        lines="\n".join(
            f"{line.what}|{line.care_fee_pence}|{line.rent_pence}|{line.contribution_pence}"
            for line in lines
        ),
        transaction_id=stored.id,
        made_at=now,
    )
    db.session.add(payment)
    db.session.flush()
    return payment


def statement(household: Household) -> list[CarerPayment]:
    return list(
        db.session.scalars(
            select(CarerPayment)
            .where(CarerPayment.household_id == household.id)
            .order_by(CarerPayment.month.desc())
        )
    )


def statement_lines(payment: CarerPayment) -> list[tuple[str, int, int, int]]:
    rows = []
    for text in payment.lines.splitlines():
        what, fee, rent, contribution = text.rsplit("|", 3)
        rows.append((what, int(fee), int(rent), int(contribution)))
    return rows


def statement_csv(household: Household) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Month", "What", "Care fee", "Rent", "Household contribution", "Total"])
    for payment in reversed(statement(household)):
        for what, fee, rent, contribution in statement_lines(payment):
            writer.writerow(
                [
                    f"{payment.month:%Y-%m}",
                    what,
                    f"{fee / 100:.2f}",
                    f"{rent / 100:.2f}",
                    f"{contribution / 100:.2f}",
                    f"{(fee + rent + contribution) / 100:.2f}",
                ]
            )
    return out.getvalue()


@dataclass(frozen=True)
class TaxYear:
    starts_on: date
    ends_on: date
    receipts_pence: int
    months: int

    @property
    def label(self) -> str:
        return f"{self.starts_on.year} to {self.ends_on.year}"

    @property
    def receipts(self) -> str:
        return format_pence(self.receipts_pence)


def tax_years(household: Household) -> list[TaxYear]:
    """Receipts for care by UK tax year (6 April to 5 April), for Qualifying Care Relief.

    A month's payment counts in the tax year of its first day.
    """
    years: dict[date, list[CarerPayment]] = {}
    for payment in statement(household):
        start, _end = carer_pay.tax_year_of(payment.month)
        years.setdefault(start, []).append(payment)
    return [
        TaxYear(
            start,
            carer_pay.tax_year_of(start)[1],
            sum(p.total_pence for p in found),
            len(found),
        )
        for start, found in sorted(years.items(), reverse=True)
    ]
