//! The cost report as text: a table for people (fitted to a terminal's width), CSV with
//! cents that add up, JSON with exact decimals. `opsdeck cost` prints it; the console
//! exports it.

use std::fmt::Write as _;

use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::domain::breakdown::CostReport;
use crate::domain::cost::Period;
use crate::domain::money;
use crate::text::{fit, inert_line, pad, pad_left, width};

fn percent(p: Option<Decimal>) -> String {
    p.map_or("-".to_string(), |p| format!("{}%", money::signed(p)))
}

/// An amount already in cents, as CSV and JSON write it.
fn amount(value: Decimal) -> String {
    format!("{:.2}", money::cents(value))
}

impl CostReport {
    fn title(&self) -> String {
        let mut title = format!(
            "{} by {} · {} ({}) {} · {}",
            self.query.metric,
            self.request.group_label(),
            self.request.period.label(),
            Period::span(self.query.start, self.query.end),
            self.compared_label(),
            self.breakdown.unit
        );
        for filter in &self.query.filters {
            let _ = write!(title, " · {} = {}", filter.dimension.label(), filter.value);
        }
        if let Some(filter) = &self.row_filter {
            let _ = write!(title, " · groups matching \"{filter}\"");
        }
        title
    }

    /// The table at its full width (92 columns, the title on one line): what a pipe gets,
    /// so scripts see the same columns whatever the terminal.
    pub fn table(&self) -> String {
        self.table_within(None)
    }

    /// The table fitted to `columns` display columns (a terminal's width), or at its full
    /// width with `None`: group, total, share, change, change %. When narrower than the
    /// full table, the number columns shrink to their widest figure, the group names are
    /// cut with `…` (by display width), and the least important columns go first (share,
    /// then change %, then change); a number is never cut. The title wraps at its ` · `.
    /// Every figure is the breakdown's, as shown: rounded once, and footing.
    pub fn table_within(&self, columns: Option<usize>) -> String {
        let b = &self.breakdown;
        let mut out = String::new();
        let title = inert_line(&self.title());
        match columns {
            Some(columns) => {
                for line in wrap_parts(&title, " · ", columns) {
                    let _ = writeln!(out, "{line}");
                }
            }
            None => {
                let _ = writeln!(out, "{title}");
            }
        }
        let header = ["GROUP", "TOTAL", "SHARE", "CHANGE", "CHANGE%"].map(str::to_string);
        let mut rows: Vec<[String; 5]> = b
            .rows
            .iter()
            .map(|row| {
                [
                    inert_line(&row.key),
                    amount(row.total),
                    format!("{:.1}%", row.share),
                    format!("{:+.2}", row.change),
                    percent(row.change_percent),
                ]
            })
            .collect();
        rows.push([
            "TOTAL".to_string(),
            amount(b.total),
            format!("{:.1}%", b.rows.iter().map(|r| r.share).sum::<Decimal>()),
            format!("{:+.2}", b.change),
            percent(b.change_percent()),
        ]);
        // Full width: the group in 46 columns, then the figures in 14, 7, 13 and 8.
        let mut widths = [46, 14, 7, 13, 8];
        let mut shown = [true; 5];
        if let Some(columns) = columns.filter(|&c| c < widths.iter().sum::<usize>() + 4) {
            for (i, w) in widths.iter_mut().enumerate().skip(1) {
                *w = rows
                    .iter()
                    .chain(std::iter::once(&header))
                    .map(|cells| width(&cells[i]))
                    .max()
                    .unwrap_or(0);
            }
            // A group name keeps at least this much before a column of figures goes.
            const GROUP_AT_LEAST: usize = 16;
            let room = |shown: &[bool; 5]| {
                let figures: usize = (1..5).filter(|&i| shown[i]).map(|i| widths[i] + 1).sum();
                columns.saturating_sub(figures)
            };
            for drop in [2, 4, 3] {
                if room(&shown) >= GROUP_AT_LEAST {
                    break;
                }
                shown[drop] = false;
            }
            widths[0] = room(&shown).max(1);
        }
        for cells in std::iter::once(&header).chain(&rows) {
            let mut line = pad(&cells[0], widths[0]);
            for i in (1..5).filter(|&i| shown[i]) {
                line.push(' ');
                line.push_str(&pad_left(&cells[i], widths[i]));
            }
            let _ = writeln!(out, "{}", line.trim_end());
        }
        out
    }

