"""Workspace settings, declared once.

Every setting has a name, a default, a type and a help line, here and nowhere else (as Datasette's
SETTINGS). A workspace's ``anchorkit.toml`` overrides the defaults; an environment variable
``ANCHORKIT_<NAME>`` (dots become double underscores, e.g. ``ANCHORKIT_LOCAL__POSTCODE_PREFIXES``)
overrides the file, so a CI job or a container can change one value without editing files.
Unknown names and wrong types are refused at load, with the offending name in the message.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from anchorkit.data import tag_vocabulary
from anchorkit.errors import SettingsError


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str

    @property
    def kind(self) -> type:
        return type(self.default)


SETTINGS: tuple[Setting, ...] = (
    Setting("currency", "CAD", "ISO currency of amounts with no currency sign or code in them."),
    Setting(
        "network.name",
        "Anchor collaborative",
        "The collaborative's name, printed on report covers and open-data titles.",
    ),
    Setting(
        "fiscal_year.start",
        "04-01",
        "Month and day (MM-DD) on which the fiscal year starts; a line's fiscal_year is the calendar "
        "year in which its fiscal year starts.",
    ),
    Setting(
        "ingest.date_order",
        "dmy",
        "Day-first (dmy) or month-first (mdy) for numeric dates when a file gives no evidence "
        "either way (no day above 12). Files with evidence decide for themselves.",
    ),
    Setting(
        "ingest.header_search_rows",
        30,
        "How many rows from the top of a file or sheet to search for the header row.",
    ),
    Setting(
        "ingest.min_confidence",
        0.5,
        "How sure (0 to 1) the recognition of a file's supplier, amount and date columns must be "
        "for it to load without asking; below it the file stops with the columns found and the "
        "--map option to pass, and the other files still load.",
    ),
    Setting(
        "local.areas",
        [],
        "What counts as local, as 'column: value' pairs on a supplier's place, e.g. "
        '["local_authority: Preston"] or ["toronto_municipality: City of Toronto"] (names or '
        "codes; columns from `anchorkit locate`). When empty, local.postcode_prefixes decides.",
    ),
    Setting(
        "local.radius_km",
        0.0,
        "When above 0 and local.areas is empty: a supplier within this distance of the buying "
        "anchor's site (anchor add --site-postcode) is local.",
    ),
    Setting(
        "local.wider_areas",
        [],
        'A second, wider ring of local, e.g. ["county: Lancashire"]; reported as '
        "wider_local_spend and wider_local_share.",
    ),
    Setting(
        "place.country",
        "",
        "The country (CA, GB or US) postcodes are read as when a code could be more than one; "
        "empty: decided from each code.",
    ),
    Setting(
        "place.regions",
        [],
        'Region packs to place suppliers in, e.g. ["toronto"] or ["lancashire"]: shipped packs '
        "or the workspace's own (anchorkit region add).",
    ),
    Setting(
        "local.postcode_prefixes",
        [],
        'Postcode prefixes counted as local, e.g. ["M4", "M5"] or ["PR", "BB5"]. Spaces and case '
        "are ignored.",
    ),
    Setting(
        "indicators.excluded_categories",
        [],
        "Raw spend categories that are not addressable (payroll, taxes, transfers to other public "
        "bodies...), matched case-insensitively; their spend is reported apart.",
    ),
    Setting(
        "indicators.exclude_not_a_purchase",
        True,
        "Leave lines classified Not a Purchase (precepts, levies, tax and NI remittances, payroll "
        "deductions, refunds to residents, transfers to public bodies) out of addressable spend; "
        "their amount is reported as not_a_purchase_spend either way.",
    ),
    Setting(
        "indicators.non_influenceable_categories",
        [
            "Utilities",
            "payroll",
            "pensions",
            "taxes",
            "business rates",
            "transfers to public bodies",
            "national framework agreements",
        ],
        "Addressable spend an anchor cannot steer to other suppliers (matched like "
        "indicators.excluded_categories, on raw categories and taxonomy names); reported as "
        "non_influenceable_spend beside influenceable_spend.",
    ),
    Setting(
        "engine",
        "duckdb",
        "Where the store lives: duckdb (one file, anchorkit.duckdb) or spark (a Parquet warehouse "
        "under warehouse/, for national networks; see docs/scale.md). `anchorkit --engine` "
        "overrides it for one command.",
    ),
    Setting(
        "spark.master",
        "local[2]",
        "The Spark cluster to run on with engine = spark: local[N] (this machine, N cores), "
        "spark://host:7077, yarn, k8s://... The SPARK_MASTER environment variable and spark-submit "
        "win over it.",
    ),
    Setting("spark.driver_memory", "2g", "Memory of the Spark driver (engine = spark)."),
    Setting(
        "spark.shuffle_partitions",
        8,
        "Partitions of each Spark shuffle (spark.sql.shuffle.partitions): about 2-3 per core of "
        "the cluster; the Spark default of 200 is slow on small networks.",
    ),
    Setting(
        "spark.warehouse",
        "",
        "Folder of the Parquet warehouse (engine = spark); empty: warehouse/ in the workspace. "
        "On a cluster, a path every node reads (a shared mount).",
    ),
    Setting(
        "spark.conf",
        [],
        'Any other Spark settings, as "key=value" strings, e.g. ["spark.executor.memory=8g"].',
    ),
    Setting("indicators.top_suppliers", 10, "How many suppliers the top-suppliers list shows."),
    Setting(
        "ocds.ocid_prefix",
        "ocds-anchorkit",
        "The ocid prefix of the contracting processes `export ocds` makes for spend lines "
        "(<prefix>-<anchor id>-<fiscal year>). Register your own with the Open Contracting "
        "Partnership before publishing; imported OCDS awards keep their own ocids.",
    ),
    Setting(
        "ocds.publisher_name",
        "Anchor collaborative",
        "The publisher named in the OCDS release package `export ocds` writes.",
    ),
    Setting(
        "ocds.package_uri",
        "",
        "The URI where the exported OCDS package will be published; empty: the file's own "
        "file:// URI.",
    ),
    Setting(
        "tags.grace_days",
        90,
        "Days after a certification expires during which its supplier still counts as, e.g., "
        "Indigenous-owned (renewals are often late).",
    ),
    Setting(
        "resolve.match_threshold",
        0.9,
        "Pairs of supplier records the model scores at or above this probability are the same "
        "supplier.",
    ),
    Setting(
        "resolve.cluster_linkage",
        0.4,
        "Two groups of spellings become one supplier only when the mean score over all their "
        "pairs reaches this, so that one strong pair cannot chain unrelated suppliers.",
    ),
    Setting(
        "resolve.identifier_name_score",
        0.5,
        "Two spellings sharing a vendor id (or a registry id) are merged on it only when the "
        "name model scores their names at least this; otherwise they wait in the review queue.",
    ),
    Setting(
        "resolve.max_comparisons",
        200_000_000,
        "Resolution stops, with the numbers, if its blocking rules would compare more pairs of "
        "supplier names than this (memory grows with the pairs).",
    ),
    Setting(
        "resolve.review_threshold",
        0.5,
        "Pairs scored between this and resolve.match_threshold wait in the review queue for a "
        "person.",
    ),
    Setting(
        "publish.min_suppliers",
        5,
        "Small-cell rule: an aggregate of other anchors' spend (or a published figure) with fewer "
        "distinct suppliers than this is suppressed.",
    ),
    Setting(
        "publish.max_supplier_share",
        0.7,
        "Small-cell rule: an aggregate in which one supplier holds more than this share of the "
        "spend is suppressed (it would reveal that supplier's takings).",
    ),
    Setting(
        "web.max_upload_mb",
        50,
        "The largest spend file the dashboard accepts, in megabytes (bigger files: use the CLI).",
    ),
    Setting(
        "web.session_hours",
        8,
        "How long a dashboard login lasts before the user must log in again.",
    ),
    Setting(
        "web.login_attempts",
        5,
        "Failed logins allowed per account or address in 15 minutes before logins are paused.",
    ),
    Setting(
        "web.secure_cookies",
        False,
        "Send session cookies only over HTTPS; turn on when the dashboard is served over HTTPS.",
    ),
    Setting(
        "web.public_url",
        "",
        "The dashboard's address as the public sees it (e.g. https://spend.example.org): links in "
        "feeds are built from it, never from a request's Host header. Empty: the address the "
        "server listens on.",
    ),
    Setting(
        "web.trusted_proxies",
        [],
        'Addresses of the reverse proxies in front of the dashboard (e.g. ["127.0.0.1"]): only '
        "from them are X-Forwarded-For and X-Forwarded-Proto believed. Empty: never, so a client "
        "cannot choose the address its failed logins are counted against.",
    ),
    Setting(
        "classify.taxonomy",
        "",
        "A folder (relative to the workspace) holding the network's own categories.csv (code, "
        "parent, name) and optionally rules.toml; empty: the shipped ProClass-based taxonomy.",
    ),
    Setting(
        "classify.review_threshold",
        0.6,
        "Lines classified with a confidence below this are listed by anchorkit category review.",
    ),
    Setting(
        "classify.min_confidence",
        0.3,
        "Lines whose weighed evidence gives a (calibrated) confidence below this stay "
        "unclassified, reported with their spend, rather than risk a wrong category.",
    ),
    Setting(
        "lm3.rates_file",
        "",
        "A CSV (category,rate; relative to the workspace) of LM3 default re-spend rates by "
        "taxonomy level-1 category, with a 'default' row; empty: anchorkit's shipped assumptions.",
    ),
    Setting(
        "lm3.wage_share",
        0.3,
        "The share of a surveyed supplier's spending that is wages: it counts as local as far as "
        "its staff live locally (local_staff_share), the rest as far as its purchases are local.",
    ),
    Setting(
        "workforce.min_count",
        10,
        "Hiring figures: a count of people below this (but above 0) is shown as suppressed, and "
        "a share is shown only when at least this many people make it up and its part is not a "
        "small count (everywhere: pages, reports, open data, the CLI).",
    ),
    Setting(
        "workforce.living_wage_area",
        "",
        "The living-wage rate the network's pay is judged by: an area of the living-wage table "
        "(e.g. Toronto, London, UK); empty: none (wage bands come from the files as given).",
    ),
    Setting(
        "workforce.living_wage_file",
        "",
        "A CSV (area,year,hourly_rate,currency,source,url; relative to the workspace) replacing "
        "anchorkit's shipped table of living-wage rates; empty: the shipped table.",
    ),
    Setting(
        "workforce.full_time_hours",
        1950.0,
        "Paid hours in a full-time year (37.5 h x 52 weeks), to turn an annual salary and FTE "
        "into an hourly rate when `workforce aggregate` bands pay against the living wage.",
    ),
    Setting(
        "lm3.include_payroll",
        False,
        "Count the anchors' own payroll paid to staff living locally in LM3's second round "
        "(NEF's method allows it as an option); LM3 then says so in its label.",
    ),
    Setting(
        "community.need_statistic",
        "low_income_rate",
        "The neighbourhood statistic (from `region stats import`) that ranks neighbourhoods by "
        "need, for the share of spend, hires and investment reaching the highest-need fifth.",
    ),
    Setting(
        "community.need_direction",
        "high",
        "high: a higher value of community.need_statistic means more need (a low-income or "
        "unemployment rate); low: a lower value does (a median income).",
    ),
    Setting(
        "portal.reminder_days",
        60,
        "Days before a supplier's certification expires that the portal starts reminding the "
        "supplier (and the backbone) to renew it. After expiry, tags.grace_days applies.",
    ),
    Setting(
        "portal.show_own_sales",
        False,
        "Let a supplier see its own total sales to the network, by year (never by anchor, never "
        "another supplier's); off until the network agrees to it.",
    ),
    Setting(
        "portal.diverse_quote_min",
        3000.0,
        "Diverse-quote rule: purchases whose value band reaches above this amount must invite at "
        "least one certified diverse supplier (Toronto's social procurement program: $3,000).",
    ),
    Setting(
        "portal.diverse_quote_max",
        100000.0,
        "Diverse-quote rule: ... and whose value band starts below this amount (Toronto: "
        "$100,000; above it, other rules apply).",
    ),
    Setting(
        "portal.diverse_tags",
        [
            "indigenous_owned",
            "black_owned",
            "women_owned",
            "racialized_owned",
            "disability_owned",
            "lgbtq_owned",
            "newcomer_owned",
            "social_enterprise",
        ],
        "Tags that make a supplier 'certified diverse' for the diverse-quote rule (a registry tag "
        "or a verified portal certification, within its grace period).",
    ),
    Setting(
        "frameworks.folder",
        "frameworks",
        "Folder (in the workspace, or an absolute path) of your own framework packs: one TOML file "
        "each, in the shipped packs' format (docs/frameworks.md). A pack with a shipped pack's id "
        "replaces it.",
    ),
    Setting(
        "frameworks.proxy_values",
        [],
        "£ proxy values per unit of a framework's measures, as 'framework/measure = value' (e.g. "
        '["national-toms/NT18 = 0.5"]); they override a pack\'s own proxy_value.',
    ),
    Setting(
        "frameworks.deadweight",
        0.0,
        "Share (0 to 1) of a measure's outcome that would have happened anyway; every £ social "
        "value figure is reduced by it, and shows it beside the figure.",
    ),
    Setting(
        "frameworks.attribution",
        1.0,
        "Share (0 to 1) of a measure's outcome attributed to the anchor's purchasing; every £ "
        "social value figure is multiplied by it, and shows it beside the figure.",
    ),
    Setting(
        "commitments.return_days",
        30,
        "Days after a quarter ends by which a supplier's return of actuals is due; a return "
        "received later is listed as late, none at all as missing.",
    ),
    Setting(
        "portal.match_radius_km",
        25.0,
        "Suppliers within this distance of an opportunity's location count as local to it in "
        "the shortlist; the distance score falls to nothing at twice this distance.",
    ),
    Setting(
        "portal.shortlist_size",
        10,
        "How many suppliers an opportunity's shortlist shows.",
    ),
    Setting(
        "portal.evidence_max_mb",
        10,
        "The largest certification evidence file (PDF, PNG or JPEG) a supplier may upload.",
    ),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def _coerce(setting: Setting, value: Any, origin: str) -> Any:
    """Check a value against the setting's type; environment values arrive as text."""
    kind = setting.kind
    if isinstance(value, str) and kind is not str:
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise SettingsError(
                f"Setting {setting.name} from {origin} must be {kind.__name__}, got {value!r}."
            ) from exc
    if kind is list and isinstance(value, list):
        return [str(v) for v in value]
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if kind is int and isinstance(value, bool):
        raise SettingsError(f"Setting {setting.name} from {origin} must be a whole number.")
    if not isinstance(value, kind):
        raise SettingsError(
            f"Setting {setting.name} from {origin} must be {kind.__name__}, got {value!r}."
        )
    return value


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


