//! What changes between two policies, in words.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::Policy;
use super::explain::{
    actions_words, authority_words, calendar_words, day_name, delay_words, during_words, list,
    match_words, metric_title, pause_sentence, percent, reopen_words, rule_sentence, spans_words,
    target_words,
};
use crate::sla::{BusinessCalendar, Match, Metric, MetricPolicy};

/// What kind of change a [`Change`] is.
///
/// # Example
/// ```
/// use escalate::policy::ChangeKind;
/// assert_eq!(ChangeKind::Added.mirrored(), ChangeKind::Removed);
/// assert_eq!(serde_json::to_string(&ChangeKind::Moved)?, r#""moved""#);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// In the new policy only.
    Added,
    /// In the old policy only.
    Removed,
    /// In both, with another value.
    Changed,
    /// In both, in another place of an ordered list (where order decides
    /// which row or rule wins).
    Moved,
}

impl ChangeKind {
    /// The kind of the same change seen from the new policy to the old:
    /// added and removed swap, changed and moved stay.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::ChangeKind;
    /// assert_eq!(ChangeKind::Changed.mirrored(), ChangeKind::Changed);
    /// ```
    #[must_use]
    pub fn mirrored(self) -> ChangeKind {
        match self {
            ChangeKind::Added => ChangeKind::Removed,
            ChangeKind::Removed => ChangeKind::Added,
            other => other,
        }
    }
}

impl fmt::Display for ChangeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ChangeKind::Added => "added",
            ChangeKind::Removed => "removed",
            ChangeKind::Changed => "changed",
            ChangeKind::Moved => "moved",
        })
    }
}

/// One difference between two policies.
///
/// The `path` names the entry by its key rather than its index, so that it
/// means the same entry in both policies: a rule by its name
/// (`rules["late reply"].delay`), a target row by its `when`
/// (`sla.first_response.targets[channel=email]`), a calendar, pause reason
/// or tier by its name.
///
/// # Example
/// ```
/// use escalate::policy::{diff, ChangeKind, Policy};
/// let old = Policy::new("v1", ["frontline", "manager"])?;
/// let new = Policy::new("v1", ["frontline", "supervisor", "manager"])?;
/// let changes = diff(&old, &new).changes;
/// let added = changes.iter().find(|c| c.path == "tiers.supervisor").ok_or("no change")?;
/// assert_eq!(added.kind, ChangeKind::Added);
/// assert_eq!(added.sentence, "Tier supervisor is added: position 2 of 3.");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Change {
    /// What changed, as a path through the policy (see above).
    pub path: String,
    /// Added, removed, changed or moved.
    pub kind: ChangeKind,
    /// What changed, in words (`the email row of the first response targets`).
    pub subject: String,
    /// The old value in words; `None` when added.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<String>,
    /// The new value in words; `None` when removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    /// The change in one sentence.
    pub sentence: String,
}

impl Change {
    fn new(
        path: String,
        kind: ChangeKind,
        subject: String,
        before: Option<String>,
        after: Option<String>,
    ) -> Change {
        let sentence = sentence(kind, &subject, before.as_deref(), after.as_deref());
        Change {
            path,
            kind,
            subject,
            before,
            after,
            sentence,
        }
    }

    /// The same change seen from the new policy to the old: `before` and
    /// `after` swap, and added and removed.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::{diff, Policy};
    /// let old = Policy::new("v1", ["frontline"])?;
    /// let new = Policy::new("v2", ["frontline"])?;
    /// let forward = diff(&old, &new);
    /// assert_eq!(forward.changes[0].mirrored(), diff(&new, &old).changes[0]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn mirrored(&self) -> Change {
        Change::new(
            self.path.clone(),
            self.kind.mirrored(),
            self.subject.clone(),
            self.after.clone(),
            self.before.clone(),
        )
    }
}

impl fmt::Display for Change {
    /// The sentence, then the path in brackets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} [{}]", self.sentence, self.path)
    }
}

