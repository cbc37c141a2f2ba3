//! Scale: N open cases on one desk for one simulated week.
//!
//! Under `Policy::recommended()` (and `Policy::default()` beside it), opens
//! N cases (each opened by a contact, assigned five minutes later, and
//! every other one contacted again half an hour after opening), then wakes
//! the desk at every wake-up for a week, as a host that sleeps until
//! `Desk::next_wakeup` would. Prints, per policy:
//!
//! - bytes per open case held by the desk after opening and after the
//!   week (live heap bytes, counted by a counting global allocator, over N);
//! - handle+apply commands per second through `Desk::handle` (routing, the
//!   case's `handle` and `apply`, the wake-up index);
//! - due cases per second in `Desk::advance`, and events per second;
//! - replay of stored JSON histories (a sample of the cases, their events
//!   as the desk returned them, as JSON): events per second, parsing
//!   included;
//! - total time and peak RSS of the run (opening and week).
//!
//! ```text
//! cargo run --release --example scale                       # 100,000 cases
//! cargo run --release --example scale -- --cases 1000000
//! ESCALATE_SCALE_CASES=1000000 cargo run --release --example scale
//! cargo run --release --example scale -- --policy recommended --max-rss-gb 12
//! cargo run --release --example scale -- --policy recommended --every 60
//! ```
//!
//! `--every S` makes the host wake the desk at its next wake-up but no
//! sooner than S seconds after the last (a host that polls): more due cases
//! per `Desk::advance`, which then ticks them on every core. The week's CPU
//! time is the whole process's (every thread), from `/proc/self/stat`.
//!
//! `--max-rss-gb G` stops the run (exit code 2) when the process's
//! resident memory passes G GB. Peak RSS comes from `/proc/self/status`
//! (`VmHWM`, reset between the policies through `/proc/self/clear_refs`);
//! elsewhere it prints as unknown.

use std::alloc::System;
use std::collections::HashMap;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use escalate::desk::Desk;
use escalate::policy::Policy;
use escalate::{
    Actor, Agent, CaseId, Channel, Command, CommandKind, Customer, CustomerValue, Event, Origin,
    Priority,
};
use stats_alloc::{INSTRUMENTED_SYSTEM, StatsAlloc};

// Counts live heap bytes (no unsafe here: the crate forbids it, and
// `stats_alloc` provides the counting wrapper around `System`).
#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Live heap bytes now (a reallocation counts its growth as allocated and
/// its shrinking as deallocated).
fn live_bytes() -> i128 {
    let s = INSTRUMENTED_SYSTEM.stats();
    i128::try_from(s.bytes_allocated).unwrap_or(i128::MAX)
        - i128::try_from(s.bytes_deallocated).unwrap_or(i128::MAX)
}

/// Live heap allocations now.
fn live_allocations() -> i128 {
    let s = INSTRUMENTED_SYSTEM.stats();
    i128::try_from(s.allocations).unwrap_or(i128::MAX)
        - i128::try_from(s.deallocations).unwrap_or(i128::MAX)
}

/// A `/proc/self/status` field in kB, as bytes.
fn proc_status(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// The CPU time this thread has run, from `/proc/thread-self/schedstat`
/// (the machine may be shared: rates are given per CPU second as well as
/// per wall-clock second).
fn cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = stat.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}

/// CPU time since `from`, or the wall time where it cannot be read.
/// The CPU time every thread of the process has run (the desk ticks many
/// due cases on every core), from `/proc/self/stat` (user and system time,
/// in ticks of 1/100 s).
fn process_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let fields: Vec<&str> = stat
        .get(stat.rfind(')')? + 1..)?
        .split_whitespace()
        .collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(Duration::from_millis((utime + stime) * 10))
}

fn cpu_since(from: Option<Duration>, wall: Duration) -> Duration {
    since(from, cpu(), wall)
}

fn since(from: Option<Duration>, to: Option<Duration>, wall: Duration) -> Duration {
    match (from, to) {
        (Some(a), Some(b)) => b.saturating_sub(a),
        _ => wall,
    }
}

fn rss() -> Option<u64> {
    proc_status("VmRSS:")
}

fn peak_rss() -> Option<u64> {
    proc_status("VmHWM:")
}

/// Resets the peak RSS to the current RSS (Linux 4.0 and later).
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn gb(bytes: Option<u64>) -> String {
    #[allow(clippy::cast_precision_loss)] // a figure to print
    bytes.map_or_else(
        || "unknown".to_owned(),
        |b| format!("{:.2} GB", b as f64 / 1e9),
    )
}

