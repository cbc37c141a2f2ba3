//! The policies a desk holds, told apart by version label, and the current
//! one. Shared by [`Desk`](super::Desk) and the stored desk.

use std::ops::Index;

use super::DeskError;
use crate::Case;
use crate::policy::Policy;

/// Policies by version label, one of them current.
#[derive(Clone, Debug)]
pub(crate) struct Policies {
    pub(crate) list: Vec<Policy>,
    /// The policy new cases open under and `AdoptPolicy` moves cases to.
    pub(crate) current: usize,
}

impl Policies {
    pub(crate) fn new(policy: Policy) -> Policies {
        Policies {
            list: vec![policy],
            current: 0,
        }
    }

    /// Adds `policy` unless it is held already; its position. Another
    /// policy under a label held is refused.
    pub(crate) fn add(&mut self, policy: Policy) -> Result<usize, DeskError> {
        match self.position(policy.version()) {
            Some(i) if self.list[i].fingerprint() == policy.fingerprint() => Ok(i),
            Some(i) => Err(DeskError::PolicyConflict {
                policy: policy.version().to_owned(),
                held: self.list[i].fingerprint(),
                given: policy.fingerprint(),
            }),
            None => {
                self.list.push(policy);
                Ok(self.list.len() - 1)
            }
        }
    }

    pub(crate) fn position(&self, version: &str) -> Option<usize> {
        self.list.iter().position(|p| p.version() == version)
    }

    /// The position of the policy labelled `version`, or the error naming
    /// the labels held.
    pub(crate) fn find(&self, version: &str) -> Result<usize, DeskError> {
        self.position(version).ok_or_else(|| self.unknown(version))
    }

    /// The position of the policy `case` runs under: by its label, and
    /// with the content the case recorded (when it recorded a fingerprint).
    pub(crate) fn of_case(&self, case: &Case) -> Result<usize, DeskError> {
        let version = case.policy_version().ok_or_else(|| DeskError::NotOpened {
            case: case.id().clone(),
        })?;
        let i = self.find(version)?;
        match case.policy_fingerprint() {
            Some(recorded) if recorded != self.list[i].fingerprint() => {
                Err(DeskError::PolicyChanged {
                    case: case.id().clone(),
                    policy: version.to_owned(),
                    recorded,
                    held: self.list[i].fingerprint(),
                })
            }
            _ => Ok(i),
        }
    }

    pub(crate) fn current(&self) -> &Policy {
        &self.list[self.current]
    }

    pub(crate) fn set_current(&mut self, version: &str) -> Result<(), DeskError> {
        self.current = self.find(version)?;
        Ok(())
    }

    pub(crate) fn unknown(&self, version: &str) -> DeskError {
        DeskError::UnknownPolicy {
            policy: version.to_owned(),
            known: self
                .list
                .iter()
                .map(|p| format!("{:?}", p.version()))
                .collect::<Vec<_>>()
                .join(", "),
        }
    }
}

impl Index<usize> for Policies {
    type Output = Policy;

    fn index(&self, index: usize) -> &Policy {
        &self.list[index]
    }
}
