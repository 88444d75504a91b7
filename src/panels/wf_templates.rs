//! Starting points for a new state machine: the four workflows issue 8 asks for (an order saga
//! with compensation, a human approval, a parallel fan-out, a Map over items) and a blank one.

use serde_json::{json, Value};

pub struct Template {
    pub id: &'static str,
    pub label: &'static str,
    pub about: &'static str,
}

pub const TEMPLATES: &[Template] = &[
    Template { id: "blank", label: "Blank", about: "One Pass state: start from scratch." },
    Template { id: "saga", label: "Order processing (saga)", about: "Reserve, charge, ship; a failure runs the compensating steps (refund, release) in reverse." },
    Template { id: "approval", label: "Human approval", about: "A Lambda sends an approval request with a task token; the workflow waits until someone approves or rejects." },
    Template { id: "fanout", label: "Parallel fan-out", about: "Three branches run at the same time; their results come back as one array." },
    Template { id: "map", label: "Map over items", about: "Each item of the input's list goes through the same steps, five at a time." },
];

fn lambda(function: &str, result_path: &str) -> Value {
    json!({
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": function, "Payload.$": "$"},
        "ResultSelector": {"result.$": "$.Payload"},
        "ResultPath": result_path,
        "Retry": [{"ErrorEquals": ["Lambda.ServiceException", "Lambda.TooManyRequestsException"], "IntervalSeconds": 2, "MaxAttempts": 3, "BackoffRate": 2}]
    })
}

fn with(mut v: Value, extra: Value) -> Value {
    if let (Some(m), Some(e)) = (v.as_object_mut(), extra.as_object()) {
        for (k, x) in e {
            m.insert(k.clone(), x.clone());
        }
    }
    v
}

pub fn definition(id: &str, region: &str, account: &str) -> Value {
    match id {
        "saga" => json!({
            "Comment": "Order processing with compensation: each step that fails undoes the steps before it, newest first.",
            "StartAt": "Reserve inventory",
            "States": {
                "Reserve inventory": with(lambda("ReserveInventory", "$.reservation"), json!({"Next": "Charge payment",
                    "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Order failed"}]})),
                "Charge payment": with(lambda("ChargePayment", "$.payment"), json!({"Next": "Ship order",
                    "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Release inventory"}]})),
                "Ship order": with(lambda("ShipOrder", "$.shipment"), json!({"Next": "Order complete",
                    "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Refund payment"}]})),
                "Order complete": {"Type": "Succeed"},
                "Refund payment": with(lambda("RefundPayment", "$.refund"), json!({"Next": "Release inventory"})),
                "Release inventory": with(lambda("ReleaseInventory", "$.release"), json!({"Next": "Order failed"})),
                "Order failed": {"Type": "Fail", "Error": "OrderFailed", "Cause": "The order could not be completed; its steps were compensated."}
            }
        }),
        "approval" => json!({
            "Comment": "Human approval: the task waits for SendTaskSuccess or SendTaskFailure with its token (up to a day).",
            "StartAt": "Request approval",
            "States": {
                "Request approval": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                    "Parameters": {"FunctionName": "SendApprovalRequest", "Payload": {"request.$": "$", "taskToken.$": "$$.Task.Token"}},
                    "TimeoutSeconds": 86400,
                    "ResultPath": "$.approval",
                    "Catch": [
                        {"ErrorEquals": ["States.Timeout"], "Next": "No answer"},
                        {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Rejected"}
                    ],
                    "Next": "Approved?"
                },
                "Approved?": {
                    "Type": "Choice",
                    "Choices": [{"Variable": "$.approval.approved", "BooleanEquals": true, "Next": "Approved"}],
                    "Default": "Rejected"
                },
                "Approved": {"Type": "Succeed"},
                "Rejected": {"Type": "Fail", "Error": "Rejected", "Cause": "The request was rejected."},
                "No answer": {"Type": "Fail", "Error": "ApprovalTimedOut", "Cause": "Nobody answered within a day."}
            }
        }),
        "fanout" => json!({
            "Comment": "Parallel fan-out: the branches run at the same time and the state's result is the array of their outputs.",
            "StartAt": "Fan out",
            "States": {
                "Fan out": {
                    "Type": "Parallel",
                    "Branches": [
                        {"StartAt": "Resize image", "States": {"Resize image": with(lambda("ResizeImage", "$"), json!({"End": true}))}},
                        {"StartAt": "Extract metadata", "States": {"Extract metadata": with(lambda("ExtractMetadata", "$"), json!({"End": true}))}},
                        {"StartAt": "Queue for review", "States": {"Queue for review": {
                            "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
                            "Parameters": {"QueueUrl": format!("https://sqs.{region}.amazonaws.com/{account}/review"), "MessageBody.$": "$"},
                            "End": true}}}
                    ],
                    "ResultPath": "$.results",
                    "Next": "Combine"
                },
                "Combine": {"Type": "Pass", "Parameters": {"image.$": "$.results[0].result", "metadata.$": "$.results[1].result", "review.$": "$.results[2].MessageId"}, "End": true}
            }
        }),
        "map" => json!({
            "Comment": "A Map over the input's items: each item goes through the processor, up to five at a time.",
            "StartAt": "Process items",
            "States": {
                "Process items": {
                    "Type": "Map",
                    "ItemsPath": "$.items",
                    "MaxConcurrency": 5,
                    "ItemSelector": {"item.$": "$$.Map.Item.Value", "index.$": "$$.Map.Item.Index"},
                    "ItemProcessor": {
                        "ProcessorConfig": {"Mode": "INLINE"},
                        "StartAt": "In stock?",
                        "States": {
                            "In stock?": {"Type": "Choice", "Choices": [{"Variable": "$.item.quantity", "NumericGreaterThan": 0, "Next": "Price item"}], "Default": "Skip item"},
                            "Price item": {"Type": "Pass", "Parameters": {"sku.$": "$.item.sku", "total.$": "States.MathAdd($.item.quantity, 0)"}, "End": true},
                            "Skip item": {"Type": "Pass", "Result": {"skipped": true}, "End": true}
                        }
                    },
                    "ResultPath": "$.priced",
                    "Next": "Done"
                },
                "Done": {"Type": "Succeed"}
            }
        }),
        _ => json!({
            "Comment": "A new state machine",
            "StartAt": "Hello",
            "States": {"Hello": {"Type": "Pass", "Result": {"hello": "world"}, "End": true}}
        }),
    }
}

/// A sample input that suits a template.
pub fn sample_input(id: &str) -> Value {
    match id {
        "saga" => json!({"orderId": "o-1001", "items": [{"sku": "book", "quantity": 1}], "amount": 25}),
        "approval" => json!({"requester": "alice@example.com", "amount": 1200}),
        "map" => json!({"items": [{"sku": "book", "quantity": 2}, {"sku": "pen", "quantity": 0}, {"sku": "mug", "quantity": 1}]}),
        _ => json!({"hello": "world"}),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gureum_engine::services::stepfunctions::asl::validate::{validate, Severity};

    #[test]
    fn every_template_is_a_valid_definition() {
        for t in TEMPLATES {
            let text = serde_json::to_string_pretty(&definition(t.id, "us-east-1", "123456789012")).unwrap();
            let errors: Vec<_> = validate(&text).into_iter().filter(|d| d.severity == Severity::Error).collect();
            assert!(errors.is_empty(), "{}: {errors:?}", t.id);
        }
    }
}
