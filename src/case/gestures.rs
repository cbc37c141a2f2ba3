//! The case side of recovery: deciding and applying offers and grants, and
//! what the case reports about its money.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};

use super::{Case, CommandKind, EventKind, decide::customer_or_system};
use super::{Event, Refusal};
use crate::customer::Outcome;
use crate::owner::Actor;
use crate::policy::Policy;
use crate::recovery::{
    Gesture, Granted, Ledger, Offer, OfferId, OfferState, Review, ReviewRule, Totals, check_grant,
};

impl Case {
    /// Decides an offer, a grant, or the customer's answer to an offer.
    pub(crate) fn decide_gesture(
        &self,
        policy: &Policy,
        actor: &Actor,
        kind: CommandKind,
    ) -> Result<Vec<EventKind>, Refusal> {
        let name = kind.name();
        let guards = |gestures: &[Gesture]| match self
            .check_grant(policy, actor, gestures)
            .into_iter()
            .next()
        {
            Some(refusal) => Err(Refusal::Grant(refusal)),
            None => Ok(()),
        };
        match kind {
            CommandKind::Offer { gesture } => {
                self.for_company(policy, actor, name)?;
                guards(std::slice::from_ref(&gesture))?;
                Ok(vec![EventKind::GestureOffered {
                    offer: OfferId::next_after(self.offers.len()),
                    gesture,
                }])
            }
            CommandKind::Grant { gestures } => {
                self.for_company(policy, actor, name)?;
                if gestures.is_empty() {
                    return Err(Refusal::NoGesture);
                }
                guards(&gestures)?;
                Ok(gestures
                    .into_iter()
                    .map(|gesture| EventKind::GestureGranted {
                        gesture,
                        offer: None,
                    })
                    .collect())
            }
            CommandKind::GrantOffer { offer } => {
                self.for_company(policy, actor, name)?;
                let found = self.offer(offer)?;
                if found.state != OfferState::Accepted {
                    return Err(Refusal::OfferNotAccepted {
                        offer,
                        state: found.state,
                    });
                }
                guards(std::slice::from_ref(&found.gesture))?;
                Ok(vec![EventKind::GestureGranted {
                    gesture: found.gesture.clone(),
                    offer: Some(offer),
                }])
            }
            CommandKind::AcceptOffer { offer } | CommandKind::DeclineOffer { offer } => {
                customer_or_system(actor, name)?;
                let found = self.offer(offer)?;
                if found.state != OfferState::Open {
                    return Err(Refusal::OfferNotOpen {
                        offer,
                        state: found.state,
                    });
                }
                Ok(vec![if matches!(kind, CommandKind::AcceptOffer { .. }) {
                    EventKind::OfferAccepted { offer }
                } else {
                    EventKind::OfferDeclined { offer }
                }])
            }
            _ => Ok(Vec::new()),
        }
    }

    /// Checks that a closing carries a review where the policy requires one.
    pub(crate) fn check_review(
        &self,
        policy: &Policy,
        outcome: Outcome,
        review: Option<&Review>,
    ) -> Result<(), Refusal> {
        let escalated = || self.escalated;
        let rule = policy.recovery().review();
        let required = match rule {
            ReviewRule::AfterLoss => outcome == Outcome::Lost,
            ReviewRule::AfterEscalationOrLoss => outcome == Outcome::Lost || escalated(),
            ReviewRule::Optional => false,
        };
        if required && review.is_none() {
            return Err(Refusal::ReviewRequired { outcome, rule });
        }
        if let (Some(by), None) = (&self.review_required, review) {
            return Err(Refusal::ReviewRequiredByRule { rule: by.clone() });
        }
        Ok(())
    }

    fn offer(&self, id: OfferId) -> Result<&Offer, Refusal> {
        self.offers
            .iter()
            .find(|o| o.id == id)
            .ok_or(Refusal::UnknownOffer { offer: id })
    }

