//! Panels for services that are not simulated in this build yet: what the service is (from the
//! seed), what the learner will be able to do here, and what works today. No controls that do
//! nothing.

use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub service: &'static str,
}

struct Info {
    title: &'static str,
    aws: &'static str,
    what: &'static str,
    /// What of the service already works elsewhere (the API, another panel), if anything.
    today: Option<&'static str>,
    coming: &'static [&'static str],
}

fn info(service: &str) -> Info {
    match service {
        "apigateway" => Info {
            title: "APIs",
            aws: "Amazon API Gateway",
            what: "API Gateway puts an HTTP endpoint in front of your functions and services, with authentication, usage plans, stages (dev, test, prod) and throttling.",
            today: None,
            coming: &["REST, HTTP and WebSocket APIs calling Lambda, HTTP and AWS services", "API keys and usage plans that really throttle", "OpenAPI import and export"],
        },
        "states" => Info {
            title: "Workflows",
            aws: "AWS Step Functions",
            what: "Step Functions runs workflows: steps that call functions and services, with what happens on success and on failure spelled out, and even a step that waits for a person's approval.",
            today: None,
            coming: &["a visual workflow editor for the Amazon States Language", "live executions you can watch step by step", "retries, catches and human approval on the simulated clock"],
        },
        "cognito" => Info {
            title: "Auth",
            aws: "Amazon Cognito",
            what: "Cognito gives the users of your web and mobile apps an identity: sign-up, sign-in, password reset, MFA, and temporary AWS credentials through identity pools.",
            today: None,
            coming: &["user pools with real SRP sign-in and signed JWTs", "verification codes delivered to the sandbox's Inbox", "identity pools backed by IAM policy evaluation"],
        },
        _ => Info {
            title: "Logs",
            aws: "Amazon CloudWatch Logs",
            what: "CloudWatch Logs collects what your functions print and what services report, in log groups and streams you can search.",
            today: Some("CloudWatch Logs itself is simulated: every function writes its log group (see a function's Logs tab), and the Logs API (DescribeLogGroups, GetLogEvents, FilterLogEvents with filter patterns, retention) answers boto3, the AWS CLI and the SDKs through gureum serve."),
            coming: &["a panel of its own for every log group and stream", "filtering and following logs live"],
        },
    }
}

#[function_component(ServiceInfo)]
pub fn service_info(p: &Props) -> Html {
    let i = info(p.service);
    html! {
        <section class="panel info-panel">
            <header class="panel-head"><h1>{ i.title }</h1><span class="aws-name">{ i.aws }</span></header>
            <div class="empty-state">
                <p class="lead">{ i.what }</p>
                if let Some(today) = i.today {
                    <p>{ today }</p>
                    <p><strong>{ "This panel is not built yet." }</strong>{ " When it arrives, it will let you:" }</p>
                } else {
                    <p><strong>{ "Not simulated in this build yet." }</strong>{ " When it arrives, this panel will let you:" }</p>
                }
                <ul>{ for i.coming.iter().map(|c| html! { <li>{ *c }</li> }) }</ul>
                <p>{ "What works today: " }<a href="#/tables">{ "DynamoDB tables" }</a>{ ", " }<a href="#/functions">{ "Lambda functions" }</a>{ ", " }<a href="#/inbox">{ "email (SES) and its Inbox" }</a>{ " in the browser, the simulated clock, and the same APIs (with SQS and CloudWatch Logs) for boto3 and the AWS CLI through " }<code>{ "gureum serve" }</code>{ "." }</p>
            </div>
        </section>
    }
}
