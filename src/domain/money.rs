//! The one rounding rule for money: amounts are summed exactly as decimals, and every
//! figure shown (on screen, in CSV, JSON, `status`) is rounded once, here, half away from
//! zero to cents. Figures shown together foot: a column's parts add up to its total and a
//! table's cells to its rows' and columns' totals, the rounding being apportioned by the
//! largest-remainder method, as accountants do.

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};

/// Decimal places of a shown amount.
pub const CENTS: u32 = 2;

/// `amount` rounded half away from zero to `dp` places.
pub fn round(amount: Decimal, dp: u32) -> Decimal {
    let mut rounded = amount.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero);
    rounded.rescale(dp);
    rounded
}

/// `amount` rounded half away from zero to cents (`4854.1998` → `4854.20`, `0.125` →
/// `0.13`, `-0.125` → `-0.13`).
pub fn cents(amount: Decimal) -> Decimal {
    round(amount, CENTS)
}

/// A percentage to one decimal, half away from zero; `None` when `base` is zero. A small
/// fall keeps its sign when it rounds to zero (`-0.0`), so the percent never says the
/// opposite of the change beside it.
pub fn percent_of(part: Decimal, base: Decimal) -> Option<Decimal> {
    (!base.is_zero()).then(|| {
        let mut percent = round(part * Decimal::ONE_HUNDRED / base, 1);
        let falls = part.is_sign_negative() != base.is_sign_negative() && !part.is_zero();
        if percent.is_zero() {
            percent.set_sign_negative(falls);
        }
        percent
    })
}

/// A percentage with its sign, as tables show it: `+1.1`, `-0.0`, `+0.0`.
pub fn signed(percent: Decimal) -> String {
    if percent.is_sign_negative() {
        format!("-{:.1}", percent.abs())
    } else {
        format!("+{:.1}", percent.abs())
    }
}

/// A percentage as CSV and JSON write it: `1.1`, `-0.0`, `0.0`.
pub fn plain(percent: Decimal) -> String {
    if percent.is_sign_negative() {
        format!("-{:.1}", percent.abs())
    } else {
        format!("{:.1}", percent.abs())
    }
}

/// `parts` rounded to `dp` places so that they add up to `target` (itself rounded to
/// `dp` places), by the largest-remainder method: each part is first rounded down, then
/// the units left go one each to the parts with the largest remainders (ties to the first).
/// With `target` the rounded sum of `parts`, every part moves by less than one unit.
pub fn apportion(parts: &[Decimal], dp: u32, target: Decimal) -> Vec<Decimal> {
    let unit = Decimal::new(1, dp);
    let mut shown: Vec<Decimal> = parts.iter().map(|p| floor_to(*p, dp)).collect();
    let mut left = units(round(target, dp) - shown.iter().sum::<Decimal>(), dp);
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by(|&a, &b| {
        (parts[b] - shown[b])
            .cmp(&(parts[a] - shown[a]))
            .then(a.cmp(&b))
    });
    // A target beyond reach of one unit a part goes round again (never with the rounded
    // sum as target).
    let n = order.len();
    let mut i = 0;
    while left != 0 && n > 0 {
        if left > 0 {
            shown[order[i % n]] += unit;
            left -= 1;
        } else {
            shown[order[n - 1 - i % n]] -= unit;
            left += 1;
        }
        i += 1;
    }
    for value in &mut shown {
        value.rescale(dp);
    }
    shown
}

/// Amounts rounded to cents that add up to their exact sum rounded to cents.
pub fn apportion_cents(parts: &[Decimal]) -> Vec<Decimal> {
    apportion(parts, CENTS, cents(parts.iter().sum()))
}

/// A table of amounts (rows of cells) rounded to cents so that everything shown foots:
/// each row's cells add up to its total, each column's cells to its total, the totals of
/// the rows and of the columns to the grand total, and the grand total is the exact sum
/// rounded to cents. Every cell, row total and column total is its exact value rounded up
/// or down (controlled rounding); the rows' and the columns' totals are apportioned by
/// largest remainder whenever the cells allow it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoundedTable {
    pub cells: Vec<Vec<Decimal>>,
    pub row_totals: Vec<Decimal>,
    pub column_totals: Vec<Decimal>,
    pub total: Decimal,
}

