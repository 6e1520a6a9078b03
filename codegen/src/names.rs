//! Identifier and name helpers shared by the generators.

/// Words that cannot name a TypeScript type or parameter (JavaScript reserved words, strict-mode
/// reserved words and TypeScript's predefined type names).
const RESERVED: &[&str] = &[
    "any",
    "arguments",
    "as",
    "async",
    "await",
    "bigint",
    "boolean",
    "break",
    "case",
    "catch",
    "class",
    "const",
    "continue",
    "debugger",
    "declare",
    "default",
    "delete",
    "do",
    "else",
    "enum",
    "eval",
    "export",
    "extends",
    "false",
    "finally",
    "for",
    "function",
    "if",
    "implements",
    "import",
    "in",
    "infer",
    "instanceof",
    "interface",
    "is",
    "keyof",
    "let",
    "never",
    "new",
    "null",
    "number",
    "object",
    "package",
    "private",
    "protected",
    "public",
    "readonly",
    "return",
    "static",
    "string",
    "super",
    "switch",
    "symbol",
    "this",
    "throw",
    "true",
    "try",
    "type",
    "typeof",
    "undefined",
    "unique",
    "unknown",
    "var",
    "void",
    "while",
    "with",
    "yield",
];

/// Whether `s` is a plain ASCII JavaScript identifier (`[A-Za-z_$][A-Za-z0-9_$]*`).
pub(crate) fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() || c == '_' || c == '$' => {}
        _ => return false,
    }
    chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
}

/// Turns any string into a usable TypeScript identifier: characters outside `[A-Za-z0-9_$]`
/// become `_`, a leading digit gets a `_` prefix, reserved words get a `_` suffix.
pub(crate) fn ts_identifier(s: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '$' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    if RESERVED.contains(&out.as_str()) {
        out.push('_');
    }
    out
}

/// `chatRoom` -> `ChatRoom`, `hourly-analytics` -> `HourlyAnalytics`, `user_actor` ->
/// `UserActor`: the prefix of the per-actor TypeScript names.
pub(crate) fn pascal_case(s: &str) -> String {
    let mut out = String::new();
    for part in s.split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars);
        }
    }
    ts_identifier(&out)
}

/// `user_id` -> `userId` (Rust parameter names are `snake_case`; TypeScript's are
/// `lowerCamelCase`). Leading underscores are dropped; the result is a valid parameter name.
pub(crate) fn lower_camel_case(s: &str) -> String {
    let mut out = String::new();
    let mut upper_next = false;
    for c in s.chars() {
        if c == '_' || c == '-' {
            upper_next = !out.is_empty();
        } else if upper_next {
            out.push(c.to_ascii_uppercase());
            upper_next = false;
        } else {
            out.push(c);
        }
    }
    ts_identifier(&out)
}

/// A property key as written in a TypeScript object type: bare when it is an identifier,
/// quoted otherwise.
pub(crate) fn property_key(s: &str) -> String {
    if is_identifier(s) {
        s.to_owned()
    } else {
        serde_json::Value::String(s.to_owned()).to_string()
    }
}

/// A name usable as an OpenAPI component key or a file name: characters outside
/// `[A-Za-z0-9._-]` become `_`.
pub(crate) fn component_name(s: &str) -> String {
    let out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.is_empty() || out == "." || out == ".." {
        format!("_{out}")
    } else {
        out
    }
}

/// JavaScript's `encodeURIComponent`, as the official client applies it to actor and action
/// names in gateway paths.
pub(crate) fn encode_uri_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        let unreserved = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'_' | b'.' | b'!' | b'~' | b'*' | b'\'' | b'(' | b')'
            );
        if unreserved {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The text of a `/** ... */` comment at `indent`, or nothing for empty text. `*/` inside the
/// text is broken up so it cannot end the comment.
pub(crate) fn js_doc(text: &str, indent: &str) -> String {
    let text = text.trim();
    if text.is_empty() {
        return String::new();
    }
    let text = text.replace("*/", "*\\/");
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    if lines.len() == 1 {
        return format!("{indent}/** {} */\n", lines[0]);
    }
    let mut out = format!("{indent}/**\n");
    for line in lines {
        if line.is_empty() {
            out.push_str(&format!("{indent} *\n"));
        } else {
            out.push_str(&format!("{indent} * {line}\n"));
        }
    }
    out.push_str(&format!("{indent} */\n"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers() {
        assert!(is_identifier("sendMessage"));
        assert!(is_identifier("$x_1"));
        assert!(!is_identifier("1x"));
        assert!(!is_identifier("a-b"));
        assert!(!is_identifier(""));
        assert_eq!(ts_identifier("Wrapper<String>"), "Wrapper_String_");
        assert_eq!(ts_identifier("1st"), "_1st");
        assert_eq!(ts_identifier("string"), "string_");
        assert_eq!(ts_identifier(""), "_");
    }

    #[test]
    fn cases() {
        assert_eq!(pascal_case("chatRoom"), "ChatRoom");
        assert_eq!(pascal_case("hourly-analytics"), "HourlyAnalytics");
        assert_eq!(pascal_case("user_actor"), "UserActor");
        assert_eq!(pascal_case("9lives"), "_9lives");
        assert_eq!(lower_camel_case("user_id"), "userId");
        assert_eq!(lower_camel_case("limit"), "limit");
        assert_eq!(lower_camel_case("_private"), "private_");
        assert_eq!(lower_camel_case("new"), "new_");
        assert_eq!(lower_camel_case("a__b"), "aB");
    }

    #[test]
    fn keys_and_components() {
        assert_eq!(property_key("type"), "type");
        assert_eq!(property_key("content-type"), "\"content-type\"");
        assert_eq!(component_name("Wrapper<String>"), "Wrapper_String_");
        assert_eq!(component_name("a.b-c_d"), "a.b-c_d");
        assert_eq!(component_name(".."), "_..");
    }

    #[test]
    fn uri_component() {
        assert_eq!(encode_uri_component("sendMessage"), "sendMessage");
        assert_eq!(encode_uri_component("a b/c"), "a%20b%2Fc");
        assert_eq!(encode_uri_component("é{}"), "%C3%A9%7B%7D");
        assert_eq!(encode_uri_component("a.b~c*'()!"), "a.b~c*'()!");
    }

    #[test]
    fn docs() {
        assert_eq!(js_doc("  ", ""), "");
        assert_eq!(js_doc("One line.", "  "), "  /** One line. */\n");
        assert_eq!(
            js_doc("First.\n\nSecond */ end.", ""),
            "/**\n * First.\n *\n * Second *\\/ end.\n */\n"
        );
    }
}
