//! The simulated company: its databases, tables, replication tasks, dbt models and
//! dashboards. Plain data, no behaviour.

/// The AWS account and region every demo resource lives in.
pub(super) const ACCOUNT: &str = "123456789012";
pub(super) const REGION: &str = "eu-west-1";

/// One table of an operational database, with its row count on 2026-01-01.
pub(super) struct TableSpec {
    pub name: &'static str,
    pub rows: u64,
}

/// One operational database, replicated nightly by a full-load task.
pub(super) struct Database {
    pub name: &'static str,
    pub tables: &'static [TableSpec],
    /// How long its nightly full load takes, in minutes (min, max).
    pub load_minutes: (i64, i64),
}

const fn t(name: &'static str, rows: u64) -> TableSpec {
    TableSpec { name, rows }
}

/// The six operational databases, in the order the console lists their tasks.
pub(super) const DATABASES: [Database; 6] = [
    Database {
        name: "orders",
        tables: &[
            t("orders", 4_812_337),
            t("order_items", 13_904_518),
            t("order_status_history", 21_377_902),
            t("returns", 386_114),
            t("return_items", 512_860),
            t("order_discounts", 2_148_775),
            t("carts", 6_702_431),
            t("cart_items", 17_296_040),
        ],
        load_minutes: (36, 50),
    },
    Database {
        name: "customers",
        tables: &[
            t("customers", 2_951_208),
            t("addresses", 3_874_655),
            t("customer_preferences", 2_610_873),
            t("loyalty_accounts", 1_238_491),
            t("loyalty_transactions", 9_806_212),
            t("marketing_consents", 2_950_117),
            t("customer_segments", 318_406),
        ],
        load_minutes: (19, 30),
    },
    Database {
        name: "payments",
        tables: &[
            t("payments", 5_103_884),
            t("payment_attempts", 7_918_263),
            t("refunds", 412_057),
            t("chargebacks", 118_392),
            t("payouts", 264_719),
            t("ledger_entries", 26_481_330),
            t("payment_methods", 3_302_846),
            t("fx_rates", 146_008),
        ],
        load_minutes: (28, 44),
    },
    Database {
        name: "inventory",
        tables: &[
            t("products", 184_275),
            t("skus", 912_604),
            t("stock_levels", 2_741_338),
            t("stock_movements", 18_602_915),
            t("purchase_orders", 436_127),
            t("purchase_order_lines", 2_873_450),
            t("stock_reservations", 1_529_884),
        ],
        load_minutes: (15, 26),
    },
    Database {
        name: "shipping",
        tables: &[
            t("shipments", 4_306_771),
            t("shipment_items", 9_812_290),
            t("tracking_events", 11_604_538),
            t("delivery_slots", 640_212),
            t("carrier_invoices", 212_947),
        ],
        load_minutes: (11, 18),
    },
    Database {
        name: "support",
        tables: &[
            t("tickets", 1_862_409),
            t("ticket_messages", 9_401_776),
            t("ticket_tags", 3_104_562),
            t("csat_responses", 702_318),
            t("sla_events", 4_203_871),
        ],
        load_minutes: (10, 15),
    },
];

/// How many tables a full load copies at once (the task's `MaxFullLoadSubTasks`).
pub(super) const LOAD_PARALLELISM: usize = 3;

/// The identifier of a database's nightly full-load task.
pub(super) fn nightly_task_id(database: &str) -> String {
    format!("{database}-nightly-full-load")
}

/// A table a change-data-capture task applies, with its peak changes per minute.
pub(super) struct CdcTableSpec {
    pub name: &'static str,
    pub inserts: f64,
    pub updates: f64,
    pub deletes: f64,
}

/// A continuously running replication (a CDC task or a DMS Serverless replication).
pub(super) struct CdcSpec {
    pub id: &'static str,
    pub database: &'static str,
    pub migration_type: &'static str,
    pub serverless: bool,
    /// Days before the backstory that it was last started.
    pub running_for_days: i64,
    pub tables: &'static [CdcTableSpec],
}

const fn c(name: &'static str, inserts: f64, updates: f64, deletes: f64) -> CdcTableSpec {
    CdcTableSpec {
        name,
        inserts,
        updates,
        deletes,
    }
}

/// The continuous replications. The first three are the CDC tasks that can be degraded.
pub(super) const CDC_TASKS: [CdcSpec; 4] = [
    CdcSpec {
        id: "orders-cdc",
        database: "orders",
        migration_type: "full-load-and-cdc",
        serverless: false,
        running_for_days: 41,
        tables: &[
            c("orders", 38.0, 95.0, 0.0),
            c("order_items", 104.0, 21.0, 3.0),
            c("order_status_history", 160.0, 0.0, 0.0),
            c("returns", 3.2, 9.1, 0.0),
            c("carts", 55.0, 210.0, 31.0),
            c("cart_items", 140.0, 60.0, 90.0),
        ],
    },
    CdcSpec {
        id: "payments-cdc",
        database: "payments",
        migration_type: "cdc",
        serverless: false,
        running_for_days: 17,
        tables: &[
            c("payments", 36.0, 74.0, 0.0),
            c("payment_attempts", 58.0, 12.0, 0.0),
            c("refunds", 3.0, 6.5, 0.0),
            c("payouts", 0.6, 1.4, 0.0),
            c("ledger_entries", 190.0, 0.0, 0.0),
        ],
    },
    CdcSpec {
        id: "inventory-cdc",
        database: "inventory",
        migration_type: "full-load-and-cdc",
        serverless: false,
        running_for_days: 63,
        tables: &[
            c("skus", 2.0, 14.0, 0.2),
            c("stock_levels", 0.0, 900.0, 0.0),
            c("stock_movements", 620.0, 0.0, 0.0),
            c("stock_reservations", 240.0, 110.0, 220.0),
            c("purchase_order_lines", 12.0, 8.0, 0.4),
        ],
    },
    CdcSpec {
        id: "support-tickets-serverless",
        database: "support",
        migration_type: "full-load-and-cdc",
        serverless: true,
        running_for_days: 9,
        tables: &[
            c("tickets", 45.0, 130.0, 0.0),
            c("ticket_messages", 260.0, 8.0, 1.0),
            c("csat_responses", 9.0, 0.0, 0.0),
            c("sla_events", 180.0, 0.0, 0.0),
        ],
    },
];

