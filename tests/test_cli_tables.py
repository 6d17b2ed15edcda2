"""CLI tables show every value whole: a cell wraps at a narrow terminal, it is never cut short
with "…" (the category review showed "descripti…", `indicators --by category` "Social Community
…"), and a figure is never broken over two lines."""

from __future__ import annotations

import ast
import io
from pathlib import Path

from rich.console import Console

from anchorkit.cli.common import wrapping_table

CLI = Path(__file__).resolve().parents[1] / "src" / "anchorkit" / "cli"


def test_a_narrow_terminal_wraps_cells_and_keeps_figures_whole() -> None:
    table = wrapping_table("supplier", "description", "spend", numeric=("spend",))
    table.add_row("Social Community Care Supplies & Services", "Accessibilityupgrades", "1,067,485")
    out = io.StringIO()
    Console(file=out, width=40, force_terminal=True, color_system=None).print(table)
    text = out.getvalue()
    assert "…" not in text
    assert "1,067,485" in text  # whole, on one line
    cells = [line.split("│")[1:-1] for line in text.splitlines() if line.count("│") == 4]
    column = ["".join(c[i].strip() for c in cells) for i in range(3)]
    assert column[0].replace(" ", "") == "SocialCommunityCareSupplies&Services"
    assert column[1] == "Accessibilityupgrades"


def test_no_cli_table_may_cut_a_value_short() -> None:
    """Every CLI table is a ``wrapping_table``, or one whose columns say how they wrap: a rich
    ``Table("header", ...)`` cuts words longer than its column with "…"."""
    found = []
    for path in sorted(CLI.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            if name == "Table" and any(isinstance(a, ast.Constant) for a in node.args):
                found.append(f"{path.name}:{node.lineno}: Table with plain headers")
            if name == "add_column":
                words = {k.arg: k.value for k in node.keywords}
                overflow = words.get("overflow")
                cut = isinstance(overflow, ast.Constant) and overflow.value in ("ellipsis", "crop")
                if cut or "max_width" in words:
                    found.append(f"{path.name}:{node.lineno}: a column that cuts values short")
    assert not found, "\n".join(found)
