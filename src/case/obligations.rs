//! What the desk reads to list a case's obligations
//! ([`Desk::obligations`](crate::desk::Desk::obligations)) that the case's
//! public accessors do not show: the tier rules require and since when, the
//! apologies they require, and the rule that requires a review.
//! Crate-internal, read-only.

use chrono::{DateTime, Utc};

use super::Case;
use crate::ids::Tier;
use crate::text::Text;

impl Case {
    /// The highest tier a rule has required an owner of (by
    /// `owner_required` or `escalation_required`), and since when.
    pub(crate) fn required_tier(&self) -> Option<(&Tier, Option<DateTime<Utc>>)> {
        self.required_tier
            .as_ref()
            .map(|t| (t, self.required_since))
    }

    /// The rule that requires a review before closing, if one does, and
    /// since when.
    pub(crate) fn review_required_by(&self) -> Option<(&Text, Option<DateTime<Utc>>)> {
        self.review_required
            .as_ref()
            .map(|r| (r, self.review_since))
    }

    /// The apologies rules require and no agent of the tier has granted
    /// since: the tier, the rule, since when.
    pub(crate) fn apologies_owed(&self) -> &[(Tier, Text, DateTime<Utc>)] {
        &self.apologies_owed
    }
}
