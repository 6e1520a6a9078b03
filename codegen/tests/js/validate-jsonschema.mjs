// Compiles every `*.schema.json` file of a directory with Ajv (JSON Schema draft 2020-12, strict
// mode), each on its own (so each must be self-contained), then checks sample instances.
//
//   node validate-jsonschema.mjs DIR SAMPLES
//
// SAMPLES maps every file name to {"valid": [...], "invalid": [...]}. Prints one line per file
// and exits 0, or prints the failures and exits 1.
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import Ajv2020 from "ajv/dist/2020.js";

const [dir, samplesFile] = process.argv.slice(2);
if (!dir || !samplesFile) {
  console.error("usage: node validate-jsonschema.mjs DIR SAMPLES");
  process.exit(2);
}
const samples = JSON.parse(await readFile(samplesFile, "utf8"));
const files = (await readdir(dir)).filter((f) => f.endsWith(".schema.json")).sort();
const failures = [];
for (const file of files) {
  const schema = JSON.parse(await readFile(join(dir, file), "utf8"));
  // A fresh instance per file: nothing may resolve through another file.
  // `format` values such as `int64` are annotations here, not assertions.
  const ajv = new Ajv2020({ strict: true, validateFormats: false, allErrors: true });
  let validate;
  try {
    validate = ajv.compile(schema);
  } catch (error) {
    failures.push(`${file}: does not compile: ${error.message}`);
    continue;
  }
  const cases = samples[file];
  if (!cases) {
    failures.push(`${file}: no samples (add some to ${samplesFile})`);
    continue;
  }
  for (const instance of cases.valid) {
    if (!validate(instance)) {
      failures.push(`${file}: rejects ${JSON.stringify(instance)}: ${ajv.errorsText(validate.errors)}`);
    }
  }
  for (const instance of cases.invalid) {
    if (validate(instance)) {
      failures.push(`${file}: accepts ${JSON.stringify(instance)}`);
    }
  }
  console.log(`${file}: compiled, ${cases.valid.length} valid and ${cases.invalid.length} invalid samples checked`);
}
for (const file of Object.keys(samples)) {
  if (!files.includes(file)) failures.push(`${file}: has samples but no schema file`);
}
if (files.length === 0) failures.push(`no *.schema.json files in ${dir}`);
if (failures.length > 0) {
  console.log(failures.join("\n"));
  process.exit(1);
}
console.log(`${files.length} schema files valid`);