    /// Applies an offer, an answer to one, or a grant.
    pub(crate) fn evolve_gesture(&mut self, event: &Event) {
        match &event.kind {
            EventKind::GestureOffered { offer, gesture } => self.offers.push(Offer {
                id: *offer,
                gesture: gesture.clone(),
                by: event.actor.clone(),
                at: event.at,
                state: OfferState::Open,
            }),
            EventKind::OfferAccepted { offer } => {
                self.settle_offer(*offer, OfferState::Open, OfferState::Accepted);
            }
            EventKind::OfferDeclined { offer } => {
                self.settle_offer(*offer, OfferState::Open, OfferState::Declined);
            }
            EventKind::GestureGranted { gesture, offer } => {
                // An apology by an agent of the tier owed, or of a tier above
                // it in the ranks the requirement carried, settles it.
                if let Gesture::Apology { .. } = gesture {
                    let owed = std::mem::take(&mut self.apologies_owed);
                    self.apologies_owed = owed
                        .into_iter()
                        .filter(|(tier, _, since)| {
                            *since > event.at || !self.settles(&event.actor, tier)
                        })
                        .collect();
                }
                self.ledger
                    .record_grant(gesture.clone(), event.actor.clone(), event.at, *offer);
                if let Some(offer) = offer {
                    self.settle_offer(*offer, OfferState::Accepted, OfferState::Granted);
                }
            }
            _ => {}
        }
    }

