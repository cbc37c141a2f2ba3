//! What the desk reads to list a case's obligations
//! ([`Desk::obligations`](crate::desk::Desk::obligations)) that the case's
//! public accessors do not show: the tier rules require, the rule that
//! requires a review, and when each rule fired. Crate-internal, read-only.

use chrono::{DateTime, Utc};

use super::Case;
use crate::ids::Tier;
use crate::text::Text;

impl Case {
    /// The highest tier a rule has required an owner of (by
    /// `owner_required` or `escalation_required`), if any.
    pub(crate) fn required_tier(&self) -> Option<&Tier> {
        self.required_tier.as_ref()
    }

    /// The rule that requires a review before closing, if one does.
    pub(crate) fn review_required_by(&self) -> Option<&Text> {
        self.review_required.as_ref()
    }

    /// Every rule firing, in order: which rule, when.
    pub(crate) fn rule_firings(&self) -> &[(Text, DateTime<Utc>)] {
        &self.rule_log
    }
}