/// Index of the serverless replication in [`CDC_TASKS`].
pub(super) const SERVERLESS: usize = 3;

/// How busy the operational databases are at each UTC hour, in percent of the peak.
pub(super) const DIURNAL_PERCENT: [u32; 24] = [
    18, 12, 10, 10, 12, 20, 38, 62, 85, 97, 100, 100, 98, 97, 95, 93, 90, 88, 82, 74, 62, 48, 36,
    25,
];

/// The row count of a table on a day, growing about 0.1 % a day since 2026-01-01.
pub(super) fn rows_on(table: &TableSpec, days_since_2026: i64) -> u64 {
    let growth = 1.0 + 0.001 * days_since_2026.max(-300) as f64;
    (table.rows as f64 * growth) as u64
}

/// A dbt model with its relative cost and how it is materialised.
pub(super) struct Model {
    pub name: &'static str,
    pub weight: u32,
    /// `table` builds with CTAS; `incremental` deletes and inserts.
    pub incremental: bool,
    /// Compiled SQL so long that SYS_QUERY_HISTORY truncates it.
    pub long_sql: bool,
}

const fn m(name: &'static str, weight: u32, incremental: bool, long_sql: bool) -> Model {
    Model {
        name,
        weight,
        incremental,
        long_sql,
    }
}

/// The staging layer (`dbt run --select staging`), one model per source table used.
pub(super) const STAGING_MODELS: [Model; 14] = [
    m("stg_orders__orders", 5, false, false),
    m("stg_orders__order_items", 6, false, false),
    m("stg_orders__returns", 1, false, false),
    m("stg_customers__customers", 3, false, false),
    m("stg_customers__addresses", 2, false, false),
    m("stg_customers__loyalty_transactions", 3, false, false),
    m("stg_payments__payments", 4, false, false),
    m("stg_payments__refunds", 1, false, false),
    m("stg_payments__ledger_entries", 6, false, false),
    m("stg_inventory__skus", 1, false, false),
    m("stg_inventory__stock_movements", 5, false, false),
    m("stg_shipping__shipments", 3, false, false),
    m("stg_shipping__tracking_events", 4, false, false),
    m("stg_support__tickets", 2, false, false),
];

/// The marts layer (`dbt run --select marts`); `fct_orders` dominates.
pub(super) const MART_MODELS: [Model; 12] = [
    m("dim_customers", 4, false, true),
    m("dim_products", 2, false, false),
    m("fct_orders", 12, true, true),
    m("fct_order_items", 7, true, false),
    m("fct_payments", 5, true, false),
    m("fct_revenue", 8, false, true),
    m("fct_refunds", 1, true, false),
    m("fct_inventory_daily", 4, true, false),
    m("fct_shipments", 3, true, false),
    m("fct_support_tickets", 2, true, false),
    m("agg_daily_sales", 3, false, false),
    m("agg_customer_ltv", 5, false, true),
];

/// dbt tests that fail now and then, and the models they guard.
pub(super) const FLAKY_TESTS: [&str; 7] = [
    "not_null_fct_orders_customer_id",
    "unique_fct_payments_payment_id",
    "relationships_fct_orders_customer_id__customer_id__ref_dim_customers_",
    "accepted_values_fct_shipments_status__created__shipped__delivered__returned",
    "dbt_utils_recency_fct_inventory_daily_snapshot_date__day__1",
    "not_null_fct_revenue_net_amount",
    "unique_dim_customers_customer_key",
];

/// The materialised views `refresh_marts` refreshes.
pub(super) const MATERIALIZED_VIEWS: [&str; 3] =
    ["mv_sales_daily", "mv_customer_ltv", "mv_inventory_position"];

/// A dashboard and the BI tool (Redshift user) behind it.
pub(super) struct Dashboard {
    pub tool: &'static str,
    pub name: &'static str,
    pub mart: &'static str,
}

const fn d(tool: &'static str, name: &'static str, mart: &'static str) -> Dashboard {
    Dashboard { tool, name, mart }
}

/// The dashboards people open during the day.
pub(super) const DASHBOARDS: [Dashboard; 9] = [
    d("looker", "Sales Overview", "agg_daily_sales"),
    d("looker", "Orders Funnel", "fct_orders"),
    d("looker", "Customer 360", "dim_customers"),
    d("looker", "Inventory Health", "fct_inventory_daily"),
    d("looker", "Marketing Attribution", "fct_orders"),
    d("metabase", "Finance daily", "fct_revenue"),
    d("metabase", "Support SLA", "fct_support_tickets"),
    d("metabase", "Shipping delays", "fct_shipments"),
    d("metabase", "Refunds watch", "fct_refunds"),
];

/// Analysts who run their own queries.
pub(super) const ANALYSTS: [&str; 4] = ["maria_ortega", "james_chen", "priya_nair", "tom_becker"];

/// The warehouse's database.
pub(super) const WAREHOUSE_DATABASE: &str = "analytics";
