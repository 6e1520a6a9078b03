//! Checksums of stored rows (CRC32C): an actor's record, its state, each timer. Every field is
//! length-prefixed, so moving bytes between fields changes the sum. The state's sum covers the
//! actor id too, so a state copied onto another actor's row fails as well.

use super::TimerRecord;

/// Feeds one length-prefixed field into `crc`.
fn field(crc: u32, bytes: &[u8]) -> u32 {
    let len = (bytes.len() as u64).to_le_bytes();
    crc32c::crc32c_append(crc32c::crc32c_append(crc, &len), bytes)
}

/// The sum of an actor's record: id, name, key (REST form) and creation time.
pub(crate) fn record(id: &str, name: &str, key: &str, create_ts: i64) -> i64 {
    let mut crc = field(0, id.as_bytes());
    crc = field(crc, name.as_bytes());
    crc = field(crc, key.as_bytes());
    i64::from(field(crc, &create_ts.to_le_bytes()))
}

/// The sum of actor `id`'s state bytes.
pub(crate) fn state(id: &str, state: &[u8]) -> i64 {
    i64::from(field(field(0, id.as_bytes()), state))
}

/// The sum of a timer: every field.
pub(crate) fn timer(t: &TimerRecord) -> i64 {
    let mut crc = field(0, t.id.as_bytes());
    crc = field(crc, t.actor_id.as_bytes());
    crc = field(crc, &t.at_ms.to_le_bytes());
    crc = field(crc, t.action.as_bytes());
    i64::from(field(crc, &t.args))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bit_of_a_state_counts() {
        let bytes = b"\xa1ecount\x18\x2a".to_vec();
        let sum = state("a1", &bytes);
        for i in 0..bytes.len() * 8 {
            let mut flipped = bytes.clone();
            flipped[i / 8] ^= 1 << (i % 8);
            assert_ne!(state("a1", &flipped), sum, "bit {i}");
        }
        assert_ne!(state("a2", &bytes), sum, "another actor's state");
    }

    #[test]
    fn fields_do_not_run_into_each_other() {
        assert_ne!(record("ab", "c", "k", 1), record("a", "bc", "k", 1));
        assert_ne!(record("a", "b", "k", 1), record("a", "b", "k", 2));
    }
}
