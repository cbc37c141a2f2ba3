//! Agents, tiers and the actors that send commands.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::{AgentId, Tier};

/// A person who can own cases, with the tier of seniority they work at.
///
/// Agents are compared by id *and* tier: the same person promoted to a new
/// tier is a different [`Agent`] value, but ownership checks only look at
/// the id (see [`Case::handle`](crate::Case::handle)).
///
/// # Example
/// ```
/// use escalate::Agent;
/// let dana = Agent::new("dana".parse()?, "supervisor".parse()?);
/// assert_eq!(dana.to_string(), "dana (supervisor)");
/// # Ok::<(), escalate::InvalidId>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Agent(Arc<AgentData>);

/// An agent's data, shared so that cloning an agent (every event names one)
/// is a reference-count increment.
#[derive(Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
struct AgentData {
    id: AgentId,
    tier: Tier,
}

impl fmt::Debug for Agent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Agent")
            .field("id", &self.0.id)
            .field("tier", &self.0.tier)
            .finish()
    }
}

impl Agent {
    /// Creates an agent.
    ///
    /// # Example
    /// ```
    /// use escalate::Agent;
    /// let sam = Agent::new("sam".parse()?, "frontline".parse()?);
    /// assert_eq!(sam.tier().as_str(), "frontline");
    /// # Ok::<(), escalate::InvalidId>(())
    /// ```
    #[must_use]
    pub fn new(id: AgentId, tier: Tier) -> Self {
        Self(Arc::new(AgentData { id, tier }))
    }

    /// The agent's id.
    ///
    /// # Example
    /// ```
    /// use escalate::Agent;
    /// let sam = Agent::new("sam".parse()?, "frontline".parse()?);
    /// assert_eq!(sam.id().as_str(), "sam");
    /// # Ok::<(), escalate::InvalidId>(())
    /// ```
    #[must_use]
    pub fn id(&self) -> &AgentId {
        &self.0.id
    }

    /// The tier the agent works at.
    ///
    /// # Example
    /// ```
    /// use escalate::Agent;
    /// let sam = Agent::new("sam".parse()?, "frontline".parse()?);
    /// assert_eq!(sam.tier().as_str(), "frontline");
    /// # Ok::<(), escalate::InvalidId>(())
    /// ```
    #[must_use]
    pub fn tier(&self) -> &Tier {
        &self.0.tier
    }
}

impl fmt::Display for Agent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.0.id, self.0.tier)
    }
}

/// Who sends a command: the customer, an agent acting for the company, or
/// the system (automation acting for the company, such as the host's
/// scheduler or an import).
///
/// Customers may only contact, answer surveys, confirm a resolution, or say
/// they are leaving. Agents and the system act for the company.
///
/// # Example
/// ```
/// use escalate::{Actor, Agent};
/// let actor = Actor::Agent(Agent::new("sam".parse()?, "frontline".parse()?));
/// assert_eq!(actor.to_string(), "sam (frontline)");
/// assert_eq!(Actor::Customer.to_string(), "the customer");
/// # Ok::<(), escalate::InvalidId>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    /// The customer the case is for.
    Customer,
    /// An agent of the company.
    Agent(Agent),
    /// Automation acting for the company.
    System,
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Actor::Customer => f.write_str("the customer"),
            Actor::Agent(agent) => agent.fmt(f),
            Actor::System => f.write_str("the system"),
        }
    }
}
