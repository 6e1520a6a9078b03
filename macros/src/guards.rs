//! A state guard held across an `.await`, found in the implementation's bodies before the
//! compiler's generic "future cannot be sent between threads safely" does.
//!
//! In every block: `let x = <expr>.state_mut();` (or `.state()`), then an `.await` later in
//! the same block (nested blocks included). The scan works on tokens, so it sees the bodies as
//! written. `drop(x)` before the `.await` is reported too: the compiler still rejects it (the
//! guard counts as held across the `.await`), only a block that ends before it helps.

use proc_macro2::{Delimiter, Span, TokenStream, TokenTree};

/// One guard alive at an `.await`.
pub struct HeldGuard {
    /// The binding (`state`).
    pub name: String,
    /// `state` or `state_mut`.
    pub method: String,
    /// The `.await`.
    pub at: Span,
}

impl HeldGuard {
    /// The compile error's text.
    pub fn message(&self) -> String {
        let (name, method) = (&self.name, &self.method);
        let binding = if method == "state_mut" { "mut " } else { "" };
        format!(
            "the state guard `{name}` (from `.{method}()`) is still alive at this `.await`: a \
             guard cannot be held across an `.await`, where the actor's other actions may run; \
             scope it in a block that ends before the `.await`: \
             `let v = {{ let {binding}{name} = c.{method}(); ... }};` (a `drop({name})` is not enough)"
        )
    }
}

/// Every guard held across an `.await` in `body` (the tokens of a function body).
pub fn find(body: TokenStream) -> Vec<HeldGuard> {
    let mut found = Vec::new();
    block(&body.into_iter().collect::<Vec<_>>(), &mut found);
    found
}

/// Scans one token sequence as a block, then every group inside it as its own.
fn block(tokens: &[TokenTree], found: &mut Vec<HeldGuard>) {
    let mut i = 0;
    while i < tokens.len() {
        if let Some((name, method, end)) = guard_let(tokens, i) {
            if let Some(at) = first_await(&tokens[end..]) {
                found.push(HeldGuard { name, method, at });
            }
            i = end;
        } else {
            i += 1;
        }
    }
    for t in tokens {
        if let TokenTree::Group(g) = t {
            block(&g.stream().into_iter().collect::<Vec<_>>(), found);
        }
    }
}

/// `let [mut] name [: T] = ... .state_mut();` starting at `i`: the binding, the method and the
/// index after the `;`.
fn guard_let(tokens: &[TokenTree], i: usize) -> Option<(String, String, usize)> {
    if !is_ident(&tokens[i], "let") {
        return None;
    }
    let mut j = i + 1;
    if tokens.get(j).is_some_and(|t| is_ident(t, "mut")) {
        j += 1;
    }
    let TokenTree::Ident(name) = tokens.get(j)? else {
        return None;
    };
    let semi = (j..tokens.len()).find(|&k| is_punct(&tokens[k], ';'))?;
    let init = &tokens[j + 1..semi];
    let [.., dot, TokenTree::Ident(method), TokenTree::Group(args)] = init else {
        return None;
    };
    let is_guard = is_punct(dot, '.')
        && (method == "state" || method == "state_mut")
        && args.delimiter() == Delimiter::Parenthesis
        && args.stream().is_empty();
    is_guard.then(|| (name.to_string(), method.to_string(), semi + 1))
}

/// The first `.await` in `tokens` (groups included). A `drop(guard)` before it does not help:
/// the compiler still counts the guard as held at the `.await`, so only a block scopes it.
fn first_await(tokens: &[TokenTree]) -> Option<Span> {
    for (k, t) in tokens.iter().enumerate() {
        match t {
            TokenTree::Punct(p) if p.as_char() == '.' => {
                if let Some(TokenTree::Ident(id)) = tokens.get(k + 1)
                    && id == "await"
                {
                    return Some(id.span());
                }
            }
            TokenTree::Group(g) => {
                if let Some(at) = first_await(&g.stream().into_iter().collect::<Vec<_>>()) {
                    return Some(at);
                }
            }
            _ => {}
        }
    }
    None
}

fn is_ident(t: &TokenTree, s: &str) -> bool {
    matches!(t, TokenTree::Ident(i) if i == s)
}

fn is_punct(t: &TokenTree, c: char) -> bool {
    matches!(t, TokenTree::Punct(p) if p.as_char() == c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn names(body: TokenStream) -> Vec<String> {
        find(body).into_iter().map(|g| g.name).collect()
    }

    #[test]
    fn finds_a_guard_alive_at_an_await() {
        assert_eq!(
            names(quote! { let mut s = c.state_mut(); s.n += 1; f().await; }),
            ["s"]
        );
        assert_eq!(
            names(quote! { let s: StateRef<'_, X> = c.state(); if x { g(f().await) } }),
            ["s"]
        );
        // Nested blocks are blocks too.
        assert_eq!(
            names(quote! { if a { let s = c.state(); f().await; } }),
            ["s"]
        );
    }

    #[test]
    fn a_dropped_guard_still_counts_as_the_compiler_says() {
        assert_eq!(
            names(quote! { let s = c.state(); let n = s.n; drop(s); f().await; }),
            ["s"]
        );
    }

    #[test]
    fn scoped_or_copied_guards_are_fine() {
        assert!(names(quote! { { let mut s = c.state_mut(); s.n += 1; } f().await; }).is_empty());
        assert!(names(quote! { let n = c.state().n; f().await; }).is_empty());
        assert!(names(quote! { let v = c.state().items.clone(); f().await; }).is_empty());
        assert!(names(quote! { f().await; let s = c.state(); s.n }).is_empty());
    }
}
