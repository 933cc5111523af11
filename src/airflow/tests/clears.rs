//! Clears and triggers over a scripted transport: the bodies both API versions are sent
//! (dry run said both ways, no nulls), what their answers map to, and errors sent once.

use super::*;

fn failed_scope() -> ClearScope {
    ClearScope::Failed
}

fn task_scope(task_id: &str, downstream: bool) -> ClearScope {
    ClearScope::Task {
        task_id: task_id.into(),
        downstream,
    }
}

fn cleared(pairs: &[(&str, &str)]) -> Vec<ClearedTask> {
    pairs
        .iter()
        .map(|(task_id, state)| ClearedTask {
            task_id: task_id.to_string(),
            state: state.to_string(),
        })
        .collect()
}

/// Airflow 3.3's answer to a clear, as the real server writes it (trimmed): full task
/// instances, `map_index` -1 for a task that is not mapped, and after a real clear the
/// state already reset to null.
fn airflow_3_clear_answer(state: Option<&str>) -> Value {
    let ti = |task: &str, map_index: i64, try_number: i64| {
        json!({"id": "01a21252-ad9c-7b1b-9f6c-c5a153924ec8", "task_id": task,
               "dag_id": "nightly", "dag_run_id": RUN, "map_index": map_index,
               "logical_date": null, "run_after": "2026-11-24T01:00:00Z",
               "start_date": null, "end_date": null, "duration": null,
               "state": state, "try_number": try_number, "max_tries": 0,
               "task_display_name": task, "operator": "_PythonDecoratedOperator",
               "operator_name": "@task", "rendered_map_index": null, "note": null})
    };
    json!({"task_instances": [ti("transform", -1, 1), ti("fan_out", 2, 1), ti("load", -1, 0)],
           "total_entries": 3})
}

#[tokio::test]
async fn clear_bodies_of_airflow_3_say_dry_run_both_ways() {
    let (airflow, transport) = client(ApiVersion::V2, RunScope::default(), |_| {
        ok(airflow_3_clear_answer(Some("failed")))
    });
    airflow
        .clear("nightly", RUN, &failed_scope(), true)
        .await
        .unwrap();
    airflow
        .clear("nightly", RUN, &failed_scope(), false)
        .await
        .unwrap();
    airflow
        .clear("nightly", RUN, &task_scope("transform", true), true)
        .await
        .unwrap();
    airflow
        .clear("nightly", RUN, &task_scope("fan_out[2]", false), false)
        .await
        .unwrap();
    let requests = sent(&transport);
    for r in &requests {
        assert_eq!(r.describe(), "POST /dags/nightly/clearTaskInstances");
        assert!(r.query.is_empty());
    }
    let bodies: Vec<Value> = requests.into_iter().map(|r| r.body.unwrap()).collect();
    assert_eq!(
        bodies,
        [
            json!({"dag_run_id": RUN, "dry_run": true, "only_failed": true, "reset_dag_runs": true}),
            json!({"dag_run_id": RUN, "dry_run": false, "only_failed": true, "reset_dag_runs": true}),
            json!({"dag_run_id": RUN, "dry_run": true, "only_failed": false, "reset_dag_runs": true,
                   "task_ids": ["transform"], "include_downstream": true}),
            json!({"dag_run_id": RUN, "dry_run": false, "only_failed": false, "reset_dag_runs": true,
                   "task_ids": [["fan_out", 2]], "include_downstream": false}),
        ]
    );
}

#[tokio::test]
async fn clear_bodies_of_airflow_2_reset_the_run_and_name_tasks_only() {
    let (airflow, transport) = client(ApiVersion::V1, RunScope::default(), |r| {
        if r.path.ends_with("/list") {
            ok(json!({"task_instances": [], "total_entries": 0}))
        } else {
            ok(
                json!({"task_instances": [{"task_id": "load", "dag_id": "nightly",
                      "dag_run_id": RUN, "execution_date": "2026-11-24T01:00:00+00:00"}]}),
            )
        }
    });
    airflow
        .clear("nightly", RUN, &failed_scope(), false)
        .await
        .unwrap();
    airflow
        .clear("nightly", RUN, &task_scope("fan_out[2]", true), true)
        .await
        .unwrap();
    let bodies: Vec<Value> = sent(&transport)
        .into_iter()
        .filter(|r| r.path == "/dags/nightly/clearTaskInstances")
        .map(|r| r.body.unwrap())
        .collect();
    assert_eq!(
        bodies,
        [
            json!({"dag_run_id": RUN, "dry_run": false, "only_failed": true, "reset_dag_runs": true}),
            json!({"dag_run_id": RUN, "dry_run": true, "only_failed": false, "reset_dag_runs": true,
                   "task_ids": ["fan_out"], "include_downstream": true}),
        ]
    );
}

