//! The names by which policies and clocks refer to calendars.

crate::ids::identifier!(
    /// The name of a calendar of the [`Policy`](crate::policy::Policy), by
    /// which SLA targets, rule delays, required calls and clocks refer to it.
    /// The name `always` is built in: the calendar open around the clock.
    ///
    /// # Example
    /// ```
    /// use escalate::sla::CalendarName;
    /// let name: CalendarName = "business".parse()?;
    /// assert_eq!(name.as_str(), "business");
    /// assert!(!name.is_always());
    /// assert!(CalendarName::new("").is_err());
    /// # Ok::<(), escalate::InvalidId>(())
    /// ```
    CalendarName,
    "calendar name"
);

/// The name of the built-in calendar that is always open.
const ALWAYS: &str = "always";

impl CalendarName {
    /// The name of the built-in calendar that is open around the clock
    /// (`always`).
    ///
    /// # Example
    /// ```
    /// use escalate::sla::CalendarName;
    /// assert_eq!(CalendarName::always().as_str(), "always");
    /// ```
    #[must_use]
    pub fn always() -> CalendarName {
        CalendarName(std::sync::Arc::from(ALWAYS))
    }

    /// Whether this is the name of the built-in calendar that is always open.
    ///
    /// # Example
    /// ```
    /// use escalate::sla::CalendarName;
    /// assert!(CalendarName::always().is_always());
    /// assert!(!CalendarName::new("desk")?.is_always());
    /// # Ok::<(), escalate::InvalidId>(())
    /// ```
    #[must_use]
    pub fn is_always(&self) -> bool {
        self.as_str() == ALWAYS
    }
}

impl PartialEq<str> for CalendarName {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for CalendarName {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_names_are_validated_like_ids() {
        assert_eq!(
            CalendarName::new("").unwrap_err().to_string(),
            r#"invalid calendar name "": it is empty"#
        );
        let err = serde_json::from_str::<CalendarName>(r#""a\u0007""#).unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"invalid calendar name "a\u{7}": it contains a control character"#
        );
        assert_eq!(CalendarName::new("always").unwrap(), CalendarName::always());
        assert_eq!(
            serde_json::to_string(&CalendarName::always()).unwrap(),
            r#""always""#
        );
    }
}
