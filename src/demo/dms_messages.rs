//! What DMS says when a replication goes wrong: LastFailureMessage and StopReason, worded
//! as DescribeReplicationTasks words them.

/// How a nightly full load goes wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::VariantArray)]
pub(super) enum LoadFailure {
    /// The source connection broke mid-load: task `failed`, recoverable.
    Odbc,
    /// The target's load utility lost its connection: task `failed`, recoverable.
    LoadUtility,
    /// Too many unexpected failures in a row: `stopped`, FATAL_ERROR.
    Fatal,
    /// The replication instance ran out of memory: `stopped`, STOPPED_DUE_TO_LOW_MEMORY.
    LowMemory,
}

impl LoadFailure {
    /// Every kind, in the order a seeded draw picks from (the order of declaration).
    pub const ALL: &'static [LoadFailure] = <LoadFailure as strum::VariantArray>::VARIANTS;

    /// The task status the failure leaves behind.
    pub fn status(self) -> &'static str {
        match self {
            LoadFailure::Odbc | LoadFailure::LoadUtility => "failed",
            LoadFailure::Fatal | LoadFailure::LowMemory => "stopped",
        }
    }

    /// The stop reason, spelled as DescribeReplicationTasks spells it.
    pub fn stop_reason(self) -> &'static str {
        match self {
            LoadFailure::Odbc | LoadFailure::LoadUtility => "Stop Reason RECOVERABLE_ERROR",
            LoadFailure::Fatal => "Stop Reason FATAL_ERROR",
            LoadFailure::LowMemory => "Stop Reason STOPPED_DUE_TO_LOW_MEMORY",
        }
    }

    /// True when one table ends in "Table error" (a low-memory stop cancels them all).
    pub fn errors_a_table(self) -> bool {
        self != LoadFailure::LowMemory
    }

    /// LastFailureMessage. `internal_id` is the ARN's resource id, which DMS uses as the
    /// task's name in its own messages.
    pub fn message(self, database: &str, table: &str, internal_id: &str) -> String {
        let component = database.to_ascii_uppercase();
        match self {
            LoadFailure::Odbc => format!(
                "Last Error ODBC general error. Task error notification received from subtask 0, \
                 thread 0 [reptask/replicationtask.c:2880] [1022502] Error executing source loop; \
                 Stream component failed at subtask 0, component st_0_{component}; Stream \
                 component 'st_0_{component}' terminated [reptask/replicationtask.c:2887] \
                 [1022502] Stop Reason RECOVERABLE_ERROR Error Level RECOVERABLE"
            ),
            LoadFailure::LoadUtility => format!(
                "Last Error Load utility network error. Task error notification received from \
                 subtask 1, thread 0 [reptask/replicationtask.c:2883] [1020458] Failed to wait \
                 for previous run; Failed to start load process for file '41' of table \
                 'public'.'{table}' [1020403] Failed to connect to database. Stop Reason \
                 RECOVERABLE_ERROR Error Level RECOVERABLE"
            ),
            LoadFailure::Fatal => format!(
                "Last Error Task '{internal_id}' was suspended due to 6 successive unexpected \
                 failures; Table 'public'.'{table}' was errored/suspended (subtask 2 thread 1) \
                 [reptask/replicationtask.c:2891] [1020417] Stop Reason FATAL_ERROR Error Level \
                 FATAL"
            ),
            LoadFailure::LowMemory => format!(
                "Last Error Task '{internal_id}' was stopped: the replication instance is low \
                 on memory (swap usage above 90 %) [reptask/replicationtask_util.c:1119] \
                 [1020101] Stop Reason STOPPED_DUE_TO_LOW_MEMORY Error Level FATAL"
            ),
        }
    }
}

/// LastFailureMessage of a CDC task whose changes to one table could not be applied.
pub(super) fn cdc_table_error(table: &str, id: u64) -> String {
    format!(
        "Last Error RetCode: SQL_ERROR SqlState: XX000 NativeError: 30 Message: [Amazon][Amazon \
         Redshift] (30) Error occurred while trying to execute a query: [SQLState XX000] ERROR: \
         Load into table 'awsdms_changes{:06x}' failed. Check 'stl_load_errors' system table \
         for details. Failed (retcode -1) to execute statement; Table 'public'.'{table}' was \
         suspended [1022502] (ar_odbc_stmt.c:4996) Error Level RECOVERABLE",
        id & 0xFF_FFFF
    )
}

/// LastFailureMessage of a CDC task that lost its place in the source's log.
pub(super) fn cdc_fatal(database: &str, id: u64) -> String {
    let component = database.to_ascii_uppercase();
    format!(
        "Last Error Failed to start the replication: ERROR: requested WAL segment \
         00000001000004{:02X}000000{:02X} has already been removed; Error executing source loop; \
         Stream component failed at subtask 0, component st_0_{component}; Stream component \
         'st_0_{component}' terminated [reptask/replicationtask.c:2891] [1020101] Stop Reason \
         FATAL_ERROR Error Level FATAL",
        (id >> 8) & 0xFF,
        id & 0xFF
    )
}
