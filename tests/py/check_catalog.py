"""Reads a built site's data/catalog.jsonld as RDF (rdflib) and checks it with the DCAT-AP 3
shapes of tests/dcat-ap-3-shapes.ttl (pyshacl), as a data portal's harvester would.

    python tests/py/check_catalog.py CATALOG BASE_IRI

BASE_IRI is where the catalogue is published, against which relative IRIs resolve (a site
built with a bare-path base_url). Prints one JSON object: whether it conforms, the counts of
violations and warnings, of catalogues, datasets and distributions, every dataset's identifier
and title, every IRI the catalogue names, and the first results as pyshacl words them.
"""

import json
import sys
from pathlib import Path

from pyshacl import validate
from rdflib import RDF, Graph, Namespace, URIRef

DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCT = Namespace("http://purl.org/dc/terms/")
SH = Namespace("http://www.w3.org/ns/shacl#")

catalog, base = sys.argv[1], sys.argv[2]
data = Graph().parse(catalog, format="json-ld", publicID=base)
shapes_file = Path(__file__).resolve().parent.parent / "dcat-ap-3-shapes.ttl"
shapes = Graph().parse(shapes_file, format="turtle")
conforms, report, text = validate(data, shacl_graph=shapes, ont_graph=shapes, inference="none")

results = list(report.subjects(RDF.type, SH.ValidationResult))
severity = lambda r: str(report.value(r, SH.resultSeverity)).rsplit("#", 1)[-1]
counts = {"Violation": 0, "Warning": 0, "Info": 0}
for r in results:
    counts[severity(r)] += 1
messages = sorted(
    f"{severity(r)}: {report.value(r, SH.focusNode)} {report.value(r, SH.resultPath)}: {report.value(r, SH.resultMessage)}"
    for r in results
)
datasets = sorted(
    (
        {"identifier": str(data.value(d, DCT.identifier)), "title": str(data.value(d, DCT.title)), "iri": str(d)}
        for d in data.subjects(RDF.type, DCAT.Dataset)
    ),
    key=lambda d: d["identifier"],
)
iris = sorted({str(o) for t in data for o in t if isinstance(o, URIRef)})
print(json.dumps({
    "conforms": conforms,
    "violations": counts["Violation"],
    "warnings": counts["Warning"],
    "catalogues": len(set(data.subjects(RDF.type, DCAT.Catalog))),
    "datasets": datasets,
    "distributions": len(set(data.subjects(RDF.type, DCAT.Distribution))),
    "triples": len(data),
    "iris": iris,
    "results": messages[:20],
}, ensure_ascii=False))