@dataclass(frozen=True)
class Settings:
    values: Mapping[str, Any]

    def __getitem__(self, name: str) -> Any:
        if name not in _BY_NAME:
            raise SettingsError(f"There is no setting called {name!r}.")
        return self.values.get(name, _BY_NAME[name].default)

    @property
    def fiscal_year_start(self) -> tuple[int, int]:
        text = str(self["fiscal_year.start"])
        try:
            month, day = (int(part) for part in text.split("-"))
            if not (1 <= month <= 12 and 1 <= day <= 28):
                raise ValueError
        except ValueError as exc:
            raise SettingsError(
                f"fiscal_year.start must be MM-DD with a day from 1 to 28, e.g. 04-01; got {text!r}."
            ) from exc
        return month, day


def load_settings(toml_path: Path | None, environ: Mapping[str, str] | None = None) -> Settings:
    """Read defaults, then the workspace file, then the environment."""
    values: dict[str, Any] = {}
    if toml_path is not None and toml_path.exists():
        try:
            raw = tomllib.loads(toml_path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"{toml_path} is not valid TOML: {exc}") from exc
        for name, value in _flatten(raw).items():
            if name not in _BY_NAME:
                raise SettingsError(
                    f"{toml_path} sets {name!r}, which is not a setting. "
                    f"Known settings: {', '.join(sorted(_BY_NAME))}."
                )
            values[name] = _coerce(_BY_NAME[name], value, str(toml_path))
    env = os.environ if environ is None else environ
    for setting in SETTINGS:
        key = "ANCHORKIT_" + setting.name.upper().replace(".", "__")
        if key in env:
            values[setting.name] = _coerce(setting, env[key], f"environment variable {key}")
    settings = Settings(values)
    settings.fiscal_year_start  # noqa: B018 - validate at load, not at first use
    if not 0 <= settings["ingest.min_confidence"] <= 1:
        raise SettingsError("ingest.min_confidence must be between 0 and 1.")
    if settings["ingest.date_order"] not in ("dmy", "mdy"):
        raise SettingsError("ingest.date_order must be 'dmy' or 'mdy'.")
    if not 0 < settings["resolve.review_threshold"] <= settings["resolve.match_threshold"] < 1:
        raise SettingsError(
            "Need 0 < resolve.review_threshold <= resolve.match_threshold < 1 (probabilities)."
        )
    if not 0 <= settings["classify.min_confidence"] <= settings["classify.review_threshold"] <= 1:
        raise SettingsError(
            "Need 0 <= classify.min_confidence <= classify.review_threshold <= 1 (confidences)."
        )
    if settings["community.need_direction"] not in ("high", "low"):
        raise SettingsError("community.need_direction must be 'high' or 'low'.")
    for name in ("frameworks.deadweight", "frameworks.attribution"):
        if not 0 <= settings[name] <= 1:
            raise SettingsError(f"{name} must be a share from 0 to 1; got {settings[name]}.")
    unknown = [t for t in settings["portal.diverse_tags"] if t not in tag_vocabulary()]
    if unknown:
        raise SettingsError(
            f"portal.diverse_tags names {', '.join(unknown)}, which is not a tag. "
            f"Tags: {', '.join(tag_vocabulary())}."
        )
    return settings


