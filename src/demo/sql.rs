//! The SQL the demo warehouse runs, as the tools that send it write it: dbt's compiled
//! models with their comment header, Looker and Metabase queries, COPY, UNLOAD.

use chrono::NaiveDate;
use fastrand::Rng;

use super::catalog::{ACCOUNT, Dashboard, MATERIALIZED_VIEWS, Model};

/// SYS_QUERY_HISTORY keeps this many characters of a query's text.
pub(super) const TEXT_LIMIT: usize = 4000;

/// Cuts a text to what the warehouse keeps; true when something was cut.
pub(super) fn keep(text: String) -> (String, bool) {
    if text.len() <= TEXT_LIMIT {
        return (text, false);
    }
    // The texts are ASCII, but stay on a character boundary whatever they hold.
    let mut end = TEXT_LIMIT;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    (text[..end].to_string(), true)
}

/// A dbt model build: CTAS for a table, INSERT for an incremental model.
pub(super) fn dbt_model(model: &Model, layer: &str) -> String {
    let header = format!(
        "/* {{\"app\": \"dbt\", \"dbt_version\": \"1.8.7\", \"profile_name\": \"acme\", \
         \"target_name\": \"prod\", \"node_id\": \"model.acme.{}\"}} */\n",
        model.name
    );
    let body = if model.long_sql {
        long_select(model.name)
    } else {
        format!(
            "select\n    id as {0}_key,\n    *,\n    getdate() as _loaded_at\nfrom \"analytics\".\"landing\".\"{1}\"\nwhere not _is_deleted",
            model.name.trim_start_matches("stg_"),
            source_of(model.name)
        )
    };
    if model.incremental {
        format!(
            "{header}insert into \"analytics\".\"{layer}\".\"{0}\"\nwith source as (\n{body}\n)\nselect * from source\nwhere _loaded_at > (select max(_loaded_at) from \"analytics\".\"{layer}\".\"{0}\")",
            model.name
        )
    } else {
        format!(
            "{header}create table \"analytics\".\"{layer}\".\"{0}__dbt_tmp\"\n  diststyle key distkey (id)\n  compound sortkey(_loaded_at)\nas (\n{body}\n);",
            model.name
        )
    }
}

/// The landing table a staging model reads (`stg_orders__order_items` → `stg_order_items`).
fn source_of(model: &str) -> String {
    match model.split_once("__") {
        Some((_, table)) => format!("stg_{table}"),
        None => model.to_string(),
    }
}

/// A select of the kind that grows past 4000 characters: many CTEs, many columns.
fn long_select(name: &str) -> String {
    const SOURCES: [(&str, &str); 6] = [
        ("orders", "stg_orders__orders"),
        ("items", "stg_orders__order_items"),
        ("payments", "stg_payments__payments"),
        ("refunds", "stg_payments__refunds"),
        ("customers", "stg_customers__customers"),
        ("shipments", "stg_shipping__shipments"),
    ];
    const COLUMNS: [&str; 10] = [
        "order_id",
        "customer_id",
        "created_at",
        "updated_at",
        "status",
        "currency",
        "gross_amount",
        "discount_amount",
        "tax_amount",
        "channel",
    ];
    let mut sql = String::with_capacity(6_000);
    sql.push_str("with\n");
    for (alias, model) in SOURCES {
        sql.push_str(&format!("{alias} as (\n    select\n"));
        for column in COLUMNS {
            sql.push_str(&format!(
                "        coalesce(nullif(trim({alias}.{column}::varchar), ''), 'unknown') as {alias}_{column},\n"
            ));
        }
        sql.push_str(&format!(
            "        row_number() over (partition by {alias}.order_id order by {alias}.updated_at desc) as _rn\n    from \"analytics\".\"staging\".\"{model}\" as {alias}\n),\n"
        ));
    }
    sql.push_str(&format!("final_{name} as (\n    select\n"));
    for (alias, _) in SOURCES {
        for column in COLUMNS {
            sql.push_str(&format!("        {alias}.{alias}_{column},\n"));
        }
    }
    sql.push_str("        getdate() as _loaded_at\n    from orders\n");
    for (alias, _) in SOURCES.iter().skip(1) {
        sql.push_str(&format!(
            "    left join {alias} on {alias}.{alias}_order_id = orders.orders_order_id and {alias}._rn = 1\n"
        ));
    }
    sql.push_str("    where orders._rn = 1\n)\nselect * from final_");
    sql.push_str(name);
    sql
}

