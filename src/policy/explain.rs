//! A policy in plain sentences, for the people who run the desk.

use std::fmt;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::{DeflectionPolicy, Delay, DelayFrom, During, PauseReason, Policy, Rule};
use crate::recovery::{Authority, Guards, RecoveryPolicy, ReviewRule};
use crate::sla::{BusinessCalendar, CalendarName, Match, Metric, MetricPolicy, Reopen, Target};

/// One sentence of an [`Explanation`]: the part of the policy it explains
/// (its path in the policy file, such as `sla[0].targets[1]` or
/// `rules[3]`) and the sentence.
///
/// # Example
/// ```
/// use escalate::policy::Policy;
/// let explanation = Policy::recommended().explain();
/// let rule = explanation.sentences.iter().find(|s| s.path == "rules[0]").ok_or("no rules[0]")?;
/// assert!(rule.text.starts_with("Rule \"public complaint gets a manager\": when the case has a public contact"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Sentence {
    /// Where in the policy file the sentence's subject is written.
    pub path: String,
    /// The sentence.
    pub text: String,
}

impl fmt::Display for Sentence {
    /// The sentence, then its path in brackets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} [{}]", self.text, self.path)
    }
}

/// A policy in plain sentences ([`Policy::explain`]), in the order of a
/// policy file: version and tiers, calendars, SLA targets, rules, pauses,
/// deflection, and the recovery rules.
///
/// # Example
/// ```
/// use escalate::policy::Policy;
/// let explanation = Policy::recommended().explain();
/// assert_eq!(explanation.version, "recommended-1");
/// let text = explanation.to_string();
/// assert!(text.contains("First response, when the contact came by email: \
///     due within 4h on the business calendar. [sla[0].targets[1]]"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Explanation {
    /// The policy's version label.
    pub version: String,
    /// The sentences, in the order of a policy file.
    pub sentences: Vec<Sentence>,
}

impl fmt::Display for Explanation {
    /// A title, then one sentence per line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Policy \"{}\"", self.version)?;
        for sentence in &self.sentences {
            writeln!(f, "- {sentence}")?;
        }
        Ok(())
    }
}

impl Policy {
    /// The policy in plain sentences for an operations lead: one per SLA
    /// target row, fallback and warning, per rule (its condition, delay,
    /// repeats, working hours and actions), per pause reason, per calendar
    /// (hours, time zone, holidays), the tiers and each tier's authority,
    /// the caps and ladder, deflection and review. Each sentence names the
    /// path in the policy file it explains. The same policy always gives
    /// the same sentences.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::Policy;
    /// let policy = Policy::from_toml_str(r#"
    ///     version = "shop-1"
    ///     tiers = ["frontline", "manager"]
    ///     [[rules]]
    ///     name = "public posts get a manager"
    ///     when = "public_contact"
    ///     then = { require_owner = "manager" }
    /// "#)?;
    /// let explanation = policy.explain();
    /// let rule = explanation.sentences.iter().find(|s| s.path == "rules[0]").ok_or("no rule")?;
    /// assert_eq!(rule.text, "Rule \"public posts get a manager\": when the case has a public \
    ///     contact, require an owner of tier manager or higher.");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn explain(&self) -> Explanation {
        let mut out = Vec::new();
        let mut say = |path: String, text: String| out.push(Sentence { path, text });
        say(
            "version".to_owned(),
            format!(
                "This is policy \"{}\"; its dates and times are in {}.",
                self.version,
                self.time_zone.name()
            ),
        );
        say("tiers".to_owned(), tiers_sentence(&self.tiers));
        for (name, calendar) in &self.calendars {
            say(
                format!("calendars.{name}"),
                format!("The {name} calendar is {}.", calendar_words(calendar)),
            );
        }
        if !self.default_calendar.is_always() {
            say(
                "default_calendar".to_owned(),
                format!(
                    "Required calls that name no calendar, and rules that wait for business \
                     hours, use the {} calendar.",
                    self.default_calendar
                ),
            );
        }
        for (i, metric) in self.sla.iter().enumerate() {
            for (path, text) in metric_sentences(metric) {
                say(format!("sla[{i}]{path}"), text);
            }
        }
        if self.sla(Metric::NextResponse).is_some() {
            say(
                "next_response_after_first".to_owned(),
                if self.next_response_after_first {
                    "A new contact starts the next response clock only once the first response \
                     has been given."
                } else {
                    "A new contact starts the next response clock even before the first \
                     response has been given."
                }
                .to_owned(),
            );
        }
        if self.rules.len() > 1 {
            say(
                "rules".to_owned(),
                "Rules are listed in order: when two rules fire on the same cause, the earlier \
                 one acts first."
                    .to_owned(),
            );
        }
        for (i, rule) in self.rules.iter().enumerate() {
            say(
                format!("rules[{i}]"),
                rule_sentence(rule, &self.default_calendar),
            );
        }
        for (i, reason) in self.pauses.iter().enumerate() {
            say(format!("pauses[{i}]"), pause_sentence(reason));
        }
        say(
            "deflection".to_owned(),
            deflection_words(self.deflection).to_owned(),
        );
        recovery_sentences(&self.recovery, &mut say);
        Explanation {
            version: self.version.as_str().to_owned(),
            sentences: out,
        }
    }
}