#[tokio::test]
async fn airflow_3_clear_answer_maps_to_cleared_tasks() {
    let (airflow, transport) = client(ApiVersion::V2, RunScope::default(), |_| {
        ok(airflow_3_clear_answer(Some("upstream_failed")))
    });
    let preview = airflow.clear("nightly", RUN, &failed_scope(), true).await;
    assert_eq!(
        preview.unwrap(),
        cleared(&[
            ("transform", "upstream_failed"),
            ("fan_out[2]", "upstream_failed"),
            ("load", "upstream_failed"),
        ])
    );
    assert_eq!(
        sent(&transport).len(),
        1,
        "Airflow 3 names the states itself"
    );

    // After a real clear Airflow 3 answers with the states it has just reset.
    let (airflow, _) = client(ApiVersion::V2, RunScope::default(), |_| {
        ok(airflow_3_clear_answer(None))
    });
    let done = airflow.clear("nightly", RUN, &failed_scope(), false).await;
    assert_eq!(
        done.unwrap(),
        cleared(&[
            ("transform", "no_status"),
            ("fan_out[2]", "no_status"),
            ("load", "no_status"),
        ])
    );
}

#[tokio::test]
async fn airflow_2_clear_answer_takes_its_states_from_the_run() {
    let (airflow, transport) = client(ApiVersion::V1, RunScope::default(), |r| {
        let reference = |task: &str| {
            json!({"task_id": task, "dag_id": "nightly", "dag_run_id": RUN,
                   "execution_date": "2026-11-24T01:00:00+00:00"})
        };
        if r.path.ends_with("/list") {
            let ti = |task: &str, map_index: i64, state: &str| {
                json!({"task_id": task, "dag_run_id": RUN, "map_index": map_index,
                       "state": state, "try_number": 1})
            };
            ok(json!({"task_instances": [
                ti("extract", -1, "success"), ti("transform", -1, "failed"),
                ti("fan_out", 0, "upstream_failed"), ti("fan_out", 1, "upstream_failed"),
                ti("load", -1, "upstream_failed")
            ], "total_entries": 5}))
        } else {
            // One reference per map index, without the index; a task the run lacks.
            ok(json!({"task_instances": [
                reference("transform"), reference("fan_out"), reference("fan_out"),
                reference("load"), reference("ghost")
            ]}))
        }
    });
    let preview = airflow.clear("nightly", RUN, &failed_scope(), true).await;
    assert_eq!(
        preview.unwrap(),
        cleared(&[
            ("transform", "failed"),
            ("fan_out[0]", "upstream_failed"),
            ("fan_out[1]", "upstream_failed"),
            ("load", "upstream_failed"),
            ("ghost", "unknown"),
        ])
    );
    let requests = sent(&transport);
    assert_eq!(requests[0].path, "/dags/nightly/clearTaskInstances");
    assert_eq!(requests[1].path, "/dags/~/dagRuns/~/taskInstances/list");
}

#[tokio::test]
async fn airflow_2_clear_without_the_run_states_still_lists_the_tasks() {
    let (airflow, _) = client(ApiVersion::V1, RunScope::default(), |r| {
        if r.path.ends_with("/list") {
            status(403, json!({"title": "Forbidden"}))
        } else {
            ok(json!({"task_instances": [{"task_id": "transform", "dag_run_id": RUN}]}))
        }
    });
    let preview = airflow.clear("nightly", RUN, &failed_scope(), true).await;
    assert_eq!(preview.unwrap(), cleared(&[("transform", "unknown")]));
}

#[tokio::test]
async fn clear_errors_map_to_kinds_and_are_sent_once() {
    let (airflow, transport) = client_answering(
        404,
        json!({"detail": "Dag Run id fail9 not found in dag nightly"}),
    );
    let error = airflow
        .clear("nightly", "fail9", &failed_scope(), true)
        .await
        .unwrap_err();
    assert_eq!(error.kind, ErrorKind::NotFound);
    assert_eq!(
        error.message,
        "Airflow: POST /dags/nightly/clearTaskInstances answered 404: Dag Run id fail9 not found in dag nightly"
    );
    assert!(
        error
            .hint
            .as_deref()
            .is_some_and(|h| h.starts_with("run fail9 of DAG nightly is no longer in Airflow")),
        "{error:?}"
    );
    assert_eq!(sent(&transport).len(), 1);

    for (code, kind) in [
        (400, ErrorKind::Rejected),
        (409, ErrorKind::Rejected),
        (422, ErrorKind::Rejected),
        (401, ErrorKind::Auth),
        (403, ErrorKind::Permission),
        (503, ErrorKind::Unreachable),
    ] {
        let (airflow, transport) = client_answering(code, json!({"detail": "no"}));
        let error = airflow
            .clear("nightly", RUN, &failed_scope(), false)
            .await
            .unwrap_err();
        assert_eq!(error.kind, kind, "{code}");
        assert_eq!(
            sent(&transport).len(),
            1,
            "{code}: a clear is never repeated"
        );
    }
    let (airflow, _) = client_answering(403, json!({"detail": "Forbidden"}));
    let error = airflow
        .clear("nightly", RUN, &failed_scope(), false)
        .await
        .unwrap_err();
    assert_eq!(error.hint.as_deref(), Some("check the user"));
}