/// A COPY of one cleaned table into the landing schema.
pub(super) fn copy(database: &str, table: &str, night: NaiveDate) -> String {
    format!(
        "COPY landing.stg_{table} FROM 's3://acme-data-lake-clean/{database}/{table}/{night}/' \
         IAM_ROLE 'arn:aws:iam::{ACCOUNT}:role/redshift-copy-role' FORMAT AS CSV GZIP \
         IGNOREHEADER 1 TIMEFORMAT 'auto' MAXERROR 0 COMPUPDATE OFF STATUPDATE OFF"
    )
}

/// A refresh of one materialised view.
pub(super) fn refresh(view: usize) -> String {
    let name = MATERIALIZED_VIEWS
        .get(view)
        .copied()
        .unwrap_or("mv_sales_daily");
    format!("REFRESH MATERIALIZED VIEW marts.{name};")
}

/// The statistics update after the refresh.
pub(super) fn analyze() -> String {
    "ANALYZE marts.fct_orders PREDICATE COLUMNS; ANALYZE marts.fct_revenue PREDICATE COLUMNS; \
     ANALYZE marts.agg_daily_sales;"
        .to_string()
}

/// The nightly revenue export for finance.
pub(super) fn unload(night: NaiveDate) -> String {
    format!(
        "UNLOAD ('SELECT revenue_date, legal_entity, currency, gross_amount, net_amount, \
         refunds_amount FROM marts.fct_revenue WHERE revenue_date >= ''{}''') TO \
         's3://acme-finance-exports/revenue/{night}/part_' IAM_ROLE \
         'arn:aws:iam::{ACCOUNT}:role/redshift-unload-role' FORMAT AS PARQUET ALLOWOVERWRITE",
        night.format("%Y-%m-01")
    )
}

/// A dashboard tile's query, as Looker or Metabase writes it.
pub(super) fn dashboard(board: &Dashboard, rng: &mut Rng, long: bool) -> String {
    let days = [7, 14, 28, 30, 90][rng.usize(0..5)];
    let mart = board.mart;
    let select = format!(
        "SELECT\n    (DATE({mart}.created_at)) AS \"{mart}.created_date\",\n    COUNT(DISTINCT {mart}.id) AS \"{mart}.count\",\n    COALESCE(SUM({mart}.net_amount), 0) AS \"{mart}.total_net_amount\"\nFROM marts.{mart} AS {mart}\nWHERE {mart}.created_at >= DATEADD(day, -{days}, DATE_TRUNC('day', GETDATE()))\nGROUP BY 1\nORDER BY 1 DESC\nLIMIT 500"
    );
    let mut text = if board.tool == "metabase" {
        format!(
            "-- Metabase:: userID: {} queryType: MBQL queryHash: {:016x}\n{select}",
            rng.u32(3..40),
            rng.u64(..)
        )
    } else {
        format!(
            "-- Looker Query Context '{{\"user_id\":{},\"history_slug\":\"{:08x}\",\"instance_slug\":\"acme\"}}'\n{select}",
            rng.u32(100..400),
            rng.u32(..)
        )
    };
    if long {
        // A derived table per explore join: Looker's big explores look like this.
        for i in 0..14 {
            text.push_str(&format!(
                "\nUNION ALL\nSELECT (DATE({mart}_{i}.created_at)) AS \"{mart}.created_date\", COUNT(DISTINCT {mart}_{i}.id), COALESCE(SUM(CASE WHEN {mart}_{i}.status IN ('complete', 'shipped', 'delivered') THEN {mart}_{i}.net_amount ELSE 0 END), 0) FROM marts.{mart} AS {mart}_{i} WHERE {mart}_{i}.segment = 'segment_{i}' GROUP BY 1"
            ));
        }
    }
    text
}

/// An analyst's own query; the long ones join everything to everything.
pub(super) fn adhoc(rng: &mut Rng, long: bool) -> String {
    let mut text = format!(
        "SELECT c.customer_id, c.country, c.segment, COUNT(DISTINCT o.order_id) AS orders, SUM(o.gross_amount) AS gross, SUM(r.amount) AS refunded\nFROM marts.dim_customers c\nJOIN marts.fct_orders o ON o.customer_id = c.customer_id\nLEFT JOIN marts.fct_refunds r ON r.order_id = o.order_id\nWHERE o.created_at >= '2025-{:02}-01'\nGROUP BY 1, 2, 3\nORDER BY gross DESC",
        rng.u32(1..=12)
    );
    if long {
        text.push_str(&format!("\n{}", long_select("cohort_analysis")));
    }
    text
}
