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
    coming: &'static [&'static str],
}

fn info(service: &str) -> Info {
    match service {
        "cognito" => Info {
            title: "Auth",
            aws: "Amazon Cognito",
            what: "Cognito gives the users of your web and mobile apps an identity: sign-up, sign-in, password reset, MFA, and temporary AWS credentials through identity pools.",
            coming: &["user pools with real SRP sign-in and signed JWTs", "verification codes delivered to the sandbox's Inbox", "identity pools backed by IAM policy evaluation"],
        },
        "states" => Info {
            title: "Workflows",
            aws: "AWS Step Functions",
            what: "Step Functions runs workflows: steps that call functions and services, with what happens on success and on failure spelled out, and even a step that waits for a person's approval.",
            coming: &["a visual workflow editor for the Amazon States Language", "live executions you can watch step by step", "retries, catches and human approval on the simulated clock"],
        },
        _ => Info {
            title: "APIs",
            aws: "Amazon API Gateway",
            what: "API Gateway puts an HTTP endpoint in front of your functions and services, with authentication, usage plans, stages (dev, test, prod) and throttling.",
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
                <p><strong>{ "Not simulated in this build yet." }</strong>{ " When it arrives, this panel will let you:" }</p>
                <ul>{ for i.coming.iter().map(|c| html! { <li>{ *c }</li> }) }</ul>
                <p>{ "What works today: " }<a href="#/tables">{ "DynamoDB tables" }</a>{ ", " }<a href="#/functions">{ "Lambda functions" }</a>{ ", " }<a href="#/inbox">{ "email (SES) and its Inbox" }</a>{ ", " }<a href="#/kinesis">{ "Kinesis streams" }</a>{ ", " }<a href="#/dax">{ "DAX" }</a>{ ", " }<a href="#/logs">{ "CloudWatch Logs" }</a>{ " in the browser, the simulated clock, and the same APIs (with SQS and Application Auto Scaling) for boto3 and the AWS CLI through " }<code>{ "gureum serve" }</code>{ "." }</p>
            </div>
        </section>
    }
}
