"""The treasurer's pages for individual service funds the co-op manages."""

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from coop.auth import allowed_only_if
from coop.extensions import db
from coop.forms import show_error
from coop.money import format_pence, parse_pounds
from coop.payments import funds, ledger, service
from coop.payments.forms import FundPaymentForm, RepeatingForm
from coop.payments.models import FundPayment, FundPaymentKind, RepeatEvery
from coop.payments.views import _budget_holder_or_404, bp

treasurer_required = allowed_only_if(funds.can_manage_funds)


@bp.get("/treasurer/funds")
@treasurer_required
def treasurer_funds():
    holders = [h for h in service.budget_holders() if funds.manages_fund(h.member)]
    return render_template(
        "payments/treasurer_funds.html", holders=holders, problems=funds.problems()
    )


def _fund_page(member, pay_form=None, repeat_form=None, status=200):
    return render_template(
        "payments/treasurer_fund.html",
        member=member,
        balance=ledger.budget_balance(member),
        payments=funds.fund_payments(member),
        repeating=[r for r in funds.repeating_of(member)],
        pay_form=pay_form or FundPaymentForm(prefix="pay"),
        repeat_form=repeat_form or RepeatingForm(prefix="repeat"),
    ), status


def _fund_holder_or_404(member_id: int):
    member = _budget_holder_or_404(member_id, approved=True)
    if not funds.manages_fund(member):
        abort(404)
    return member


@bp.get("/treasurer/funds/<int:member_id>")
@treasurer_required
def treasurer_fund(member_id: int):
    return _fund_page(_fund_holder_or_404(member_id))


@bp.post("/treasurer/funds/<int:member_id>/pay")
@treasurer_required
def treasurer_fund_pay(member_id: int):
    member = _fund_holder_or_404(member_id)
    form = FundPaymentForm(prefix="pay")
    if not form.validate_on_submit():
        return _fund_page(member, pay_form=form, status=400)
    try:
        upload = form.receipt.data
        receipt = None
        if upload and getattr(upload, "filename", ""):
            # Read one byte past the limit, so a huge file is refused without reading it all.
            receipt = funds.store_receipt(
                upload.filename, upload.read(funds.MAX_RECEIPT_BYTES + 1), current_user
            )
        payment = funds.pay_from_fund(
            member,
            form.payee.data,
            FundPaymentKind(form.kind.data),
            parse_pounds(form.amount.data),
            form.paid_on.data,
            form.reference.data,
            by=current_user,
            receipt=receipt,
        )
        db.session.commit()
    except funds.FundError as error:
        db.session.rollback()
        show_error(form, error, "amount", error.message.rstrip("."))
        return _fund_page(member, pay_form=form, status=400)
    flash(f"{format_pence(payment.amount_pence)} paid to {payment.payee} is recorded.", "success")
    return redirect(url_for("payments.treasurer_fund", member_id=member.id))


@bp.post("/treasurer/funds/<int:member_id>/repeating")
@treasurer_required
def treasurer_fund_repeating(member_id: int):
    member = _fund_holder_or_404(member_id)
    form = RepeatingForm(prefix="repeat")
    if not form.validate_on_submit():
        return _fund_page(member, repeat_form=form, status=400)
    try:
        repeating = funds.set_up_repeating(
            member,
            form.payee.data,
            FundPaymentKind(form.kind.data),
            parse_pounds(form.amount.data),
            RepeatEvery(form.every.data),
            form.starts_on.data,
            form.reference.data,
            by=current_user,
        )
        db.session.commit()
    except funds.FundError as error:
        db.session.rollback()
        show_error(form, error, "amount", error.message.rstrip("."))
        return _fund_page(member, repeat_form=form, status=400)
    flash(
        f"{format_pence(repeating.amount_pence)} to {repeating.payee} "
        f"{repeating.every.label.lower()} is set up.",
        "success",
    )
    return redirect(url_for("payments.treasurer_fund", member_id=member.id))


@bp.get("/fund-payments/<int:payment_id>/receipt")
@login_required
def fund_receipt(payment_id: int):
    """A payment's receipt, for the treasurer or the person whose fund paid it."""
    payment = db.session.get(FundPayment, payment_id)
    if payment is None or payment.receipt is None:
        abort(404)
    if not (funds.can_manage_funds(current_user) or payment.member_id == current_user.id):
        abort(404)
    extension = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}
    name = f"receipt-{payment.id}.{extension[payment.receipt.content_type]}"
    return Response(
        payment.receipt.data,
        mimetype=payment.receipt.content_type,
        headers={
            "Content-Disposition": f"attachment; filename={name}",
            "X-Content-Type-Options": "nosniff",
        },
    )
