//! `actorium-codegen`: TypeScript, OpenAPI and JSON Schema files from a registry's schema
//! document (see the `actorium_codegen` crate docs).

use std::io::Read;
use std::path::{Path, PathBuf};

use actorium_codegen::openapi::OpenApiOptions;
use actorium_codegen::{RegistrySchema, jsonschema, openapi, typescript};
use anyhow::Context;
use clap::{Parser, Subcommand};

/// Generates client code and documentation from a registry's schema document
/// (`<server> schema > schema.json`).
#[derive(Debug, Parser)]
#[command(name = "actorium-codegen", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// TypeScript types for the official client: writes DIR/index.ts, whose `Registry` type
    /// goes into `createClient<Registry>(endpoint)` from `rivetkit/client`.
    Ts {
        /// The schema document (`-` for standard input).
        #[arg(long)]
        schema: PathBuf,
        /// Output directory.
        #[arg(long)]
        out: PathBuf,
    },
    /// An OpenAPI 3.1 document (JSON) for the stateless HTTP action calls.
    Openapi {
        /// The schema document (`-` for standard input).
        #[arg(long)]
        schema: PathBuf,
        /// Output file.
        #[arg(long)]
        out: PathBuf,
        /// `info.title` of the document.
        #[arg(long, default_value_t = OpenApiOptions::default().title)]
        title: String,
        /// `info.version` of the document.
        #[arg(long, default_value_t = OpenApiOptions::default().version)]
        api_version: String,
        /// The server URL (`servers[0].url`).
        #[arg(long, default_value_t = OpenApiOptions::default().server_url)]
        server: String,
    },
    /// One self-contained JSON Schema file per type, in DIR.
    Jsonschema {
        /// The schema document (`-` for standard input).
        #[arg(long)]
        schema: PathBuf,
        /// Output directory.
        #[arg(long)]
        out: PathBuf,
    },
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Ts { schema, out } => {
            let schema = load(&schema)?;
            let ts = typescript::generate(&schema)?;
            let path = out.join("index.ts");
            actorium_codegen::write_file(&path, &ts)?;
            eprintln!("wrote {}", path.display());
        }
        Command::Openapi {
            schema,
            out,
            title,
            api_version,
            server,
        } => {
            let schema = load(&schema)?;
            let options = OpenApiOptions {
                title,
                version: api_version,
                server_url: server,
            };
            let document = openapi::generate(&schema, &options)?;
            actorium_codegen::write_file(&out, &document)?;
            eprintln!("wrote {}", out.display());
        }
        Command::Jsonschema { schema, out } => {
            let schema = load(&schema)?;
            let files = jsonschema::generate(&schema)?;
            actorium_codegen::write_files(&out, &files)?;
            eprintln!("wrote {} files to {}", files.len(), out.display());
        }
    }
    Ok(())
}

fn load(path: &Path) -> anyhow::Result<RegistrySchema> {
    if path == Path::new("-") {
        let mut json = String::new();
        std::io::stdin()
            .read_to_string(&mut json)
            .context("cannot read the schema document from standard input")?;
        return actorium_codegen::parse_schema(&json)
            .context("cannot use the schema document from standard input");
    }
    actorium_codegen::read_schema(path)
        .with_context(|| format!("cannot use the schema document {}", path.display()))
}
