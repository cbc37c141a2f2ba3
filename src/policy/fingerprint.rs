//! A policy's content fingerprint: what identifies a policy besides its
//! label.

use std::fmt;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

/// The fingerprint of a policy's content: 64 bits, written as 16 lowercase
/// hex digits.
///
/// [`Policy::fingerprint`](super::Policy::fingerprint) computes it from
/// everything that affects decisions (tiers, time zone, calendars, the
/// default calendar, SLA metrics, rules, deflection, the next-response
/// switch, recovery rules), but not the version label. Two policies with
/// the same content have the same fingerprint, whatever their labels, on
/// every platform, build and Rust version: it is FNV-1a (64 bits) over the
/// policy's canonical JSON form (the form [`Policy`](super::Policy)
/// serializes to, label left empty), not Rust's `DefaultHasher`.
///
/// A case records the fingerprint of the policy it runs under, and refuses
/// a policy with the same label but another fingerprint
/// ([`Refusal::PolicyContentMismatch`](crate::Refusal::PolicyContentMismatch)).
///
/// # Example
/// ```
/// use escalate::policy::{Policy, PolicyFingerprint};
/// let f = Policy::recommended().fingerprint();
/// assert_eq!(f.to_string().len(), 16);
/// assert_eq!(f.to_string().parse::<PolicyFingerprint>()?, f);
/// assert_eq!(serde_json::to_string(&f)?, format!("\"{f}\""));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PolicyFingerprint(u64);

impl PolicyFingerprint {
    /// The FNV-1a 64 hash of `bytes`.
    pub(crate) fn of(bytes: &[u8]) -> Self {
        const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
        const PRIME: u64 = 0x0000_0100_0000_01b3;
        PolicyFingerprint(
            bytes
                .iter()
                .fold(OFFSET, |h, b| (h ^ u64::from(*b)).wrapping_mul(PRIME)),
        )
    }

    /// The hash, as a key for values worked out under the policy.
    pub(crate) fn key(self) -> u64 {
        self.0
    }
}

impl fmt::Display for PolicyFingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

impl fmt::Debug for PolicyFingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PolicyFingerprint({self})")
    }
}

/// A fingerprint that could not be read: not 16 hex digits.
///
/// # Example
/// ```
/// use escalate::policy::PolicyFingerprint;
/// let err = "xyz".parse::<PolicyFingerprint>().unwrap_err();
/// assert_eq!(err.to_string(), r#"invalid policy fingerprint "xyz": expected 16 hex digits"#);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid policy fingerprint {0:?}: expected 16 hex digits")]
pub struct FingerprintError(String);

impl std::str::FromStr for PolicyFingerprint {
    type Err = FingerprintError;
    fn from_str(text: &str) -> Result<Self, FingerprintError> {
        let bad = || FingerprintError(text.chars().take(40).collect());
        if text.len() != 16 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad());
        }
        u64::from_str_radix(text, 16)
            .map(PolicyFingerprint)
            .map_err(|_| bad())
    }
}

impl TryFrom<String> for PolicyFingerprint {
    type Error = FingerprintError;
    fn try_from(s: String) -> Result<Self, FingerprintError> {
        s.parse()
    }
}

impl From<PolicyFingerprint> for String {
    fn from(f: PolicyFingerprint) -> String {
        f.to_string()
    }
}

/// The fingerprint, computed the first time it is asked for and kept;
/// every builder method that changes the policy empties it. It takes no
/// part in comparing policies.
#[derive(Clone, Default)]
pub(super) struct Cached(OnceLock<PolicyFingerprint>);

impl Cached {
    pub(super) fn get_or_init(&self, f: impl FnOnce() -> PolicyFingerprint) -> PolicyFingerprint {
        *self.0.get_or_init(f)
    }
}

impl PartialEq for Cached {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for Cached {}

impl fmt::Debug for Cached {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.get() {
            Some(p) => write!(f, "{p}"),
            None => f.write_str("(not computed)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_reference_values() {
        // The published FNV-1a 64 test vectors.
        assert_eq!(PolicyFingerprint::of(b"").to_string(), "cbf29ce484222325");
        assert_eq!(PolicyFingerprint::of(b"a").to_string(), "af63dc4c8601ec8c");
        assert_eq!(
            PolicyFingerprint::of(b"foobar").to_string(),
            "85944171f73967e8"
        );
    }

    #[test]
    fn parsing_refuses_what_display_never_writes() {
        for bad in [
            "",
            "123",
            "0123456789abcdeg",
            "+123456789abcdef",
            "0123456789abcdef0",
        ] {
            assert!(bad.parse::<PolicyFingerprint>().is_err(), "{bad}");
        }
        let f: PolicyFingerprint = "00000000000000ff".parse().unwrap();
        assert_eq!(f.to_string(), "00000000000000ff");
        assert_eq!(
            serde_json::from_str::<PolicyFingerprint>("\"00000000000000ff\"").unwrap(),
            f
        );
    }
}
