//! The ladder: the order in which a policy climbs its gestures.

use serde::{Deserialize, Serialize};

use super::{GestureKind, Resource};
use crate::PolicyError;

/// The gestures a policy allows, in the order it climbs them, from the
/// least to the most generous.
///
/// # Ordering
/// Gestures have no order of their own; the ladder is the only order. It is
/// validated when it is built or loaded: it is not empty, names no gesture
/// twice, and starts with an apology (a specific apology comes first:
/// Roschk & Kaiser 2013, and money without one is refused). Among the
/// gestures whose resource matches a failure, the recommendation takes the
/// lowest rung.
///
/// # Example
/// ```
/// use escalate::recovery::{GestureKind, Ladder};
/// let ladder = Ladder::new([GestureKind::Apology, GestureKind::Exchange, GestureKind::FullRefund])?;
/// assert_eq!(ladder.position(GestureKind::Exchange), Some(1));
/// assert_eq!(ladder.position(GestureKind::Credit), None);
/// let err = Ladder::new([GestureKind::Credit]).unwrap_err();
/// assert_eq!(err.to_string(), "ladder[0]: the ladder must start with an apology, not credit");
/// # Ok::<(), escalate::PolicyError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<GestureKind>", into = "Vec<GestureKind>")]
pub struct Ladder(Vec<GestureKind>);

impl Ladder {
    /// Builds a ladder from its rungs, lowest first.
    ///
    /// # Errors
    /// [`PolicyError`] with the path `ladder` or `ladder[i]` for an empty
    /// ladder, a rung named twice, or a first rung that is not an apology.
    ///
    /// # Example
    /// ```
    /// use escalate::recovery::{GestureKind, Ladder};
    /// let err = Ladder::new([GestureKind::Apology, GestureKind::Apology]).unwrap_err();
    /// assert_eq!(err.to_string(), "ladder[1]: apology is named twice");
    /// ```
    pub fn new(rungs: impl IntoIterator<Item = GestureKind>) -> Result<Self, PolicyError> {
        let mut out: Vec<GestureKind> = Vec::new();
        for (i, rung) in rungs.into_iter().enumerate() {
            if out.contains(&rung) {
                return Err(PolicyError::new(
                    format!("ladder[{i}]"),
                    format!("{rung} is named twice"),
                ));
            }
            if i == 0 && rung != GestureKind::Apology {
                return Err(PolicyError::new(
                    "ladder[0]",
                    format!("the ladder must start with an apology, not {rung}"),
                ));
            }
            out.push(rung);
        }
        if out.is_empty() {
            return Err(PolicyError::new("ladder", "the ladder has no rungs"));
        }
        Ok(Ladder(out))
    }

    /// The standard ladder: apology; waive; re-perform; expedite; exchange;
    /// partial refund; credit; full refund; keep-the-item. Cheap
    /// non-monetary gestures first; immediate money before vouchers (Roschk
    /// & Gelbrich 2014); keeping the item last, as it goes beyond the loss.
    ///
    /// # Example
    /// ```
    /// use escalate::recovery::{GestureKind, Ladder};
    /// let l = Ladder::standard();
    /// assert!(l.position(GestureKind::PartialRefund) < l.position(GestureKind::Credit));
    /// ```
    #[must_use]
    pub fn standard() -> Self {
        Ladder(vec![
            GestureKind::Apology,
            GestureKind::Waive,
            GestureKind::Reperform,
            GestureKind::Expedite,
            GestureKind::Exchange,
            GestureKind::PartialRefund,
            GestureKind::Credit,
            GestureKind::FullRefund,
            GestureKind::KeepItem,
        ])
    }

    /// The rungs, lowest first.
    ///
    /// # Example
    /// ```
    /// use escalate::recovery::Ladder;
    /// assert_eq!(Ladder::standard().rungs().len(), 9);
    /// ```
    #[must_use]
    pub fn rungs(&self) -> &[GestureKind] {
        &self.0
    }

    /// A rung's position, 0 being the lowest; `None` when the ladder does not
    /// have it.
    ///
    /// # Example
    /// ```
    /// use escalate::recovery::{GestureKind, Ladder};
    /// assert_eq!(Ladder::standard().position(GestureKind::Apology), Some(0));
    /// ```
    #[must_use]
    pub fn position(&self, kind: GestureKind) -> Option<usize> {
        self.0.iter().position(|k| *k == kind)
    }

    /// The lowest rung that gives this resource.
    ///
    /// # Example
    /// ```
    /// use escalate::recovery::{GestureKind, Ladder, Resource};
    /// assert_eq!(Ladder::standard().lowest(Resource::MoneyNow), Some(GestureKind::PartialRefund));
    /// ```
    #[must_use]
    pub fn lowest(&self, resource: Resource) -> Option<GestureKind> {
        self.0.iter().copied().find(|k| k.resource() == resource)
    }
}

impl Default for Ladder {
    /// [`Ladder::standard`].
    fn default() -> Self {
        Ladder::standard()
    }
}

impl TryFrom<Vec<GestureKind>> for Ladder {
    type Error = PolicyError;
    fn try_from(rungs: Vec<GestureKind>) -> Result<Self, PolicyError> {
        Ladder::new(rungs)
    }
}

impl From<Ladder> for Vec<GestureKind> {
    fn from(l: Ladder) -> Self {
        l.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation() {
        assert_eq!(
            Ladder::new([]).unwrap_err().to_string(),
            "ladder: the ladder has no rungs"
        );
        assert_eq!(
            Ladder::new([
                GestureKind::Apology,
                GestureKind::Credit,
                GestureKind::Credit
            ])
            .unwrap_err()
            .path(),
            "ladder[2]"
        );
        let json = r#"["apology","keep_item"]"#;
        let l: Ladder = serde_json::from_str(json).unwrap();
        assert_eq!(serde_json::to_string(&l).unwrap(), json);
        let err = serde_json::from_str::<Ladder>(r#"["credit"]"#).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("ladder[0]: the ladder must start")
        );
    }

    #[test]
    fn lowest_follows_the_ladder_not_the_enum() {
        let l = Ladder::new([
            GestureKind::Apology,
            GestureKind::FullRefund,
            GestureKind::PartialRefund,
        ])
        .unwrap();
        assert_eq!(l.lowest(Resource::MoneyNow), Some(GestureKind::FullRefund));
        assert_eq!(l.lowest(Resource::Exchange), None);
    }
}
