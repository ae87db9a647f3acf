"""Command groups whose code is imported only when one of their commands is used."""

from importlib import import_module

import click
from flask.cli import with_appcontext

#: Each `flask` command group: where it is defined, and the help `flask --help` shows for it
#: (a test checks that this help is the group's own).
GROUPS = {
    "db": ("flask_migrate.cli:db", "Perform database migrations."),
    "members": ("coop.members.cli:members_cli", "Manage members from the command line."),
    "demo": ("coop.demo:demo_cli", "Demo data for trying the site out."),
    "voting": (
        "coop.voting.cli:voting_cli",
        "Surplus ballots: count participatory-budgeting (.pb) files.",
    ),
    "marketplace": (
        "coop.marketplace.cli:marketplace_cli",
        "Marketplace jobs: insurance checks and sessions.",
    ),
    "payments": (
        "coop.payments.cli:payments_cli",
        "Money jobs: repeating payments from funds, card refunds, reconciling.",
    ),
    "shared-lives": (
        "coop.shared_lives.cli:shared_lives_cli",
        "Shared Lives jobs: reminders of what falls due, and carer payments.",
    ),
    "support": (
        "coop.support.cli:support_cli",
        "PA cover jobs: tell the bank, flag unfilled cover.",
    ),
    "pools": (
        "coop.support.pool_cli:pools_cli",
        "Pooled funds: members whose notice has ended leave.",
    ),
}


class LazyGroup(click.Group):
    """Stands for the command group at `"module:attribute"`, importing it only when used, so
    that a server, `flask --help` or a cron job does not import every other command's code
    (the demo data, the pabulib reader, Alembic). Once used it runs as the real group."""

    def __init__(self, name: str, target: str, help: str) -> None:
        super().__init__(name, help=help)
        self.target = target

    def load(self) -> click.Group:
        """The group this one stands for, imported on first use."""
        module, attribute = self.target.split(":")
        return getattr(import_module(module), attribute)

    def make_context(self, info_name, args, parent=None, **extra) -> click.Context:
        """Run as the real group, with its own options and callback, once it is used."""
        return self.load().make_context(info_name, args, parent=parent, **extra)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return self.load().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return self.load().get_command(ctx, cmd_name)


@click.command("worker")
@click.option(
    "--once", is_flag=True, help="Run the jobs that are due and send the outbox once, then stop."
)
@with_appcontext
def worker(once: bool) -> None:
    """Send the email outbox, retrying what fails, and run the scheduled jobs.

    One process in place of cron lines: voting notices, waiting-list offers, insurance checks
    and new sessions. Run one or several (they share the work safely).
    """
    from coop import worker as the_worker

    if not once:
        the_worker.run_forever(click.echo)
        return
    delivery, reports = the_worker.run_once()
    for report in reports:
        click.echo(report)
    click.echo(the_worker.describe(delivery))


def init_app(app) -> None:
    """Add every command group to the app's `flask` command, unimported until it is used."""
    for name, (target, help) in GROUPS.items():
        app.cli.add_command(LazyGroup(name, target, help))
    app.cli.add_command(worker)
