"""Build the keyword reference of IEC104Library with Libdoc: docs/keywords.html and docs/keywords.json.

    python docs/build_keyword_docs.py              # regenerate both files
    python docs/build_keyword_docs.py --check      # CI: fail on Libdoc warnings, undocumented
                                                   # arguments, or files that are out of date
    python docs/build_keyword_docs.py --output-dir DIR

Libdoc runs in a child process so that every warning it prints is seen. The exit status is 0
when the documentation built cleanly (and, with --check, is up to date).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

LIBRARY = "c104test.keywords.IEC104Library"
DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
OUTPUTS = ("keywords.html", "keywords.json")


def run_libdoc(target: Path) -> list[str]:
    """Write ``target`` with Libdoc; return the problems it reported (empty when clean)."""
    options = ["--specdocformat", "HTML"] if target.suffix == ".json" else []
    process = subprocess.run(
        [sys.executable, "-m", "robot.libdoc", *options, LIBRARY, str(target)],
        capture_output=True,
        text=True,
        check=False,
    )
    problems = [line for line in process.stderr.splitlines() if line.strip()]
    if process.returncode != 0:
        problems.append(f"libdoc exited with status {process.returncode}: {process.stdout.strip()}")
    elif not target.is_file():
        problems.append(f"libdoc did not write {target}")
    else:
        relativize(target)
    return problems


def relativize(target: Path) -> None:
    """Source paths relative to the repository, so the files do not depend on the checkout."""
    text = target.read_text(encoding="utf-8")
    prefix = ROOT.as_posix() + "/"
    if prefix in text:
        target.write_text(text.replace(prefix, ""), encoding="utf-8")


def spec_problems(spec: dict) -> list[str]:
    """Keywords with import errors, and arguments without documentation."""
    problems = []
    for kw in [*spec.get("inits", []), *spec.get("keywords", [])]:
        name = kw.get("name") or "library import"
        if kw.get("error"):
            problems.append(f"{name}: {kw['error']}")
        if not kw.get("doc"):
            problems.append(f"{name}: no documentation")
        for arg in kw.get("args", []):
            if arg.get("name") and not arg.get("doc"):
                problems.append(f"{name}: argument '{arg['name']}' is not documented")
    return problems


def comparable(spec: object) -> object:
    """The spec without what changes on every build or with every edit above a keyword."""
    if isinstance(spec, dict):
        return {k: comparable(v) for k, v in spec.items() if k not in ("generated", "lineno")}
    if isinstance(spec, list):
        return [comparable(item) for item in spec]
    return spec


def build(output_dir: Path) -> list[str]:
    output_dir.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    for name in OUTPUTS:
        problems += run_libdoc(output_dir / name)
    spec_file = output_dir / "keywords.json"
    if spec_file.is_file():
        problems += spec_problems(json.loads(spec_file.read_text(encoding="utf-8")))
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output-dir", type=Path, default=DOCS, help="where to write (default: docs/)")
    parser.add_argument(
        "--check", action="store_true", help="build into a temporary folder and compare with docs/"
    )
    args = parser.parse_args(argv)
    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            problems = build(Path(tmp))
            fresh = Path(tmp) / "keywords.json"
            current = args.output_dir / "keywords.json"
            if fresh.is_file():
                if not current.is_file():
                    problems.append(f"{current} is missing; run: python docs/build_keyword_docs.py")
                else:
                    new = comparable(json.loads(fresh.read_text(encoding="utf-8")))
                    old = comparable(json.loads(current.read_text(encoding="utf-8")))
                    if new != old:
                        problems.append(
                            f"{current} is out of date; run: python docs/build_keyword_docs.py"
                        )
    else:
        problems = build(args.output_dir)
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems and not args.check:
        for name in OUTPUTS:
            print(args.output_dir / name)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