struct Options {
    cases: usize,
    policies: Vec<Policy>,
    max_rss: Option<u64>,
    sample: usize,
    /// The host wakes the desk at its next wake-up, but no sooner than
    /// this after its last wake-up.
    every: TimeDelta,
}

fn options() -> Result<Options, String> {
    let mut cases: usize = match std::env::var("ESCALATE_SCALE_CASES") {
        Ok(v) => v
            .replace(['_', ','], "")
            .parse()
            .map_err(|e| format!("ESCALATE_SCALE_CASES={v}: {e}"))?,
        Err(_) => 100_000,
    };
    let mut policies = vec![Policy::recommended(), Policy::default()];
    let mut max_rss = None;
    let mut sample = 2_000;
    let mut every = TimeDelta::zero();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--cases" => {
                let v = value("--cases")?;
                cases = v
                    .replace(['_', ','], "")
                    .parse()
                    .map_err(|e| format!("--cases {v}: {e}"))?;
            }
            "--policy" => {
                policies = match value("--policy")?.as_str() {
                    "recommended" => vec![Policy::recommended()],
                    "default" => vec![Policy::default()],
                    "both" => vec![Policy::recommended(), Policy::default()],
                    other => {
                        return Err(format!(
                            "--policy {other}: expected recommended, default or both"
                        ));
                    }
                }
            }
            "--max-rss-gb" => {
                let v = value("--max-rss-gb")?;
                let g: f64 = v.parse().map_err(|e| format!("--max-rss-gb {v}: {e}"))?;
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                {
                    max_rss = Some((g * 1e9) as u64);
                }
            }
            "--sample" => {
                let v = value("--sample")?;
                sample = v.parse().map_err(|e| format!("--sample {v}: {e}"))?;
            }
            "--every" => {
                let v = value("--every")?;
                let seconds: u32 = v.parse().map_err(|e| format!("--every {v}: {e}"))?;
                every = TimeDelta::seconds(i64::from(seconds));
            }
            other => {
                return Err(format!(
                    "unknown argument {other}: expected --cases N, --policy recommended|default|both, --max-rss-gb G, --sample N, --every SECONDS"
                ));
            }
        }
    }
    if cases == 0 {
        return Err("--cases must be at least 1".to_owned());
    }
    Ok(Options {
        cases,
        policies,
        max_rss,
        sample,
        every,
    })
}

/// Monday 2021-03-08 00:00 UTC: the week runs to the next Monday.
fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2021, 3, 8, 0, 0, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

const CHANNELS: [Channel; 5] = [
    Channel::Email,
    Channel::Phone,
    Channel::Chat,
    Channel::SocialPublic,
    Channel::Voicemail,
];

/// Case `i`'s commands: opened during the first day, assigned five
/// minutes later, every other one contacted again after half an hour.
fn commands_of(i: usize, n: usize, agents: &[Agent]) -> Vec<Command> {
    let offset = i64::try_from(i * 86_400 / n).unwrap_or(0);
    let opened = start() + TimeDelta::seconds(offset);
    let id = |s: &str| s.parse().unwrap_or_else(|_| unreachable!("a valid id"));
    let customer = Customer::new(
        format!("cust-{i}")
            .parse()
            .unwrap_or_else(|_| unreachable!("a valid id")),
        CustomerValue::Standard,
    );
    let mut out = vec![
        Command::new(
            id("open"),
            Actor::Customer,
            opened,
            CommandKind::Open {
                customer,
                origin: Origin::Contact {
                    channel: CHANNELS[i % CHANNELS.len()],
                },
                summary: "the order arrived damaged".into(),
                priority: Priority::Normal,
            },
        ),
        Command::new(
            id("assign"),
            Actor::System,
            opened + TimeDelta::minutes(5),
            CommandKind::Assign {
                to: agents[i % agents.len()].clone(),
            },
        ),
    ];
    if i.is_multiple_of(2) {
        out.push(Command::new(
            id("again"),
            Actor::Customer,
            opened + TimeDelta::minutes(30),
            CommandKind::Contact {
                channel: CHANNELS[(i + 1) % CHANNELS.len()],
                note: "any news?".into(),
            },
        ));
    }
    out
}

fn case_id(i: usize) -> CaseId {
    format!("case-{i}")
        .parse()
        .unwrap_or_else(|_| unreachable!("a valid id"))
}

