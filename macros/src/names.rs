//! Wire-name conventions (RivetKit's): `ChatRoom` → `chatRoom`, `send_message` → `sendMessage`.

use proc_macro2::Ident;
use syn::ext::IdentExt;

/// The identifier as written, without a raw prefix (`r#type` → `type`).
pub fn plain(ident: &Ident) -> String {
    ident.unraw().to_string()
}

/// `snake_case` → `lowerCamelCase`.
pub fn snake_to_lower_camel(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut upper = false;
    for (i, c) in s.trim_start_matches('_').chars().enumerate() {
        if c == '_' {
            upper = i > 0;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// `UpperCamelCase` → `lowerCamelCase`.
pub fn upper_to_lower_camel(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conventions() {
        assert_eq!(snake_to_lower_camel("send_message"), "sendMessage");
        assert_eq!(snake_to_lower_camel("get_history"), "getHistory");
        assert_eq!(snake_to_lower_camel("ping"), "ping");
        assert_eq!(snake_to_lower_camel("check_limit_v2"), "checkLimitV2");
        assert_eq!(upper_to_lower_camel("ChatRoom"), "chatRoom");
        assert_eq!(upper_to_lower_camel("ChatRoomList"), "chatRoomList");
    }
}
