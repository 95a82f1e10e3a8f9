//! Encodings every provider's signature needs: percent-encoding (RFC 3986), query parsing,
//! hex, HMAC and SHA digests, and constant-time comparison.

use hmac::{Hmac, KeyInit, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use sha1::Sha1;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// RFC 3986 unreserved characters stay; everything else is `%XX` (uppercase hex).
pub const RFC3986: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');
/// The same, keeping `/` (for paths).
pub const RFC3986_PATH: &AsciiSet = &RFC3986.remove(b'/');

pub fn encode(s: &str) -> String {
    utf8_percent_encode(s, RFC3986).to_string()
}

pub fn encode_path(s: &str) -> String {
    utf8_percent_encode(s, RFC3986_PATH).to_string()
}

/// Percent-decodes leniently: `+` is a space when `plus_is_space`, bad `%` sequences stay,
/// invalid UTF-8 becomes U+FFFD.
pub fn decode(s: &str, plus_is_space: bool) -> String {
    let s = if plus_is_space { s.replace('+', " ") } else { s.to_string() };
    percent_decode_str(&s).decode_utf8_lossy().into_owned()
}

/// Splits a raw query (or a form body) into decoded (key, value) pairs in order, as
/// `application/x-www-form-urlencoded` reads it: empty items skipped, a key without `=` has an
/// empty value, `+` is a space, bad `%` sequences stay, invalid UTF-8 becomes U+FFFD (the same
/// as `decode(_, true)` on each side of the first `=`).
pub fn query_pairs(raw: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(raw.as_bytes()).into_owned().collect()
}

/// A `Host` header's name without its port, as written (`[::1]:80` → `[::1]`,
/// `127.0.0.1:8080` → `127.0.0.1`, `localhost` → `localhost`); `None` when what follows the
/// name is not a port.
pub fn host_without_port(host: &str) -> Option<&str> {
    let host = host.trim();
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    if host.starts_with('[') {
        let end = host.find(']')? + 1;
        let port = &host[end..];
        return (port.is_empty() || port.strip_prefix(':').is_some_and(digits)).then_some(&host[..end]);
    }
    match host.rsplit_once(':') {
        Some((name, port)) => digits(port).then_some(name),
        None => Some(host),
    }
}

/// The IP address a host name (without port, IPv6 in brackets or not) spells, if it is one.
pub fn host_ip(name: &str) -> Option<std::net::IpAddr> {
    name.trim_start_matches('[').trim_end_matches(']').parse().ok()
}

/// Lowercase hex. Signatures hash and hex-encode several times per request, so no `format!`.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 0x0f) as usize] as char);
    }
    out
}

pub fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

pub fn hmac_sha256(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// How many keyed MACs each thread remembers; past that the cache starts over.
const KEYED_CACHE: usize = 256;

thread_local! {
    /// Keyed HMAC-SHA256 states by what derived their key. Signing keys are derived from a
    /// secret, a date and a scope through a chain of HMACs, and each MAC starts by hashing its
    /// key pads; both are the same for every request of a key on a day, so they are computed
    /// once per thread. A pure memo: the result is what the chain would compute.
    static KEYED: std::cell::RefCell<std::collections::HashMap<String, Hmac<Sha256>>> =
        std::cell::RefCell::new(std::collections::HashMap::new());
}

/// HMAC-SHA256 of `data` under the key `derive()` returns, where `id` names that key
/// uniquely (it must include everything the key is derived from, secret included).
pub fn hmac_sha256_keyed(id: &str, derive: impl FnOnce() -> Vec<u8>, data: &[u8]) -> Vec<u8> {
    let mut mac = KEYED.with(|cache| {
        let mut cache = cache.borrow_mut();
        if let Some(mac) = cache.get(id) {
            return mac.clone();
        }
        let mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&derive()).expect("HMAC takes keys of any length");
        if cache.len() >= KEYED_CACHE {
            cache.clear();
        }
        cache.insert(id.to_string(), mac.clone());
        mac
    });
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

pub fn hmac_sha1(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = <Hmac<Sha1> as KeyInit>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

pub fn base64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Compares two signatures in constant time (for equal lengths).
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3986() {
        assert_eq!(encode("a b*c~d/e+f=g&h%i'j(k)!l中"), "a%20b%2Ac~d%2Fe%2Bf%3Dg%26h%25i%27j%28k%29%21l%E4%B8%AD");
        assert_eq!(encode_path("/v1/x:share"), "/v1/x%3Ashare");
        assert_eq!(decode("a+b%20c%zz", true), "a b c%zz");
        assert_eq!(
            query_pairs("A=1&B&&C=x+y"),
            vec![("A".into(), "1".into()), ("B".into(), "".into()), ("C".into(), "x y".into())]
        );
    }

    /// `query_pairs` (form_urlencoded) reads every item as the hand-written split it replaced
    /// did: `&`-separated, empty items skipped, split at the first `=`, each side decoded with
    /// `decode(_, true)`. Signatures canonicalise what it returns, so this must hold byte for byte.
    #[test]
    fn query_pairs_match_the_hand_written_split() {
        let by_hand = |raw: &str| -> Vec<(String, String)> {
            raw.split('&')
                .filter(|p| !p.is_empty())
                .map(|p| match p.split_once('=') {
                    Some((k, v)) => (decode(k, true), decode(v, true)),
                    None => (decode(p, true), String::new()),
                })
                .collect()
        };
        let cases = [
            "",
            "&",
            "&&a",
            "a",
            "a=",
            "=b",
            "=",
            "a=b=c",
            "a==b",
            "a=1&a=2&A=3",
            "x+y=1+2%2B3",
            "%41%zz=%E4%B8%AD%",
            "bad=%FF%FE&half=%E4%B8",
            "k=%2",
            "sp=a%20b+c&&&t=~*'()!",
            "AddAccount.1=12345&Signature=abc%2Fdef%3D&SignatureNonce=n-1",
            "中=文&%C3%A9=é",
        ];
        for raw in cases {
            assert_eq!(query_pairs(raw), by_hand(raw), "{raw:?}");
        }
    }

    #[test]
    fn digests() {
        assert_eq!(sha256_hex(b""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        // RFC 4231 test case 2.
        assert_eq!(
            hex(&hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert!(same("abc", "abc") && !same("abc", "abd") && !same("abc", "ab"));
    }

    #[test]
    fn host_names_lose_only_a_port() {
        assert_eq!(host_without_port("127.0.0.1:8080"), Some("127.0.0.1"));
        assert_eq!(host_without_port("[::1]:80"), Some("[::1]"));
        assert_eq!(host_without_port("[::1]"), Some("[::1]"));
        assert_eq!(host_without_port("localhost"), Some("localhost"));
        assert_eq!(host_without_port("localhost:x"), None);
        assert_eq!(host_without_port("[::1]x"), None);
        assert!(host_ip("[::1]").is_some_and(|ip| ip.is_loopback()) && host_ip("example").is_none());
    }

    #[test]
    fn a_keyed_mac_is_the_mac_of_its_key() {
        for _ in 0..2 {
            let cached = hmac_sha256_keyed("jefe", || b"Jefe".to_vec(), b"what do ya want for nothing?");
            assert_eq!(cached, hmac_sha256(b"Jefe", b"what do ya want for nothing?"));
        }
        // Another id is another key, even for the same data.
        assert_ne!(hmac_sha256_keyed("other", || b"other".to_vec(), b"x"), hmac_sha256(b"Jefe", b"x"));
    }
}