    /// Every offer made, in order.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// let policy = Policy::default();
    /// let mut case = Case::new("CAB-1".parse()?);
    /// let commands: Vec<Command> = serde_json::from_str(r#"[
    ///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
    ///    "customer": {"id": "cust-9", "value": "standard"},
    ///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}},
    ///   {"id": "c-2", "actor": "system", "at": "2021-03-04T20:11:00Z",
    ///    "kind": {"type": "assign", "to": {"id": "sam", "tier": "frontline"}}},
    ///   {"id": "c-3", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:15:00Z",
    ///    "kind": {"type": "record_failure", "kind": "product", "description": "wrong cabinet delivered",
    ///             "loss": {"minor": 24999, "currency": "USD"}}},
    ///   {"id": "c-4", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:25:00Z",
    ///    "kind": {"type": "grant", "gestures": [{"type": "apology", "failures": [1], "manner": "personal"}]}},
    ///   {"id": "c-5", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:30:00Z",
    ///    "kind": {"type": "offer", "gesture": {"type": "credit", "failures": [1], "form": "store_credit",
    ///                                          "amount": {"minor": 2000, "currency": "USD"}}}}
    /// ]"#)?;
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; }
    /// }
    /// // sam apologised, then offered a store credit the customer has not answered.
    /// assert_eq!(case.offers().len(), 1);
    /// assert_eq!(case.offers()[0].state(), escalate::recovery::OfferState::Open);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn offers(&self) -> &[Offer] {
        &self.offers
    }

    /// Every gesture granted, in arrival order.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// let policy = Policy::default();
    /// let mut case = Case::new("CAB-1".parse()?);
    /// let commands: Vec<Command> = serde_json::from_str(r#"[
    ///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
    ///    "customer": {"id": "cust-9", "value": "standard"},
    ///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}},
    ///   {"id": "c-2", "actor": "system", "at": "2021-03-04T20:11:00Z",
    ///    "kind": {"type": "assign", "to": {"id": "sam", "tier": "frontline"}}},
    ///   {"id": "c-3", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:15:00Z",
    ///    "kind": {"type": "record_failure", "kind": "product", "description": "wrong cabinet delivered",
    ///             "loss": {"minor": 24999, "currency": "USD"}}},
    ///   {"id": "c-4", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:30:00Z",
    ///    "kind": {"type": "grant", "gestures": [{"type": "apology", "failures": [1], "manner": "personal"},
    ///        {"type": "credit", "failures": [1], "form": "store_credit", "amount": {"minor": 2000, "currency": "USD"}}]}}
    /// ]"#)?;
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; }
    /// }
    /// assert_eq!(case.granted().len(), 2); // an apology and a credit
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn granted(&self) -> &[Granted] {
        self.ledger.granted()
    }

    /// All the money granted: credits, refunds (owed or not), keep-the-item
    /// at the item's value, the cost of repairs.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// use escalate::recovery::{Currency, Money};
    /// let policy = Policy::default();
    /// let mut case = Case::new("CAB-1".parse()?);
    /// let commands: Vec<Command> = serde_json::from_str(r#"[
    ///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
    ///    "customer": {"id": "cust-9", "value": "standard"},
    ///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}},
    ///   {"id": "c-2", "actor": "system", "at": "2021-03-04T20:11:00Z",
    ///    "kind": {"type": "assign", "to": {"id": "sam", "tier": "frontline"}}},
    ///   {"id": "c-3", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:15:00Z",
    ///    "kind": {"type": "record_failure", "kind": "product", "description": "wrong cabinet delivered",
    ///             "loss": {"minor": 24999, "currency": "USD"}}},
    ///   {"id": "c-4", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:30:00Z",
    ///    "kind": {"type": "grant", "gestures": [{"type": "apology", "failures": [1], "manner": "personal"},
    ///        {"type": "credit", "failures": [1], "form": "store_credit", "amount": {"minor": 2000, "currency": "USD"}}]}}
    /// ]"#)?;
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; }
    /// }
    /// assert_eq!(case.money_granted().get(Currency::USD)?, Money::new(2_000, Currency::USD));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn money_granted(&self) -> Totals {
        self.ledger.money_granted()
    }

    /// Of the money granted, the discretionary money granted at or after the
    /// customer's churn signal: money spent on a customer already lost.
    /// (Money the customer was owed is never counted as wasted.)
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// use escalate::recovery::Currency;
    /// let policy = Policy::default();
    /// let mut case = Case::new("CAB-1".parse()?);
    /// let commands: Vec<Command> = serde_json::from_str(r#"[
    ///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
    ///    "customer": {"id": "cust-9", "value": "standard"},
    ///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}},
    ///   {"id": "c-2", "actor": "system", "at": "2021-03-04T20:11:00Z",
    ///    "kind": {"type": "assign", "to": {"id": "sam", "tier": "frontline"}}},
    ///   {"id": "c-3", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:15:00Z",
    ///    "kind": {"type": "record_failure", "kind": "product", "description": "wrong cabinet delivered",
    ///             "loss": {"minor": 24999, "currency": "USD"}}},
    ///   {"id": "c-4", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:30:00Z",
    ///    "kind": {"type": "grant", "gestures": [{"type": "apology", "failures": [1], "manner": "personal"},
    ///        {"type": "credit", "failures": [1], "form": "store_credit", "amount": {"minor": 2000, "currency": "USD"}}]}}
    /// ]"#)?;
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; }
    /// }
    /// assert!(case.money_wasted().is_zero());
    /// // The customer had left at 20:20, before the credit at 20:30; they say so later.
    /// let left: Command = serde_json::from_str(r#"{"id": "c-9", "actor": "customer",
    ///     "at": "2021-03-04T20:20:00Z", "kind": {"type": "signal_churn", "note": "bought elsewhere"}}"#)?;
    /// for event in case.handle(&policy, left, "2021-03-05T09:00:00Z".parse()?)? { case.apply(&event)?; }
    /// assert_eq!(case.money_wasted().get(Currency::USD)?.minor(), 2_000);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn money_wasted(&self) -> Totals {
        self.ledger.money_wasted()
    }

    /// The compensation granted so far: discretionary money, which the caps
    /// and authority limits count.
    ///
    /// # Example
    /// ```
    /// use escalate::{Case, Command};
    /// use escalate::policy::Policy;
    /// use escalate::recovery::Currency;
    /// let policy = Policy::default();
    /// let mut case = Case::new("CAB-1".parse()?);
    /// let commands: Vec<Command> = serde_json::from_str(r#"[
    ///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
    ///    "customer": {"id": "cust-9", "value": "standard"},
    ///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}},
    ///   {"id": "c-2", "actor": "system", "at": "2021-03-04T20:11:00Z",
    ///    "kind": {"type": "assign", "to": {"id": "sam", "tier": "frontline"}}},
    ///   {"id": "c-3", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:15:00Z",
    ///    "kind": {"type": "record_failure", "kind": "product", "description": "wrong cabinet delivered",
    ///             "loss": {"minor": 24999, "currency": "USD"}}},
    ///   {"id": "c-4", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:30:00Z",
    ///    "kind": {"type": "grant", "gestures": [{"type": "apology", "failures": [1], "manner": "personal"},
    ///        {"type": "credit", "failures": [1], "form": "store_credit", "amount": {"minor": 2000, "currency": "USD"}}]}}
    /// ]"#)?;
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; }
    /// }
    /// // The apology costs nothing; the store credit is discretionary money.
    /// assert_eq!(case.compensation().get(Currency::USD)?.minor(), 2_000);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn compensation(&self) -> Totals {
        self.ledger.compensation()
    }

    /// The review recorded when the case closed, if any.
    ///
    /// # Example
    /// ```
    /// use escalate::{Actor, Case, Command, CommandKind, Outcome};
    /// use escalate::policy::Policy;
    /// use escalate::recovery::Review;
    /// let policy = Policy::default();
    /// let mut case = Case::new("CAB-1".parse()?);
    /// let commands: Vec<Command> = serde_json::from_str(r#"[
    ///   {"id": "c-1", "actor": "customer", "at": "2021-03-04T15:10:00Z", "kind": {"type": "open",
    ///    "customer": {"id": "cust-9", "value": "standard"},
    ///    "origin": {"type": "contact", "channel": "phone"}, "summary": "wrong cabinet delivered"}},
    ///   {"id": "c-2", "actor": "system", "at": "2021-03-04T20:11:00Z",
    ///    "kind": {"type": "assign", "to": {"id": "sam", "tier": "frontline"}}},
    ///   {"id": "c-3", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:15:00Z",
    ///    "kind": {"type": "record_failure", "kind": "product", "description": "wrong cabinet delivered",
    ///             "loss": {"minor": 24999, "currency": "USD"}}},
    ///   {"id": "c-4", "actor": {"agent": {"id": "sam", "tier": "frontline"}}, "at": "2021-03-04T20:30:00Z",
    ///    "kind": {"type": "grant", "gestures": [{"type": "apology", "failures": [1], "manner": "personal"},
    ///        {"type": "credit", "failures": [1], "form": "store_credit", "amount": {"minor": 2000, "currency": "USD"}}]}}
    /// ]"#)?;
    /// for command in commands {
    ///     let now = command.at();
    ///     for event in case.handle(&policy, command, now)? { case.apply(&event)?; }
    /// }
    /// assert!(case.review().is_none());
    /// let review = Review::new("the wrong pick list", "scan the label before loading")?;
    /// let t = "2021-03-08T15:00:00Z".parse()?;
    /// let close = Command::new("c-9".parse()?, Actor::System, t,
    ///     CommandKind::Close { outcome: Outcome::Retained, review: Some(review.clone()) });
    /// for event in case.handle(&policy, close, t)? { case.apply(&event)?; }
    /// assert_eq!(case.review(), Some(&review));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn review(&self) -> Option<&Review> {
        match self.status() {
            super::Status::Closed { review, .. } => review.as_ref(),
            _ => None,
        }
    }

    /// Writes the timeline line of an offer, an answer or a grant.
    pub(crate) fn describe_gesture(out: &mut String, actor: &Actor, kind: &EventKind) {
        let names = |gesture: &Gesture| {
            let failures = gesture.failures();
            if failures.is_empty() {
                String::new()
            } else {
                let list: Vec<String> = failures.iter().map(ToString::to_string).collect();
                format!(" for {}", list.join(", "))
            }
        };
        let _ = match kind {
            EventKind::GestureOffered { offer, gesture } => {
                write!(out, "{actor} offered {gesture}{} ({offer})", names(gesture))
            }
            EventKind::OfferAccepted { offer } => write!(out, "{actor} accepted {offer}"),
            EventKind::OfferDeclined { offer } => write!(out, "{actor} declined {offer}"),
            EventKind::GestureGranted { gesture, offer } => {
                let _ = write!(out, "{actor} granted {gesture}{}", names(gesture));
                match offer {
                    Some(offer) => write!(out, " ({offer})"),
                    None => Ok(()),
                }
            }
            _ => Ok(()),
        };
    }

    /// Writes the review part of a closing line.
    pub(crate) fn describe_review(out: &mut String, review: Option<&Review>) {
        if let Some(review) = review {
            let _ = write!(
                out,
                "; review: root cause {:?}, changes {:?}",
                review.root_cause(),
                review.changes()
            );
        }
    }
}