def write_setting(toml_path: Path, name: str, value: Any) -> None:
    """Set one top-level setting in a workspace's ``anchorkit.toml``, keeping every other line
    (comments included): its line (or commented default) is replaced, else one is added at the
    top. Checked by reading the file back."""
    if name not in _BY_NAME:
        raise SettingsError(f"There is no setting called {name!r}.")
    _coerce(_BY_NAME[name], value, "the new value")
    text = toml_path.read_text(encoding="utf-8") if toml_path.exists() else ""
    lines = text.splitlines()
    line = f"{name} = {_toml_value(value)}"
    pattern = re.compile(rf"^\s*#?\s*{re.escape(name)}\s*=")
    found = None
    for number, old in enumerate(lines):
        if old.lstrip().startswith("["):  # a table header: top-level keys end here
            break
        if pattern.match(old):
            found = number
            if not old.lstrip().startswith("#"):
                break  # the set value wins over a commented default above it
    if found is None:
        lines.insert(0, line)
    else:
        lines[found] = line
    new = "\n".join(lines) + "\n"
    toml_path.write_text(new, encoding="utf-8")
    load_settings(toml_path, environ={})


def render_toml(overrides: Mapping[str, Any] | None = None) -> str:
    """The text of a new anchorkit.toml: every setting, commented with its help, overrides set."""
    overrides = dict(overrides or {})
    lines = ["# anchorkit workspace settings. Every setting is listed with its default.", ""]
    for setting in SETTINGS:
        lines.append(f"# {setting.help}")
        value = overrides.pop(setting.name, setting.default)
        rendered = f"{setting.name} = {_toml_value(value)}"
        lines.append(rendered if value != setting.default else f"# {rendered}")
        lines.append("")
    if overrides:
        raise SettingsError(f"Unknown settings: {', '.join(sorted(overrides))}.")
    return "\n".join(lines)


def _toml_value(value: Any) -> str:
    """``value`` as TOML, so that uncommenting any line of a new anchorkit.toml gives valid TOML."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(str(value))