impl RoundedTable {
    /// Rounds `rows` (every row as long as `columns`).
    pub fn of(rows: &[Vec<Decimal>], columns: usize) -> RoundedTable {
        let floors: Vec<Vec<Decimal>> = rows
            .iter()
            .map(|row| row.iter().map(|x| floor_to(*x, CENTS)).collect())
            .collect();
        // Remainders in cents, in [0, 1).
        let fraction = |r: usize, c: usize| (rows[r][c] - floors[r][c]) * Decimal::ONE_HUNDRED;
        let exact_rows: Vec<Decimal> = rows.iter().map(|row| row.iter().sum()).collect();
        let exact_columns: Vec<Decimal> = (0..columns)
            .map(|c| rows.iter().map(|row| row[c]).sum())
            .collect();
        let total = cents(exact_rows.iter().sum());
        let row_totals = apportion(&exact_rows, CENTS, total);
        let column_totals = apportion(&exact_columns, CENTS, total);
        // Cents each row and column must add above the floors of its cells.
        let need = |shown: Decimal, floors: Decimal| units(shown - floors, CENTS);
        let row_need: Vec<i64> = (0..rows.len())
            .map(|r| need(row_totals[r], floors[r].iter().sum()))
            .collect();
        let column_need: Vec<i64> = (0..columns)
            .map(|c| need(column_totals[c], floors.iter().map(|f| f[c]).sum()))
            .collect();
        let extra = units(total - floors.iter().flatten().sum::<Decimal>(), CENTS);
        let fractional: Vec<Vec<Decimal>> = (0..rows.len())
            .map(|r| (0..columns).map(|c| fraction(r, c)).collect())
            .collect();
        // The rows' and the columns' own apportionments, if the cells allow them; else
        // each row and column is rounded up or down as the cells allow (always possible).
        let bounds_of = |sums: Vec<Decimal>| -> Vec<(i64, i64)> {
            sums.into_iter()
                .map(|s| (units(s.floor(), 0), units(s.ceil(), 0)))
                .collect()
        };
        let row_fractions: Vec<Decimal> = (0..rows.len())
            .map(|r| (0..columns).map(|c| fraction(r, c)).sum())
            .collect();
        let column_fractions: Vec<Decimal> = (0..columns)
            .map(|c| (0..rows.len()).map(|r| fraction(r, c)).sum())
            .collect();
        let fixed = |need: &[i64]| need.iter().map(|n| (*n, *n)).collect::<Vec<_>>();
        let up = controlled(&fractional, &fixed(&row_need), &fixed(&column_need), extra)
            .or_else(|| {
                controlled(
                    &fractional,
                    &bounds_of(row_fractions),
                    &bounds_of(column_fractions),
                    extra,
                )
            })
            .unwrap_or_else(|| {
                fractional
                    .iter()
                    .map(|row| vec![false; row.len()])
                    .collect()
            });
        let cent = Decimal::new(1, CENTS);
        let mut cells: Vec<Vec<Decimal>> = floors;
        for (row, ups) in cells.iter_mut().zip(&up) {
            for (cell, up) in row.iter_mut().zip(ups) {
                if *up {
                    *cell += cent;
                }
                cell.rescale(CENTS);
            }
        }
        let mut row_totals: Vec<Decimal> = cells.iter().map(|row| row.iter().sum()).collect();
        let mut column_totals: Vec<Decimal> = (0..columns)
            .map(|c| cells.iter().map(|row| row[c]).sum())
            .collect();
        for value in row_totals.iter_mut().chain(column_totals.iter_mut()) {
            value.rescale(CENTS);
        }
        let total = if columns == 0 {
            row_totals.iter().sum()
        } else {
            column_totals.iter().sum()
        };
        RoundedTable {
            cells,
            row_totals,
            column_totals,
            total,
        }
    }
}

