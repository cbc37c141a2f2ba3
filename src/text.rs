//! Shared, immutable text for notes, summaries and reasons.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;
use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, de};

/// Free text written by people: notes, summaries, reasons, descriptions.
///
/// Text is immutable and shared: cloning it (as applying an event does) is a
/// reference-count increment, not a copy. It serializes as a plain JSON
/// string and converts from `&str` and `String`.
///
/// # Example
/// ```
/// use escalate::Text;
/// let note: Text = "the wrong cabinet came".into();
/// assert_eq!(&*note, "the wrong cabinet came");
/// assert_eq!(serde_json::to_string(&note)?, r#""the wrong cabinet came""#);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Eq, PartialOrd, Ord, Default, Serialize)]
#[serde(into = "String")]
pub struct Text(Arc<str>);

// Equal when they share their text (clones of one `Text`), or when their
// texts are equal; hashed by the text, as `Eq` needs.
impl PartialEq for Text {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || self.0 == other.0
    }
}

impl Hash for Text {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

// As `#[serde(from = "String")]` reads it (a string), without the
// intermediate `String`.
impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct TextVisitor;

        impl de::Visitor<'_> for TextVisitor {
            type Value = Text;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Text, E> {
                Ok(Text(shared(v)))
            }

            fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Text, E> {
                match std::str::from_utf8(v) {
                    Ok(v) => Ok(Text(shared(v))),
                    Err(_) => Err(E::invalid_value(de::Unexpected::Bytes(v), &self)),
                }
            }
        }

        d.deserialize_string(TextVisitor)
    }
}

impl Text {
    /// The text as a string slice.
    ///
    /// # Example
    /// ```
    /// let t = escalate::Text::from("hello");
    /// assert_eq!(t.as_str(), "hello");
    /// ```
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Self {
        Text(Arc::from(s))
    }
}

impl From<String> for Text {
    fn from(s: String) -> Self {
        Text(Arc::from(s))
    }
}

impl From<Text> for String {
    fn from(t: Text) -> String {
        t.0.to_string()
    }
}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The longest text [`shared`] looks up among the recent ones.
const SHARED_MAX_LEN: usize = 128;

/// How many recent texts [`shared`] remembers (per thread).
const SHARED_SLOTS: usize = 64;

thread_local! {
    /// Recently read texts, by a hash of their bytes.
    static RECENT: std::cell::RefCell<[Option<Arc<str>>; SHARED_SLOTS]> =
        const { std::cell::RefCell::new([const { None }; SHARED_SLOTS]) };
}

/// `text` as a shared string: a short text read recently on this thread
/// (by a deserializer: rule names, tiers, calendars, ids repeat from event
/// to event) is shared rather than allocated again. Values are the same
/// either way; only memory is shared.
pub(crate) fn shared(text: &str) -> Arc<str> {
    if text.len() > SHARED_MAX_LEN {
        return Arc::from(text);
    }
    let slot = slot_of(text.as_bytes());
    RECENT
        .try_with(|recent| {
            let mut recent = recent.try_borrow_mut().ok()?;
            let entry = recent.get_mut(slot)?;
            match entry {
                Some(known) if **known == *text => Some(Arc::clone(known)),
                _ => {
                    let made: Arc<str> = Arc::from(text);
                    *entry = Some(Arc::clone(&made));
                    Some(made)
                }
            }
        })
        .ok()
        .flatten()
        .unwrap_or_else(|| Arc::from(text))
}

/// The slot of [`RECENT`] for `bytes`: a hash of their length and of their
/// first and last eight bytes.
fn slot_of(bytes: &[u8]) -> usize {
    let word = |part: &[u8]| {
        let mut w = [0_u8; 8];
        for (to, from) in w.iter_mut().zip(part) {
            *to = *from;
        }
        u64::from_le_bytes(w)
    };
    let head = word(bytes);
    let tail = word(
        bytes
            .get(bytes.len().saturating_sub(8)..)
            .unwrap_or_default(),
    );
    let mixed =
        (head ^ tail.rotate_left(29) ^ (bytes.len() as u64)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    // The top bits, as many as the slots need.
    usize::try_from(mixed >> (64 - SHARED_SLOTS.trailing_zeros())).unwrap_or(0)
}

/// A time in a zone, for messages: `2021-03-04 15:10 EST`.
pub(crate) fn local(tz: chrono_tz::Tz, at: chrono::DateTime<chrono::Utc>) -> String {
    at.with_timezone(&tz)
        .format("%Y-%m-%d %H:%M %Z")
        .to_string()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use proptest::prelude::*;

    use super::{SHARED_MAX_LEN, Text, shared};

    #[test]
    fn recent_short_texts_are_shared_and_long_ones_are_not() {
        let rule = "SLA breach: escalate and apologise for the delay";
        assert!(Arc::ptr_eq(&shared(rule), &shared(rule)));
        let a: Text = serde_json::from_str(&format!("{rule:?}")).unwrap();
        let b: Text = serde_json::from_str(&format!("{rule:?}")).unwrap();
        assert!(Arc::ptr_eq(&a.0, &b.0));
        assert_eq!(a, b);
        let long = "x".repeat(SHARED_MAX_LEN + 1);
        assert!(!Arc::ptr_eq(&shared(&long), &shared(&long)));
        assert_eq!(&*shared(&long), long);
        assert_eq!(&*shared(""), "");
    }

    proptest! {
        /// Whatever was read before (texts sharing a slot replace each
        /// other), a text reads as itself.
        #[test]
        fn a_shared_text_is_the_text(texts in prop::collection::vec(
            prop_oneof!["[a-c]{0,3}", "[ -~]{0,20}", any::<String>(), "[a-z]{120,140}"], 1..200)
        ) {
            for text in &texts {
                prop_assert_eq!(&*shared(text), text.as_str());
            }
            for text in texts.iter().rev() {
                prop_assert_eq!(&*shared(text), text.as_str());
            }
        }
    }
}