fn sentence(kind: ChangeKind, subject: &str, before: Option<&str>, after: Option<&str>) -> String {
    let subject = capitalized(subject);
    let before = before.unwrap_or("nothing");
    let after = after.unwrap_or("nothing");
    match kind {
        ChangeKind::Added => format!("{subject} is added: {after}"),
        ChangeKind::Removed => format!("{subject} is removed; it was: {before}"),
        ChangeKind::Changed => format!("{subject} changes from {before} to {after}"),
        ChangeKind::Moved => format!("{subject} moves from {before} to {after}"),
    }
    .trim_end_matches('.')
    .to_owned()
        + "."
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// What changes between two policies ([`diff`]): every change, in the
/// order of a policy file (and within a list, by key), each with its path,
/// kind, the values before and after in words, and a sentence.
///
/// # Laws
/// - `diff(p, p)` is empty, and `diff(a, b)` is empty only when `a == b`.
/// - `diff(b, a)` is `diff(a, b)` [mirrored](Self::mirrored).
///
/// # Example
/// ```
/// use escalate::policy::{diff, Policy};
/// let p = Policy::recommended();
/// assert!(diff(&p, &p).is_empty());
/// assert_eq!(diff(&p, &p).to_string(), "No changes from \"recommended-1\" to \"recommended-1\".\n");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PolicyDiff {
    /// The old policy's version label.
    pub old_version: String,
    /// The new policy's version label.
    pub new_version: String,
    /// The changes.
    pub changes: Vec<Change>,
}

impl PolicyDiff {
    /// Whether the two policies are the same.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::{diff, Policy};
    /// assert!(!diff(&Policy::default(), &Policy::recommended()).is_empty());
    /// ```
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// The diff seen from the new policy to the old: equal to
    /// `diff(new, old)`.
    ///
    /// # Example
    /// ```
    /// use escalate::policy::{diff, Policy};
    /// let (a, b) = (Policy::default(), Policy::recommended());
    /// assert_eq!(diff(&a, &b).mirrored(), diff(&b, &a));
    /// ```
    #[must_use]
    pub fn mirrored(&self) -> PolicyDiff {
        let mut changes: Vec<Change> = self.changes.iter().map(Change::mirrored).collect();
        // The order is by key, which both directions share; only ties
        // between an added and a removed entry of one key could differ.
        changes.sort_by_key(|c| order_of(&c.path));
        PolicyDiff {
            old_version: self.new_version.clone(),
            new_version: self.old_version.clone(),
            changes,
        }
    }
}

impl fmt::Display for PolicyDiff {
    /// A title, then one change per line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (old, new) = (&self.old_version, &self.new_version);
        match self.changes.len() {
            0 => return writeln!(f, "No changes from \"{old}\" to \"{new}\"."),
            1 => writeln!(f, "1 change from \"{old}\" to \"{new}\":")?,
            n => writeln!(f, "{n} changes from \"{old}\" to \"{new}\":")?,
        }
        for change in &self.changes {
            writeln!(f, "- {change}")?;
        }
        Ok(())
    }
}

/// Where a change sorts: its section in the order of a policy file, the
/// entry it belongs to (by key), the field of the entry in the order of a
/// policy file, then the rest of its path (weekdays Monday first).
fn order_of(path: &str) -> (usize, String, usize, String) {
    const SECTIONS: [&str; 11] = [
        "version",
        "time_zone",
        "tiers",
        "calendars",
        "default_calendar",
        "sla",
        "next_response_after_first",
        "rules",
        "pauses",
        "deflection",
        "recovery",
    ];
    const FIELDS: [&str; 15] = [
        "time_zone",
        "hours",
        "holidays",
        "breaks",
        "shifts",
        "reopen",
        "stopped_by",
        "fallback",
        "targets",
        "warnings",
        "when",
        "then",
        "delay",
        "repeat",
        "during",
    ];
    let head = path.split(['.', '[']).next().unwrap_or(path);
    let section = SECTIONS
        .iter()
        .position(|s| *s == head)
        .unwrap_or(SECTIONS.len());
    // A rule's entry ends with its quoted name; others are two segments.
    let split = if head == "rules" {
        path.rfind("\"]").map_or(path.len(), |i| i + 2)
    } else {
        path.match_indices(['.', '['])
            .nth(1)
            .map_or(path.len(), |(i, _)| i)
    };
    let (entry, rest) = path.split_at(split);
    let field = rest
        .trim_start_matches('.')
        .split(['.', '['])
        .next()
        .and_then(|f| FIELDS.iter().position(|x| *x == f))
        .unwrap_or(FIELDS.len());
    let mut rest = rest.to_owned();
    for (i, key) in DAY_KEYS.iter().enumerate() {
        rest = rest.replace(&format!(".hours.{key}"), &format!(".hours.{i}"));
    }
    (section, entry.to_owned(), field, rest)
}