/// Which cells are rounded up: each row adds between its bounds' cents, each column too,
/// `extra` in all, a cell only if it has a remainder (`fractional`, in cents). `None` when
/// no choice does.
fn controlled(
    fractional: &[Vec<Decimal>],
    rows: &[(i64, i64)],
    columns: &[(i64, i64)],
    extra: i64,
) -> Option<Vec<Vec<bool>>> {
    // A circulation with lower bounds: s → row → cell → column → t → s.
    let (n, m) = (rows.len(), columns.len());
    let (s, t) = (n + m, n + m + 1);
    let mut flow = Flow::new(n + m + 4);
    let mut demand = vec![0i64; n + m + 2];
    let mut bounded = |flow: &mut Flow, u: usize, v: usize, low: i64, high: i64| {
        demand[v] += low;
        demand[u] -= low;
        flow.edge(u, v, high - low)
    };
    for (r, (low, high)) in rows.iter().enumerate() {
        if low > high || *low < 0 {
            return None;
        }
        bounded(&mut flow, s, r, *low, *high);
    }
    for (c, (low, high)) in columns.iter().enumerate() {
        if low > high || *low < 0 {
            return None;
        }
        bounded(&mut flow, n + c, t, *low, *high);
    }
    if extra < 0 {
        return None;
    }
    bounded(&mut flow, t, s, extra, extra);
    // The cells with the largest remainders first: the search takes them first, so the
    // cells rounded up are mostly the ones nearest rounding would round up.
    let mut order: Vec<(usize, usize)> = (0..n)
        .flat_map(|r| (0..m).map(move |c| (r, c)))
        .filter(|&(r, c)| fractional[r][c] > Decimal::ZERO)
        .collect();
    order.sort_by(|a, b| {
        fractional[b.0][b.1]
            .cmp(&fractional[a.0][a.1])
            .then(a.cmp(b))
    });
    let cell_edges: Vec<(usize, usize, usize)> = order
        .into_iter()
        .map(|(r, c)| (r, c, flow.edge(r, n + c, 1)))
        .collect();
    let (source, sink) = (n + m + 2, n + m + 3);
    let mut required = 0;
    for (v, d) in demand.iter().enumerate() {
        if *d > 0 {
            flow.edge(source, v, *d);
            required += d;
        } else if *d < 0 {
            flow.edge(v, sink, -d);
        }
    }
    if flow.max_flow(source, sink) != required {
        return None;
    }
    let mut up: Vec<Vec<bool>> = fractional
        .iter()
        .map(|row| vec![false; row.len()])
        .collect();
    for (r, c, edge) in cell_edges {
        up[r][c] = flow.used(edge) > 0;
    }
    Some(up)
}

/// A max-flow network (Dinic's algorithm).
struct Flow {
    adjacent: Vec<Vec<usize>>,
    /// (to, capacity left); edge `e ^ 1` is the reverse of `e`.
    edges: Vec<(usize, i64)>,
    capacity: Vec<i64>,
}

impl Flow {
    fn new(nodes: usize) -> Flow {
        Flow {
            adjacent: vec![Vec::new(); nodes],
            edges: Vec::new(),
            capacity: Vec::new(),
        }
    }

    fn edge(&mut self, u: usize, v: usize, capacity: i64) -> usize {
        let e = self.edges.len();
        self.edges.push((v, capacity));
        self.edges.push((u, 0));
        self.capacity.push(capacity);
        self.capacity.push(0);
        self.adjacent[u].push(e);
        self.adjacent[v].push(e + 1);
        e
    }

    fn used(&self, e: usize) -> i64 {
        self.capacity[e] - self.edges[e].1
    }

    fn max_flow(&mut self, s: usize, t: usize) -> i64 {
        let mut total = 0;
        loop {
            let mut level = vec![usize::MAX; self.adjacent.len()];
            level[s] = 0;
            let mut queue = std::collections::VecDeque::from([s]);
            while let Some(u) = queue.pop_front() {
                for &e in &self.adjacent[u] {
                    let (v, left) = self.edges[e];
                    if left > 0 && level[v] == usize::MAX {
                        level[v] = level[u] + 1;
                        queue.push_back(v);
                    }
                }
            }
            if level[t] == usize::MAX {
                return total;
            }
            let mut next = vec![0usize; self.adjacent.len()];
            loop {
                let pushed = self.push(s, t, i64::MAX, &level, &mut next);
                if pushed == 0 {
                    break;
                }
                total += pushed;
            }
        }
    }

    fn push(&mut self, u: usize, t: usize, limit: i64, level: &[usize], next: &mut [usize]) -> i64 {
        if u == t {
            return limit;
        }
        while next[u] < self.adjacent[u].len() {
            let e = self.adjacent[u][next[u]];
            let (v, left) = self.edges[e];
            if left > 0 && level[v] == level[u] + 1 {
                let pushed = self.push(v, t, limit.min(left), level, next);
                if pushed > 0 {
                    self.edges[e].1 -= pushed;
                    self.edges[e ^ 1].1 += pushed;
                    return pushed;
                }
            }
            next[u] += 1;
        }
        0
    }
}

/// `amount` rounded toward negative infinity to `dp` places.
fn floor_to(amount: Decimal, dp: u32) -> Decimal {
    amount.round_dp_with_strategy(dp, RoundingStrategy::ToNegativeInfinity)
}

