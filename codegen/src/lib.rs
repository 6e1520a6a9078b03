//! Schema export to TypeScript, OpenAPI and JSON Schema (filled in by a later issue).
