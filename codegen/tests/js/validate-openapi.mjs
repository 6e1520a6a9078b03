// Validates an OpenAPI document with @readme/openapi-parser (the OpenAPI 3.1 schema plus its
// extra checks: unique operationIds, resolvable $refs, valid component names, ...), then, if a
// samples file is given, checks sample bodies against component schemas with Ajv (draft
// 2020-12).
//
//   node validate-openapi.mjs FILE [SAMPLES]
//
// SAMPLES maps component schema names to {"valid": [...], "invalid": [...]}. Prints "valid
// OpenAPI" (and any warnings) and exits 0, or prints the errors and exits 1.
import { readFile } from "node:fs/promises";
import { compileErrors, validate } from "@readme/openapi-parser";
import Ajv2020 from "ajv/dist/2020.js";

const [file, samplesFile] = process.argv.slice(2);
if (!file) {
  console.error("usage: node validate-openapi.mjs FILE [SAMPLES]");
  process.exit(2);
}
const text = await readFile(file, "utf8");
// `validate` dereferences its argument in place: give it its own copy.
const result = await validate(JSON.parse(text));
if (!result.valid) {
  console.log(compileErrors(result));
  process.exit(1);
}
for (const warning of result.warnings) {
  console.log(`warning: ${JSON.stringify(warning)}`);
}
console.log(`valid ${result.specification}`);

if (samplesFile) {
  const samples = JSON.parse(await readFile(samplesFile, "utf8"));
  // The document is not a JSON Schema; only its component schemas are compiled.
  const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
  ajv.addSchema(JSON.parse(text), "openapi.json");
  const failures = [];
  for (const [name, cases] of Object.entries(samples)) {
    const validateSample = ajv.getSchema(`openapi.json#/components/schemas/${name}`);
    if (!validateSample) {
      failures.push(`${name}: no such component schema`);
      continue;
    }
    for (const instance of cases.valid) {
      if (!validateSample(instance)) {
        failures.push(
          `${name}: rejects ${JSON.stringify(instance)}: ${ajv.errorsText(validateSample.errors)}`,
        );
      }
    }
    for (const instance of cases.invalid) {
      if (validateSample(instance)) failures.push(`${name}: accepts ${JSON.stringify(instance)}`);
    }
    console.log(`${name}: ${cases.valid.length} valid and ${cases.invalid.length} invalid samples checked`);
  }
  if (failures.length > 0) {
    console.log(failures.join("\n"));
    process.exit(1);
  }
}
