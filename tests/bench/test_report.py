"""`make bench` keeps the README's table current without touching the rest of the README."""

from __future__ import annotations

from bench.report import README_END, README_START, readme_with_table

TABLE = "\n".join(
    [
        "# Benchmark results (`make bench`)",
        "",
        "Machine: two cores",
        "",
        "| Measure | Value |",
        "|---|---|",
        "| Engine | 8,000 |",
        "",
    ]
)


def test_it_replaces_only_what_lies_between_the_markers() -> None:
    readme = f"# socscope\n\nBefore.\n\n{README_START}\nold table\n{README_END}\n\nAfter.\n"

    updated = readme_with_table(readme, TABLE)

    assert "old table" not in updated
    assert "| Engine | 8,000 |" in updated
    assert updated.startswith("# socscope\n\nBefore.\n\n")
    assert updated.endswith(f"{README_END}\n\nAfter.\n")
    assert "# Benchmark results" not in updated


def test_running_it_twice_gives_the_same_readme() -> None:
    readme = f"Intro\n{README_START}\n{README_END}\nOutro\n"

    once = readme_with_table(readme, TABLE)

    assert readme_with_table(once, TABLE) == once


def test_a_readme_without_markers_is_left_as_it_is() -> None:
    readme = "# socscope\n\nNo table here.\n"

    assert readme_with_table(readme, TABLE) == readme
