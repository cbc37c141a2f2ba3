//! Validated identifier newtypes shared by cases, agents, customers and commands.

/// Defines a validated, cheaply clonable string identifier.
///
/// Identifiers are non-empty, at most 128 bytes, and contain no control
/// characters; serde goes through the same check.
macro_rules! identifier {
    ($(#[$meta:meta])* $name:ident, $what:literal) => {
        $(#[$meta])*
        #[derive(Clone, Eq, PartialOrd, Ord, serde::Serialize)]
        #[serde(into = "String")]
        pub struct $name(std::sync::Arc<str>);

        // Equal when they share their text (clones of one identifier), or
        // when their texts are equal; hashed by the text, as `Eq` needs.
        impl PartialEq for $name {
            fn eq(&self, other: &Self) -> bool {
                std::sync::Arc::ptr_eq(&self.0, &other.0) || self.0 == other.0
            }
        }

        impl std::hash::Hash for $name {
            fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
                self.0.hash(state);
            }
        }

        // As `#[serde(try_from = "String")]` reads it (a string, checked by
        // `new` once read, so that the error is the same), without the
        // intermediate `String`.
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct Visitor;

                impl serde::de::Visitor<'_> for Visitor {
                    type Value = Result<$name, crate::InvalidId>;

                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str("a string")
                    }

                    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                        Ok(crate::ids::check(v, $what).map(|()| $name(crate::text::shared(v))))
                    }

                    fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Self::Value, E> {
                        match std::str::from_utf8(v) {
                            Ok(v) => self.visit_str(v),
                            Err(_) => Err(E::invalid_value(serde::de::Unexpected::Bytes(v), &self)),
                        }
                    }
                }

                d.deserialize_string(Visitor)?.map_err(serde::de::Error::custom)
            }
        }

        impl $name {
            /// Creates the identifier, checking that it is non-empty, at most
            /// 128 bytes long and free of control characters.
            ///
            /// # Errors
            /// [`InvalidId`](crate::InvalidId) naming the kind of identifier and the value.
            pub fn new(value: impl AsRef<str>) -> Result<Self, crate::InvalidId> {
                let value = value.as_ref();
                crate::ids::check(value, $what)?;
                Ok(Self(std::sync::Arc::from(value)))
            }

            /// The identifier as a string slice.
            #[must_use]
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}({:?})", stringify!($name), &*self.0)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = crate::InvalidId;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::new(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = crate::InvalidId;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::new(s)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0.to_string()
            }
        }
    };
}

/// Defines a number that identifies a record within its case, from 1.
macro_rules! numbered {
    ($(#[$meta:meta])* $name:ident, $path:literal, $what:literal) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(u32);

        impl $name {
            #[doc = concat!("Creates a ", $what, " number.")]
            ///
            /// # Example
            /// ```
            #[doc = concat!("assert_eq!(", $path, "::new(2).get(), 2);")]
            /// ```
            #[must_use]
            pub const fn new(n: u32) -> Self {
                $name(n)
            }

            /// The number.
            ///
            /// # Example
            /// ```
            #[doc = concat!("assert_eq!(", $path, "::new(3).get(), 3);")]
            /// ```
            #[must_use]
            pub const fn get(self) -> u32 {
                self.0
            }

            /// The number after `count` records: `count + 1`, saturating.
            pub(crate) fn next_after(count: usize) -> Self {
                $name(u32::try_from(count).map_or(u32::MAX, |n| n.saturating_add(1)))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, concat!($what, " #{}"), self.0)
            }
        }
    };
}

pub(crate) use {identifier, numbered};

/// The longest identifier accepted, in bytes.
pub(crate) const MAX_ID_LEN: usize = 128;

/// Whether `value` has a control character (`char::is_control`: U+0000 to
/// U+001F and U+007F to U+009F), looking at the characters only when it is
/// not all printable ASCII.
fn has_control(value: &str) -> bool {
    !value.bytes().all(|b| (0x20..0x7f).contains(&b)) && value.chars().any(char::is_control)
}