/// The semantic difference between two policies: targets matched by metric
/// and `when` (a reordered row is moved, not removed and added), warnings,
/// calendars (time zone, hours per weekday, holidays, breaks, shifts), rules
/// matched by name (condition, actions, delay, repeat, working hours and
/// order, which decides who wins), pause reasons, tiers, the default
/// calendar, deflection, and the recovery rules (ladder, each tier's
/// authority, caps, review, guards). See [`PolicyDiff`] for its laws.
///
/// # Example
/// ```
/// use escalate::policy::{diff, ChangeKind, DeflectionPolicy, Policy};
/// let old = Policy::recommended();
/// let new = Policy::recommended().with_deflection(DeflectionPolicy::Allow);
/// let d = diff(&old, &new);
/// assert_eq!(d.changes.len(), 1);
/// assert_eq!(d.changes[0].path, "deflection");
/// assert_eq!(d.changes[0].kind, ChangeKind::Changed);
/// assert_eq!(d.changes[0].sentence, "What resolving a case answered only with deflections does \
///     changes from refuse to allow.");
/// ```
#[must_use]
pub fn diff(old: &Policy, new: &Policy) -> PolicyDiff {
    let mut d = Diff::default();
    d.value("version", "the version label", &old.version, &new.version);
    d.value(
        "time_zone",
        "the policy's time zone",
        old.time_zone.name(),
        new.time_zone.name(),
    );
    d.ordered(
        "tiers",
        "tier",
        &names(old.tiers.iter().map(ToString::to_string)),
        &names(new.tiers.iter().map(ToString::to_string)),
        |_| String::new(),
    );
    calendars(&mut d, old, new);
    d.value(
        "default_calendar",
        "the default calendar",
        old.default_calendar.as_str(),
        new.default_calendar.as_str(),
    );
    slas(&mut d, old, new);
    d.value(
        "next_response_after_first",
        "whether a new contact waits for the first response to start the next response clock",
        yes_no(old.next_response_after_first),
        yes_no(new.next_response_after_first),
    );
    rules(&mut d, old, new);
    pauses(&mut d, old, new);
    d.value(
        "deflection",
        "what resolving a case answered only with deflections does",
        deflection_name(old.deflection),
        deflection_name(new.deflection),
    );
    recovery(&mut d, old, new);
    let mut changes = d.changes;
    changes.sort_by_key(|c| order_of(&c.path));
    PolicyDiff {
        old_version: old.version.as_str().to_owned(),
        new_version: new.version.as_str().to_owned(),
        changes,
    }
}

fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

fn deflection_name(d: super::DeflectionPolicy) -> &'static str {
    match d {
        super::DeflectionPolicy::Refuse => "refuse",
        super::DeflectionPolicy::RecordFailure => "record_failure",
        super::DeflectionPolicy::Allow => "allow",
    }
}

/// Entries of a list with their keys: a key met again gets `#2`, `#3`.
fn names(keys: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    keys.into_iter()
        .map(|key| {
            let n = seen.entry(key.clone()).or_insert(0);
            *n += 1;
            if *n == 1 { key } else { format!("{key}#{n}") }
        })
        .collect()
}

#[derive(Default)]
struct Diff {
    changes: Vec<Change>,
}

impl Diff {
    fn push(
        &mut self,
        path: impl Into<String>,
        kind: ChangeKind,
        subject: impl Into<String>,
        before: Option<String>,
        after: Option<String>,
    ) {
        self.changes.push(Change::new(
            path.into(),
            kind,
            subject.into(),
            before,
            after,
        ));
    }

    /// A value in both policies: a change when it differs.
    fn value(&mut self, path: impl Into<String>, subject: impl Into<String>, old: &str, new: &str) {
        if old != new {
            self.push(
                path,
                ChangeKind::Changed,
                subject,
                Some(old.to_owned()),
                Some(new.to_owned()),
            );
        }
    }

    /// A value that may be missing from either policy.
    fn optional(
        &mut self,
        path: impl Into<String>,
        subject: impl Into<String>,
        old: Option<String>,
        new: Option<String>,
    ) {
        let kind = match (&old, &new) {
            (None, None) => return,
            (Some(a), Some(b)) if a == b => return,
            (None, Some(_)) => ChangeKind::Added,
            (Some(_), None) => ChangeKind::Removed,
            (Some(_), Some(_)) => ChangeKind::Changed,
        };
        self.push(path, kind, subject, old, new);
    }

