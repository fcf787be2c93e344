"""notebooks/README.md shows the glossary of crmlib.glossary, not a copy that drifts."""

from __future__ import annotations

from conftest import ROOT

from crmlib.glossary import glossary_markdown


def test_the_lessons_readme_carries_the_generated_glossary():
    readme = (ROOT / "notebooks" / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Glossary"):]
    assert glossary_markdown(None).strip() in section, (
        "notebooks/README.md's glossary differs from crmlib.glossary: regenerate the section "
        "from glossary_markdown(None)"
    )
