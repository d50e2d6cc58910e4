// Validates every JSON file of a built site's open data against the schema kohyo ships
// (data/schema/kohyo-data.schema.json, JSON Schema draft 2020-12), with ajv.
//
//   node tests/js/validate-data.mjs PUBLIC_DIR
// Prints {"validated": n, "errors": [...]} and exits 1 when any file is invalid.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import Ajv2020 from "ajv/dist/2020.js";

const root = process.argv[2];
const data = join(root, "data");
const schema = JSON.parse(readFileSync(join(data, "schema", "kohyo-data.schema.json"), "utf8"));
const validate = new Ajv2020({ allErrors: true, strict: true }).compile(schema);

function* walk(dir) {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* walk(path);
    else yield path;
  }
}

const errors = [];
let validated = 0;
for (const path of walk(data)) {
  if (!path.endsWith(".json")) continue;
  const doc = JSON.parse(readFileSync(path, "utf8"));
  if (typeof doc.$schema !== "string" || !doc.$schema.endsWith("kohyo-data.schema.json")) continue;
  validated += 1;
  if (!validate(doc)) {
    errors.push({ file: relative(root, path), errors: validate.errors.slice(0, 5) });
  }
}
console.log(JSON.stringify({ validated, errors }));
process.exit(errors.length ? 1 : 0);