    /// CSV: a row per group with its total, share, previous, change, change % and the
    /// amount of each day (or month), in cents; a TOTAL row last. The figures are the
    /// table's: each row's days add up to its total, each column to its TOTAL.
    pub fn csv(&self) -> String {
        let b = &self.breakdown;
        let mut out = String::new();
        let mut header = vec![
            "group".to_string(),
            "total".into(),
            "share_percent".into(),
            "previous".into(),
            "change".into(),
            "change_percent".into(),
        ];
        header.extend(b.buckets.iter().map(|d| d.to_string()));
        let _ = writeln!(out, "{}", header.join(","));
        let percent = |p: Option<Decimal>| p.map_or(String::new(), money::plain);
        for row in &b.rows {
            let mut fields = vec![
                csv_field(&row.key),
                amount(row.total),
                format!("{:.1}", row.share),
                amount(row.previous),
                amount(row.change),
                percent(row.change_percent),
            ];
            fields.extend(row.amounts.iter().map(|a| amount(*a)));
            let _ = writeln!(out, "{}", fields.join(","));
        }
        let mut fields = vec![
            "TOTAL".to_string(),
            amount(b.total),
            format!("{:.1}", b.rows.iter().map(|r| r.share).sum::<Decimal>()),
            amount(b.previous_total),
            amount(b.change),
            percent(b.change_percent()),
        ];
        fields.extend(b.bucket_totals.iter().map(|a| amount(*a)));
        let _ = writeln!(out, "{}", fields.join(","));
        out
    }

    /// JSON: the table's figures in cents as decimal strings (no float), which foot like
    /// the CSV's; the exact sums beside them (`exact_total`, `exact_previous`).
    pub fn json(&self) -> Value {
        let b = &self.breakdown;
        json!({
            "period": {
                "label": self.request.period.label(),
                "start": self.query.start.to_string(),
                "end_exclusive": self.query.end.to_string(),
            },
            "compared_with": self.compared.map(|(start, end)| json!({
                "start": start.to_string(),
                "end_exclusive": end.to_string(),
            })),
            "metric": self.query.metric.as_str(),
            "granularity": self.query.granularity.as_str(),
            "group_by": self.request.group_label(),
            "filters": self.query.filters.iter().map(|f| json!({
                "dimension": f.dimension.label(),
                "value": f.value,
            })).collect::<Vec<_>>(),
            "row_filter": self.row_filter,
            "unit": b.unit,
            "total": amount(b.total),
            "previous_total": amount(b.previous_total),
            "change": amount(b.change),
            "change_percent": b.change_percent().map(money::plain),
            "exact_total": b.exact_total.to_string(),
            "exact_previous_total": b.exact_previous_total.to_string(),
            "buckets": b.buckets.iter().map(|d| d.to_string()).collect::<Vec<_>>(),
            "bucket_totals": b.bucket_totals.iter().map(|a| amount(*a)).collect::<Vec<_>>(),
            "estimated": b.estimated,
            "groups": b.rows.iter().map(|r| json!({
                "key": r.key,
                "total": amount(r.total),
                "share_percent": r.share.to_string(),
                "previous": amount(r.previous),
                "change": amount(r.change),
                "change_percent": r.change_percent.map(money::plain),
                "amounts": r.amounts.iter().map(|a| amount(*a)).collect::<Vec<_>>(),
                "exact_total": r.exact_total.to_string(),
                "exact_previous": r.exact_previous.to_string(),
            })).collect::<Vec<_>>(),
        })
    }
}

/// `text` in lines of at most `columns` display columns, cut preferably at `separator`
/// (as many parts on a line as fit), a part wider than a line at its spaces; only a word
/// wider than a whole line is cut, with `…`.
fn wrap_parts(text: &str, separator: &str, columns: usize) -> Vec<String> {
    let mut pieces: Vec<(&str, String)> = Vec::new();
    for (n, part) in text.split(separator).enumerate() {
        let joiner = if n == 0 { "" } else { separator };
        if width(part) <= columns {
            pieces.push((joiner, part.to_string()));
        } else {
            for (m, word) in part.split(' ').enumerate() {
                pieces.push((if m == 0 { joiner } else { " " }, fit(word, columns)));
            }
        }
    }
    let mut lines = Vec::new();
    let mut line = String::new();
    for (joiner, piece) in pieces {
        if !line.is_empty() && width(&line) + width(joiner) + width(&piece) > columns {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push_str(joiner);
        }
        line.push_str(&piece);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// A CSV field, quoted when it holds a comma, a quote or a line break; a leading `=`,
/// `+`, `-` or `@` is prefixed with `'` so a spreadsheet never runs it as a formula.
fn csv_field(text: &str) -> String {
    let text = inert_line(text);
    let text = if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text
    };
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}