/// The recovery rules in sentences: the ladder, each tier's authority, the
/// caps, review and guards.
fn recovery_sentences(recovery: &RecoveryPolicy, say: &mut impl FnMut(String, String)) {
    say(
        "recovery.ladder".to_owned(),
        format!(
            "The recovery ladder, lowest rung first: {}.",
            list(recovery.ladder().rungs().iter().map(ToString::to_string))
        ),
    );
    for (i, authority) in recovery.authorities().iter().enumerate() {
        say(
            format!("recovery.authority[{i}]"),
            authority_sentence(authority),
        );
    }
    say(
        "recovery.soft_cap".to_owned(),
        format!(
            "Compensation past {} of the customer's loss needs the {} tier or higher.",
            percent(recovery.soft_cap_bps()),
            recovery.soft_cap_tier()
        ),
    );
    say(
        "recovery.hard_cap_bps".to_owned(),
        format!(
            "Nobody may bring compensation past {} of the customer's loss.",
            percent(recovery.hard_cap_bps())
        ),
    );
    say(
        "recovery.review".to_owned(),
        review_words(recovery.review()),
    );
    if recovery.guards() == Guards::Off {
        say(
            "recovery.guards".to_owned(),
            "The recovery guards are off: nothing is refused but malformed gestures.".to_owned(),
        );
    }
}

