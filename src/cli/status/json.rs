//! `opsdeck status --json`: the same report as the text, as one JSON document.

use serde_json::{Value, json};

use super::{COUNTED, StatusReport, source_of};
use crate::domain::Health;
use crate::domain::failure::{Cause, ItemRef};
use crate::source::SourceKind;

impl StatusReport {
    /// The machine summary.
    pub fn json(&self) -> Value {
        let sources: serde_json::Map<String, Value> = SourceKind::ALL
            .iter()
            .map(|kind| {
                let mut entry = json!({});
                if let Some(error) = self.error(*kind) {
                    let error_kind = if self.late.contains(kind) {
                        "timeout".to_string()
                    } else {
                        format!("{:?}", error.kind).to_lowercase()
                    };
                    entry["error"] = json!({
                        "kind": error_kind,
                        "message": error.message,
                        "hint": error.hint,
                    });
                }
                if let Some(counts) = self.counts(*kind) {
                    entry["counts"] = COUNTED
                        .iter()
                        .chain([Health::Unknown].iter())
                        .map(|h| (h.label().to_string(), json!(counts.get(*h))))
                        .collect::<serde_json::Map<_, _>>()
                        .into();
                }
                if *kind == SourceKind::Cost
                    && let Some(series) = &self.spend
                {
                    let mtd = series.month_to_date(self.platform_now.date_naive());
                    entry["fetched_at"] = json!(self.spend_fetched_at.map(|t| t.to_rfc3339()));
                    if let Some(error) = &self.spend_renewal {
                        entry["renewal_error"] = json!({
                            "kind": format!("{:?}", error.kind).to_lowercase(),
                            "message": error.message,
                            "hint": error.hint,
                        });
                    }
                    entry["month_to_date"] = json!({
                        "unit": series.unit,
                        "current": mtd.current.to_string(),
                        "previous": mtd.previous.to_string(),
                        "change_percent": mtd.change_percent().map(crate::domain::money::plain),
                        "days": mtd.days,
                        "start": mtd.dates.0.to_string(),
                        "end_exclusive": mtd.dates.1.to_string(),
                        "compared_with": {
                            "start": mtd.compared.0.to_string(),
                            "end_exclusive": mtd.compared.1.to_string(),
                        },
                    });
                }
                (kind.config_name().to_string(), entry)
            })
            .collect();
        let failing: Vec<Value> = self
            .failing()
            .iter()
            .map(|f| {
                json!({
                    "source": source_of(&f.item).config_name(),
                    "health": f.health.label(),
                    "title": f.title,
                    "reason": &*f.reason,
                    "since": f.since.map(|t| t.to_rfc3339()),
                    "item": item_json(&f.item),
                    "cause": cause_json(&f.cause),
                })
            })
            .collect();
        let chains: Vec<Value> = self
            .snapshot
            .chains
            .iter()
            .map(|chain| {
                json!({
                    "pipeline": chain.pipeline,
                    "root_cause": chain.root().map(|i| &chain.stages[i].name),
                    // While an upstream stage runs again, the red stages wait for it.
                    "waits_for": chain.rerunning().map(|i| &chain.stages[i].name),
                    "green": chain.is_green(),
                    "stages": chain.stages.iter().map(|stage| json!({
                        "name": stage.name,
                        "health": stage.health.label(),
                        "failing": stage.failing.iter().map(item_json).collect::<Vec<_>>(),
                        "stale": stage.stale,
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        json!({
            "environment": self.environment.name,
            "demo": self.environment.demo,
            "profile": self.environment.profile,
            "region": self.environment.region,
            "generated_at": self.generated_at.to_rfc3339(),
            "exit_code": self.exit_code(),
            "nothing_read": self.nothing_read(),
            "sources": sources,
            "failing": failing,
            "pipelines": chains,
        })
    }
}

fn cause_json(cause: &Cause) -> Value {
    match cause {
        Cause::Own => json!({ "kind": "own" }),
        Cause::Root { pipeline, stage } => {
            json!({ "kind": "root", "pipeline": pipeline, "stage": stage })
        }
        Cause::Consequence {
            root,
            pipeline,
            stage,
        } => json!({
            "kind": "consequence",
            "pipeline": pipeline,
            "stage": stage,
            "root": item_json(root),
        }),
        Cause::Waiting {
            upstream,
            pipeline,
            stage,
        } => json!({
            "kind": "waiting",
            "pipeline": pipeline,
            "stage": stage,
            "upstream_stage": upstream,
        }),
    }
}

fn item_json(item: &ItemRef) -> Value {
    match item {
        ItemRef::Replication { id } => json!({ "task_id": id }),
        ItemRef::WorkflowRun { dag_id, run_id } => json!({ "dag_id": dag_id, "run_id": run_id }),
        ItemRef::Query { id } => json!({ "query_id": id }),
    }
}
