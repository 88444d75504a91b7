//! DynamoDB's pending timers as the clock bar's timeline shows them (`ListScheduledEvents`):
//! what each one will do, in a sentence. Background work (load generator ticks, stream and PITR
//! trimming, Kinesis destination flushes, import steps) is left out.

use serde_json::Value;

use super::{backups, global, kinesis_dest, restore, transfer, ttl};
use crate::kernel::{scheduler::Timer, service::TimerNote};

/// The table a backup ARN names (`.../table/{table}/backup/{id}`).
fn backup_table(arn: &str) -> &str {
    arn.split_once(":table/").map(|(_, rest)| rest.split('/').next().unwrap_or(rest)).unwrap_or(arn)
}

pub fn describe(timer: &Timer) -> Option<TimerNote> {
    let p = &timer.payload;
    let s = |k: &str| p.get(k).and_then(Value::as_str).unwrap_or("?");
    let table = s("table");
    match p.get("action").and_then(Value::as_str)? {
        ttl::PASS_ACTION => TimerNote::new("ttl", format!("TTL deletes items of {table} that expired at least 5 minutes ago")),
        ttl::SETTLE_ACTION => TimerNote::new("transition", format!("Time to Live on {table} finishes enabling or disabling")),
        "activate" => TimerNote::new("transition", format!("Table {table} becomes ACTIVE")),
        "remove" => TimerNote::new("transition", format!("Table {table} is deleted")),
        "finish-update" => TimerNote::new("transition", format!("The update of table {table} completes")),
        "index-active" => TimerNote::new("transition", format!("Index {} of {table} finishes backfilling and becomes ACTIVE", s("index"))),
        "index-remove" => TimerNote::new("transition", format!("Index {} of {table} is deleted", s("index"))),
        restore::ACTIVATE_ACTION => TimerNote::new("transition", format!("Restored table {table} becomes ACTIVE")),
        backups::AVAILABLE_ACTION => TimerNote::new("backup", format!("The backup of {} becomes AVAILABLE", backup_table(s("arn")))),
        backups::EXPIRE_ACTION => TimerNote::new("expiry", format!("A backup of {} expires and is deleted", backup_table(s("arn")))),
        global::DELIVER_ACTION => TimerNote::new("delivery", format!("Changes to {table} replicate to its other regions")),
        global::SETTLE_ACTION => TimerNote::new("transition", format!("The replica of {table} in {} settles", s("replica"))),
        kinesis_dest::SETTLE_ACTION => TimerNote::new("transition", format!("The Kinesis streaming destination of {table} settles")),
        transfer::EXPORT_STEP_ACTION => TimerNote::new("delivery", format!("Export {} writes its files to S3", s("export").rsplit('/').next().unwrap_or("?"))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn timer(payload: Value) -> Timer {
        Timer { id: 1, due_ms: 0, service: "dynamodb".into(), region: "us-east-1".into(), payload }
    }

    #[test]
    fn milestones_are_described_and_background_work_is_not() {
        assert_eq!(describe(&timer(json!({"action": "activate", "table": "Scores", "tableId": "x"}))).unwrap().text, "Table Scores becomes ACTIVE");
        let ttl = describe(&timer(json!({"action": ttl::PASS_ACTION, "table": "Sessions"}))).unwrap();
        assert_eq!((ttl.kind, ttl.text.as_str()), ("ttl", "TTL deletes items of Sessions that expired at least 5 minutes ago"));
        let arn = "arn:aws:dynamodb:us-east-1:000000000000:table/Scores/backup/01700000000000-abcdef12";
        assert_eq!(describe(&timer(json!({"action": backups::EXPIRE_ACTION, "arn": arn}))).unwrap().text, "A backup of Scores expires and is deleted");
        for hidden in [super::super::load::TICK_ACTION, super::super::streams::SWEEP_ACTION, super::super::pitr::TRIM_ACTION, kinesis_dest::FLUSH_ACTION] {
            assert!(describe(&timer(json!({"action": hidden, "table": "T"}))).is_none(), "{hidden}");
        }
        assert!(describe(&timer(json!({"nothing": 1}))).is_none());
    }
}
