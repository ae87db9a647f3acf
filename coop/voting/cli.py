"""Command-line tools for surplus ballots: `flask voting ...`."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from coop.voting.tally_cli import HELP, count_file

voting_cli = AppGroup("voting", help="Surplus ballots: count participatory-budgeting (.pb) files.")


@voting_cli.command("tally-pb", with_appcontext=False, help=HELP["command"])
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--rule", type=click.Choice(["mes", "greedy"]), default=None, help=HELP["rule"])
@click.option("--completion/--no-completion", default=None, help=HELP["completion"])
@click.option("--comparison/--no-comparison", default=None, help=HELP["comparison"])
def tally_pb(file: Path, rule: str | None, completion: bool | None, comparison: bool | None):
    """The same count as the `coop-tally` console script, which needs no app."""
    code = count_file(file, rule, completion, comparison)
    if code:
        raise SystemExit(code)


@voting_cli.command("export-pb")
@click.argument("ballot_id", type=int)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file instead of standard output.",
)
def export_pb(ballot_id: int, output: Path | None) -> None:
    """Write closed surplus ballot BALLOT_ID as a pabulib .pb file, anonymous and weighted."""
    import sys

    from coop.extensions import db
    from coop.voting import surplus
    from coop.voting.models import SurplusBallot
    from coop.voting.pabulib import write_pb
    from coop.voting.service import VotingError

    ballot = db.session.get(SurplusBallot, ballot_id)
    if ballot is None:
        click.echo(f"Error: there is no surplus ballot {ballot_id}", err=True)
        raise SystemExit(2)
    try:
        election = surplus.export_pb(ballot)
    except VotingError as error:
        click.echo(f"Error: {error}", err=True)
        raise SystemExit(2) from None
    write_pb(election, output if output is not None else sys.stdout)
    if output is not None:
        click.echo(
            f"Wrote {len(election.votes)} votes on {len(election.projects)} proposals to {output}",
            err=True,
        )


def send_notices_now() -> str:
    """Email members about motions that opened, close within a day, or have closed; say how
    many. The emails go into the outbox in the transaction that marks each notice sent."""
    from coop.extensions import db
    from coop.voting import emails

    sent = emails.send_due_notices()
    db.session.commit()
    return (
        f"Sent {sent['opening']} opening, {sent['reminder']} reminder and "
        f"{sent['result']} result emails."
    )


def earmark_surplus_now() -> str:
    """Set aside the funded proposals of surplus ballots that have closed; say how many."""
    from coop.extensions import db
    from coop.voting import surplus

    done = surplus.earmark_closed_ballots()
    db.session.commit()
    return f"Set aside {done} funded proposal{'' if done == 1 else 's'} of closed surplus ballots."


@voting_cli.command("earmark-surplus")
def earmark_surplus() -> None:
    """Set aside in the accounts the funded proposals of surplus ballots that have closed.

    The worker runs it every 15 minutes; the secretary's button on the results page does the
    same at once."""
    click.echo(earmark_surplus_now())


@voting_cli.command("send-notices")
def send_notices() -> None:
    """Email members about motions that opened, close within a day, or have closed.

    The worker runs it every five minutes; each email goes only once.
    """
    click.echo(send_notices_now())
