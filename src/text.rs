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
                Ok(Text::from(v))
            }

            fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Text, E> {
                match std::str::from_utf8(v) {
                    Ok(v) => Ok(Text::from(v)),
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

/// A time in a zone, for messages: `2021-03-04 15:10 EST`.
pub(crate) fn local(tz: chrono_tz::Tz, at: chrono::DateTime<chrono::Utc>) -> String {
    at.with_timezone(&tz)
        .format("%Y-%m-%d %H:%M %Z")
        .to_string()
}