    /// An ordered list of keyed entries: entries only in one are added or
    /// removed (described by `describe`), entries in both whose place among
    /// the shared entries differs are moved. Entries are named
    /// `{prefix}.{key}` (or `{prefix}[{key}]` when `prefix` ends in `[`).
    fn ordered(
        &mut self,
        prefix: &str,
        noun: &str,
        old: &[String],
        new: &[String],
        describe: impl Fn(&str) -> String,
    ) {
        let path = |key: &str| match prefix.strip_suffix('[') {
            Some(p) => format!("{p}[{key}]"),
            None => format!("{prefix}.{key}"),
        };
        let old_set: BTreeSet<&String> = old.iter().collect();
        let new_set: BTreeSet<&String> = new.iter().collect();
        let place = |i: usize, n: usize, key: &str| {
            let what = describe(key);
            if what.is_empty() {
                format!("position {} of {n}", i + 1)
            } else {
                format!("position {} of {n}, {what}", i + 1)
            }
        };
        for (i, key) in old.iter().enumerate() {
            if !new_set.contains(key) {
                let before = Some(place(i, old.len(), key));
                self.push(
                    path(key),
                    ChangeKind::Removed,
                    format!("{noun} {key}"),
                    before,
                    None,
                );
            }
        }
        for (i, key) in new.iter().enumerate() {
            if !old_set.contains(key) {
                let after = Some(place(i, new.len(), key));
                self.push(
                    path(key),
                    ChangeKind::Added,
                    format!("{noun} {key}"),
                    None,
                    after,
                );
            }
        }
        let old_common: Vec<&String> = old.iter().filter(|k| new_set.contains(k)).collect();
        let new_common: Vec<&String> = new.iter().filter(|k| old_set.contains(k)).collect();
        for (i, key) in old_common.iter().enumerate() {
            let Some(j) = new_common.iter().position(|k| k == key) else {
                continue;
            };
            if i != j {
                let (Some(a), Some(b)) = (
                    old.iter().position(|k| k == *key),
                    new.iter().position(|k| k == *key),
                ) else {
                    continue;
                };
                self.push(
                    path(key),
                    ChangeKind::Moved,
                    format!("{noun} {key}"),
                    Some(format!("position {} of {}", a + 1, old.len())),
                    Some(format!("position {} of {}", b + 1, new.len())),
                );
            }
        }
    }
}

/// Weekday keys in policy files, Monday first.
const DAY_KEYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

fn calendars(d: &mut Diff, old: &Policy, new: &Policy) {
    let names: BTreeSet<_> = old.calendars.keys().chain(new.calendars.keys()).collect();
    for name in names {
        let path = format!("calendars.{name}");
        let subject = format!("the {name} calendar");
        match (old.calendars.get(name), new.calendars.get(name)) {
            (Some(a), Some(b)) => calendar(d, &path, name.as_str(), a, b),
            (a, b) => d.optional(path, subject, a.map(calendar_words), b.map(calendar_words)),
        }
    }
}

fn calendar(d: &mut Diff, path: &str, name: &str, old: &BusinessCalendar, new: &BusinessCalendar) {
    d.value(
        format!("{path}.time_zone"),
        format!("the time zone of the {name} calendar"),
        old.time_zone().name(),
        new.time_zone().name(),
    );
    let (a, b) = (old.written(), new.written());
    for (i, key) in DAY_KEYS.iter().enumerate() {
        d.value(
            format!("{path}.hours.{key}"),
            format!("{}'s hours on the {name} calendar", day_name(i)),
            &spans_words(&a.weekly[i]),
            &spans_words(&b.weekly[i]),
        );
    }
    let days: BTreeSet<_> = a.holidays.iter().chain(&b.holidays).collect();
    for day in days {
        let show = |has: bool| has.then(|| "closed".to_owned());
        d.optional(
            format!("{path}.holidays.{day}"),
            format!("the holiday on {day} on the {name} calendar"),
            show(a.holidays.contains(day)),
            show(b.holidays.contains(day)),
        );
    }
    for (field, noun, old, new) in [
        ("breaks", "break", &a.breaks, &b.breaks),
        ("shifts", "shift", &a.shifts, &b.shifts),
    ] {
        let days: BTreeSet<_> = old.keys().chain(new.keys()).collect();
        for day in days {
            d.optional(
                format!("{path}.{field}.{day}"),
                format!("the {noun} on {day} on the {name} calendar"),
                old.get(day).map(|s| spans_words(s)),
                new.get(day).map(|s| spans_words(s)),
            );
        }
    }
}

