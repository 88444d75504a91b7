//! Panels for services whose panel is not built yet: what the service is (from the seed), what
//! the engine already simulates of it (reachable through the page API and `gureum serve`), what
//! the learner will be able to do here, and what works today. No controls that do nothing.

use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct Props {
    pub service: &'static str,
}

struct Info {
    title: &'static str,
    aws: &'static str,
    what: &'static str,
    /// What the engine simulates of the service already, without a panel.
    engine: Option<&'static str>,
    coming: &'static [&'static str],
}

fn info(service: &str) -> Info {
    match service {
        "cognito" => Info {
            title: "Auth",
            aws: "Amazon Cognito",
            what: "Cognito gives the users of your web and mobile apps an identity: sign-up, sign-in, password reset, MFA, and temporary AWS credentials through identity pools.",
            engine: Some("IAM, which identity pools stand on: roles, users, groups, managed and inline policies, AWS's policy evaluation logic with its conditions and policy variables (SimulatePrincipalPolicy, SimulateCustomPolicy), and STS AssumeRole. Cognito itself is not simulated yet."),
            coming: &["user pools with real SRP sign-in and signed JWTs", "verification codes delivered to the sandbox's Inbox", "identity pools backed by IAM policy evaluation"],
        },
        "states" => Info {
            title: "Workflows",
            aws: "AWS Step Functions",
            what: "Step Functions runs workflows: steps that call functions and services, with what happens on success and on failure spelled out, and even a step that waits for a person's approval.",
            engine: Some("the Amazon States Language core: paths, the 18 intrinsic functions, input and output processing, Choice rules and definition validation. The interpreter and the Step Functions API come next, so workflows do not run yet."),
            coming: &["a visual workflow editor for the Amazon States Language", "live executions you can watch step by step", "retries, catches and human approval on the simulated clock"],
        },
        _ => Info {
            title: "APIs",
            aws: "Amazon API Gateway",
            what: "API Gateway puts an HTTP endpoint in front of your functions and services, with authentication, usage plans, stages (dev, test, prod) and throttling.",
            engine: Some("REST APIs: resources, methods, Lambda proxy and non-proxy integrations with VTL mapping templates, MOCK, deployments and stages, API keys and usage plans that throttle. Call them with window.gureum.send(\"apigateway\", …) and window.gureum.send(\"execute-api\", \"Invoke\", …), or from boto3 and curl through gureum serve."),
            coming: &["REST, HTTP and WebSocket APIs calling Lambda, HTTP and AWS services", "API keys and usage plans that really throttle", "OpenAPI import and export"],
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
                if let Some(engine) = i.engine {
                    <p><strong>{ "This panel is not built yet." }</strong>{ " The engine already simulates " }{ engine }</p>
                } else {
                    <p><strong>{ "Not simulated in this build yet." }</strong></p>
                }
                <p>{ "When the panel arrives, it will let you:" }</p>
                <ul>{ for i.coming.iter().map(|c| html! { <li>{ *c }</li> }) }</ul>
                <p>{ "Panels that work today: " }<a href="#/tables">{ "DynamoDB tables" }</a>{ ", " }<a href="#/functions">{ "Lambda functions" }</a>{ ", " }<a href="#/s3">{ "S3" }</a>{ ", " }<a href="#/inbox">{ "email (SES) and its Inbox" }</a>{ ", " }<a href="#/kinesis">{ "Kinesis streams" }</a>{ ", " }<a href="#/firehose">{ "Firehose" }</a>{ ", " }<a href="#/dax">{ "DAX" }</a>{ ", " }<a href="#/logs">{ "CloudWatch Logs" }</a>{ ", " }<a href="#/athena">{ "Athena" }</a>{ ", with the simulated clock; the same APIs (with SQS, Application Auto Scaling, AWS Backup, IAM and STS) answer boto3 and the AWS CLI through " }<code>{ "gureum serve" }</code>{ "." }</p>
            </div>
        </section>
    }
}
