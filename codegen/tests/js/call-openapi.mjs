// Makes one HTTP call the way a generic OpenAPI client would: finds the operation by its
// operationId in an OpenAPI document, fills its path, query and header parameters (given values,
// else the parameter schema's `default`, else the only value of its `enum`), checks the values
// and the JSON body against the document's schemas, sends the request to ENDPOINT (instead of
// `servers[0].url`), and checks the response body against the document's response schema for
// its status (`200`, else `4XX`/`5XX`, else `default`). Schemas are checked with Ajv (draft
// 2020-12) inside the document, so `#/components/...` references resolve.
//
//   node call-openapi.mjs OPENAPI ENDPOINT CALL
//
// CALL is JSON: {"operationId": "...", "parameters": {"<name>": "<value>", ...}, "body": ...}.
// Prints {"method", "path", "status", "body"} as one JSON line and exits 0 when the request and
// the response match the document; exits 3 (before sending anything) when the request does
// not, and 1 when the response does not.
import { readFile } from "node:fs/promises";
import Ajv2020 from "ajv/dist/2020.js";

const [file, endpoint, callJson] = process.argv.slice(2);
if (!file || !endpoint || !callJson) {
  console.error("usage: node call-openapi.mjs OPENAPI ENDPOINT CALL");
  process.exit(2);
}
const doc = JSON.parse(await readFile(file, "utf8"));
const call = JSON.parse(callJson);

// The document is not a JSON Schema; schemas inside it are compiled by reference into it.
const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
ajv.addSchema(doc, "openapi.json");
const inDocument = (schema) =>
  JSON.parse(
    JSON.stringify(schema, (key, value) =>
      key === "$ref" && typeof value === "string" && value.startsWith("#") ? `openapi.json${value}` : value,
    ),
  );
const compile = (schema) => ajv.compile(inDocument(schema));
const deref = (object) => {
  let o = object;
  while (o && typeof o.$ref === "string") {
    o = o.$ref
      .slice(2)
      .split("/")
      .map((part) => part.replaceAll("~1", "/").replaceAll("~0", "~"))
      .reduce((node, part) => node[part], doc);
  }
  return o;
};
const fail = (code, message) => {
  console.error(message);
  process.exit(code);
};

const found = Object.entries(doc.paths).flatMap(([template, item]) =>
  Object.entries(item)
    .filter(([, op]) => op.operationId === call.operationId)
    .map(([method, op]) => ({ template, method, op })),
);
if (found.length !== 1) fail(3, `${found.length} operations with the operationId ${call.operationId}`);
const { template, method, op } = found[0];

let path = template;
const query = new URLSearchParams();
const headers = {};
const given = call.parameters ?? {};
for (const parameter of (op.parameters ?? []).map(deref)) {
  const schema = parameter.schema ?? {};
  let value = given[parameter.name];
  if (value === undefined) value = schema.default;
  if (value === undefined && parameter.required && schema.enum?.length === 1) value = schema.enum[0];
  if (value === undefined) {
    if (parameter.required) fail(3, `required parameter ${parameter.name} (${parameter.in}) has no value`);
    continue;
  }
  if (parameter.schema && !compile(parameter.schema)(value)) {
    fail(3, `parameter ${parameter.name}: ${JSON.stringify(value)} does not match ${JSON.stringify(parameter.schema)}`);
  }
  if (parameter.in === "path") path = path.replace(`{${parameter.name}}`, encodeURIComponent(value));
  else if (parameter.in === "query") query.append(parameter.name, value);
  else if (parameter.in === "header") headers[parameter.name] = String(value);
  else fail(3, `parameter ${parameter.name}: unsupported location ${parameter.in}`);
}
for (const name of Object.keys(given)) {
  if (!(op.parameters ?? []).map(deref).some((p) => p.name === name)) {
    fail(3, `the operation has no parameter ${name}`);
  }
}
if (/[{}]/.test(path)) fail(3, `unfilled path template ${path}`);

const init = { method: method.toUpperCase(), headers };
if (op.requestBody) {
  const content = deref(op.requestBody).content["application/json"];
  if (!content) fail(3, "the request body is not application/json");
  const validateBody = compile(content.schema);
  if (!validateBody(call.body)) {
    fail(3, `the request body ${JSON.stringify(call.body)} does not match: ${ajv.errorsText(validateBody.errors)}`);
  }
  headers["content-type"] = "application/json";
  init.body = JSON.stringify(call.body);
}

const target = `${path}${query.size > 0 ? `?${query}` : ""}`;
const response = await fetch(new URL(target, endpoint), init);
const text = await response.text();
const status = String(response.status);
const responses = op.responses ?? {};
const described = responses[status] ?? responses[`${status[0]}XX`] ?? responses.default;
const result = { method: init.method, path: target, status: response.status, body: text };
if (!described) fail(1, `status ${status} is not in the document: ${JSON.stringify(result)}`);
const content = deref(described).content?.["application/json"];
if (!content) fail(1, `no application/json schema for status ${status}`);
let body;
try {
  body = JSON.parse(text);
} catch {
  fail(1, `the response body is not JSON: ${JSON.stringify(result)}`);
}
result.body = body;
const validateResponse = compile(content.schema);
if (!validateResponse(body)) {
  fail(1, `the response does not match the document: ${ajv.errorsText(validateResponse.errors)}: ${JSON.stringify(result)}`);
}
console.log(JSON.stringify(result));
