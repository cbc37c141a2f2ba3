//! Configuration and input errors: identifiers, survey scores, policies.
//!
//! Refusals (a command a case will not carry out) live with the case.

/// An identifier that failed validation.
///
/// # Example
/// ```
/// let err = escalate::CaseId::new("").unwrap_err();
/// assert_eq!(err.to_string(), r#"invalid case id "": it is empty"#);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid {what} {value:?}: {problem}")]
pub struct InvalidId {
    pub(crate) what: &'static str,
    pub(crate) value: String,
    pub(crate) problem: &'static str,
}

/// A survey score outside 1 to 5.
///
/// # Example
/// ```
/// let err = escalate::SurveyScore::new(0).unwrap_err();
/// assert_eq!(err.to_string(), "invalid survey score 0: expected 1 to 5");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid survey score {0}: expected 1 to 5")]
pub struct InvalidScore(pub(crate) u8);

/// A policy that failed validation: the path of the offending field and the problem.
///
/// # Example
/// ```
/// use escalate::policy::Policy;
/// let err = Policy::new("v1", Vec::<String>::new()).unwrap_err();
/// assert_eq!(err.path(), "tiers");
/// assert_eq!(err.to_string(), "tiers: a policy needs at least one tier");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {problem}")]
pub struct PolicyError {
    path: String,
    problem: String,
}

impl PolicyError {
    /// The same problem, with its path placed inside `prefix`
    /// (`fallback.calendar` inside `sla[2]` is `sla[2].fallback.calendar`).
    pub(crate) fn within(mut self, prefix: &str) -> Self {
        self.path = format!("{prefix}.{}", self.path);
        self
    }

    pub(crate) fn new(path: impl Into<String>, problem: impl Into<String>) -> Self {
        PolicyError {
            path: path.into(),
            problem: problem.into(),
        }
    }

    /// What is wrong with it.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::Policy;
    /// let err = Policy::new("v1", ["a", "a"]).unwrap_err();
    /// assert_eq!(err.problem(), r#"tier "a" is named twice"#);
    /// ```
    #[must_use]
    pub fn problem(&self) -> &str {
        &self.problem
    }

    /// The path of the offending field, such as `tiers[1]`.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::Policy;
    /// let err = Policy::new("v1", ["a", "a"]).unwrap_err();
    /// assert_eq!(err.path(), "tiers[1]");
    /// ```
    #[must_use]
    pub fn path(&self) -> &str {
        &self.path
    }
}
