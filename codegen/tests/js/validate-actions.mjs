// Checks sample values against the schemas of a registry schema document, with Ajv (JSON Schema
// draft 2020-12, strict; references resolved against the document's `$defs`; schemars' integer
// formats such as `uint32` asserted as ranges).
//
//   node validate-actions.mjs SCHEMA CASES
//
// CASES maps every actor of SCHEMA to
//   {"actions": {"<action>": {"params": [CASE, ...], "returns": CASE}},
//    "events": {"<event>": {"params": [CASE, ...]}},
//    "input": CASE, "connParams": CASE}
// with one CASE ({"valid": [...], "invalid": [...]}, both non-empty) per parameter, in order;
// `input` and `connParams` exactly when the actor has them. Every actor, action and event of
// SCHEMA must have cases and every case must name one. Prints one line per action and event and
// exits 0, or prints the failures and exits 1.
import { readFile } from "node:fs/promises";
import Ajv2020 from "ajv/dist/2020.js";

const [schemaFile, casesFile] = process.argv.slice(2);
if (!schemaFile || !casesFile) {
  console.error("usage: node validate-actions.mjs SCHEMA CASES");
  process.exit(2);
}
const doc = JSON.parse(await readFile(schemaFile, "utf8"));
const cases = JSON.parse(await readFile(casesFile, "utf8"));

const ajv = new Ajv2020({ strict: true, allErrors: true });
// schemars' integer formats, as the ranges of the Rust types. 64-bit values beyond 2^53 are not
// exact in JavaScript numbers; only their sign is checked.
const ranges = {
  int8: [-(2 ** 7), 2 ** 7 - 1],
  int16: [-(2 ** 15), 2 ** 15 - 1],
  int32: [-(2 ** 31), 2 ** 31 - 1],
  int64: [-Infinity, Infinity],
  uint8: [0, 2 ** 8 - 1],
  uint16: [0, 2 ** 16 - 1],
  uint32: [0, 2 ** 32 - 1],
  uint64: [0, Infinity],
  uint: [0, Infinity],
};
for (const [name, [min, max]] of Object.entries(ranges)) {
  ajv.addFormat(name, { type: "number", validate: (n) => Number.isInteger(n) && n >= min && n <= max });
}
for (const name of ["float", "double"]) ajv.addFormat(name, { type: "number", validate: () => true });
// Every schema is compiled with the document's definitions next to it, so `#/$defs/<Name>`
// resolves as it does in the document.
const defs = doc.$defs ?? {};
const compile = (schema) => ajv.compile({ $defs: defs, allOf: [schema] });

const failures = [];
const counts = { actions: 0, events: 0, valid: 0, invalid: 0 };

function checkCase(where, schema, c) {
  if (!c || !Array.isArray(c.valid) || !Array.isArray(c.invalid)) {
    failures.push(`${where}: no {valid, invalid} samples`);
    return "";
  }
  if (c.valid.length === 0 || c.invalid.length === 0) {
    failures.push(`${where}: needs at least one valid and one invalid sample`);
  }
  let validate;
  try {
    validate = compile(schema);
  } catch (error) {
    failures.push(`${where}: the schema does not compile: ${error.message}`);
    return "";
  }
  for (const value of c.valid) {
    if (!validate(value)) {
      failures.push(`${where}: rejects ${JSON.stringify(value)}: ${ajv.errorsText(validate.errors)}`);
    }
  }
  for (const value of c.invalid) {
    if (validate(value)) failures.push(`${where}: accepts ${JSON.stringify(value)}`);
  }
  counts.valid += c.valid.length;
  counts.invalid += c.invalid.length;
  return `${c.valid.length}/${c.invalid.length}`;
}

function checkParams(where, params, paramCases) {
  if (!Array.isArray(paramCases) || paramCases.length !== params.length) {
    failures.push(
      `${where}: ${params.length} parameters (${params.map((p) => p.name).join(", ")}) but ` +
        `${Array.isArray(paramCases) ? paramCases.length : "no"} parameter cases`,
    );
    return [];
  }
  return params.map((p, i) => `${p.name} ${checkCase(`${where} parameter ${p.name}`, p.schema, paramCases[i])}`);
}

function checkNames(where, names, caseNames) {
  for (const name of caseNames) {
    if (!names.includes(name)) failures.push(`${where}: cases for \`${name}\`, which the schema does not have`);
  }
}

checkNames("the document", doc.actors.map((a) => a.name), Object.keys(cases));
for (const actor of doc.actors) {
  const actorCases = cases[actor.name];
  if (!actorCases) {
    failures.push(`actor ${actor.name}: no cases`);
    continue;
  }
  const actions = actorCases.actions ?? {};
  const events = actorCases.events ?? {};
  checkNames(`actor ${actor.name}`, actor.actions.map((a) => a.name), Object.keys(actions));
  checkNames(`actor ${actor.name}`, actor.events.map((e) => e.name), Object.keys(events));
  for (const action of actor.actions) {
    const where = `${actor.name}.${action.name}`;
    const c = actions[action.name];
    if (!c) {
      failures.push(`${where}: no cases`);
      continue;
    }
    const params = checkParams(where, action.params, c.params);
    const returns = checkCase(`${where} result`, action.returns, c.returns);
    counts.actions += 1;
    console.log(`${where}(${params.join(", ")}) -> ${returns} (valid/invalid samples)`);
  }
  for (const event of actor.events) {
    const where = `${actor.name} event ${event.name}`;
    const c = events[event.name];
    if (!c) {
      failures.push(`${where}: no cases`);
      continue;
    }
    const params = checkParams(where, event.params, c.params);
    counts.events += 1;
    console.log(`${where}(${params.join(", ")})`);
  }
  for (const extra of ["input", "connParams"]) {
    if ((actor[extra] === undefined) !== (actorCases[extra] === undefined)) {
      failures.push(
        `actor ${actor.name}: ${actor[extra] === undefined ? "no" : "an"} ${extra} in the schema, ` +
          `${actorCases[extra] === undefined ? "no" : ""} ${extra} cases`,
      );
    } else if (actor[extra] !== undefined) {
      console.log(`${actor.name} ${extra}: ${checkCase(`${actor.name} ${extra}`, actor[extra], actorCases[extra])}`);
    }
  }
}
if (failures.length > 0) {
  console.log(failures.join("\n"));
  process.exit(1);
}
console.log(
  `${counts.actions} actions and ${counts.events} events checked: ` +
    `${counts.valid} valid and ${counts.invalid} invalid samples`,
);
