//! Watching a JSON body as it arrives for one top-level string field that must stay small
//! (the key of `PUT/POST /actors`), so that an oversized one is refused before the body is
//! buffered: the body limit has to leave room for a large input, not for a large key.

/// A streaming watch over a JSON text: the raw length of the string value of one top-level
/// field. It reads bytes only (no allocation), and misses nothing the JSON parser would read
/// as that field except a field name written with escapes, which the parser's own check
/// catches after buffering.
pub(crate) struct FieldWatch {
    field: &'static [u8],
    /// Most raw bytes (escapes included) the field's value may have.
    limit: usize,
    depth: u32,
    in_string: bool,
    escaped: bool,
    /// At depth 1, the next string is a field name.
    expect_name: bool,
    /// The field name being read matches `field` so far.
    name_matches: bool,
    name_len: usize,
    reading_name: bool,
    /// The last field name read at depth 1 was `field`.
    after_field: bool,
    /// Inside the watched value: its raw length so far.
    value_len: Option<usize>,
}

impl FieldWatch {
    pub(crate) fn new(field: &'static str, limit: usize) -> Self {
        FieldWatch {
            field: field.as_bytes(),
            limit,
            depth: 0,
            in_string: false,
            escaped: false,
            expect_name: false,
            name_matches: false,
            name_len: 0,
            reading_name: false,
            after_field: false,
            value_len: None,
        }
    }

    /// Reads the next bytes of the body; `Err(len)` once the watched value is over the limit.
    pub(crate) fn feed(&mut self, bytes: &[u8]) -> Result<(), usize> {
        for &b in bytes {
            if self.in_string {
                if !self.escaped && b == b'"' {
                    self.in_string = false;
                    if self.reading_name {
                        self.reading_name = false;
                        self.after_field = self.name_matches && self.name_len == self.field.len();
                    }
                    self.value_len = None;
                    continue;
                }
                if let Some(len) = &mut self.value_len {
                    *len += 1;
                    if *len > self.limit {
                        return Err(*len);
                    }
                }
                if self.escaped {
                    self.escaped = false;
                    self.name_byte(b);
                } else if b == b'\\' {
                    self.escaped = true;
                    // An escaped name is not compared (the parser's check covers it).
                    self.name_matches = false;
                } else {
                    self.name_byte(b);
                }
                continue;
            }
            match b {
                b'"' => {
                    self.in_string = true;
                    if self.depth == 1 && self.expect_name {
                        self.reading_name = true;
                        self.name_matches = true;
                        self.name_len = 0;
                    } else if self.depth == 1 && self.after_field {
                        self.value_len = Some(0);
                    }
                }
                b'{' | b'[' => {
                    self.depth += 1;
                    self.expect_name = self.depth == 1 && b == b'{';
                }
                b'}' | b']' => self.depth = self.depth.saturating_sub(1),
                b',' if self.depth == 1 => {
                    self.expect_name = true;
                    self.after_field = false;
                }
                b':' if self.depth == 1 => self.expect_name = false,
                _ => {}
            }
        }
        Ok(())
    }

    fn name_byte(&mut self, b: u8) {
        if self.reading_name {
            if self.field.get(self.name_len) != Some(&b) {
                self.name_matches = false;
            }
            self.name_len += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn watch(body: &str, chunk: usize) -> Result<(), usize> {
        let mut w = FieldWatch::new("key", 10);
        body.as_bytes().chunks(chunk).try_for_each(|c| w.feed(c))
    }

    #[test]
    fn stops_at_a_long_key_in_any_chunking() {
        for chunk in [1, 3, 1000] {
            let long = r#"{"name":"counter","key":"0123456789ABCDEF","input":"x"}"#;
            assert_eq!(watch(long, chunk), Err(11), "chunk {chunk}");
            let ok = r#"{"input":"a long input, not the key","key":"k\"ey/1","name":"n"}"#;
            assert_eq!(watch(ok, chunk), Ok(()), "chunk {chunk}");
        }
    }

    #[test]
    fn only_the_top_level_field_counts() {
        let nested = r#"{"name":"n","other":{"key":"0123456789ABCDEF"},"keys":"0123456789ABC"}"#;
        assert_eq!(watch(nested, 4), Ok(()));
        let value_named_key = r#"{"name":"key","k":"0123456789ABCDEF"}"#;
        assert_eq!(watch(value_named_key, 4), Ok(()));
        assert_eq!(watch(r#"{ "key" : "0123456789ABCDEF" }"#, 2), Err(11));
        assert_eq!(
            watch(r#"{"key":"0123456789"}"#, 1),
            Ok(()),
            "exactly the limit"
        );
    }
}