#[allow(clippy::cast_precision_loss)] // figures to print
fn per_second(count: usize, elapsed: Duration) -> String {
    let rate = count as f64 / elapsed.as_secs_f64().max(1e-9);
    if rate >= 1e6 {
        format!("{:.2} M/s", rate / 1e6)
    } else {
        format!("{:.0} k/s", rate / 1e3)
    }
}

#[allow(clippy::cast_precision_loss)] // figures to print
fn per_item(elapsed: Duration, count: usize) -> String {
    if count == 0 {
        return "-".to_owned();
    }
    format!(
        "{:.0} ns",
        elapsed.as_secs_f64() * 1e9 / (count.max(1) as f64)
    )
}

/// The JSON a host stored for the sampled cases.
struct Store {
    every: usize,
    json: HashMap<CaseId, Vec<String>>,
    events: usize,
}

impl Store {
    fn keep(&mut self, case: &CaseId, i: Option<usize>, events: &[Event]) {
        let sampled = match i {
            Some(i) => i % self.every == 0,
            None => self.json.contains_key(case),
        };
        if sampled {
            let lines = self.json.entry(case.clone()).or_default();
            for e in events {
                lines.push(serde_json::to_string(e).unwrap_or_default());
            }
            self.events += events.len();
        }
    }

    /// Its live allocations: each line, each case's list, the map.
    fn allocations(&self) -> i128 {
        i128::try_from(self.json.values().map(|v| v.len() + 1).sum::<usize>() + 1).unwrap_or(0)
    }

    fn bytes(&self) -> i128 {
        self.json
            .values()
            .map(|v| {
                v.iter().map(String::capacity).sum::<usize>()
                    + v.capacity() * std::mem::size_of::<String>()
            })
            .sum::<usize>()
            .try_into()
            .unwrap_or(0)
            + i128::try_from(self.json.capacity() * 48).unwrap_or(0)
    }
}