/// A metric's name in policy files: `first_response`.
fn metric_key(metric: Metric) -> String {
    metric.to_string().replace(' ', "_")
}

/// A target row's key: its `when` as written (`channel=email`), `any`
/// for a row that matches every case.
fn match_key(when: &Match) -> String {
    let Ok(serde_json::Value::Object(fields)) = serde_json::to_value(when) else {
        return match_words(when);
    };
    let parts: Vec<String> = fields
        .iter()
        .map(|(k, v)| match v {
            serde_json::Value::String(s) => format!("{k}={s}"),
            other => format!("{k}={other}"),
        })
        .collect();
    if parts.is_empty() {
        "any".to_owned()
    } else {
        parts.join(",")
    }
}

fn metric_words(m: &MetricPolicy) -> String {
    let rows = m.targets.len();
    let mut text = match rows {
        0 => "no target rows".to_owned(),
        1 => "1 target row".to_owned(),
        n => format!("{n} target rows"),
    };
    if let Some(t) = &m.fallback {
        let _ = write!(text, ", otherwise {}", target_words(t));
    }
    if !m.warnings.is_empty() {
        let _ = write!(
            text,
            ", warnings at {}",
            list(m.warnings.iter().map(ToString::to_string))
        );
    }
    text
}

fn slas(d: &mut Diff, old: &Policy, new: &Policy) {
    let metrics: BTreeSet<String> = old
        .sla
        .iter()
        .chain(&new.sla)
        .map(|m| metric_key(m.metric))
        .collect();
    for key in metrics {
        let find = |p: &Policy| p.sla.iter().find(|m| metric_key(m.metric) == key).cloned();
        let path = format!("sla.{key}");
        match (find(old), find(new)) {
            (Some(a), Some(b)) => metric(d, &path, &a, &b),
            (a, b) => {
                let subject = format!("the {} SLA", key.replace('_', " "));
                d.optional(
                    path,
                    subject,
                    a.as_ref().map(metric_words),
                    b.as_ref().map(metric_words),
                );
            }
        }
    }
}

fn metric(d: &mut Diff, path: &str, old: &MetricPolicy, new: &MetricPolicy) {
    let title = metric_title(old.metric);
    let name = old.metric.to_string();
    d.value(
        format!("{path}.reopen"),
        format!("what reopening does to the {name} clock"),
        reopen_words(old.reopen),
        reopen_words(new.reopen),
    );
    d.value(
        format!("{path}.stopped_by"),
        format!("what stops the {name} clock"),
        &list(old.stopped_by.iter().map(ToString::to_string)),
        &list(new.stopped_by.iter().map(ToString::to_string)),
    );
    d.optional(
        format!("{path}.fallback"),
        format!("the {name} target when no row matches"),
        old.fallback.as_ref().map(target_words),
        new.fallback.as_ref().map(target_words),
    );
    let keys = |m: &MetricPolicy| names(m.targets.iter().map(|r| match_key(&r.when)));
    let (ka, kb) = (keys(old), keys(new));
    let row_of = |m: &MetricPolicy, keys: &[String], key: &str| {
        keys.iter()
            .position(|k| k == key)
            .and_then(|i| m.targets.get(i))
            .map(|r| format!("{}: {}", match_words(&r.when), target_words(&r.target)))
    };
    d.ordered(
        &format!("{path}.targets["),
        &format!("{title} target row"),
        &ka,
        &kb,
        |key| {
            row_of(old, &ka, key)
                .or_else(|| row_of(new, &kb, key))
                .unwrap_or_default()
        },
    );
    for (i, key) in ka.iter().enumerate() {
        let Some(j) = kb.iter().position(|k| k == key) else {
            continue;
        };
        if let (Some(a), Some(b)) = (old.targets.get(i), new.targets.get(j)) {
            d.value(
                format!("{path}.targets[{key}].target"),
                format!("the {name} target {}", match_words(&a.when)),
                &target_words(&a.target),
                &target_words(&b.target),
            );
        }
    }
    let warnings = |m: &MetricPolicy| names(m.warnings.iter().map(ToString::to_string));
    let (wa, wb) = (warnings(old), warnings(new));
    for w in wa.iter().chain(&wb).collect::<BTreeSet<_>>() {
        let show = |ws: &[String]| ws.contains(w).then(|| w.clone());
        d.optional(
            format!("{path}.warnings[{w}]"),
            format!("a {name} warning"),
            show(&wa),
            show(&wb),
        );
    }
}