impl Case {
    /// What the recovery guards read: the failures, the granted gestures,
    /// the churn signal and the case's time zone.
    ///
    /// # Example
    /// ```
    /// use escalate::Case;
    /// let case = Case::new("CAB-1".parse()?);
    /// assert!(case.ledger().failures().is_empty());
    /// # Ok::<(), escalate::InvalidId>(())
    /// ```
    #[must_use]
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// Every recovery guard that granting `gestures` together, by `actor`,
    /// would break under `policy`: [`check_grant`] on the case's
    /// [`ledger`](Self::ledger). [`handle`](Self::handle) refuses a grant or
    /// an offer with the first of them.
    ///
    /// # Example
    /// ```
    /// use escalate::{Actor, Case};
    /// use escalate::policy::Policy;
    /// use escalate::recovery::{Gesture, GrantRefusal, Manner};
    /// let case = Case::new("C-1".parse()?);
    /// let sorry = Gesture::Apology { failures: vec![], manner: Manner::Form };
    /// let refusals = case.check_grant(&Policy::default(), &Actor::Customer, &[sorry]);
    /// assert_eq!(refusals, [GrantRefusal::Customer]);
    /// # Ok::<(), escalate::InvalidId>(())
    /// ```
    #[must_use]
    pub fn check_grant(
        &self,
        policy: &Policy,
        actor: &Actor,
        gestures: &[Gesture],
    ) -> Vec<crate::recovery::GrantRefusal> {
        check_grant(
            &self.ledger,
            policy.recovery(),
            policy.tiers(),
            actor,
            gestures,
        )
    }

