"""A Griffe extension for the API reference: show docstrings written for Python's doctest well.

tinygrad_ng's docstrings are read by two tools. ``doctest`` runs their ``>>>`` examples (see
tests/test_docs.py); mkdocstrings renders them as Markdown, where a bare ``>>>`` would become a
nested block quote. Before rendering, this extension

- wraps each doctest example (a ``>>>`` line up to the next blank line) in a ``pycon`` code fence,
  and drops ``# doctest:`` directives from it;
- turns Sphinx roles such as ``:func:`grad``` into plain inline code.

It is loaded by ``mkdocs.yml`` (``extensions: [docs/griffe_doctest.py]``); the package itself
does not depend on it.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:func|class|meth|mod|data|attr|obj|exc):`~?([^`]+)`")
_DIRECTIVE = re.compile(r"\s*#\s*doctest:.*$")


def render_doctests(text: str) -> str:
    """``text`` with each top-level doctest example fenced as ``pycon`` and Sphinx roles as code."""
    out: list[str] = []
    in_fence = in_example = False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
        if not in_fence and not in_example and line.startswith(">>>"):
            out.append("```pycon")
            in_example = True
        if in_example and not line.strip():
            out.append("```")
            in_example = False
        if in_example:
            out.append(_DIRECTIVE.sub("", line))
        else:
            out.append(line if in_fence else _ROLE.sub(r"`\1`", line))
    if in_example:
        out.append("```")
    return "\n".join(out)


class DoctestAsCode(griffe.Extension):
    """Rewrite every docstring with :func:`render_doctests` once the object tree is loaded."""

    def on_object(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        """Rewrite ``obj``'s docstring, if it has one."""
        if obj.docstring is not None:
            obj.docstring.value = render_doctests(obj.docstring.value)