#[allow(clippy::too_many_lines)] // one run, phase by phase, then its report
fn run(policy: &Policy, o: &Options) -> Result<(), String> {
    let n = o.cases;
    reset_peak_rss();
    let agents: Vec<Agent> = (0..50)
        .map(|a| {
            Agent::new(
                format!("agent-{a}")
                    .parse()
                    .unwrap_or_else(|_| unreachable!("a valid id")),
                "frontline"
                    .parse()
                    .unwrap_or_else(|_| unreachable!("a valid tier")),
            )
        })
        .collect();
    let mut store = Store {
        every: (n / o.sample.max(1)).max(1),
        json: HashMap::new(),
        events: 0,
    };
    let check_rss = || -> Result<(), String> {
        match (o.max_rss, rss()) {
            (Some(max), Some(now)) if now > max => Err(format!(
                "stopped: resident memory {} passed the limit of {}",
                gb(Some(now)),
                gb(Some(max))
            )),
            _ => Ok(()),
        }
    };
    let began = Instant::now();
    let before = live_bytes();
    let allocations_before = live_allocations();
    let mut desk = Desk::new(policy.clone());

    // Opening: every command through the desk, timed without building them.
    let mut commands = 0;
    let mut events = 0;
    let mut handling = Duration::ZERO;
    let mut handling_cpu = Duration::ZERO;
    let chunk = 10_000;
    for from in (0..n).step_by(chunk) {
        let batch: Vec<(usize, Command)> = (from..(from + chunk).min(n))
            .flat_map(|i| commands_of(i, n, &agents).into_iter().map(move |c| (i, c)))
            .collect();
        let ids: Vec<CaseId> = (from..(from + chunk).min(n)).map(case_id).collect();
        let mut returned: Vec<(usize, Vec<Event>)> = Vec::with_capacity(batch.len());
        let t = Instant::now();
        let c = cpu();
        for (i, command) in batch {
            let now = command.at();
            let out = desk
                .handle(&ids[i - from], command, now)
                .map_err(|e| e.to_string())?;
            returned.push((i, out));
        }
        let wall = t.elapsed();
        handling += wall;
        handling_cpu += cpu_since(c, wall);
        commands += returned.len();
        for (i, out) in returned {
            events += out.len();
            store.keep(&ids[i - from], Some(i), &out);
        }
        check_rss()?;
    }
    let opened_bytes = live_bytes() - before - store.bytes();
    let opened_allocations = live_allocations() - allocations_before - store.allocations();

    // The week: wake the desk at every wake-up.
    let end = start() + TimeDelta::days(7);
    let mut due_cases = 0;
    let mut week_events = 0;
    let mut wakeups = 0;
    let mut advancing = Duration::ZERO;
    let (week_began, week_cpu) = (Instant::now(), process_cpu());
    let mut last: Option<DateTime<Utc>> = None;
    while let Some(next) = desk.next_wakeup().filter(|at| *at <= end) {
        let at = last.map_or(next, |l| next.max(l + o.every)).min(end);
        last = Some(at);
        let t = Instant::now();
        let woken = desk.advance(at).map_err(|e| e.to_string())?;
        advancing += t.elapsed();
        wakeups += 1;
        due_cases += woken.len();
        for w in &woken {
            week_events += w.events.len();
            store.keep(&w.case, None, &w.events);
        }
        if wakeups % 1_000 == 0 {
            check_rss()?;
        }
    }
    let week_cpu = since(week_cpu, process_cpu(), week_began.elapsed());
    let total = began.elapsed();
    let peak = peak_rss();
    let week_bytes = live_bytes() - before - store.bytes();
    let week_allocations = live_allocations() - allocations_before - store.allocations();

    // Replay: the sampled histories, from their JSON, onto a new desk.
    let mut replayed = Desk::new(policy.clone());
    let t = Instant::now();
    let c = cpu();
    let mut replayed_events = 0;
    for lines in store.json.values() {
        let history: Vec<Event> = lines
            .iter()
            .map(|l| serde_json::from_str(l))
            .collect::<Result<_, _>>()
            .map_err(|e| e.to_string())?;
        replayed_events += history.len();
        replayed.replay(history).map_err(|e| e.to_string())?;
    }
    let replaying = t.elapsed();
    let replaying_cpu = cpu_since(c, replaying);
    let same = store
        .json
        .keys()
        .all(|id| replayed.case(id) == desk.case(id));

    let per_case = |bytes: i128| bytes / i128::try_from(n).unwrap_or(1);
    println!("policy {}", policy.version());
    println!(
        "  opened {n} cases: {commands} commands, {events} events in {:.2} s ({:.2} s CPU): \
         handle+apply {} per CPU second ({} per command; {} per wall second)",
        handling.as_secs_f64(),
        handling_cpu.as_secs_f64(),
        per_second(commands, handling_cpu),
        per_item(handling_cpu, commands),
        per_second(commands, handling)
    );
    println!(
        "  bytes per open case (live heap / cases; a Case is {} bytes inline): {} after opening, {} after the week \
         (live allocations per case: {} and {})",
        std::mem::size_of::<escalate::Case>(),
        per_case(opened_bytes),
        per_case(week_bytes),
        per_case(opened_allocations),
        per_case(week_allocations)
    );
    println!(
        "  week: {wakeups} wake-ups, {due_cases} due cases, {week_events} events; advance {:.2} s wall, \
         the week's loop {:.2} s CPU: {} due cases per CPU second ({} per due case; {} per wall second in advance), \
         {} events per CPU second",
        advancing.as_secs_f64(),
        week_cpu.as_secs_f64(),
        per_second(due_cases, week_cpu),
        per_item(week_cpu, due_cases),
        per_second(due_cases, advancing),
        per_second(week_events, week_cpu)
    );
    println!(
        "  replay of {} stored JSON histories: {replayed_events} events in {:.3} s ({:.3} s CPU): \
         {} events per CPU second, parse and replay ({} per event){}",
        store.json.len(),
        replaying.as_secs_f64(),
        replaying_cpu.as_secs_f64(),
        per_second(replayed_events, replaying_cpu),
        per_item(replaying_cpu, replayed_events),
        if same { "" } else { " (REPLAYED CASES DIFFER)" }
    );
    println!(
        "  total {:.2} s wall for the opening and the week; peak RSS {}",
        total.as_secs_f64(),
        gb(peak)
    );
    if !same {
        return Err("a replayed case differs from the desk's".to_owned());
    }
    // Keep the desk alive until here, so that its memory is counted.
    drop(desk);
    Ok(())
}

fn main() -> ExitCode {
    let o = match options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("scale: {e}");
            return ExitCode::from(1);
        }
    };
    println!(
        "escalate scale: {} cases, one simulated week from Monday 2021-03-08 00:00 UTC; \
         the host wakes the desk {}",
        o.cases,
        if o.every > TimeDelta::zero() {
            format!(
                "at its next wake-up, at most once every {} s",
                o.every.num_seconds()
            )
        } else {
            "at every wake-up".to_owned()
        }
    );
    for policy in &o.policies {
        if let Err(e) = run(policy, &o) {
            eprintln!("scale: {e}");
            return ExitCode::from(2);
        }
    }
    ExitCode::SUCCESS
}
