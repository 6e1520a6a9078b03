//! Architecture rules, checked on the source text of every library crate (nothing is compiled):
//!
//! - **No import cycle between sibling modules, at any depth.** Each module is a node; a
//!   reference from module `M` to a path `crate::…`, `super::…` or `self::…` (in `use` lines,
//!   grouped or not, and in type and expression paths) resolves to the deepest module the path
//!   names, `R`, and adds an edge between the two children of the lowest common ancestor of `M`
//!   and `R` that lead to them. A reference to an item of an ancestor (`super::Host` with `Host`
//!   defined in the parent's `mod.rs`) or of a descendant adds no edge. Not counted: comments and
//!   string literals, `mod x;` lines, `pub use`/`pub(…) use` re-exports in a `mod.rs`/`lib.rs`/
//!   `main.rs`, and anything under `#[cfg(test)]` (inline `mod tests { … }`, files declared by a
//!   `#[cfg(test)] mod tests;`, test-only items). Inline non-test `mod x { … }` blocks count as
//!   part of their file.
//! - **File size.** No file under `src/` of `server-stub`, `client`, `protocol`, `codegen` or
//!   `macros` has more than [`MAX_LINES`] non-test lines: every line (comments included) before a
//!   trailing `#[cfg(test)] mod …` item. Files that are only compiled under `#[cfg(test)]`, and
//!   integration tests, are test code and not counted.
//!
//! Both rules report every violation at once, with the file and line behind each edge.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Crates (their `src` directories, relative to the workspace root) whose module graph is checked.
const CRATE_SOURCES: &[&str] = &[
    "protocol/src",
    "client/src",
    "server-stub/src",
    "macros/src",
    "codegen/src",
    "src",
    "test-support/src",
];

/// Crates whose source files are held to [`MAX_LINES`].
const SIZE_CHECKED: &[&str] = &["server-stub", "client", "protocol", "codegen", "macros"];

/// Most non-test lines a source file may have.
const MAX_LINES: usize = 700;

// ---------------------------------------------------------------------------------------------
// Lexing: identifiers, `::` and single punctuation, each with its line; comments and literals
// are dropped (their newlines still count).

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    PathSep,
    Punct(char),
    Lit,
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    line: usize,
}

fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn lex(src: &str) -> Vec<Token> {
    let s: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let mut line = 1;
    let at = |i: usize| s.get(i).copied().unwrap_or('\0');
    while i < s.len() {
        let c = s[i];
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c == '/' && at(i + 1) == '/' {
            while i < s.len() && s[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && at(i + 1) == '*' {
            let mut depth = 0;
            while i < s.len() {
                if s[i] == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if s[i] == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    if s[i] == '\n' {
                        line += 1;
                    }
                    i += 1;
                }
            }
        } else if let Some(len) = raw_string_prefix(&s, i) {
            // r"…", r#"…"#, br"…", cr#"…"#: no escapes, ends at `"` plus as many `#`.
            let mut j = i + len;
            let hashes = s[j..].iter().take_while(|&&c| c == '#').count();
            j += hashes + 1;
            loop {
                if j >= s.len() {
                    break;
                }
                if s[j] == '\n' {
                    line += 1;
                }
                if s[j] == '"'
                    && s[j + 1..]
                        .iter()
                        .take(hashes)
                        .filter(|&&c| c == '#')
                        .count()
                        == hashes
                {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            i = j;
            out.push(Token {
                tok: Tok::Lit,
                line,
            });
        } else if c == '"' || ((c == 'b' || c == 'c') && at(i + 1) == '"') {
            let start_line = line;
            i += if c == '"' { 1 } else { 2 };
            while i < s.len() && s[i] != '"' {
                if s[i] == '\\' {
                    i += 1;
                }
                if at(i) == '\n' {
                    line += 1;
                }
                i += 1;
            }
            i += 1;
            out.push(Token {
                tok: Tok::Lit,
                line: start_line,
            });
        } else if c == '\'' || (c == 'b' && at(i + 1) == '\'') {
            // A char literal ('x', '\n', b'x') or a lifetime ('a).
            let j = if c == 'b' { i + 1 } else { i };
            if at(j + 1) == '\\' {
                let mut k = j + 3;
                while k < s.len() && s[k] != '\'' {
                    k += 1;
                }
                i = k + 1;
                out.push(Token {
                    tok: Tok::Lit,
                    line,
                });
            } else if at(j + 2) == '\'' {
                i = j + 3;
                out.push(Token {
                    tok: Tok::Lit,
                    line,
                });
            } else {
                let mut k = j + 1;
                while k < s.len() && is_ident_char(s[k]) {
                    k += 1;
                }
                i = k;
                out.push(Token {
                    tok: Tok::Punct('\''),
                    line,
                });
            }
        } else if c == 'r' && at(i + 1) == '#' && is_ident_start(at(i + 2)) {
            let start = i + 2;
            i = start;
            while i < s.len() && is_ident_char(s[i]) {
                i += 1;
            }
            out.push(Token {
                tok: Tok::Ident(s[start..i].iter().collect()),
                line,
            });
        } else if is_ident_start(c) {
            let start = i;
            while i < s.len() && is_ident_char(s[i]) {
                i += 1;
            }
            out.push(Token {
                tok: Tok::Ident(s[start..i].iter().collect()),
                line,
            });
        } else if c.is_ascii_digit() {
            while i < s.len() && is_ident_char(s[i]) {
                i += 1;
            }
            out.push(Token {
                tok: Tok::Lit,
                line,
            });
        } else if c == ':' && at(i + 1) == ':' {
            i += 2;
            out.push(Token {
                tok: Tok::PathSep,
                line,
            });
        } else {
            i += 1;
            out.push(Token {
                tok: Tok::Punct(c),
                line,
            });
        }
    }
    out
}

/// Length of a raw string prefix (`r`, `br`, `cr`) at `i` when one starts there.
fn raw_string_prefix(s: &[char], i: usize) -> Option<usize> {
    if i > 0 && is_ident_char(s[i - 1]) {
        return None;
    }
    let len = match (s.get(i), s.get(i + 1)) {
        (Some('r'), _) => 1,
        (Some('b' | 'c'), Some('r')) => 2,
        _ => return None,
    };
    let rest = &s[i + len..];
    let hashes = rest.iter().take_while(|&&c| c == '#').count();
    (rest.get(hashes) == Some(&'"')).then_some(len)
}

// ---------------------------------------------------------------------------------------------
// Scanning one file: its `mod x;` declarations, its module references and its non-test length.

/// A `crate::…`, `super::…` or `self::…` path used in a file.
#[derive(Debug, Clone, PartialEq)]
struct Ref {
    path: Vec<String>,
    line: usize,
}

/// What one file declares and references.
#[derive(Debug, Default)]
struct FileScan {
    /// `mod x;` declarations outside `#[cfg(test)]`.
    mods: Vec<String>,
    /// `mod x;` declarations under `#[cfg(test)]`.
    test_mods: Vec<String>,
    refs: Vec<Ref>,
    /// Lines before a trailing `#[cfg(test)] mod …`, or every line when there is none.
    non_test_lines: usize,
}

fn ident(t: Option<&Token>) -> Option<&str> {
    match t.map(|t| &t.tok) {
        Some(Tok::Ident(s)) => Some(s),
        _ => None,
    }
}

fn punct(t: Option<&Token>, c: char) -> bool {
    matches!(t.map(|t| &t.tok), Some(Tok::Punct(p)) if *p == c)
}

/// Index after the bracket group opening at `i` (`(`, `[` or `{`).
fn skip_group(toks: &[Token], i: usize) -> usize {
    let mut depth = 0usize;
    let mut j = i;
    while j < toks.len() {
        match toks[j].tok {
            Tok::Punct('(' | '[' | '{') => depth += 1,
            Tok::Punct(')' | ']' | '}') => {
                depth -= 1;
                if depth == 0 {
                    return j + 1;
                }
            }
            _ => {}
        }
        j += 1;
    }
    toks.len()
}

/// Index after the item (or statement, field, arm) starting at `i`: up to a `;` or `,` at its
/// own level, or the end of its first `{ … }` block; never past the bracket that encloses it.
fn skip_item(toks: &[Token], i: usize) -> usize {
    let mut j = i;
    while j < toks.len() {
        match toks[j].tok {
            Tok::Punct(';' | ',') => return j + 1,
            Tok::Punct('{') => return skip_group(toks, j),
            Tok::Punct('(' | '[') => j = skip_group(toks, j),
            Tok::Punct(')' | ']' | '}') => return j,
            _ => j += 1,
        }
    }
    toks.len()
}

/// Index after a visibility (`pub`, `pub(crate)`, `pub(in …)`) at `i`, or `i`.
fn skip_vis(toks: &[Token], i: usize) -> usize {
    if ident(toks.get(i)) != Some("pub") {
        return i;
    }
    if punct(toks.get(i + 1), '(') {
        skip_group(toks, i + 1)
    } else {
        i + 1
    }
}

/// Whether the attribute whose `[` is at `i` is a `cfg` enabled only in tests.
fn is_cfg_test(toks: &[Token], open: usize) -> bool {
    let end = skip_group(toks, open);
    let inner = &toks[open + 1..end.saturating_sub(1)];
    ident(inner.first()) == Some("cfg")
        && inner.iter().any(|t| t.tok == Tok::Ident("test".into()))
        && !inner.iter().any(|t| t.tok == Tok::Ident("not".into()))
}

/// Whether a visibility (`pub`, `pub(…)`) ends right before index `i`.
fn after_visibility(toks: &[Token], i: usize) -> bool {
    let before = &toks[..i];
    match before.last().map(|t| &t.tok) {
        Some(Tok::Ident(s)) => s == "pub",
        Some(Tok::Punct(')')) => {
            let mut depth = 0usize;
            for k in (0..before.len()).rev() {
                match before[k].tok {
                    Tok::Punct(')') => depth += 1,
                    Tok::Punct('(') => {
                        depth -= 1;
                        if depth == 0 {
                            return k > 0 && ident(before.get(k - 1)) == Some("pub");
                        }
                    }
                    _ => {}
                }
            }
            false
        }
        _ => false,
    }
}

/// Expands the use tree at `*i` (after `use`, up to the `;`) into its leaf paths.
fn use_tree(toks: &[Token], i: &mut usize, prefix: &[String], out: &mut Vec<Ref>) {
    let mut path = prefix.to_vec();
    let mut line = toks.get(*i).map_or(0, |t| t.line);
    if toks.get(*i).map(|t| &t.tok) == Some(&Tok::PathSep) {
        *i += 1;
    }
    loop {
        match toks.get(*i).map(|t| &t.tok) {
            Some(Tok::Ident(s)) => {
                line = toks[*i].line;
                // `a::{self, B}`: `self` is the prefix itself.
                if s != "self" || path.is_empty() {
                    path.push(s.clone());
                }
                *i += 1;
                if toks.get(*i).map(|t| &t.tok) == Some(&Tok::PathSep) {
                    *i += 1;
                    continue;
                }
                if ident(toks.get(*i)) == Some("as") {
                    *i += 2;
                }
                out.push(Ref { path, line });
                return;
            }
            Some(Tok::Punct('*')) => {
                *i += 1;
                out.push(Ref { path, line });
                return;
            }
            Some(Tok::Punct('{')) => {
                *i += 1;
                while *i < toks.len() && !punct(toks.get(*i), '}') {
                    use_tree(toks, i, &path, out);
                    if punct(toks.get(*i), ',') {
                        *i += 1;
                    }
                }
                *i += 1;
                return;
            }
            _ => return,
        }
    }
}

fn scan(src: &str, is_dir_root: bool) -> FileScan {
    let toks = lex(src);
    let mut scan = FileScan {
        non_test_lines: src.lines().count(),
        ..FileScan::default()
    };
    let mut trailing_test: Option<(usize, usize)> = None; // (first line, index after)
    let mut depth = 0usize;
    let mut attrs_start: Option<usize> = None; // line of the first attribute of the item
    let mut test_item = false;
    let mut i = 0;
    while i < toks.len() {
        let t = &toks[i];
        // Outer attributes: note a `cfg(test)` one; the item after them is then skipped.
        if t.tok == Tok::Punct('#') && punct(toks.get(i + 1), '[') {
            attrs_start.get_or_insert(t.line);
            test_item |= is_cfg_test(&toks, i + 1);
            i = skip_group(&toks, i + 1);
            continue;
        }
        if t.tok == Tok::Punct('#') && punct(toks.get(i + 1), '!') && punct(toks.get(i + 2), '[') {
            i = skip_group(&toks, i + 2);
            continue;
        }
        let item_line = attrs_start.take().unwrap_or(t.line);
        if std::mem::take(&mut test_item) {
            let v = skip_vis(&toks, i);
            if ident(toks.get(v)) == Some("mod")
                && let Some(name) = ident(toks.get(v + 1))
                && punct(toks.get(v + 2), ';')
            {
                scan.test_mods.push(name.to_owned());
            }
            let is_mod = ident(toks.get(v)) == Some("mod");
            i = skip_item(&toks, i);
            if depth == 0 && is_mod {
                trailing_test = Some((item_line, i));
            }
            continue;
        }
        match &t.tok {
            Tok::Punct('{') => depth += 1,
            Tok::Punct('}') => depth = depth.saturating_sub(1),
            Tok::Ident(kw) if kw == "mod" => {
                if let Some(name) = ident(toks.get(i + 1))
                    && punct(toks.get(i + 2), ';')
                {
                    scan.mods.push(name.to_owned());
                    i += 3;
                    continue;
                }
            }
            Tok::Ident(kw) if kw == "use" => {
                let reexport = after_visibility(&toks, i);
                let mut j = i + 1;
                let mut leaves = Vec::new();
                use_tree(&toks, &mut j, &[], &mut leaves);
                if !(reexport && is_dir_root) {
                    scan.refs.extend(leaves.into_iter().filter(|r| {
                        matches!(
                            r.path.first().map(String::as_str),
                            Some("crate" | "super" | "self")
                        )
                    }));
                }
                i = j;
                continue;
            }
            Tok::Ident(kw)
                if matches!(kw.as_str(), "crate" | "super" | "self")
                    && toks.get(i + 1).map(|t| &t.tok) == Some(&Tok::PathSep)
                    && toks.get(i.wrapping_sub(1)).map(|t| &t.tok) != Some(&Tok::PathSep)
                    && ident(toks.get(i.wrapping_sub(1))) != Some("in") =>
            {
                let line = t.line;
                let mut path = vec![kw.clone()];
                let mut j = i + 1;
                while toks.get(j).map(|t| &t.tok) == Some(&Tok::PathSep)
                    && let Some(seg) = ident(toks.get(j + 1))
                {
                    path.push(seg.to_owned());
                    j += 2;
                }
                scan.refs.push(Ref { path, line });
                i = j;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    if let Some((line, end)) = trailing_test
        && end >= toks.len()
    {
        scan.non_test_lines = line - 1;
    }
    scan
}

// ---------------------------------------------------------------------------------------------
// The module tree of a crate, from its root file along `mod x;` declarations.

/// A module path from the crate root (`[]` is the root).
type ModPath = Vec<String>;

/// One crate's modules and the files they come from.
#[derive(Debug, Default)]
struct Crate {
    /// Non-test modules: path → (file, scan of the file).
    modules: BTreeMap<ModPath, (PathBuf, FileScan)>,
    /// Files compiled only in tests (`#[cfg(test)] mod tests;` and what they declare).
    test_files: BTreeSet<PathBuf>,
}

/// The file of module `name` declared in `file`, if it exists.
fn child_file(file: &Path, name: &str) -> Option<PathBuf> {
    let stem = file.file_stem()?.to_str()?;
    let dir = file.parent()?;
    let dir = if matches!(stem, "mod" | "lib" | "main") {
        dir.to_path_buf()
    } else {
        dir.join(stem)
    };
    [
        dir.join(format!("{name}.rs")),
        dir.join(name).join("mod.rs"),
    ]
    .into_iter()
    .find(|p| p.is_file())
}

fn is_dir_root(file: &Path) -> bool {
    matches!(
        file.file_stem().and_then(|s| s.to_str()),
        Some("mod" | "lib" | "main")
    )
}

fn read(file: &Path) -> String {
    std::fs::read_to_string(file).unwrap_or_else(|e| panic!("reading {}: {e}", file.display()))
}

fn load_crate(root: &Path) -> Crate {
    let mut krate = Crate::default();
    let mut todo = vec![(Vec::new(), root.to_path_buf())];
    while let Some((path, file)) = todo.pop() {
        let scan = scan(&read(&file), is_dir_root(&file));
        for name in &scan.mods {
            if let Some(f) = child_file(&file, name) {
                let mut p = path.clone();
                p.push(name.clone());
                todo.push((p, f));
            }
        }
        let mut tests: Vec<PathBuf> = scan
            .test_mods
            .iter()
            .filter_map(|n| child_file(&file, n))
            .collect();
        while let Some(f) = tests.pop() {
            let s = scan_file(&f);
            tests.extend(
                s.mods
                    .iter()
                    .chain(&s.test_mods)
                    .filter_map(|n| child_file(&f, n)),
            );
            krate.test_files.insert(f);
        }
        krate.modules.insert(path, (file, scan));
    }
    krate
}

fn scan_file(file: &Path) -> FileScan {
    scan(&read(file), is_dir_root(file))
}

/// The deepest module that `r`, used in module `from`, names; `None` when it leaves the crate.
fn resolve(krate: &Crate, from: &[String], r: &[String]) -> Option<ModPath> {
    let mut cur: ModPath = from.to_vec();
    let mut segs = r.iter().peekable();
    match segs.peek().map(|s| s.as_str()) {
        Some("crate") => {
            cur.clear();
            segs.next();
        }
        Some("self") => {
            segs.next();
        }
        Some("super") => {}
        _ => return None,
    }
    while segs.peek().map(|s| s.as_str()) == Some("super") {
        cur.pop()?;
        segs.next();
    }
    for seg in segs {
        let mut next = cur.clone();
        next.push(seg.clone());
        if !krate.modules.contains_key(&next) {
            break;
        }
        cur = next;
    }
    Some(cur)
}

/// An edge between siblings, with where it comes from.
type Edges = BTreeMap<(ModPath, ModPath), Vec<String>>;

/// The sibling edges of a crate, each with the places (relative to `base`) behind it.
fn sibling_edges(krate: &Crate, base: &Path) -> Edges {
    let mut edges = Edges::new();
    for (from, (file, scan)) in &krate.modules {
        for r in &scan.refs {
            let Some(to) = resolve(krate, from, &r.path) else {
                continue;
            };
            let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
            if common == from.len() || common == to.len() {
                continue; // an ancestor's or a descendant's item
            }
            let a = from[..=common].to_vec();
            let b = to[..=common].to_vec();
            let file = file.strip_prefix(base).unwrap_or(file);
            let locs = edges.entry((a, b)).or_default();
            let loc = format!("{}:{}", file.display(), r.line);
            if locs.last() != Some(&loc) {
                locs.push(loc);
            }
        }
    }
    edges
}

/// Strongly connected components of more than one module (Tarjan).
fn cycles(edges: &Edges) -> Vec<Vec<ModPath>> {
    struct Tarjan<'a> {
        adj: BTreeMap<&'a ModPath, Vec<&'a ModPath>>,
        index: BTreeMap<&'a ModPath, usize>,
        low: BTreeMap<&'a ModPath, usize>,
        stack: Vec<&'a ModPath>,
        on_stack: BTreeSet<&'a ModPath>,
        out: Vec<Vec<ModPath>>,
    }
    impl<'a> Tarjan<'a> {
        fn visit(&mut self, v: &'a ModPath) {
            let n = self.index.len();
            self.index.insert(v, n);
            self.low.insert(v, n);
            self.stack.push(v);
            self.on_stack.insert(v);
            for w in self.adj.get(v).cloned().unwrap_or_default() {
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let lw = self.low[w];
                    let lv = self.low.get_mut(v).unwrap();
                    *lv = (*lv).min(lw);
                } else if self.on_stack.contains(w) {
                    let iw = self.index[w];
                    let lv = self.low.get_mut(v).unwrap();
                    *lv = (*lv).min(iw);
                }
            }
            if self.low[v] == self.index[v] {
                let mut scc = Vec::new();
                loop {
                    let w = self.stack.pop().unwrap();
                    self.on_stack.remove(w);
                    scc.push(w.clone());
                    if w == v {
                        break;
                    }
                }
                if scc.len() > 1 {
                    scc.sort();
                    self.out.push(scc);
                }
            }
        }
    }
    let mut t = Tarjan {
        adj: BTreeMap::new(),
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        out: Vec::new(),
    };
    for (a, b) in edges.keys() {
        t.adj.entry(a).or_default().push(b);
        t.adj.entry(b).or_default();
    }
    let nodes: Vec<&ModPath> = t.adj.keys().copied().collect();
    for v in nodes {
        if !t.index.contains_key(v) {
            t.visit(v);
        }
    }
    t.out.sort();
    t.out
}

fn show(m: &[String]) -> String {
    if m.is_empty() {
        "crate".into()
    } else {
        m.join("::")
    }
}

/// A report of every cycle in the crate rooted at `root_file`, or an empty string.
fn cycle_report(root_file: &Path, base: &Path) -> String {
    let krate = load_crate(root_file);
    let edges = sibling_edges(&krate, base);
    let mut out = String::new();
    for scc in cycles(&edges) {
        let members: BTreeSet<&ModPath> = scc.iter().collect();
        let names: Vec<String> = scc.iter().map(|m| show(m)).collect();
        let _ = writeln!(
            out,
            "cycle in {} between {}:",
            root_file.strip_prefix(base).unwrap_or(root_file).display(),
            names.join(", ")
        );
        for ((a, b), locs) in &edges {
            if members.contains(a) && members.contains(b) {
                let _ = writeln!(out, "  {} -> {}  ({})", show(a), show(b), locs.join(", "));
            }
        }
    }
    out
}

/// Files under `src` of `krate_dir` over [`MAX_LINES`] non-test lines, as report lines.
fn size_report(krate_dir: &Path, base: &Path) -> String {
    let src = krate_dir.join("src");
    let mut test_files = BTreeSet::new();
    for root in ["lib.rs", "main.rs"] {
        let f = src.join(root);
        if f.is_file() {
            test_files.extend(load_crate(&f).test_files);
        }
    }
    let mut files = Vec::new();
    collect_rs(&src, &mut files);
    files.sort();
    let mut out = String::new();
    for f in files {
        if test_files.contains(&f) {
            continue;
        }
        let n = scan_file(&f).non_test_lines;
        if n > MAX_LINES {
            let shown = f.strip_prefix(base).unwrap_or(&f);
            let _ = writeln!(
                out,
                "{}: {n} non-test lines (max {MAX_LINES})",
                shown.display()
            );
        }
    }
    out
}

fn collect_rs(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect_rs(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate sits in the workspace")
        .to_path_buf()
}

#[test]
fn no_cycles_between_sibling_modules() {
    let base = workspace_root();
    let mut report = String::new();
    let mut roots = 0;
    for src in CRATE_SOURCES {
        for root in ["lib.rs", "main.rs"] {
            let f = base.join(src).join(root);
            if f.is_file() {
                roots += 1;
                report.push_str(&cycle_report(&f, &base));
            }
        }
    }
    assert!(
        roots >= 6,
        "expected the library crates under {}",
        base.display()
    );
    assert!(
        report.is_empty(),
        "import cycles between sibling modules (edge `a -> b`: module a refers to module b):\n{report}"
    );
}

#[test]
fn source_files_are_at_most_700_lines() {
    let base = workspace_root();
    let report: String = SIZE_CHECKED
        .iter()
        .map(|k| size_report(&base.join(k), &base))
        .collect();
    assert!(report.is_empty(), "source files too long:\n{report}");
}

// ---------------------------------------------------------------------------------------------
// The checker on synthetic crates, so that it cannot pass by finding nothing.

/// Writes `files` (path, text) under a fresh directory.
fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

fn report_of(files: &[(&str, &str)]) -> String {
    let dir = tree(files);
    cycle_report(&dir.path().join("src/lib.rs"), dir.path())
}

#[test]
fn checker_finds_a_cycle_with_its_locations() {
    let r = report_of(&[
        ("src/lib.rs", "mod a;\nmod b;\n"),
        ("src/a.rs", "use crate::b::B;\npub struct A;\n"),
        (
            "src/b.rs",
            "pub struct B;\nfn f() -> crate::a::A { crate::a::A }\n",
        ),
    ]);
    assert!(r.contains("between a, b"), "{r}");
    assert!(r.contains("a -> b  (src/a.rs:1)"), "{r}");
    assert!(r.contains("b -> a  (src/b.rs:2)"), "{r}");
}

#[test]
fn checker_finds_a_deep_cycle_through_super() {
    let r = report_of(&[
        ("src/lib.rs", "mod host;\n"),
        ("src/host/mod.rs", "mod x;\nmod y;\n"),
        ("src/host/x.rs", "use super::y::Y;\n"),
        ("src/host/y.rs", "fn f() { super::x::g(); }\n"),
    ]);
    assert!(r.contains("between host::x, host::y"), "{r}");
    assert!(r.contains("host::y -> host::x  (src/host/y.rs:1)"), "{r}");
}

#[test]
fn checker_ignores_items_of_an_ancestor() {
    let dir = tree(&[
        ("src/lib.rs", "mod host;\npub struct Root;\n"),
        (
            "src/host/mod.rs",
            "mod x;\nmod y;\npub struct Host;\nuse y::Y;\n",
        ),
        ("src/host/x.rs", "use super::y::Y;\n"),
        (
            "src/host/y.rs",
            "use super::{Host, Other as _};\nuse crate::Root;\nfn f(_: self::super::Host) {}\n",
        ),
    ]);
    let krate = load_crate(&dir.path().join("src/lib.rs"));
    let edges: Vec<_> = sibling_edges(&krate, dir.path()).into_keys().collect();
    let m = |s: &str| -> ModPath { s.split("::").map(String::from).collect() };
    assert_eq!(edges, [(m("host::x"), m("host::y"))]);
    // The same references with one into `x` make a cycle.
    let r = report_of(&[
        ("src/lib.rs", "mod host;\n"),
        ("src/host/mod.rs", "mod x;\nmod y;\n"),
        ("src/host/x.rs", "use super::y::Y;\n"),
        ("src/host/y.rs", "use super::{Host, x::{self, X}};\n"),
    ]);
    assert!(r.contains("host::y -> host::x  (src/host/y.rs:1)"), "{r}");
}

#[test]
fn checker_reads_grouped_uses_across_lines() {
    let r = report_of(&[
        ("src/lib.rs", "mod a;\nmod b;\nmod c;\n"),
        (
            "src/a.rs",
            "use crate::{\n    c::C,\n    b::{self, B},\n};\n",
        ),
        ("src/b.rs", "use crate::c::*;\n"),
        ("src/c.rs", "fn f() { let _ = crate::a::new(); }\n"),
    ]);
    assert!(r.contains("between a, b, c"), "{r}");
    assert!(r.contains("a -> b  (src/a.rs:3)"), "{r}");
    assert!(r.contains("a -> c  (src/a.rs:2)"), "{r}");
    assert!(r.contains("b -> c  (src/b.rs:1)"), "{r}");
    assert!(r.contains("c -> a  (src/c.rs:1)"), "{r}");
}

#[test]
fn checker_ignores_tests_comments_strings_and_reexports() {
    let r = report_of(&[
        ("src/lib.rs", "mod a;\nmod b;\nmod m;\n"),
        (
            "src/m/mod.rs",
            "pub use crate::a::A;\npub(crate) use crate::b::B;\n",
        ),
        (
            "src/a.rs",
            "use crate::b::B;\nuse crate::m::M;\n\
             #[cfg(test)]\nmod tests {\n    use crate::b::Other;\n}\n",
        ),
        (
            "src/b.rs",
            "// crate::a::A\n/* crate::a::A */\nconst S: &str = \"crate::a::A\";\n\
             const R: &str = r#\"crate::a::A\"#;\nconst C: char = '\\'';\n\
             #[cfg(test)]\nfn helper() -> crate::a::A { todo!() }\n\
             #[cfg(test)]\nmod tests;\n",
        ),
        ("src/b/tests.rs", "use crate::a::A;\n"),
    ]);
    assert!(r.is_empty(), "{r}");
}

#[test]
fn scan_counts_lines_before_a_trailing_test_module() {
    let src = "fn a() {}\n// x\n\n#[cfg(test)]\nmod tests {\n    #[test]\n    fn t() {}\n}\n";
    assert_eq!(scan(src, false).non_test_lines, 3);
    let src = "#[cfg(test)]\nmod tests {}\nfn a() {}\n";
    assert_eq!(
        scan(src, false).non_test_lines,
        3,
        "the test module is not trailing"
    );
    let src = "fn a() {}\n#[cfg(test)]\nmod tests;\n";
    assert_eq!(scan(src, true).non_test_lines, 1);
}

#[test]
fn size_report_skips_test_only_files() {
    let long = "fn f() {}\n".repeat(MAX_LINES + 1);
    let long_then_tests = format!("{}#[cfg(test)]\nmod tests {{\n{long}}}\n", "\n".repeat(10));
    let dir = tree(&[
        (
            "k/src/lib.rs",
            "mod big;\nmod ok;\n#[cfg(test)]\nmod tests;\n",
        ),
        ("k/src/big.rs", long.as_str()),
        ("k/src/ok.rs", long_then_tests.as_str()),
        ("k/src/tests.rs", long.as_str()),
    ]);
    let r = size_report(&dir.path().join("k"), dir.path());
    assert_eq!(
        r,
        format!(
            "k/src/big.rs: {} non-test lines (max {MAX_LINES})\n",
            MAX_LINES + 1
        )
    );
}

#[test]
fn lexer_keeps_lifetimes_chars_and_lines() {
    let toks = lex("fn f<'a>(x: &'a str) -> char {\n    let _ = b'\\'';\n    '}'\n}\n");
    let braces: Vec<usize> = toks
        .iter()
        .filter(|t| matches!(t.tok, Tok::Punct('{' | '}')))
        .map(|t| t.line)
        .collect();
    assert_eq!(braces, [1, 4]);
}
