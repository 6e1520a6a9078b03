//! The three wire encodings and how each is announced.

use std::fmt;
use std::str::FromStr;

/// A wire encoding, chosen by the client per request (HTTP header `x-rivet-encoding`) or per
/// connection (WebSocket subprotocol `rivet_encoding.<enc>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Encoding {
    /// JSON with RivetKit's compat markers; WebSocket text frames.
    Json,
    /// One CBOR item mirroring the JSON shape; WebSocket binary frames.
    Cbor,
    /// BARE (v1–v4) with a little-endian `u16` version prefix; user values are embedded CBOR.
    /// The official client's default.
    #[default]
    Bare,
}

/// HTTP header that carries the encoding of an action or queue request.
pub const ENCODING_HEADER: &str = "x-rivet-encoding";
/// Prefix of the WebSocket subprotocol that carries the encoding.
pub const ENCODING_SUBPROTOCOL_PREFIX: &str = "rivet_encoding.";

impl Encoding {
    /// All encodings, in a stable order (useful for tests).
    pub const ALL: [Encoding; 3] = [Encoding::Json, Encoding::Cbor, Encoding::Bare];

    /// The name on the wire: `json`, `cbor` or `bare`.
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Json => "json",
            Encoding::Cbor => "cbor",
            Encoding::Bare => "bare",
        }
    }

    /// The `Content-Type` of bodies in this encoding.
    pub fn content_type(self) -> &'static str {
        match self {
            Encoding::Json => "application/json",
            Encoding::Cbor | Encoding::Bare => "application/octet-stream",
        }
    }

    /// The WebSocket subprotocol announcing this encoding.
    pub fn subprotocol(self) -> String {
        format!("{ENCODING_SUBPROTOCOL_PREFIX}{}", self.as_str())
    }

    /// Whether WebSocket messages in this encoding are text frames (only JSON).
    pub fn is_text(self) -> bool {
        self == Encoding::Json
    }

    /// The encoding announced by an `x-rivet-encoding` header; a missing header means JSON,
    /// as in the reference server. An unknown value is an error.
    pub fn from_header(value: Option<&str>) -> Result<Self, crate::ProtocolError> {
        match value {
            None => Ok(Encoding::Json),
            Some(v) => v.parse(),
        }
    }
}

impl FromStr for Encoding {
    type Err = crate::ProtocolError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "json" => Ok(Encoding::Json),
            "cbor" => Ok(Encoding::Cbor),
            "bare" => Ok(Encoding::Bare),
            other => Err(crate::ProtocolError::UnknownEncoding(other.to_string())),
        }
    }
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        for e in Encoding::ALL {
            assert_eq!(e.as_str().parse::<Encoding>().unwrap(), e);
            assert_eq!(e.subprotocol(), format!("rivet_encoding.{e}"));
        }
        assert_eq!(Encoding::from_header(None).unwrap(), Encoding::Json);
        assert!(Encoding::from_header(Some("xml")).is_err());
    }
}