/// `a`, `a and b`, `a, b and c`.
pub(super) fn list(items: impl IntoIterator<Item = String>) -> String {
    let items: Vec<String> = items.into_iter().collect();
    match items.as_slice() {
        [] => "nothing".to_owned(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// Basis points as a percentage: `2500` is `25%`, `12050` is `120.5%`.
pub(super) fn percent(bps: u32) -> String {
    let (whole, cents) = (bps / 100, bps % 100);
    match cents {
        0 => format!("{whole}%"),
        c if c % 10 == 0 => format!("{whole}.{}%", c / 10),
        c => format!("{whole}.{c:02}%"),
    }
}

fn tiers_sentence(tiers: &[crate::Tier]) -> String {
    let names = list(tiers.iter().map(ToString::to_string));
    match tiers.len() {
        1 => format!("Cases are owned at one tier: {names}."),
        n => format!("Cases are owned at {n} tiers, from the most junior: {names}."),
    }
}

pub(super) use crate::sla::day_name;

/// One day's hours in words: `09:00-12:00 and 13:00-17:00`, or `closed`.
pub(super) fn spans_words(spans: &[String]) -> String {
    if spans.is_empty() {
        "closed".to_owned()
    } else {
        list(spans.iter().cloned())
    }
}

/// The weekly hours in words, runs of days with the same hours together:
/// `Monday to Friday 09:00-17:00; closed Saturday and Sunday`.
pub(super) fn hours_words(weekly: &[Vec<String>; 7]) -> String {
    if weekly.iter().all(|d| d == &["00:00-24:00"]) {
        return "open around the clock".to_owned();
    }
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for (i, day) in weekly.iter().enumerate() {
        match runs.last_mut() {
            Some((_, end)) if weekly[*end] == *day => *end = i,
            _ => runs.push((i, i)),
        }
    }
    let parts: Vec<String> = runs
        .iter()
        .map(|&(start, end)| {
            let days = match end - start {
                0 => day_name(start).to_owned(),
                1 => format!("{} and {}", day_name(start), day_name(end)),
                _ => format!("{} to {}", day_name(start), day_name(end)),
            };
            if weekly[start].is_empty() {
                format!("closed {days}")
            } else {
                format!("{days} {}", spans_words(&weekly[start]))
            }
        })
        .collect();
    format!("open {}", parts.join("; "))
}

/// `no holidays`, `1 holiday`, `3 holidays`.
fn count(n: usize, one: &str, many: &str) -> String {
    match n {
        0 => format!("no {many}"),
        1 => format!("1 {one}"),
        n => format!("{n} {many}"),
    }
}

/// A calendar in words: time zone, hours and exceptions (`in UTC: open
/// Monday to Friday 09:00-17:00; closed Saturday and Sunday; no holidays`).
pub(super) fn calendar_words(calendar: &BusinessCalendar) -> String {
    let written = calendar.written();
    let mut text = format!(
        "in {}: {}; {}",
        calendar.time_zone().name(),
        hours_words(&written.weekly),
        count(written.holidays.len(), "holiday", "holidays")
    );
    if !written.breaks.is_empty() {
        let _ = write!(
            text,
            "; {}",
            count(written.breaks.len(), "dated break", "dated breaks")
        );
    }
    if !written.shifts.is_empty() {
        let _ = write!(
            text,
            "; {}",
            count(written.shifts.len(), "dated shift", "dated shifts")
        );
    }
    text
}

/// A target row's `when` in words: `when the contact came by email`, or
/// empty for a row that matches everything.
pub(super) fn match_words(when: &Match) -> String {
    let mut parts = Vec::new();
    if let Some(p) = when.priority {
        parts.push(format!("the case is {p} priority"));
    }
    if let Some(c) = when.channel {
        parts.push(format!("the contact came by {c}"));
    }
    if let Some(c) = when.customer {
        parts.push(format!("the customer is {c}"));
    }
    if let Some(t) = &when.tier {
        parts.push(format!("the owner is at tier {t}"));
    }
    if parts.is_empty() {
        "for every case".to_owned()
    } else {
        format!("when {}", list(parts))
    }
}

/// A target in words: `due within 4h on the business calendar`.
pub(super) fn target_words(target: &Target) -> String {
    if target.calendar.is_always() {
        format!("due within {}, around the clock", target.within)
    } else {
        format!(
            "due within {} on the {} calendar",
            target.within, target.calendar
        )
    }
}

/// `First response`.
pub(super) fn metric_title(metric: Metric) -> String {
    let name = metric.to_string();
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => name,
    }
}

pub(super) fn reopen_words(reopen: Reopen) -> &'static str {
    match reopen {
        Reopen::NewCycle => "reopening a resolved case starts a new clock",
        Reopen::Continue => "reopening a resolved case resumes the clock where it stopped",
        Reopen::FirstOnly => "only the first cycle counts: reopening restarts nothing",
    }
}

/// The metric's settings in words, with the path of each under `sla[i]`.
fn metric_sentences(metric: &MetricPolicy) -> Vec<(String, String)> {
    let title = metric_title(metric.metric);
    let mut out = Vec::new();
    let mut head = format!("{title} is tracked; {}", reopen_words(metric.reopen));
    if metric.metric.is_response() {
        let _ = write!(
            head,
            "; it stops on {}",
            list(metric.stopped_by.iter().map(ToString::to_string))
        );
    }
    if metric.targets.len() > 1 {
        head.push_str("; its target rows are tried in order and the first that matches wins");
    }
    head.push('.');
    out.push((String::new(), head));
    for (k, row) in metric.targets.iter().enumerate() {
        out.push((
            format!(".targets[{k}]"),
            format!(
                "{title}, {}: {}.",
                match_words(&row.when),
                target_words(&row.target)
            ),
        ));
    }
    match &metric.fallback {
        Some(target) if metric.targets.is_empty() => out.push((
            ".fallback".to_owned(),
            format!("{title}, for every case: {}.", target_words(target)),
        )),
        Some(target) => out.push((
            ".fallback".to_owned(),
            format!("{title}, when no row matches: {}.", target_words(target)),
        )),
        None if metric.metric == Metric::Promise => {}
        None => out.push((
            ".fallback".to_owned(),
            format!("{title} is not tracked for a case no target row matches."),
        )),
    }
    for (k, threshold) in metric.warnings.iter().enumerate() {
        out.push((
            format!(".warnings[{k}]"),
            format!("A {} warning fires at {threshold}.", metric.metric),
        ));
    }
    out
}

fn delay_from_words(from: DelayFrom) -> &'static str {
    match from {
        DelayFrom::Condition => "from when the condition started to hold",
        DelayFrom::Level => "from the case's last assignment or escalation",
        DelayFrom::Opening => "from the case's opening",
    }
}

/// `2 business days on the business calendar, counted from ...`.
pub(super) fn delay_words(delay: &Delay) -> String {
    let on = if delay.calendar.is_always() {
        String::new()
    } else {
        format!(" on the {} calendar", delay.calendar)
    };
    format!(
        "{}{on}, counted {}",
        delay.after,
        delay_from_words(delay.from)
    )
}

/// `only while the business calendar is open`.
pub(super) fn during_words(during: &During, default: &CalendarName) -> String {
    let name = match during {
        During::BusinessHours => default,
        During::BusinessHoursOf(name) => name,
    };
    if name.is_always() {
        "at any hour (the always calendar never closes)".to_owned()
    } else {
        format!("only while the {name} calendar is open, else at its next opening")
    }
}

