#!/usr/bin/env python3
"""Hugo content from kohyo's open-data export, for bench/peers.sh.

Reads every edition file DATA_DIR/<municipality>/<series>/<edition>.json (the format of
data/schema/kohyo-data.schema.json) and writes one Markdown page per edition with the same
text as kohyo's edition page: title, municipality, department, fiscal year, sections, every
item (number, title, body, actions, targets, progress, results and the other fields) and the
indicators, plus an _index.md for each municipality and series so Hugo lists them.

    python3 bench/hugo-content.py DATA_DIR HUGO_SITE_DIR
"""

import json
import re
import sys
from pathlib import Path


def esc(text):
    """Text as literal Markdown: no emphasis, links, raw HTML or list markers."""
    text = re.sub(r"([\\`*_\[\]<>#|~{}])", r"\\\1", " ".join(str(text).split()))
    return re.sub(r"^([-+]|\d+\.)", r"\\\1", text)


def point(p):
    if not p:
        return "—"
    return f"{p['value']}（{p.get('fiscal_year_label') or p['fiscal_year']}）"


def lines(label, values):
    return [f"**{esc(label)}**", ""] + [f"- {esc(v)}" for v in values] + [""] if values else []


def edition_page(e):
    labels = e["labels"]
    out = []
    for key in ("subtitle", "document", "note", "period", "published"):
        if e.get(key):
            out += [esc(e[key]), ""]
    for s in e["sections"]:
        out += [f"## {esc(' '.join(filter(None, [s.get('number'), s['title']])))}", ""]
        if s.get("body"):
            out += [esc(s["body"]), ""]
    for it in e["items"]:
        head = " ".join(filter(None, [it.get("number"), it.get("title")]))
        out += [f"{'#' * min(it['depth'] + 2, 6)} {esc(head)} {{#{it['anchor']}}}", ""]
        if it.get("body"):
            out += [esc(it["body"]), ""]
        for key in ("actions", "targets", "progress", "results"):
            out += lines(labels[key], it[key])
        out += lines(labels["schedule"], [f"{s['fiscal_year_label']}: {s['value']}" for s in it["schedule"]])
        out += lines(labels["actors"], [f"{a['actor']}: {a['role']}" for a in it["actors"]])
        for key in ("evaluation", "owner", "status"):
            if it.get(key):
                out += [f"**{esc(labels[key])}**: {esc(it[key])}", ""]
        if it.get("see"):
            out += [f"{esc(labels['see'])}: {esc(it['see']['text'])}", ""]
    if e["indicators"]:
        out += [f"## {esc(labels['indicators'])}", ""]
        for i in e["indicators"]:
            actual = "、".join(f"{a['value']}（{a.get('as_of') or ''}）" for a in i["actual"])
            out.append(
                f"- {esc(' '.join(filter(None, [i.get('number'), i['name']])))}"
                f"（{esc(i.get('unit') or '')}）: 基準 {esc(point(i['baseline']))} → 目標 "
                f"{esc(point(i['target']))}; 実績 {esc(actual or '—')} {esc(i.get('note') or '')}"
            )
        out.append("")
    return out


def front(**params):
    return json.dumps(params, ensure_ascii=False, indent=1) + "\n\n"


def main(data_dir, site_dir):
    data, content = Path(data_dir), Path(site_dir) / "content"
    lists = {}
    for path in sorted(data.glob("*/*/*.json")):
        for e in json.loads(path.read_text(encoding="utf-8"))["editions"]:
            m, series = e["municipality"], e["series"]
            lists[m["code"]] = (e["url"].split("/")[1], f"{m['prefecture']}{m['name']}")
            lists[series["id"]] = (series["id"], f"{series['title']}（{e['department']}）")
            page = content / (e["url"].strip("/") + ".md")
            page.parent.mkdir(parents=True, exist_ok=True)
            title = f"{e['title']}（{m['name']} {e['department']}）"
            head = front(title=title, department=e["department"], when=e["when"],
                         municipality=f"{m['prefecture']}{m['name']}",
                         fiscal_year=e["fiscal_year"], stage=e["stage_label"])
            page.write_text(head + "\n".join(edition_page(e)), encoding="utf-8")
    for folder, title in lists.values():
        (content / folder / "_index.md").write_text(front(title=title), encoding="utf-8")


if __name__ == "__main__":
    main(*sys.argv[1:3])
