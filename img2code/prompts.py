"""Prompt rendering: one jinja2 environment over templates/prompts, strict about missing values."""

from __future__ import annotations

from functools import cache

import jinja2


@cache
def environment() -> jinja2.Environment:
    """The shared environment; StrictUndefined turns a missing variable into an error, not blank text."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("img2code.templates", "prompts"),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        autoescape=False,  # prompts are plain text, not HTML
    )


def render_prompt(name: str, **values: object) -> str:
    """Render ``templates/prompts/NAME.j2`` with ``values``."""
    return environment().get_template(f"{name}.j2").render(**values).strip()