/// A rule's actions in words: `escalate one tier and require ...`.
pub(super) fn actions_words(rule: &Rule) -> String {
    list(rule.then.iter().map(|action| match action {
        super::Action::Notify(notice) => match &notice.within {
            Some(within) => format!("{action} (within {within})"),
            None => action.to_string(),
        },
        _ => action.to_string(),
    }))
}

/// A rule in one sentence.
pub(super) fn rule_sentence(rule: &Rule, default: &CalendarName) -> String {
    let mut text = format!("Rule \"{}\": when the case has {}", rule.name, rule.when);
    if let Some(delay) = &rule.delay {
        let _ = write!(text, " and it still holds after {}", delay_words(delay));
    }
    let _ = write!(text, ", {}", actions_words(rule));
    if rule.repeat > 0 {
        let after = rule
            .delay
            .as_ref()
            .map_or_else(String::new, |d| format!(", {} apart", d.after));
        let times = if rule.repeat == 1 { "time" } else { "times" };
        let _ = write!(
            text,
            "; then again up to {} more {times}{after}, while it holds",
            rule.repeat
        );
    }
    if let Some(during) = &rule.during {
        let _ = write!(text, "; it acts {}", during_words(during, default));
    }
    text.push('.');
    text
}

/// A pause reason in one sentence.
pub(super) fn pause_sentence(reason: &PauseReason) -> String {
    let clocks = match reason.pauses.as_slice() {
        [] => "no clock".to_owned(),
        [one] => format!("the {one} clock"),
        many => format!("the {} clocks", list(many.iter().map(ToString::to_string))),
    };
    format!(
        "Pausing for \"{}\" stops {clocks} (promises never pause); it {} while a contact waits \
         for a reply; {}.",
        reason.name,
        if reason.while_unanswered {
            "may begin"
        } else {
            "may not begin"
        },
        if reason.ends_on_contact {
            "a customer contact ends it"
        } else {
            "a customer contact does not end it"
        }
    )
}

/// What the deflection setting means.
pub(super) fn deflection_words(deflection: DeflectionPolicy) -> &'static str {
    match deflection {
        DeflectionPolicy::Refuse => {
            "A case answered only with deflections cannot be resolved until someone really \
             answers."
        }
        DeflectionPolicy::RecordFailure => {
            "A case answered only with deflections may be resolved, and the deflection is \
             recorded as a failure."
        }
        DeflectionPolicy::Allow => "Deflections are not checked when a case is resolved.",
    }
}

/// A tier's authority in words, without the tier.
pub(super) fn authority_words(authority: &Authority) -> String {
    let mut text = if authority.kinds().is_empty() {
        "no gesture".to_owned()
    } else {
        list(authority.kinds().iter().map(ToString::to_string))
    };
    if let Some(bps) = authority.max_bps() {
        let _ = write!(
            text,
            ", compensation up to {} of the customer's loss in total",
            percent(bps)
        );
    }
    if let Some(amount) = authority.max_amount() {
        let _ = write!(text, ", compensation up to {amount} in total");
    }
    text
}

fn authority_sentence(authority: &Authority) -> String {
    format!(
        "The {} tier may grant {}.",
        authority.tier(),
        authority_words(authority)
    )
}

/// When closing needs a review.
pub(super) fn review_words(review: ReviewRule) -> String {
    match review {
        ReviewRule::Optional => "A root-cause review is never required to close a case.".to_owned(),
        other => format!("Closing a case needs a root-cause review {other}."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_read_as_written() {
        assert_eq!(percent(2_500), "25%");
        assert_eq!(percent(12_050), "120.5%");
        assert_eq!(percent(1), "0.01%");
    }

    #[test]
    fn hours_group_runs_of_days() {
        let nine = vec!["09:00-17:00".to_owned()];
        let mut weekly: [Vec<String>; 7] = Default::default();
        for day in weekly.iter_mut().take(5) {
            day.clone_from(&nine);
        }
        assert_eq!(
            hours_words(&weekly),
            "open Monday to Friday 09:00-17:00; closed Saturday and Sunday"
        );
        weekly[2] = vec!["09:00-12:00".to_owned(), "13:00-17:00".to_owned()];
        assert_eq!(
            hours_words(&weekly),
            "open Monday and Tuesday 09:00-17:00; Wednesday 09:00-12:00 and 13:00-17:00; \
             Thursday and Friday 09:00-17:00; closed Saturday and Sunday"
        );
    }

    #[test]
    fn lists_read_as_english() {
        assert_eq!(list(Vec::new()), "nothing");
        assert_eq!(list(["a".to_owned()]), "a");
        assert_eq!(
            list(["a".to_owned(), "b".to_owned(), "c".to_owned()]),
            "a, b and c"
        );
    }
}
