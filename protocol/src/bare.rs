//! BARE primitives and the vbare envelope (`u16` little-endian version, then the message).
//!
//! A small hand codec rather than `serde_bare`: every length read from the wire is checked
//! against the bytes actually present before anything is allocated, so hostile input (a `data`
//! length of 2^60) is an error, never an allocation failure, and unions read tags exactly as the
//! reference writes them.

use crate::ProtocolError;

/// The longest `uint` varint BARE allows, in bytes.
const MAX_UINT_BYTES: usize = 10;

/// Splits a vbare payload into its version and message bytes.
pub fn split_version(bytes: &[u8]) -> Result<(u16, &[u8]), ProtocolError> {
    if bytes.len() < 2 {
        return Err(ProtocolError::Truncated);
    }
    let version = crate::version::check(u16::from_le_bytes([bytes[0], bytes[1]]))?;
    Ok((version, &bytes[2..]))
}

/// Reads BARE primitives from a byte slice.
pub struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    /// A reader over `bytes`.
    pub fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes }
    }

    /// Fails unless every byte was consumed.
    pub fn finish(self) -> Result<(), ProtocolError> {
        if self.bytes.is_empty() {
            Ok(())
        } else {
            Err(ProtocolError::TrailingBytes(self.bytes.len()))
        }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], ProtocolError> {
        if self.bytes.len() < n {
            return Err(ProtocolError::Truncated);
        }
        let (head, tail) = self.bytes.split_at(n);
        self.bytes = tail;
        Ok(head)
    }

    /// `u8`.
    pub fn u8(&mut self) -> Result<u8, ProtocolError> {
        Ok(self.take(1)?[0])
    }

    /// `uint`: unsigned LEB128, at most 10 bytes, no overflow past 64 bits.
    pub fn uint(&mut self) -> Result<u64, ProtocolError> {
        let mut result: u64 = 0;
        for i in 0..MAX_UINT_BYTES {
            let b = self.u8()?;
            let chunk = u64::from(b & 0x7f);
            if i == 9 && b > 1 {
                return Err(ProtocolError::Bare("uint overflows 64 bits".into()));
            }
            result |= chunk << (7 * i);
            if b & 0x80 == 0 {
                return Ok(result);
            }
        }
        Err(ProtocolError::Bare("uint longer than 10 bytes".into()))
    }

    /// `u64`: 8 bytes little-endian.
    pub fn u64(&mut self) -> Result<u64, ProtocolError> {
        let b = self.take(8)?;
        Ok(u64::from_le_bytes(b.try_into().expect("8 bytes")))
    }

    /// `bool`: one byte, 0 or 1.
    pub fn bool(&mut self) -> Result<bool, ProtocolError> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            b => Err(ProtocolError::Bare(format!("invalid bool byte {b}"))),
        }
    }

    fn len(&mut self) -> Result<usize, ProtocolError> {
        let n = self.uint()?;
        if n > self.bytes.len() as u64 {
            return Err(ProtocolError::Truncated);
        }
        Ok(n as usize)
    }

    /// `data`: length-prefixed bytes.
    pub fn data(&mut self) -> Result<&'a [u8], ProtocolError> {
        let n = self.len()?;
        self.take(n)
    }

    /// `str`: length-prefixed UTF-8.
    pub fn str(&mut self) -> Result<String, ProtocolError> {
        let bytes = self.data()?;
        std::str::from_utf8(bytes)
            .map(str::to_string)
            .map_err(|_| ProtocolError::Bare("string is not UTF-8".into()))
    }

    /// `optional<T>`: a 0/1 byte, then `T` when 1.
    pub fn optional<T>(
        &mut self,
        read: impl FnOnce(&mut Self) -> Result<T, ProtocolError>,
    ) -> Result<Option<T>, ProtocolError> {
        if self
            .bool()
            .map_err(|_| ProtocolError::Bare("invalid optional flag".into()))?
        {
            read(self).map(Some)
        } else {
            Ok(None)
        }
    }
}

/// Writes BARE primitives.
#[derive(Default)]
pub struct Writer {
    out: Vec<u8>,
}

impl Writer {
    /// A writer that starts with the vbare version prefix.
    pub fn versioned(version: u16) -> Self {
        Writer {
            out: version.to_le_bytes().to_vec(),
        }
    }

    /// The bytes written.
    pub fn into_bytes(self) -> Vec<u8> {
        self.out
    }

    /// `uint`.
    pub fn uint(&mut self, mut n: u64) {
        loop {
            let b = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                self.out.push(b);
                return;
            }
            self.out.push(b | 0x80);
        }
    }

    /// `u64`.
    pub fn u64(&mut self, n: u64) {
        self.out.extend_from_slice(&n.to_le_bytes());
    }

    /// `bool`.
    pub fn bool(&mut self, b: bool) {
        self.out.push(b as u8);
    }

    /// `data`.
    pub fn data(&mut self, bytes: &[u8]) {
        self.uint(bytes.len() as u64);
        self.out.extend_from_slice(bytes);
    }

    /// `str`.
    pub fn str(&mut self, s: &str) {
        self.data(s.as_bytes());
    }

    /// `optional<T>`.
    pub fn optional<T>(&mut self, value: Option<T>, write: impl FnOnce(&mut Self, T)) {
        match value {
            None => self.bool(false),
            Some(v) => {
                self.bool(true);
                write(self, v);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn uint_round_trips(n: u64) {
            let mut w = Writer::default();
            w.uint(n);
            let bytes = w.into_bytes();
            let mut r = Reader::new(&bytes);
            prop_assert_eq!(r.uint().unwrap(), n);
            r.finish().unwrap();
        }
    }

    #[test]
    fn hostile_lengths_are_errors() {
        // data length 2^60 with three bytes present
        let mut w = Writer::default();
        w.uint(1 << 60);
        let mut bytes = w.into_bytes();
        bytes.extend_from_slice(b"abc");
        assert!(matches!(
            Reader::new(&bytes).data(),
            Err(ProtocolError::Truncated)
        ));
        assert!(Reader::new(&[0xff; 11]).uint().is_err());
        assert!(matches!(
            split_version(&[9, 0]),
            Err(ProtocolError::UnsupportedVersion(9))
        ));
    }
}
