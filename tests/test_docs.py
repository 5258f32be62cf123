"""Documentation keeps up with the code: every setting and every command is documented."""

import re
from pathlib import Path

from migration_kb.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_every_environment_setting_is_documented():
    used = set()
    for path in (ROOT / "src").rglob("*.py"):
        used |= set(re.findall(r"MIGRATION_KB_[A-Z_]+", path.read_text(encoding="utf-8")))
    documented = set(re.findall(r"MIGRATION_KB_[A-Z_]+", (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")))
    assert used - documented == set()


def test_every_command_is_documented():
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    for name, command in main.commands.items():
        subcommands = getattr(command, "commands", None)
        for sub in subcommands or [None]:
            phrase = f"{name} {sub}" if sub else name
            assert f"`{phrase}" in text, phrase