pub(crate) fn check(value: &str, what: &'static str) -> Result<(), crate::InvalidId> {
    let problem = if value.is_empty() {
        "it is empty"
    } else if value.len() > MAX_ID_LEN {
        "it is longer than 128 bytes"
    } else if has_control(value) {
        "it contains a control character"
    } else {
        return Ok(());
    };
    Err(crate::InvalidId {
        what,
        value: value.chars().take(40).collect(),
        problem,
    })
}

identifier!(
    /// Identifies a case. Hosts choose the format (a ticket number, a UUID).
    ///
    /// # Example
    /// ```
    /// use escalate::CaseId;
    /// let id: CaseId = "CAB-1042".parse()?;
    /// assert_eq!(id.as_str(), "CAB-1042");
    /// assert!(CaseId::new("").is_err());
    /// # Ok::<(), escalate::InvalidId>(())
    /// ```
    CaseId,
    "case id"
);

identifier!(
    /// Identifies a command, so that a repeated command is recognised and
    /// produces no new events (idempotency).
    ///
    /// # Example
    /// ```
    /// use escalate::CommandId;
    /// let id = CommandId::new("cmd-0001")?;
    /// assert_eq!(id.to_string(), "cmd-0001");
    /// # Ok::<(), escalate::InvalidId>(())
    /// ```
    CommandId,
    "command id"
);

identifier!(
    /// Identifies an agent (a person who can own cases).
    ///
    /// # Example
    /// ```
    /// use escalate::AgentId;
    /// let id: AgentId = "dana".parse()?;
    /// assert_eq!(id.as_str(), "dana");
    /// # Ok::<(), escalate::InvalidId>(())
    /// ```
    AgentId,
    "agent id"
);

identifier!(
    /// Identifies a customer.
    ///
    /// # Example
    /// ```
    /// use escalate::CustomerId;
    /// let id: CustomerId = "cust-77".parse()?;
    /// assert_eq!(id.as_str(), "cust-77");
    /// # Ok::<(), escalate::InvalidId>(())
    /// ```
    CustomerId,
    "customer id"
);

identifier!(
    /// The name of a tier of seniority (frontline, supervisor, ...). Tiers
    /// are ordered by the [`Policy`](crate::policy::Policy), not by their names.
    ///
    /// # Example
    /// ```
    /// use escalate::Tier;
    /// let tier: Tier = "supervisor".parse()?;
    /// assert_eq!(tier.as_str(), "supervisor");
    /// # Ok::<(), escalate::InvalidId>(())
    /// ```
    Tier,
    "tier name"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_validated_with_clear_messages() {
        assert_eq!(
            CaseId::new("").unwrap_err().to_string(),
            r#"invalid case id "": it is empty"#
        );
        assert_eq!(
            AgentId::new("a\nb").unwrap_err().to_string(),
            r#"invalid agent id "a\nb": it contains a control character"#
        );
        assert_eq!(
            Tier::new("x".repeat(129)).unwrap_err().to_string(),
            format!(
                "invalid tier name {:?}: it is longer than 128 bytes",
                "x".repeat(40)
            )
        );
        assert!(CustomerId::new("x".repeat(128)).is_ok());
    }

    #[test]
    fn control_characters_are_found_in_any_text() {
        for c in (0..=0x0010_ffff_u32).filter_map(char::from_u32) {
            for text in [format!("{c}"), format!("ab{c}"), format!("\u{e9}{c}z")] {
                assert_eq!(
                    has_control(&text),
                    text.chars().any(char::is_control),
                    "{c:?}"
                );
            }
        }
    }

    #[test]
    fn serde_goes_through_validation() {
        let id: CommandId = serde_json::from_str(r#""c-1""#).unwrap();
        assert_eq!(id.as_str(), "c-1");
        let err = serde_json::from_str::<CommandId>(r#""""#).unwrap_err();
        assert_eq!(err.to_string(), r#"invalid command id "": it is empty"#);
        assert_eq!(serde_json::to_string(&id).unwrap(), r#""c-1""#);
    }
}
