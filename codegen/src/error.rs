//! Errors of the generators.

use std::path::PathBuf;

/// Why a schema document could not be turned into TypeScript, OpenAPI or JSON Schema files.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CodegenError {
    /// The document is not valid JSON, or not shaped like a `RegistrySchema`.
    #[error("the schema document cannot be read: {0}")]
    Parse(#[source] serde_json::Error),
    /// The document declares a format version this generator does not know.
    #[error(
        "unsupported schema document version {found} (this actorium-codegen reads version {expected})"
    )]
    UnsupportedVersion {
        /// Version found in the document.
        found: u32,
        /// Version this generator reads.
        expected: u32,
    },
    /// A `$ref` that does not have the form `#/$defs/<Name>`.
    #[error("{location}: unsupported reference `{reference}` (only `#/$defs/<Name>` is supported)")]
    UnsupportedRef {
        /// Where in the document the reference is.
        location: String,
        /// The reference as written.
        reference: String,
    },
    /// A `$ref` to a name that `$defs` does not define.
    #[error("{location}: reference to `{name}`, which `$defs` does not define")]
    UnknownDefinition {
        /// Where in the document the reference is.
        location: String,
        /// The missing definition name.
        name: String,
    },
    /// Two things would get the same name in the generated output (or the document names the
    /// same actor, action, event or parameter twice).
    #[error("name collision: {0}")]
    NameCollision(String),
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory concerned.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}