#[tokio::test]
async fn clearing_a_task_the_run_lacks_is_not_found() {
    let (airflow, _) = client(ApiVersion::V2, RunScope::default(), |_| {
        ok(json!({"task_instances": [], "total_entries": 0}))
    });
    let error = airflow
        .clear("nightly", RUN, &task_scope("ghost", true), false)
        .await
        .unwrap_err();
    assert_eq!(error.kind, ErrorKind::NotFound);
    assert_eq!(
        error.message,
        format!("Airflow: run {RUN} of DAG nightly has no task ghost: nothing to clear")
    );
    // A run with nothing failed has nothing to clear: not an error.
    let nothing = airflow.clear("nightly", RUN, &failed_scope(), true).await;
    assert_eq!(nothing.unwrap(), []);
}

#[tokio::test]
async fn trigger_bodies_and_the_new_run() {
    let (airflow, transport) = client(ApiVersion::V2, RunScope::default(), |_| {
        ok(
            json!({"dag_run_id": "manual__2026-11-25T10:49:23.500300+00:00",
                  "dag_id": "nightly", "logical_date": null, "state": "queued",
                  "run_type": "manual", "conf": {}, "note": null}),
        )
    });
    let outcome = airflow.trigger("nightly").await.unwrap();
    assert_eq!(
        outcome.message,
        "new run manual__2026-11-25T10:49:23.500300+00:00 of nightly queued"
    );
    assert_eq!(outcome.request_id, None);
    let request = &sent(&transport)[0];
    assert_eq!(request.describe(), "POST /dags/nightly/dagRuns");
    // Airflow 3 refuses a body without `logical_date` (422 "Field required").
    assert_eq!(request.body, Some(json!({"logical_date": null})));

    let (airflow, transport) = client(ApiVersion::V1, RunScope::default(), |_| {
        ok(
            json!({"dag_run_id": "manual__2026-11-25T10:49:23+00:00", "dag_id": "nightly",
                  "execution_date": "2026-11-25T10:49:23+00:00", "state": "queued"}),
        )
    });
    let outcome = airflow.trigger("nightly").await.unwrap();
    assert_eq!(
        outcome.message,
        "new run manual__2026-11-25T10:49:23+00:00 of nightly queued"
    );
    assert_eq!(sent(&transport)[0].body, Some(json!({})));
}

#[tokio::test]
async fn trigger_errors_and_odd_answers() {
    let (airflow, transport) = client_answering(500, json!({"detail": "boom"}));
    let error = airflow.trigger("nightly").await.unwrap_err();
    assert_eq!(error.kind, ErrorKind::Unreachable);
    assert_eq!(sent(&transport).len(), 1, "a trigger is never repeated");

    let (airflow, _) = client_answering(
        404,
        json!({"detail": "Dag with dag_id: 'nightly' not found"}),
    );
    let error = airflow.trigger("nightly").await.unwrap_err();
    assert_eq!(error.kind, ErrorKind::NotFound);
    assert!(
        error
            .hint
            .as_deref()
            .is_some_and(|h| h.starts_with("DAG nightly is no longer in Airflow")),
        "{error:?}"
    );

    let (airflow, _) = client_answering(
        400,
        json!({"detail": "Dag with dag_id: 'nightly' has import errors and cannot be triggered"}),
    );
    assert_eq!(
        airflow.trigger("nightly").await.unwrap_err().kind,
        ErrorKind::Rejected
    );

    let (airflow, _) = client(ApiVersion::V2, RunScope::default(), |_| {
        ok(json!({"state": "queued"}))
    });
    let error = airflow.trigger("nightly").await.unwrap_err();
    assert_eq!(error.kind, ErrorKind::BadResponse);
    assert_eq!(
        error.message,
        "Airflow: POST /dags/nightly/dagRuns answered without the new run's id"
    );
}

#[test]
fn clear_bodies_carry_no_null() {
    fn nulls(v: &Value) -> usize {
        match v {
            Value::Null => 1,
            Value::Array(a) => a.iter().map(nulls).sum(),
            Value::Object(o) => o.values().map(nulls).sum(),
            _ => 0,
        }
    }
    for version in [ApiVersion::V1, ApiVersion::V2] {
        for scope in [
            failed_scope(),
            task_scope("t", false),
            task_scope("t[1]", true),
        ] {
            for dry_run in [true, false] {
                let body = actions::clear_body(version, RUN, &scope, dry_run);
                assert_eq!(nulls(&body), 0, "{body}");
                assert_eq!(body["dry_run"], json!(dry_run), "{body}");
            }
        }
    }
}