    /// The next gestures `policy` suggests for the case at `now`:
    /// [`recommend`](crate::recovery::recommend) on the case's
    /// [`ledger`](Self::ledger).
    ///
    /// # Example
    /// ```
    /// use escalate::Case;
    /// use escalate::policy::Policy;
    /// let case = Case::new("C-1".parse()?);
    /// // No failure recorded: nothing to recover from.
    /// assert!(case.recommend(&Policy::default(), "2021-03-05T10:00:00Z".parse()?).is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn recommend(
        &self,
        policy: &Policy,
        now: DateTime<Utc>,
    ) -> Vec<crate::recovery::Recommendation> {
        crate::recovery::recommend(&self.ledger, policy.recovery(), policy.tiers(), now)
    }

    fn settle_offer(&mut self, id: OfferId, from: OfferState, to: OfferState) {
        if let Some(offer) = self
            .offers
            .iter_mut()
            .find(|o| o.id == id && o.state == from)
        {
            offer.state = to;
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::recovery::{Currency, OfferId};
    use crate::test_support::{at, case_with_grant, case_with_offer};
    use crate::{Actor, Event, EventKind};

    #[test]
    fn timeline_tells_offers_and_grants() {
        let (_, log) = case_with_offer().unwrap();
        let timeline = crate::Timeline::from_events(&log).unwrap().to_string();
        assert!(timeline.ends_with(
            "sam (frontline) granted a personal apology for failure #1\n\
             2021-03-04 15:30 EST  sam (frontline) offered a store credit of USD 20.00 for failure #1 (offer #1)\n"
        ), "{timeline}");
    }

    #[test]
    fn answers_settle_open_offers_only_and_wasted_is_after_churn() {
        let (mut case, _) = case_with_offer().unwrap();
        let next = |case: &crate::Case, kind| {
            Event::new(
                case.version() + 1,
                at("2021-03-05T10:00:00Z"),
                Actor::Customer,
                None,
                kind,
            )
        };
        let e = next(
            &case,
            EventKind::OfferDeclined {
                offer: OfferId::new(1),
            },
        );
        case.apply(&e).unwrap();
        // An imported acceptance of a declined offer changes nothing (apply is total).
        let e = next(
            &case,
            EventKind::OfferAccepted {
                offer: OfferId::new(1),
            },
        );
        case.apply(&e).unwrap();
        assert_eq!(
            case.offers()[0].state(),
            crate::recovery::OfferState::Declined
        );

        let (mut case, mut log) = case_with_grant().unwrap();
        assert!(case.money_wasted().is_zero());
        // A churn signal logged late, dated before the grant: the credit was wasted.
        let e = Event::new(
            case.version() + 1,
            at("2021-03-04T20:00:00Z"),
            Actor::Customer,
            None,
            EventKind::ChurnSignalled {
                note: "left".into(),
            },
        );
        case.apply(&e).unwrap();
        log.push(e);
        assert_eq!(
            case.money_wasted().get(Currency::USD).unwrap().minor(),
            2_000
        );
        assert_eq!(crate::Case::replay(&log).unwrap(), case);
    }
}
