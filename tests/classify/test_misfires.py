"""Every misfire of issue 11, pinned: one clue must not decide against the rest of the line.

The lines are written for these tests (not copied from any file); each is a kind of payment a
public body's ledger carries, with the single word that used to decide it wrongly. Expected
families are read off ``data/taxonomy/categories.csv``: 270000 Information Communication
Technology, 180000 Environmental Services, 390000 Works, 380000 Vehicle Management, 200000
Financial Services, 290000 Arts & Leisure Services, 900000 Not a Purchase (901000 Precepts &
Levies, 902000 Tax & National Insurance Remittances, 904000 Payments & Refunds to Residents).
"""

from __future__ import annotations

import pytest

from anchorkit.classify import Classifier, LineKey
from tests.classify.lines import key as line


def family(classifier: Classifier, key: LineKey) -> str | None:
    (decision,) = classifier.decide([key])
    if decision.code is None:
        return None
    return classifier.taxonomy.categories[decision.code].level1_code


@pytest.mark.parametrize(
    ("key", "expected", "not_expected"),
    [
        # "maintenance" is not building works when it maintains software or computers
        (line("SOFTWARE MAINT & LICENSING", None, "Northgate Systems Ltd"), "270000", "390000"),
        (line("COMPUTER RENTAL & MAINT", None, "Acme Leasing plc"), "270000", "390000"),
        (line("Annual maintenance - planning software"), "270000", "390000"),
        # "media" is not advertising in a water-treatment filter
        (line(None, "TREATMENT FILTER MEDIA", "Aqua Process Supplies"), "180000", "190000"),
        # "water" is not a utility bill in a water-main construction contract
        (
            line("Capital works", "Water main renewal - phase 2", "Dee Civils Ltd"),
            "390000",
            "370000",
        ),
        (line("WATER MAIN CONSTRUCTION", None, "Northern Pipelines Ltd"), "390000", "370000"),
        # "delivery" is not a courier in household support fund payments
        (
            line("Household Support Fund", "Delivery of food vouchers to families", "Voucher Co"),
            "900000",
            "300000",
        ),
        # "lift" is not a passenger lift on a refuse-collection vehicle
        (
            line(
                "Vehicle purchase",
                "Refuse collection vehicle with bin lift",
                "Municipal Trucks Ltd",
            ),
            "380000",
            "190000",
        ),
        # "healthcare" in an insurer's name does not make staff medical-insurance claims healthcare
        (
            line("Employee medical insurance claims", None, "Western Healthcare Insurance Ltd"),
            "200000",
            "310000",
        ),
        # "council" in an arts council's name does not make an arts contract a financial service
        (
            line(None, "Community arts programme contract", "Arts Council of Northshire"),
            "290000",
            "200000",
        ),
        # precepts and tax / NI remittances buy nothing
        (line("Parish precept 2025/26", None, "Upton Town Council"), "900000", "200000"),
        (
            line(
                None, "Police precept - instalment 4", "Office of the Police and Crime Commissioner"
            ),
            "900000",
            "200000",
        ),
        (line("PAYE & Employers NI - March", None, "HM Revenue & Customs"), "900000", "200000"),
        (line("National insurance contributions", None, "HMRC"), "900000", "200000"),
    ],
)
def test_one_word_does_not_decide(
    classifier: Classifier, key: LineKey, expected: str, not_expected: str
) -> None:
    got = family(classifier, key)
    assert got != not_expected
    assert got == expected


def test_a_supplier_name_alone_is_weak(classifier: Classifier) -> None:
    """With nothing but the name, the name speaks — below the review threshold, never sure."""
    (decision,) = classifier.decide([line("GL 52310", None, "Arts Council England")])
    assert decision.code is None or decision.confidence < 0.6
    assert (decision.code or "")[:2] != "20"  # not Financial Services for the word "council"


def test_precepts_and_remittances_land_in_their_own_codes(classifier: Classifier) -> None:
    precept, tax, refund = classifier.decide(
        [
            line("Parish precept", None, "Upton Town Council"),
            line("PAYE and NI remittance", None, "HMRC"),
            line("Council tax refund", None, "A Resident"),
        ]
    )
    assert (precept.code, tax.code, refund.code) == ("901000", "902000", "904000")
