//! Sorting by precomputed ranks gives the order the columns' comparisons define.

mod common;

use std::cmp::Ordering;

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
        // Ties are broken the same way every time, and only an item ties with itself.
        for a in items {
            assert_eq!(a.tie(a), Ordering::Equal);
        }
    }
}

#[test]
fn ranks_order_as_the_comparisons_do() {
    let model = common::demo_model();
    ranks_agree(model.tasks.data.as_deref().unwrap());
    ranks_agree(model.runs.data.as_deref().unwrap());
    ranks_agree(model.queries.data.as_deref().unwrap());
    ranks_agree(&model.failures);
}
