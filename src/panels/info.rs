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

fn info(_service: &str) -> Info {
    // Auth (Cognito) is the one service whose panel is still to come.
    Info {
        title: "Auth",
        aws: "Amazon Cognito",
        what: "Cognito gives the users of your web and mobile apps an identity: sign-up, sign-in, password reset, MFA, and temporary AWS credentials through identity pools.",
        engine: Some("Cognito user pools: app clients (with secrets), sign-up with codes delivered to the Inbox, confirmation, real SRP-6a sign-in as amazon-cognito-identity-js does it, USER_PASSWORD_AUTH, refresh tokens, groups, password recovery, and RS256-signed ID and access tokens with a JWKS. API Gateway's Cognito authorizers verify those tokens. Identity pools (cognito-identity): GetId, GetCredentialsForIdentity with authenticated and guest roles and role mappings, credentials that IAM enforces (each user reaches only their own items with a LeadingKeys policy). IAM (roles, policies, AWS's evaluation logic, the policy simulator) and STS AssumeRole and AssumeRoleWithWebIdentity are there too. Call them with window.gureum.send(\"cognito-idp\", …), window.gureum.send(\"cognito-identity\", …) or from boto3, pycognito and the AWS SDK through gureum serve."),
        coming: &["user pools, users, groups and app clients to browse and edit", "a login-flows view drawing each flow as a sequence diagram with its real messages and decoded tokens", "a sign-in page in the hosted UI's style", "identity pools to browse and edit"],
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
                <p>{ "Panels that work today: " }<a href="#/tables">{ "DynamoDB tables" }</a>{ ", " }<a href="#/functions">{ "Lambda functions" }</a>{ ", " }<a href="#/s3">{ "S3" }</a>{ ", " }<a href="#/inbox">{ "email (SES) and its Inbox" }</a>{ ", " }<a href="#/kinesis">{ "Kinesis streams" }</a>{ ", " }<a href="#/firehose">{ "Firehose" }</a>{ ", " }<a href="#/dax">{ "DAX" }</a>{ ", " }<a href="#/logs">{ "CloudWatch Logs" }</a>{ ", " }<a href="#/athena">{ "Athena" }</a>{ ", " }<a href="#/apis">{ "API Gateway" }</a>{ ", " }<a href="#/workflows">{ "Step Functions workflows" }</a>{ ", with the simulated clock; the same APIs (with SQS, Application Auto Scaling, AWS Backup, Cognito user pools, IAM and STS) answer boto3 and the AWS CLI through " }<code>{ "gureum serve" }</code>{ "." }</p>
            </div>
        </section>
    }
}
