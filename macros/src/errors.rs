//! Error collection: every recoverable mistake is reported in one build, each at its span.

use proc_macro2::{Span, TokenStream};

/// Collected `syn::Error`s.
#[derive(Default)]
pub struct Errors(Option<syn::Error>);

impl Errors {
    /// Adds an error at `span`.
    pub fn push(&mut self, span: Span, message: impl std::fmt::Display) {
        self.push_err(syn::Error::new(span, message));
    }

    /// Adds an existing error.
    pub fn push_err(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(e) => e.combine(error),
            None => self.0 = Some(error),
        }
    }

    /// Whether nothing was reported.
    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    /// The `compile_error!`s of everything reported.
    pub fn into_compile_errors(self) -> TokenStream {
        self.0.map(|e| e.to_compile_error()).unwrap_or_default()
    }
}
