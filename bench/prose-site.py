#!/usr/bin/env python3
"""A site of long Japanese prose for the search benchmarks (bench/prose.sh).

Every Japanese man page of Debian's manpages-ja (its files extracted under MAN_DIR, e.g.
`usr/share/man/ja`) is formatted by groff and becomes one edition of its own series, each
man-page section (名前, 書式, 説明, オプション…) a `[[sections]]` entry whose body is the
section's text; the sample site's 一関市 plan (content/ichinoseki) is copied beside them.
Pages that only include another (`.so`) and links are skipped. Output is deterministic.

    python3 bench/prose-site.py MAN_DIR OUT_DIR
"""

import gzip
import json
import pathlib
import re
import shutil
import subprocess
import sys

REPO = pathlib.Path(__file__).resolve().parent.parent
# 千代田区's code (with its check digit): a valid 全国地方公共団体コード for the man pages.
CODE = "131016"


def render(source: bytes) -> str:
    """A man page as plain UTF-8 text, lines unbroken up to 200 characters."""
    out = subprocess.run(
        ["groff", "-k", "-Tutf8", "-mandoc", "-rLL=200n", "-P-cbou"],
        input=source,
        capture_output=True,
        check=False,
    )
    return out.stdout.decode("utf-8", "replace")


def sections(text: str):
    """(heading, paragraphs) of each section: headings are the lines at column 0, between the
    running head (first line) and foot (last line)."""
    lines = [l.rstrip() for l in text.splitlines()]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    lines = lines[1:-1]
    out = []
    for line in lines:
        if line and not line[0].isspace():
            out.append((line.strip(), [[]]))
        elif out:
            paragraphs = out[-1][1]
            if line.strip():
                paragraphs[-1].append(line.strip())
            elif paragraphs[-1]:
                paragraphs.append([])
    return [
        (heading, [" ".join(p) for p in paragraphs if p])
        for heading, paragraphs in out
        if any(paragraphs)
    ]


def toml_string(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's), shortcode delimiters broken up."""
    for a, b in (("{{", "{ {"), ("{%", "{ %"), ("{#", "{ #")):
        text = text.replace(a, b)
    return json.dumps(text, ensure_ascii=False)


def markdown(paragraph: str) -> str:
    """A paragraph as Markdown text: characters that would start markup escaped."""
    return re.sub(r"([\\`*_\[\]<>#|~])", r"\\\1", paragraph)


def main() -> None:
    man, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    content = out / "content"
    if content.exists():
        shutil.rmtree(content)
    shutil.copytree(REPO / "content" / "ichinoseki", content / "ichinoseki")
    shutil.copy(REPO / "content" / "_dictionary.csv", content / "_dictionary.csv")
    (out / "kohyo.toml").write_text(
        'title = "日本語マニュアルと一関市の計画"\nbase_url = "/"\nlanguage = "ja"\n'
        'theme = "default"\n',
        encoding="utf-8",
    )
    root = content / "manpages"
    root.mkdir(parents=True)
    (root / "_municipality.toml").write_text(
        f'name = "日本語マニュアル"\nprefecture = "東京都"\ncode = "{CODE}"\n', encoding="utf-8"
    )
    pages = 0
    for path in sorted(man.glob("man*/*.gz")):
        if path.is_symlink():
            continue
        source = gzip.decompress(path.read_bytes())
        if source.lstrip().startswith(b".so "):
            continue
        parts = sections(render(source))
        if not parts:
            continue
        name = path.name[: -len(".gz")]
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        series = root / slug
        if series.exists():
            continue
        series.mkdir()
        title = parts[0][1][0] if parts[0][1] else name
        (series / "_series.toml").write_text(
            f'title = {toml_string(name)}\nkind = "plan"\nlevels = ["項目"]\n', encoding="utf-8"
        )
        toml = [f"title = {toml_string(title[:200])}", "fiscal_year = 2024", 'stage = "plan"', ""]
        for i, (heading, paragraphs) in enumerate(parts, 1):
            body = "\n\n".join(markdown(p) for p in paragraphs)
            toml += [
                "[[sections]]",
                f'id = "s{i}"',
                f"title = {toml_string(heading[:200])}",
                f"body = {toml_string(body)}",
                "",
            ]
        (series / "ja.toml").write_text("\n".join(toml), encoding="utf-8")
        pages += 1
    print(f"{pages} man pages")


if __name__ == "__main__":
    main()
