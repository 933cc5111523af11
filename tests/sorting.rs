//! Sorting: every list is ordered by its column's comparison, either way, with ties broken
//! by what identifies an item, the same way every time; precomputed ranks give the order
//! the comparisons define.

mod common;

use std::cmp::Ordering;

use opsdeck::app::TableView;
use opsdeck::app::view::Listed;

/// For every column that has ranks, every pair of items orders the same both ways.
fn ranks_agree<T: Listed>(items: &[T]) {
    assert!(items.len() > 5, "enough items to compare");
    for column in 0..T::COLUMNS.len() {
        for a in items {
            let Some(rank_a) = a.rank(column) else {
                continue;
            };
            for b in items {
                let rank_b = b.rank(column).expect("a column ranks every item or none");
                assert_eq!(
                    rank_a.cmp(&rank_b),
                    a.compare(b, column),
                    "column {} ({column})",
                    T::COLUMNS[column]
                );
            }
        }
    }
}

/// Only an item ties with itself: two different items are never equal to the tie-break,
/// and it orders any two of them the same way whichever is asked first.
fn ties_are_broken<T: Listed>(items: &[T]) {
    for (i, a) in items.iter().enumerate() {
        assert_eq!(a.tie(a), Ordering::Equal);
        for (j, b) in items.iter().enumerate() {
            if i == j {
                continue;
            }
            assert_ne!(
                a.tie(b),
                Ordering::Equal,
                "{:?} and {:?} tie",
                a.key(),
                b.key()
            );
            assert_eq!(
                a.tie(b),
                b.tie(a).reverse(),
                "{:?} and {:?}",
                a.key(),
                b.key()
            );
        }
    }
}

/// For every column, ascending and descending: the rows hold every item once, each row
/// comes before the next by the column's comparison (reversed when descending), and rows
/// equal in the column follow the tie-break, which descending does not reverse.
fn views_sort_by_the_column_then_the_tie<T: Listed>(items: &[T]) {
    for column in 0..T::COLUMNS.len() {
        for descending in [false, true] {
            let mut view = TableView::new(column, descending);
            view.rebuild(items, None);
            let mut seen = view.rows.clone();
            seen.sort_unstable();
            assert_eq!(seen, (0..items.len()).collect::<Vec<_>>());
            for pair in view.rows.windows(2) {
                let (a, b) = (&items[pair[0]], &items[pair[1]]);
                let mut order = a.compare(b, column);
                if descending {
                    order = order.reverse();
                }
                assert!(
                    order == Ordering::Less
                        || (order == Ordering::Equal && a.tie(b) == Ordering::Less),
                    "column {} {}: {:?} before {:?}",
                    T::COLUMNS[column],
                    if descending {
                        "descending"
                    } else {
                        "ascending"
                    },
                    a.key(),
                    b.key()
                );
            }
        }
    }
}

fn ordered<T: Listed>(items: &[T]) {
    ranks_agree(items);
    ties_are_broken(items);
    views_sort_by_the_column_then_the_tie(items);
}

#[test]
fn lists_order_by_their_columns_and_break_ties_by_identity() {
    let model = common::demo_model();
    ordered(model.tasks.data.as_deref().unwrap());
    ordered(model.runs.data.as_deref().unwrap());
    ordered(model.queries.data.as_deref().unwrap());
    ordered(&model.failures);
}

/// At scale, copies of the same item (same state, other names) still never tie.
#[test]
fn padded_lists_order_the_same_way() {
    let model = common::padded_model(300);
    ordered(model.tasks.data.as_deref().unwrap());
    ordered(model.runs.data.as_deref().unwrap());
    ordered(model.queries.data.as_deref().unwrap());
}
