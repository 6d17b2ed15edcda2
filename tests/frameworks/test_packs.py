"""Framework packs: the shipped ones load, a user's own pack is read (or refused, saying why),
proxy values and the adjustments of every £ figure."""

from __future__ import annotations

from pathlib import Path

import pytest

from anchorkit.data import tag_vocabulary
from anchorkit.errors import FrameworkError, SettingsError
from anchorkit.frameworks.evaluate import social_value
from anchorkit.frameworks.packs import find_framework, load_frameworks, parse_pack
from anchorkit.settings import Settings, load_settings

SHIPPED = {"anchor-dashboard", "han-ipc", "national-toms", "toronto-spp"}
PACK = """
[framework]
id = "{id}"
name = "Our council's framework"
source = "https://example.org/framework"
version = "2024"

[categories]
"Community business" = ["co_op", "social_enterprise"]

[[measures]]
id = "community"
name = "Spend with community businesses"
compute = "spend"
tags = ["Community business"]
proxy_value = 0.25
"""


def test_shipped_packs_load_with_source_and_version(tmp_path: Path) -> None:
    packs = load_frameworks(tmp_path, Settings({}))
    assert set(packs) == SHIPPED
    for pack in packs.values():
        assert pack.source.startswith("https://") and pack.version and pack.shipped
        assert all(set(m.tags) <= set(tag_vocabulary()) for m in pack.measures)


def test_a_user_pack_is_added_and_can_replace_a_shipped_one(tmp_path: Path) -> None:
    folder = tmp_path / "frameworks"
    folder.mkdir()
    (folder / "ours.toml").write_text(PACK.format(id="ours"))
    (folder / "toms.toml").write_text(
        PACK.format(id="national-toms").replace("Our council's framework", "TOMs, our way")
    )
    packs = load_frameworks(tmp_path, Settings({}))
    assert set(packs) == SHIPPED | {"ours"}
    assert not packs["ours"].shipped and packs["ours"].measures[0].tags == (
        "co_op",
        "social_enterprise",
    )
    assert [m.id for m in packs["national-toms"].measures] == ["community"]
    # by name too, case ignored
    assert find_framework(tmp_path, Settings({}), "OUR COUNCIL'S FRAMEWORK").id == "ours"
    with pytest.raises(
        FrameworkError, match="There is no framework 'nope'. Loaded: anchor-dashboard"
    ):
        find_framework(tmp_path, Settings({}), "nope")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('source = "https://example.org/framework"\n', ""), "needs source"),
        (('["co_op", "social_enterprise"]', '["co_operative"]'), "maps onto co_operative, not in"),
        (
            ('tags = ["Community business"]', 'tags = ["Big business"]'),
            "tag 'Big business' is neither",
        ),
        (('compute = "spend"', 'compute = "magic"'), "compute must be one of"),
        (('compute = "spend"', 'compute = "none"'), "must say why"),
        (('compute = "spend"', 'compute = "lever"\nlever = "payroll"'), "names its figure"),
        (("proxy_value = 0.25", 'proxy_value = "a lot"'), "proxy_value must be a number"),
        (("proxy_value = 0.25", "weight = 2"), "unknown keys weight"),
        (("[[measures]]", "[[measures"), "is not valid TOML"),
    ],
)
def test_a_bad_pack_is_refused_saying_where_and_why(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    text = PACK.format(id="ours").replace(*change)
    assert text != PACK.format(id="ours")
    with pytest.raises(FrameworkError, match=message) as caught:
        parse_pack(text, "ours.toml")
    assert str(caught.value).startswith("Framework pack ours.toml")


def test_two_user_packs_with_one_id_are_refused(tmp_path: Path) -> None:
    folder = tmp_path / "frameworks"
    folder.mkdir()
    for name in ("a.toml", "b.toml"):
        (folder / name).write_text(PACK.format(id="ours"))
    with pytest.raises(FrameworkError, match="has id 'ours', like"):
        load_frameworks(tmp_path, Settings({}))


def test_proxy_values_from_settings_and_the_adjustments(tmp_path: Path) -> None:
    settings = Settings(
        {
            "frameworks.proxy_values": ["national-toms/NT20 = 0.5"],
            "frameworks.deadweight": 0.2,
            "frameworks.attribution": 0.5,
        }
    )
    nt20 = next(
        m for m in find_framework(tmp_path, settings, "national-toms").measures if m.id == "NT20"
    )
    assert nt20.proxy_value == 0.5
    # 2,000 × 0.5 × (1 − 0.2) × 0.5 = 400
    assert social_value(nt20, "2000.00", settings) == {
        "social_value": 400.0,
        "deadweight": 0.2,
        "attribution": 0.5,
    }
    assert social_value(nt20, None, settings)["social_value"] is None
    for bad in (["national-toms/NT99 = 1"], ["NT20 = 1"], ["national-toms/NT20 = lots"]):
        with pytest.raises(FrameworkError, match="frameworks.proxy_values"):
            load_frameworks(tmp_path, Settings({"frameworks.proxy_values": bad}))


def test_adjustments_and_diverse_tags_are_checked_at_load(tmp_path: Path) -> None:
    toml = tmp_path / "anchorkit.toml"
    toml.write_text("[frameworks]\ndeadweight = 1.5\n")
    with pytest.raises(SettingsError, match="frameworks.deadweight must be a share"):
        load_settings(toml, environ={})
    toml.write_text('[portal]\ndiverse_tags = ["purple_owned"]\n')
    with pytest.raises(SettingsError, match="purple_owned, which is not a tag"):
        load_settings(toml, environ={})


def test_one_tag_vocabulary_for_registries_and_certifications() -> None:
    from anchorkit.portal.certifications import TAGS
    from anchorkit.resolve.registries.tags import allowed_tags

    assert set(TAGS) == set(allowed_tags()) == set(tag_vocabulary())
    # the union of both former lists, plus what the shipped frameworks count
    for tag in (
        "veteran_owned",
        "minority_owned",
        "newcomer_owned",
        "living_wage",
        "employee_owned",
        "non_profit",
        "disability_owned",
    ):
        assert tag in TAGS
