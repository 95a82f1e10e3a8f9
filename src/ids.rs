//! Stable identifiers: derived from names, a seed and a counter, never from randomness.

/// FNV-1a over the parts (with a separator), finished with splitmix64 for good bit spread.
pub fn stable_hash(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain(std::iter::once(0xff)) {
            h ^= b as u64;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    splitmix(h)
}

/// The splitmix64 finalizer; also used to stretch one hash into several.
pub fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// `n` characters drawn from `alphabet`, driven by `h`.
pub fn chars(mut h: u64, n: usize, alphabet: &[u8]) -> String {
    if !alphabet.len().is_power_of_two() {
        return by_division(h, n, alphabet);
    }
    // The same digits as `by_division` without a 64-bit division per character (request IDs
    // are made on every request): for a power of two, `%` is a mask and `/` a shift.
    let mut out = String::with_capacity(n);
    let (mask, shift) = (alphabet.len() as u64 - 1, alphabet.len().trailing_zeros());
    for i in 0..n {
        if i % 8 == 0 && i > 0 {
            h = splitmix(h);
        }
        out.push(alphabet[(h & mask) as usize] as char);
        h >>= shift;
    }
    out
}

/// `chars` for any alphabet: each character is the remainder of a division by its length.
fn by_division(mut h: u64, n: usize, alphabet: &[u8]) -> String {
    let mut out = String::with_capacity(n);
    for i in 0..n {
        if i % 8 == 0 && i > 0 {
            h = splitmix(h);
        }
        out.push(alphabet[(h % alphabet.len() as u64) as usize] as char);
        h /= alphabet.len() as u64;
    }
    out
}

pub const DIGITS: &[u8] = b"0123456789";
pub const LOWER_ALNUM: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
pub const HEX: &[u8] = b"0123456789abcdef";
pub const UPPER_HEX: &[u8] = b"0123456789ABCDEF";
pub const UPPER_ALNUM: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
pub const MIXED_ALNUM: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A decimal number of exactly `n` digits that does not start with 0.
pub fn digits(h: u64, n: usize) -> String {
    let first = (b'1' + (h % 9) as u8) as char;
    format!("{first}{}", chars(splitmix(h), n - 1, DIGITS))
}

/// 32 lowercase hex digits (Huawei project and domain IDs).
pub fn hex32(h: u64) -> String {
    chars(h, 32, HEX)
}

/// A version-4-shaped UUID (IMS image IDs).
pub fn uuid(h: u64) -> String {
    let s = hex32(h);
    format!("{}-{}-4{}-a{}-{}", &s[0..8], &s[8..12], &s[13..16], &s[17..20], &s[20..32])
}

#[cfg(test)]
mod tests {
    #[test]
    fn power_of_two_alphabets_give_the_same_ids_as_division() {
        for seed in 0..2_000u64 {
            let h = splitmix(seed);
            for alphabet in [HEX, UPPER_HEX, &b"01"[..], &b"0123"[..]] {
                assert_eq!(chars(h, 32, alphabet), by_division(h, 32, alphabet));
            }
        }
    }

    use super::*;

    #[test]
    fn same_input_same_id() {
        assert_eq!(stable_hash(&["a", "b"]), stable_hash(&["a", "b"]));
        assert_ne!(stable_hash(&["ab", ""]), stable_hash(&["a", "b"]));
    }

    #[test]
    fn shapes() {
        let h = stable_hash(&["x"]);
        assert_eq!(digits(h, 12).len(), 12);
        assert!(!digits(h, 12).starts_with('0'));
        assert_eq!(hex32(h).len(), 32);
        assert_eq!(uuid(h).len(), 36);
        assert_eq!(chars(h, 20, LOWER_ALNUM).len(), 20);
    }
}
