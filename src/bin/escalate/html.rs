//! Self-contained HTML reports: inline SVG charts and tables, no
//! JavaScript, every text escaped.

use std::fmt::Write as _;

use escalate::tools::whatif::{ByMetric, Comparison, Distribution, Side};

/// Text made safe for HTML (element content and quoted attributes).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const BASELINE: &str = "#9aa5b1";
const CANDIDATE: &str = "#2f6fdb";

/// A grouped bar chart: for each label, the baseline's bar and the
/// candidate's side by side, with their values written above.
fn bars(title: &str, labels: &[String], baseline: &[u64], candidate: &[u64]) -> String {
    let mut svg = String::new();
    let _ = writeln!(svg, "<h2>{}</h2>", escape(title));
    if labels.is_empty() {
        svg.push_str("<p class=\"none\">none on either side</p>\n");
        return svg;
    }
    let group = 90usize;
    let (left, top, height) = (10usize, 20usize, 160usize);
    let width = left * 2 + group * labels.len();
    let max = baseline
        .iter()
        .chain(candidate)
        .copied()
        .max()
        .unwrap_or(0)
        .max(1);
    let _ = writeln!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{}\" role=\"img\" aria-label=\"{}\">",
        top + height + 40,
        escape(title)
    );
    for (i, label) in labels.iter().enumerate() {
        let x0 = left + i * group;
        for (j, (values, colour)) in [(baseline, BASELINE), (candidate, CANDIDATE)]
            .into_iter()
            .enumerate()
        {
            let value = values.get(i).copied().unwrap_or(0);
            let h = usize::try_from(u128::from(value) * height as u128 / u128::from(max))
                .unwrap_or(height);
            let x = x0 + 10 + j * 34;
            let y = top + height - h;
            let _ = writeln!(
                svg,
                "<rect x=\"{x}\" y=\"{y}\" width=\"30\" height=\"{h}\" fill=\"{colour}\"><title>{}: {value}</title></rect>\
                 <text x=\"{}\" y=\"{}\" font-size=\"10\" text-anchor=\"middle\">{value}</text>",
                if j == 0 { "baseline" } else { "candidate" },
                x + 15,
                y.saturating_sub(3).max(10),
            );
        }
        let _ = writeln!(
            svg,
            "<text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\">{}</text>",
            x0 + 44,
            top + height + 16,
            escape(label)
        );
    }
    svg.push_str("</svg>\n");
    svg
}

fn metric_labels() -> Vec<String> {
    ByMetric::<u64>::METRICS
        .iter()
        .map(ToString::to_string)
        .collect()
}

fn by_metric(values: &ByMetric<u64>) -> Vec<u64> {
    ByMetric::<u64>::METRICS
        .iter()
        .map(|m| *values.get(*m))
        .collect()
}

/// The keys of two maps (sorted), with each side's values.
fn keyed<V: Copy + Default + Into<i128>>(
    a: &std::collections::BTreeMap<String, V>,
    b: &std::collections::BTreeMap<String, V>,
) -> (Vec<String>, Vec<u64>, Vec<u64>) {
    let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    let value = |m: &std::collections::BTreeMap<String, V>, k: &String| {
        u64::try_from(m.get(k).copied().unwrap_or_default().into().max(0)).unwrap_or(u64::MAX)
    };
    (
        keys.iter().map(|k| (*k).clone()).collect(),
        keys.iter().map(|k| value(a, k)).collect(),
        keys.iter().map(|k| value(b, k)).collect(),
    )
}

fn histogram(title: &str, a: &Distribution, b: &Distribution) -> String {
    let labels: Vec<String> = Distribution::BUCKETS
        .iter()
        .map(|(l, _)| (*l).to_owned())
        .collect();
    bars(title, &labels, &a.histogram, &b.histogram)
}

/// The summary table's rows: a label, the baseline's figure, the
/// candidate's, and the difference (the caller's text table has the same).
pub fn rows(c: &Comparison) -> Vec<[String; 4]> {
    let mut rows = Vec::new();
    counts(c, &mut rows);
    times(c, &mut rows);
    by_key(c, &mut rows);
    money(c, &mut rows);
    rows
}

fn diff(before: i128, after: i128) -> String {
    let change = after - before;
    if change > 0 {
        format!("+{change}")
    } else {
        change.to_string()
    }
}

