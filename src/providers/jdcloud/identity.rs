//! JD Cloud account and resource IDs. Images are shared by PIN, the customer identification code
//! shown under "Basic Material" in the user centre (`jdpin_alice` in the SDK captures). An
//! account also has a 12-digit account ID and a bound 11-digit mobile number; the seed says
//! sharing with either is not supported, which is the usual mistake.

use crate::ids::{DIGITS, LOWER_ALNUM, chars, digits};
use crate::providers::{Identity, RegionMap, identity_hash};
use crate::rules::IdentityKind;

/// The longest PIN `classify` accepts, and so the longest PIN an account is given.
const MAX_PIN: usize = 64;
const PIN_PREFIX: &str = "jdpin_";

fn pin_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')
}

/// `jdpin_<lowercased name>`, PIN-shaped whatever the input: other characters (such as the `#`
/// of a salted name) become `-`, and a name too long for a PIN is cut and given a hash tail, so
/// two different inputs still give two different PINs.
fn pin(account: &str) -> String {
    let clean: String =
        account.bytes().map(|b| if pin_byte(b) { b.to_ascii_lowercase() as char } else { '-' }).collect();
    let whole = format!("{PIN_PREFIX}{clean}");
    if whole.len() <= MAX_PIN {
        return whole;
    }
    let tail = chars(identity_hash("jdcloud", "pin", account), 12, LOWER_ALNUM);
    let keep = MAX_PIN - PIN_PREFIX.len() - 1 - tail.len();
    format!("{PIN_PREFIX}{}-{tail}", &clean[..keep])
}

pub fn identities(account: &str, _regions: &[RegionMap]) -> Vec<Identity> {
    let h = |kind| identity_hash("jdcloud", kind, account);
    let one = |kind, value| Identity { kind, value, region: None };
    // Mainland mobile numbers are 1, then 3-9, then nine digits.
    let second = (b'3' + (h("phone") % 7) as u8) as char;
    vec![
        one(IdentityKind::Pin, pin(account)),
        one(IdentityKind::AccountId, digits(h("account"), 12)),
        one(IdentityKind::Phone, format!("1{second}{}", chars(h("phone") / 7, 9, DIGITS))),
    ]
}

/// All digits: a 12-digit account ID or an 11-digit mobile number. Otherwise 2-64 letters,
/// digits, `_`, `-` or `.` is PIN-shaped. Anything else is no identity at all.
pub fn classify(s: &str) -> Option<IdentityKind> {
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return match s.len() {
            12 => Some(IdentityKind::AccountId),
            11 if s.starts_with('1') => Some(IdentityKind::Phone),
            _ => None,
        };
    }
    let pin_shaped = (2..=MAX_PIN).contains(&s.len()) && s.bytes().all(pin_byte);
    pin_shaped.then_some(IdentityKind::Pin)
}

/// `img-` and 10 lowercase letters or digits, like `img-m5s0abcd29`.
pub fn image_id(h: u64, _owner: &str, _name: &str) -> String {
    format!("img-{}", chars(h, 10, LOWER_ALNUM))
}

/// `i-` and 10 lowercase letters or digits, like `i-eumm3ab1d6`.
pub fn instance_id(h: u64) -> String {
    format!("i-{}", chars(h, 10, LOWER_ALNUM))
}
