"""CLI commands of the dashboard: serve, publish, user add/list/demo."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path
from typing import Annotated

import typer

from anchorkit.cli.common import _open, _print_json, app, err, friendly, out
from anchorkit.errors import AccountError, EngineError
from anchorkit.records.accounts import ROLES, Actor, add_user, list_users
from anchorkit.records.appdb import database_url, open_app_db
from anchorkit.workspace import workspace_root

user_app = typer.Typer(help="Dashboard accounts.", no_args_is_help=True)
app.add_typer(user_app, name="user")

DEMO_PASSWORD = "anchorkit-demo"


@app.command()
@friendly
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Serve the dashboard and its JSON API (docs at /api/docs) until Ctrl-C.

    While it runs the server is the store's one writer: other commands that write wait for it.
    """
    import uvicorn

    from anchorkit.web.app import create_app

    with _open() as ws:
        application = create_app(ws)
        # X-Forwarded-* only from the proxies named in web.trusted_proxies (uvicorn would
        # otherwise believe any client on 127.0.0.1, and failed logins count per address)
        proxies = [str(p) for p in ws.settings["web.trusted_proxies"]]
        out.print(f"anchorkit dashboard: http://{host}:{port}/  (API docs: /api/docs)")
        uvicorn.run(
            application,
            host=host,
            port=port,
            log_level="warning",
            proxy_headers=bool(proxies),
            forwarded_allow_ips=proxies or None,
        )


@app.command()
@friendly
def publish(
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Also write the publication as open data (CSV, Parquet)."),
    ] = None,
) -> None:
    """Publish today's network indicators (small cells suppressed) to the public page and,
    with --out, as open data with a Frictionless datapackage.json."""
    from anchorkit.views.store import Store
    from anchorkit.views.workflows import latest_publication
    from anchorkit.views.workflows import publish as publish_now

    with _open() as ws:
        db = open_app_db(database_url(ws.root))
        store = Store(ws)
        try:
            number = publish_now(store, db, Actor(email="(cli)", role="admin"), "cli")
        finally:
            store.close()
        publication = latest_publication(db)
    out.print(f"Published: publication {number}.")
    if out_dir is not None and publication is not None:
        from anchorkit.reports.opendata import write_open_data

        files = write_open_data(publication, out_dir, title="Published indicators")
        out.print(f"Open data: {len(files)} files in {out_dir} (see datapackage.json).")


def _anchor_exists(name: str) -> None:
    try:
        with _open() as ws:
            ws.anchor(name)
    except EngineError:
        err.print(f"(the store is in use, so {name!r} was not checked against the anchors)")


@user_app.command("add")
@friendly
def user_add(
    email: Annotated[str, typer.Argument(help="The person's email; it is their login.")],
    role: Annotated[str, typer.Option(help=f"One of: {', '.join(ROLES)}.")],
    anchor: Annotated[
        str | None, typer.Option(help="For role anchor: the anchor whose data they see.")
    ] = None,
    supplier: Annotated[
        str | None, typer.Option(help="For role supplier: the supplier id.")
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Create a dashboard account (the password is asked for, or read with --password-stdin)."""
    if anchor:
        _anchor_exists(anchor)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            raise AccountError("The two passwords differ; nothing was created.")
    from anchorkit.cli.common import state

    db = open_app_db(database_url(workspace_root(state.workspace)))
    user = add_user(db, email, role, password, anchor_name=anchor, supplier_id=supplier)
    out.print(f"Created {user.email} ({user.role}{': ' + anchor if anchor else ''}).")


@user_app.command("list")
@friendly
def user_list(json_output: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Dashboard accounts (never their passwords)."""
    from anchorkit.cli.common import state

    users = list_users(open_app_db(database_url(workspace_root(state.workspace))))
    rows = [
        {"email": u.email, "role": u.role, "anchor": u.anchor_name, "supplier": u.supplier_id}
        for u in users
    ]
    if json_output:
        _print_json(rows)
        return
    if not rows:
        out.print("No dashboard accounts yet: anchorkit user add EMAIL ROLE (or user demo).")
    for r in rows:
        out.print(f"{r['email']}  {r['role']}  {r['anchor'] or r['supplier'] or ''}")


@user_app.command("demo")
@friendly
def user_demo() -> None:
    """Demo accounts for a demo network: an admin, an analyst, two anchor users, a supplier
    (linked to a record), a supplier with no record yet (to try a claim), a community partner."""
    with _open() as ws:
        names = [
            a
            for (a,) in ws.engine.query(
                "demo_anchors", "SELECT name FROM anchor ORDER BY anchor_id LIMIT 2"
            )
        ]
        supplier = ws.engine.query("demo_supplier", "SELECT min(supplier_id) FROM supplier")[0][0]
        root = ws.root
    if len(names) < 2:
        raise AccountError("This workspace has fewer than two anchors; run `anchorkit demo` first.")
    db = open_app_db(database_url(root))
    accounts = [
        ("admin@demo.anchorkit.org", "admin", None, None),
        ("analyst@demo.anchorkit.org", "analyst", None, None),
        ("anchor1@demo.anchorkit.org", "anchor", names[0], None),
        ("anchor2@demo.anchorkit.org", "anchor", names[1], None),
    ]
    if supplier:
        accounts.append(("supplier@demo.anchorkit.org", "supplier", None, supplier))
    accounts.append(("newsupplier@demo.anchorkit.org", "supplier", None, None))
    accounts.append(("partner@demo.anchorkit.org", "partner", None, None))
    existing = {u.email for u in list_users(db)}
    for email, role, anchor, supplier_id in accounts:
        if email not in existing:
            add_user(db, email, role, DEMO_PASSWORD, anchor_name=anchor, supplier_id=supplier_id)
        note = (
            anchor or supplier_id or ("claims a record in the portal" if role == "supplier" else "")
        )
        out.print(f"  {email:<30} {role:<8} {note}")
    out.print(f"  password for each: {DEMO_PASSWORD}  (demo only: never use these on real data)")
