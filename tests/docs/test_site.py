"""The documentation site builds in strict mode, and strict mode fails on what makes docs wrong.

``mkdocs build --strict`` (mkdocs.yml, docs/hooks.py) fails on a broken link or anchor, on a stale
docs/steps.md or docs/keywords.json, and on a keyword link in the generated reference that leads
nowhere. Without mkdocs installed these tests are skipped, except in CI (CI=true), where a missing
mkdocs is a failure: .ci/run installs it with the ``docs`` extra.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def require_mkdocs() -> None:
    if importlib.util.find_spec("mkdocs") is None or importlib.util.find_spec("material") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("mkdocs and mkdocs-material are missing: pip install -e '.[docs]'")
        pytest.skip("mkdocs is not installed (pip install -e '.[docs]')")


def mkdocs_build(config: Path, site: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(config), "--site-dir", str(site)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )


def hooks() -> ModuleType:
    spec = importlib.util.spec_from_file_location("c104test_docs_hooks", ROOT / "docs" / "hooks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_site_builds_in_strict_mode(tmp_path: Path) -> None:
    require_mkdocs()
    site = tmp_path / "site"
    done = mkdocs_build(ROOT / "mkdocs.yml", site)
    assert done.returncode == 0, done.stderr
    assert "WARNING" not in done.stderr, done.stderr
    keywords = (site / "keywords" / "index.html").read_text(encoding="utf-8")
    spec = hooks().library_spec()
    for kw in spec["keywords"]:
        assert f'id="{hooks()._slug(kw["name"])}"' in keywords, kw["name"]
    index = (site / "index.html").read_text(encoding="utf-8")
    first_line = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()[2]
    assert first_line.strip() in index, "the home page is the README"
    for page in ("guide", "profile", "pics", "fat", "conformance", "steps", "c104-differences"):
        assert (site / page / "index.html").is_file(), page
    assert (site / "repo" / "c104test" / "engine" / "demo_rtu.yaml").is_file()
    assert (site / "repo" / "keywords" / "substation_fat.robot").is_file()


def test_strict_mode_fails_on_a_broken_link(tmp_path: Path) -> None:
    require_mkdocs()
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text("# Home\n\nSee [the guide](guide.md).\n", encoding="utf-8")
    (tmp_path / "mkdocs.yml").write_text("site_name: tiny\n", encoding="utf-8")
    done = mkdocs_build(tmp_path / "mkdocs.yml", tmp_path / "site")
    assert done.returncode != 0
    assert "guide.md" in done.stderr


def test_our_configuration_fails_on_broken_links_and_stale_references(tmp_path: Path) -> None:
    """The project's own configuration and hooks, on a copy of docs/ with four defects."""
    require_mkdocs()
    docs = tmp_path / "docs"
    shutil.copytree(ROOT / "docs", docs, ignore=shutil.ignore_patterns("__pycache__"))
    guide = docs / "guide.md"
    guide.write_text(
        guide.read_text(encoding="utf-8")
        + "\nSee [nothing](no-such-page.md), [Send It](keywords.md#send-it) and"
        " [the tools](../no/such/file.txt).\n",
        encoding="utf-8",
    )
    steps = docs / "steps.md"
    steps.write_text(steps.read_text(encoding="utf-8") + "\nAn edit by hand.\n", encoding="utf-8")
    config = tmp_path / "mkdocs.yml"
    config.write_text(
        f"INHERIT: {ROOT / 'mkdocs.yml'}\ndocs_dir: {docs}\nhooks:\n  - {ROOT / 'docs' / 'hooks.py'}\n",
        encoding="utf-8",
    )
    done = mkdocs_build(config, tmp_path / "site")
    assert done.returncode != 0
    assert "no-such-page.md" in done.stderr
    assert "#send-it" in done.stderr
    assert "repo/no/such/file.txt" in done.stderr
    assert "docs/steps.md is out of date" in done.stderr


def test_a_keyword_link_to_nowhere_in_the_reference_is_reported() -> None:
    require_mkdocs()
    spec = {
        "doc": '<p>Intro, see <a href="#Open%20It">Open It</a>.</p><h2 id="Usage">Usage</h2><p>'
               '<a href="#Usage">Usage</a> and <a href="#Close%20It">Close It</a></p>',
        "version": "1",
        "inits": [],
        "keywords": [{"name": "Open It", "shortdoc": "Opens.", "doc": "<p>Opens.</p>", "args": [],
                      "source": "x.py"}],
        "typedocs": [],
    }
    markdown, problems = hooks().render_keywords(spec)
    assert problems == ["a link to #Close It, which is neither a keyword, a section nor a type"]
    assert 'href="#open-it"' in markdown and 'href="#usage"' in markdown
    assert "### Open It { #open-it }" in markdown and "## Usage { #usage }" in markdown


def test_links_out_of_docs_point_to_copies_in_the_site() -> None:
    require_mkdocs()
    module = hooks()
    module._repo_path_of.clear()
    module._repo_path_of["index.md"] = "README.md"
    readme_like = "[a](docs/guide.md#x) [b](keywords/) [c](https://x.org/y) [`d`](e#f)\n```\n[f](g.md)\n```\n"
    assert module._rewrite_links(readme_like, "index.md") == (
        "[a](guide.md#x) [b](repo/keywords/index.md) [c](https://x.org/y) [`d`](repo/e#f)\n```\n[f](g.md)\n```\n"
    )
    assert module._rewrite_links("[p](../c104test/engine/demo_rtu.yaml)", "profile.md") == (
        "[p](repo/c104test/engine/demo_rtu.yaml)"
    )
