// Validates every JSON file of a built site's open data against the schemas kohyo ships, with
// ajv in strict mode (JSON Schema draft 2020-12): the editions' JSON under data/
// (data/schema/kohyo-data.schema.json) and every compare page's changes.json
// (data/schema/kohyo-compare.schema.json). A file is matched to a schema by its $schema.
//
//   node tests/js/validate-data.mjs PUBLIC_DIR
// Prints {"validated": n, "changes": n, "errors": [...]} and exits 1 when any file is invalid.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import Ajv2020 from "ajv/dist/2020.js";

const root = process.argv[2];
const data = join(root, "data");
const compile = (name) =>
  new Ajv2020({ allErrors: true, strict: true }).compile(
    JSON.parse(readFileSync(join(data, "schema", name), "utf8")),
  );
const schemas = {
  "kohyo-data.schema.json": compile("kohyo-data.schema.json"),
  "kohyo-compare.schema.json": compile("kohyo-compare.schema.json"),
};

function* walk(dir) {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* walk(path);
    else yield path;
  }
}

const errors = [];
let validated = 0;
let changes = 0;
for (const path of walk(root)) {
  if (!path.endsWith(".json")) continue;
  const doc = JSON.parse(readFileSync(path, "utf8"));
  if (typeof doc.$schema !== "string") continue;
  const name = Object.keys(schemas).find((n) => doc.$schema.endsWith("/" + n));
  if (!name) continue;
  if (name === "kohyo-data.schema.json") validated += 1;
  else changes += 1;
  const validate = schemas[name];
  if (!validate(doc)) {
    errors.push({ file: relative(root, path), errors: validate.errors.slice(0, 5) });
  }
}
console.log(JSON.stringify({ validated, changes, errors }));
process.exit(errors.length ? 1 : 0);