fn counts(cmp: &Comparison, rows: &mut Vec<[String; 4]>) {
    let n = |v: u64| v.to_string();
    rows.push([
        "cases".to_owned(),
        n(cmp.baseline.cases),
        n(cmp.candidate.cases),
        diff(cmp.baseline.cases.into(), cmp.candidate.cases.into()),
    ]);
    for metric in ByMetric::<u64>::METRICS {
        let (a, b) = (
            *cmp.baseline.breaches.get(metric),
            *cmp.candidate.breaches.get(metric),
        );
        rows.push([
            format!("breaches: {metric}"),
            n(a),
            n(b),
            diff(a.into(), b.into()),
        ]);
    }
    for metric in ByMetric::<u64>::METRICS {
        let (a, b) = (
            *cmp.baseline.attainment_percent.get(metric),
            *cmp.candidate.attainment_percent.get(metric),
        );
        let pct = |v: Option<f64>| v.map_or_else(|| "-".to_owned(), |v| format!("{v:.1}%"));
        let d = match (a, b) {
            (Some(a), Some(b)) => format!("{:+.1}", b - a),
            _ => String::new(),
        };
        rows.push([format!("attained: {metric}"), pct(a), pct(b), d]);
    }
}

fn times(c: &Comparison, rows: &mut Vec<[String; 4]>) {
    for (name, a, b) in [
        (
            "time to first owner",
            &c.baseline.time_to_first_owner,
            &c.candidate.time_to_first_owner,
        ),
        (
            "time to first response",
            &c.baseline.time_to_first_response,
            &c.candidate.time_to_first_response,
        ),
    ] {
        for (p, x, y) in [
            ("p50", a.p50_seconds, b.p50_seconds),
            ("p90", a.p90_seconds, b.p90_seconds),
        ] {
            let d = match (x, y) {
                (Some(x), Some(y)) if x != y => {
                    let sign = if y > x { "+" } else { "-" };
                    format!("{sign}{}", span(Some((y - x).abs())))
                }
                (Some(_), Some(_)) => "0".to_owned(),
                _ => String::new(),
            };
            rows.push([format!("{name} {p}"), span(x), span(y), d]);
        }
    }
}

fn by_key(c: &Comparison, rows: &mut Vec<[String; 4]>) {
    let n = |v: u64| v.to_string();
    let (tiers, a, b) = keyed(&c.baseline.escalations, &c.candidate.escalations);
    for (i, tier) in tiers.iter().enumerate() {
        rows.push([
            format!("escalations to {tier}"),
            n(a[i]),
            n(b[i]),
            diff(a[i].into(), b[i].into()),
        ]);
    }
    let (tiers, a, b) = keyed(
        &c.baseline.escalations_required,
        &c.candidate.escalations_required,
    );
    for (i, tier) in tiers.iter().enumerate() {
        rows.push([
            format!("rules required {tier}"),
            n(a[i]),
            n(b[i]),
            diff(a[i].into(), b[i].into()),
        ]);
    }
    let (kinds, a, b) = keyed(&c.baseline.refusals, &c.candidate.refusals);
    for (i, kind) in kinds.iter().enumerate() {
        rows.push([
            format!("refused: {kind}"),
            n(a[i]),
            n(b[i]),
            diff(a[i].into(), b[i].into()),
        ]);
    }
}

fn money(c: &Comparison, rows: &mut Vec<[String; 4]>) {
    let n = |v: u64| v.to_string();
    for (name, x, y) in [
        (
            "money granted",
            &c.baseline.money_granted_minor,
            &c.candidate.money_granted_minor,
        ),
        (
            "money wasted",
            &c.baseline.money_wasted_minor,
            &c.candidate.money_wasted_minor,
        ),
    ] {
        let currencies: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
        if currencies.is_empty() {
            rows.push([format!("{name} (minor units)"), n(0), n(0), n(0)]);
        }
        for currency in currencies {
            let (a, b) = (
                x.get(currency).copied().unwrap_or(0),
                y.get(currency).copied().unwrap_or(0),
            );
            rows.push([
                format!("{name} {currency} (minor units)"),
                a.to_string(),
                b.to_string(),
                diff(a.into(), b.into()),
            ]);
        }
    }
}

/// A number of seconds as a short span (`4h10m`), or `-`.
pub fn span(seconds: Option<i64>) -> String {
    let Some(s) = seconds else {
        return "-".to_owned();
    };
    if s == 0 {
        return "0s".to_owned();
    }
    let (d, h, m, sec) = (s / 86_400, s / 3600 % 24, s / 60 % 60, s % 60);
    let mut out = String::new();
    for (v, unit) in [(d, "d"), (h, "h"), (m, "m"), (sec, "s")] {
        if v != 0 {
            let _ = write!(out, "{v}{unit}");
        }
    }
    out
}

fn side_note(side: &Side) -> String {
    format!(
        "{} first-response times in business time, {} in wall time",
        side.first_response_business, side.first_response_wall
    )
}

