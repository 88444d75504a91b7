//! How fast the IAM evaluator decides: a 3-statement identity policy with a condition (the
//! DynamoDB per-identity LeadingKeys pattern, a plain allow, a deny), evaluated for an allowed,
//! a denied and an explicitly denied request. Enforcement will run this on every call.
//!
//! cargo run --release -p gureum-engine --example iam_bench

use std::hint::black_box;
use std::time::Instant;

use gureum_engine::services::iam::eval::{evaluate, Applied, PolicyRole, RequestContext};
use gureum_engine::services::iam::policy::{Policy, PolicyKind};

const POLICY: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "OwnItems", "Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"],
     "Resource": "arn:aws:dynamodb:*:123456789012:table/GameScores",
     "Condition": {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["${cognito-identity.amazonaws.com:sub}"]}}},
    {"Sid": "Logs", "Effect": "Allow", "Action": "logs:*", "Resource": "*"},
    {"Sid": "NoDeletes", "Effect": "Deny", "Action": "dynamodb:Delete*", "Resource": "*"}
  ]
}"#;

fn main() {
    let policy = Policy::parse(POLICY, PolicyKind::Identity).expect("policy parses");
    let applied = [Applied { policy: &policy, role: PolicyRole::Identity, index: 0 }];
    let table = "arn:aws:dynamodb:us-east-1:123456789012:table/GameScores";
    let me = "us-east-1:0a1b2c3d-1111-2222-3333-444455556666";
    let cases = [
        ("allowed (own key)", RequestContext::new("dynamodb:GetItem", table).with("cognito-identity.amazonaws.com:sub", me).with_values("dynamodb:LeadingKeys", &[me])),
        (
            "implicitDeny (other key)",
            RequestContext::new("dynamodb:GetItem", table).with("cognito-identity.amazonaws.com:sub", me).with_values("dynamodb:LeadingKeys", &["us-east-1:someone-else"]),
        ),
        ("explicitDeny (DeleteItem)", RequestContext::new("dynamodb:DeleteItem", table).with("cognito-identity.amazonaws.com:sub", me).with_values("dynamodb:LeadingKeys", &[me])),
    ];
    let n = 2_000_000u32;
    for (name, ctx) in &cases {
        let decision = evaluate(&applied, ctx).decision;
        // Warm up, then measure.
        for _ in 0..10_000 {
            black_box(evaluate(black_box(&applied), black_box(ctx)));
        }
        let start = Instant::now();
        for _ in 0..n {
            black_box(evaluate(black_box(&applied), black_box(ctx)));
        }
        let secs = start.elapsed().as_secs_f64();
        println!("{name:28} {:>10}  {:>12.0} evaluations/s  {:>7.1} ns each", decision.as_str(), n as f64 / secs, secs * 1e9 / n as f64);
    }
    let start = Instant::now();
    let parses = 20_000;
    for _ in 0..parses {
        black_box(Policy::parse(black_box(POLICY), PolicyKind::Identity).ok());
    }
    let secs = start.elapsed().as_secs_f64();
    println!("{:28} {:>10}  {:>12.0} parses/s       {:>7.1} µs each", "parse the policy", "", parses as f64 / secs, secs * 1e6 / parses as f64);
}
