//! The shapes of registry references the engine keeps: content digests and tags, as the OCI
//! distribution spec writes them. The engine checks shapes only; the bytes behind a digest are
//! the registry's (`wire::content`).

use sha2::{Digest, Sha256};

/// The only digest algorithm taken (the one every registry client sends).
pub const SHA256_PREFIX: &str = "sha256:";

/// `sha256:` and 64 lower-case hex digits.
pub fn valid_digest(d: &str) -> bool {
    d.strip_prefix(SHA256_PREFIX)
        .is_some_and(|hex| hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
}

/// A tag as the distribution spec allows it: `[A-Za-z0-9_][A-Za-z0-9._-]{0,127}`.
pub fn valid_tag(t: &str) -> bool {
    let mut bytes = t.bytes();
    matches!(bytes.next(), Some(b) if b.is_ascii_alphanumeric() || b == b'_')
        && t.len() <= 128
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// The digest of `bytes`, as a registry names them.
pub fn digest_of(bytes: &[u8]) -> String {
    let hash = Sha256::digest(bytes);
    let mut out = String::with_capacity(SHA256_PREFIX.len() + 64);
    out.push_str(SHA256_PREFIX);
    for b in hash.iter() {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_and_tags_take_only_their_spec_shapes() {
        let d = digest_of(b"");
        assert_eq!(d, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assert!(valid_digest(&d));
        for bad in ["", "sha256:", "sha512:e3b0", &d.to_uppercase(), &d[..70], &format!("{d}0"), "sha256:../../x"] {
            assert!(!valid_digest(bad), "{bad}");
        }
        for good in ["v1", "latest", "_x", "1.0-rc_2", &"a".repeat(128)] {
            assert!(valid_tag(good), "{good}");
        }
        for bad in ["", ".v1", "-v1", "v/1", "v:1", &"a".repeat(129), "sha256:abc"] {
            assert!(!valid_tag(bad), "{bad}");
        }
    }
}