/// How many units of `dp` places `amount` is (an amount already at `dp` places).
fn units(amount: Decimal, dp: u32) -> i64 {
    (amount * Decimal::from(10i64.pow(dp)))
        .round()
        .to_i64()
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn cents_round_half_away_from_zero() {
        assert_eq!(cents(d("4854.1998")).to_string(), "4854.20");
        assert_eq!(cents(d("0.125")).to_string(), "0.13");
        assert_eq!(cents(d("0.135")).to_string(), "0.14");
        assert_eq!(cents(d("-0.125")).to_string(), "-0.13");
        assert_eq!(cents(d("0.124999")).to_string(), "0.12");
        assert_eq!(cents(d("7")).to_string(), "7.00");
        let small_fall = percent_of(d("-0.48"), d("1100.39")).unwrap();
        assert_eq!(signed(small_fall), "-0.0");
        assert_eq!(plain(small_fall), "-0.0");
        assert_eq!(signed(percent_of(d("0.48"), d("1100.39")).unwrap()), "+0.0");
        assert_eq!(
            signed(percent_of(d("154.88"), d("13845.40")).unwrap()),
            "+1.1"
        );
        assert_eq!(plain(percent_of(d("-1.49"), d("583.10")).unwrap()), "-0.3");
        assert_eq!(percent_of(d("1"), Decimal::ZERO), None);
    }

    #[test]
    fn apportioned_parts_add_up_to_the_rounded_total() {
        let parts: Vec<Decimal> = ["0.335", "0.335", "0.335", "1.004", "2.999", "-0.005"]
            .iter()
            .map(|s| d(s))
            .collect();
        let shown = apportion_cents(&parts);
        assert_eq!(shown.iter().sum::<Decimal>(), cents(parts.iter().sum()));
        assert!(shown.iter().all(|r| r.scale() == 2));
    }

    #[test]
    fn a_table_whose_own_apportionments_disagree_is_still_rounded_to_foot() {
        // Rows and columns alone would each give the first their cent; the cells cannot.
        let rows = vec![vec![d("0"), d("0.005")], vec![d("0.005"), d("0")]];
        let table = RoundedTable::of(&rows, 2);
        assert_eq!(table.total, d("0.01"));
        assert_eq!(
            table.cells.iter().flatten().sum::<Decimal>(),
            table.total,
            "{table:?}"
        );
        assert_eq!(table.cells[0][0], Decimal::ZERO);
        assert_eq!(table.cells[1][1], Decimal::ZERO);
    }

    /// Amounts as Cost Explorer sends them (up to ten decimals, credits negative), and
    /// half cents and zeros, where the rows' and the columns' roundings pull apart.
    fn amount() -> impl Strategy<Value = Decimal> {
        prop_oneof![
            (-2_000_000_000i64..20_000_000_000_000i64, 4u32..=10)
                .prop_map(|(n, scale)| Decimal::new(n, 10).round_dp(scale)),
            prop::sample::select(vec![0i64, 5, 15, -5, 49, 51, 0, 0])
                .prop_map(|n| Decimal::new(n, 3)),
        ]
    }

    fn within_a_cent(shown: Decimal, exact: Decimal) -> bool {
        (shown - exact).abs() < Decimal::new(1, 2)
    }

    proptest! {
        #[test]
        fn any_table_foots_to_the_cent(
            (columns, rows) in (0usize..12).prop_flat_map(|columns| (
                Just(columns),
                prop::collection::vec(prop::collection::vec(amount(), columns), 0..9),
            ))
        ) {
            let table = RoundedTable::of(&rows, columns);
            let exact: Decimal = rows.iter().flatten().sum();
            prop_assert_eq!(table.total, cents(exact));
            for (r, row) in table.cells.iter().enumerate() {
                prop_assert_eq!(row.iter().sum::<Decimal>(), table.row_totals[r]);
                for (c, cell) in row.iter().enumerate() {
                    prop_assert!(within_a_cent(*cell, rows[r][c]));
                    prop_assert_eq!(cell.scale(), 2);
                }
                prop_assert!(within_a_cent(table.row_totals[r], rows[r].iter().sum()));
            }
            for c in 0..columns {
                let column: Decimal = table.cells.iter().map(|row| row[c]).sum();
                prop_assert_eq!(column, table.column_totals[c]);
                prop_assert!(within_a_cent(column, rows.iter().map(|row| row[c]).sum()));
            }
            if !rows.is_empty() {
                prop_assert_eq!(table.row_totals.iter().sum::<Decimal>(), table.total);
            }
        }

        #[test]
        fn apportioned_amounts_foot_and_move_less_than_a_cent(
            parts in prop::collection::vec(amount(), 0..40)
        ) {
            let shown = apportion_cents(&parts);
            prop_assert_eq!(shown.iter().sum::<Decimal>(), cents(parts.iter().sum()));
            for (s, p) in shown.iter().zip(&parts) {
                prop_assert!(within_a_cent(*s, *p));
            }
        }
    }
}