/// The what-if report as one HTML page.
pub fn what_if(c: &Comparison, baseline: &str, candidate: &str) -> String {
    let mut page = String::new();
    let _ = writeln!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>what-if: {}</title>\n\
         <style>body{{font-family:sans-serif;margin:2em;max-width:60em}}table{{border-collapse:collapse}}\
         td,th{{padding:2px 10px;text-align:right;border-bottom:1px solid #ddd}}td:first-child,th:first-child{{text-align:left}}\
         .key span{{display:inline-block;width:12px;height:12px;margin:0 4px 0 12px}}.none{{color:#777}}</style>\n</head>\n<body>",
        escape(candidate)
    );
    let _ = writeln!(
        page,
        "<h1>What if: {}</h1>\n<p>Baseline: {}. {} compared, {} changed, {} skipped; host {}, replayed up to {}.</p>\n\
         <p class=\"key\"><span style=\"background:{BASELINE}\"></span>baseline<span style=\"background:{CANDIDATE}\"></span>candidate</p>",
        escape(candidate),
        escape(baseline),
        count(c.cases, "case"),
        c.changed_cases,
        c.skipped_cases,
        escape(&c.host),
        escape(&until_words(c)),
    );
    page.push_str(
        "<table>\n<tr><th></th><th>baseline</th><th>candidate</th><th>difference</th></tr>\n",
    );
    for row in rows(c) {
        let _ = writeln!(
            page,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&row[0]),
            escape(&row[1]),
            escape(&row[2]),
            escape(&row[3])
        );
    }
    page.push_str("</table>\n");
    page.push_str(&bars(
        "Breaches per metric",
        &metric_labels(),
        &by_metric(&c.baseline.breaches),
        &by_metric(&c.candidate.breaches),
    ));
    page.push_str(&histogram(
        "Time to first response",
        &c.baseline.time_to_first_response,
        &c.candidate.time_to_first_response,
    ));
    let _ = writeln!(
        page,
        "<p class=\"none\">baseline: {}; candidate: {}.</p>",
        escape(&side_note(&c.baseline)),
        escape(&side_note(&c.candidate))
    );
    page.push_str(&histogram(
        "Time to first owner (wall time)",
        &c.baseline.time_to_first_owner,
        &c.candidate.time_to_first_owner,
    ));
    let (tiers, a, b) = keyed(&c.baseline.escalations, &c.candidate.escalations);
    page.push_str(&bars("Escalations by tier", &tiers, &a, &b));
    let (kinds, a, b) = keyed(&c.baseline.refusals, &c.candidate.refusals);
    page.push_str(&bars("Refused commands by kind", &kinds, &a, &b));
    if !c.changed.is_empty() {
        page.push_str("<h2>Changed cases</h2>\n<ul>\n");
        for changed in &c.changed {
            let _ = write!(
                page,
                "<li><b>{}</b>: {}",
                escape(&changed.case),
                escape(&changed.differences.join("; "))
            );
            if let Some(d) = &changed.divergence {
                let _ = write!(
                    page,
                    "<br>first difference at event {}: baseline <q>{}</q>, candidate <q>{}</q>",
                    d.version,
                    escape(d.baseline.as_deref().unwrap_or("(log ended)")),
                    escape(d.candidate.as_deref().unwrap_or("(log ended)"))
                );
            }
            page.push_str("</li>\n");
        }
        page.push_str("</ul>\n");
    }
    if !c.skipped.is_empty() {
        page.push_str("<h2>Skipped cases</h2>\n<ul>\n");
        for s in &c.skipped {
            let _ = writeln!(
                page,
                "<li><b>{}</b>: {}</li>",
                escape(&s.case),
                escape(&s.reason)
            );
        }
        page.push_str("</ul>\n");
    }
    page.push_str("</body>\n</html>\n");
    page
}

/// Up to when the replays ran, in words.
pub fn until_words(c: &Comparison) -> String {
    match c.until {
        escalate::tools::whatif::Until::Recorded => "each case's latest recorded event".to_owned(),
        escalate::tools::whatif::Until::Latest => "the input's latest event".to_owned(),
        escalate::tools::whatif::Until::At(at) => at.to_rfc3339(),
    }
}

/// `1 case`, `2 cases`.
pub fn count(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("<b>\"x\" & 'y'</b>"),
            "&lt;b&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/b&gt;"
        );
    }

    #[test]
    fn spans_are_short() {
        assert_eq!(span(Some(4 * 3600 + 600)), "4h10m");
        assert_eq!(span(Some(90_061)), "1d1h1m1s");
        assert_eq!(span(None), "-");
    }
}