fn rules(d: &mut Diff, old: &Policy, new: &Policy) {
    let key = |p: &Policy| -> Vec<String> { p.rules.iter().map(|r| r.name.clone()).collect() };
    let (ka, kb) = (key(old), key(new));
    let describe = |name: &str| {
        old.rules
            .iter()
            .map(|r| (r, &old.default_calendar))
            .chain(new.rules.iter().map(|r| (r, &new.default_calendar)))
            .find(|(r, _)| r.name == name)
            .map(|(r, default)| rule_sentence(r, default))
            .unwrap_or_default()
    };
    d.ordered("rules[", "rule", &quoted(&ka), &quoted(&kb), |k| {
        describe(k.trim_matches('"'))
    });
    for a in &old.rules {
        let Some(b) = new.rules.iter().find(|r| r.name == a.name) else {
            continue;
        };
        let path = format!("rules[\"{}\"]", a.name);
        let of = format!("of rule \"{}\"", a.name);
        d.value(
            format!("{path}.when"),
            format!("the condition {of}"),
            &a.when.to_string(),
            &b.when.to_string(),
        );
        d.value(
            format!("{path}.then"),
            format!("the actions {of}"),
            &actions_words(a),
            &actions_words(b),
        );
        d.optional(
            format!("{path}.delay"),
            format!("the delay {of}"),
            a.delay.as_ref().map(delay_words),
            b.delay.as_ref().map(delay_words),
        );
        d.value(
            format!("{path}.repeat"),
            format!("the repeats {of}"),
            &a.repeat.to_string(),
            &b.repeat.to_string(),
        );
        d.optional(
            format!("{path}.during"),
            format!("when rule \"{}\" may act", a.name),
            a.during
                .as_ref()
                .map(|w| during_words(w, &old.default_calendar)),
            b.during
                .as_ref()
                .map(|w| during_words(w, &new.default_calendar)),
        );
    }
}

fn quoted(keys: &[String]) -> Vec<String> {
    keys.iter().map(|k| format!("\"{k}\"")).collect()
}

fn pauses(d: &mut Diff, old: &Policy, new: &Policy) {
    let names: BTreeSet<_> = old
        .pauses
        .iter()
        .chain(&new.pauses)
        .map(|p| p.name.clone())
        .collect();
    for name in names {
        let find = |p: &Policy| p.pauses.iter().find(|r| r.name == name).map(pause_sentence);
        d.optional(
            format!("pauses.{name}"),
            format!("pause reason \"{name}\""),
            find(old),
            find(new),
        );
    }
}

fn recovery(d: &mut Diff, old: &Policy, new: &Policy) {
    let (a, b) = (&old.recovery, &new.recovery);
    d.value(
        "recovery.ladder",
        "the recovery ladder",
        &list(a.ladder().rungs().iter().map(ToString::to_string)),
        &list(b.ladder().rungs().iter().map(ToString::to_string)),
    );
    let tiers: BTreeSet<String> = a
        .authorities()
        .iter()
        .chain(b.authorities())
        .map(|x| x.tier().to_string())
        .collect();
    for tier in tiers {
        let find = |r: &crate::recovery::RecoveryPolicy| {
            r.authorities()
                .iter()
                .find(|x| x.tier().as_str() == tier)
                .map(authority_words)
        };
        d.optional(
            format!("recovery.authority.{tier}"),
            format!("what the {tier} tier may grant"),
            find(a),
            find(b),
        );
    }
    d.value(
        "recovery.soft_cap.bps",
        "the soft cap on compensation",
        &format!("{} of the customer's loss", percent(a.soft_cap_bps())),
        &format!("{} of the customer's loss", percent(b.soft_cap_bps())),
    );
    d.value(
        "recovery.soft_cap.tier",
        "the tier that may pass the soft cap",
        a.soft_cap_tier().as_str(),
        b.soft_cap_tier().as_str(),
    );
    d.value(
        "recovery.hard_cap_bps",
        "the hard cap on compensation",
        &format!("{} of the customer's loss", percent(a.hard_cap_bps())),
        &format!("{} of the customer's loss", percent(b.hard_cap_bps())),
    );
    d.value(
        "recovery.review",
        "when closing needs a review",
        &a.review().to_string(),
        &b.review().to_string(),
    );
    d.value(
        "recovery.guards",
        "the recovery guards",
        &format!("{:?}", a.guards()).to_lowercase(),
        &format!("{:?}", b.guards()).to_lowercase(),
    );
}
