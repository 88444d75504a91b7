//! The policy language and its evaluation, case by case, with the examples of AWS's "IAM JSON
//! policy elements reference", "Condition operators", "Policy variables" and "Policy evaluation
//! logic" pages as the oracle.

use super::eval::{arn_like, evaluate, glob, parse_date, Applied, Caller, Decision, PolicyRole, RequestContext};
use super::policy::{Policy, PolicyKind};

fn identity(doc: &str) -> Policy {
    Policy::parse(doc, PolicyKind::Identity).unwrap_or_else(|e| panic!("{e}: {doc}"))
}

fn decide(docs: &[&str], ctx: &RequestContext) -> Decision {
    let policies: Vec<Policy> = docs.iter().map(|d| identity(d)).collect();
    let applied: Vec<Applied> = policies.iter().enumerate().map(|(i, p)| Applied { policy: p, role: PolicyRole::Identity, index: i }).collect();
    evaluate(&applied, ctx).decision
}

fn one(statement: &str) -> String {
    format!(r#"{{"Version":"2012-10-17","Statement":[{statement}]}}"#)
}

use Decision::{Allowed as A, ExplicitDeny as D, ImplicitDeny as I};

#[test]
fn malformed_documents_get_iams_messages() {
    let cases: &[(&str, PolicyKind, &str)] = &[
        ("{not json", PolicyKind::Identity, "Syntax errors in policy."),
        (r#"{"Version":"2012-10-17"}"#, PolicyKind::Identity, "Syntax errors in policy."),
        (r#"{"Version":"2012-10-18","Statement":[]}"#, PolicyKind::Identity, "The policy failed legacy parsing"),
        (&one(r#"{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}"#), PolicyKind::Identity, "Policy document should not specify a principal."),
        (&one(r#"{"Effect":"Allow","Action":"sts:AssumeRole"}"#), PolicyKind::Trust, "Missing required field Principal"),
        (&one(r#"{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole","Resource":"*"}"#), PolicyKind::Trust, "Has prohibited field Resource"),
        (&one(r#"{"Action":"s3:*","Resource":"*"}"#), PolicyKind::Identity, "Missing required field Effect"),
        (&one(r#"{"Effect":"Permit","Action":"s3:*","Resource":"*"}"#), PolicyKind::Identity, "Invalid effect: Permit"),
        (&one(r#"{"Effect":"Allow","Resource":"*"}"#), PolicyKind::Identity, "Policy statement must contain actions."),
        (&one(r#"{"Effect":"Allow","Action":"s3:*"}"#), PolicyKind::Identity, "Policy statement must contain resources."),
        (&one(r#"{"Effect":"Allow","Action":"GetObject","Resource":"*"}"#), PolicyKind::Identity, "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."),
        (
            &one(r#"{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEqualz":{"aws:username":"a"}}}"#),
            PolicyKind::Identity,
            "Invalid Condition type : StringEqualz",
        ),
        (&one(r#"{"Effect":"Allow","Action":"s3:*","Resource":"*","Extra":1}"#), PolicyKind::Identity, "Syntax errors in policy."),
        (
            &one(r#"{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/33"}}}"#),
            PolicyKind::Identity,
            "Invalid IP address or CIDR block: 10.0.0.0/33",
        ),
        (
            r#"{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Action":"s3:*","Resource":"*"},{"Sid":"A","Effect":"Deny","Action":"s3:*","Resource":"*"}]}"#,
            PolicyKind::Identity,
            "Statement IDs (SID) in a single policy must be unique.",
        ),
    ];
    for (doc, kind, message) in cases {
        let e = Policy::parse(doc, *kind).expect_err(doc);
        assert_eq!(e.kind, "MalformedPolicyDocument", "{doc}");
        assert_eq!(&e.message, message, "{doc}");
    }
    // A trust policy with a principal and no resource is fine; Statement may be one object.
    Policy::parse(r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":["lambda.amazonaws.com"]},"Action":"sts:AssumeRole"}}"#, PolicyKind::Trust)
        .unwrap();
}

#[test]
fn wildcards_and_arn_segments() {
    assert!(glob("dynamodb:get*", "dynamodb:getitem", false));
    assert!(glob("s3:?etObject", "s3:GetObject", false));
    assert!(!glob("s3:Get", "s3:GetObject", false));
    assert!(glob("*Object*", "s3:GetObjectAcl", false));
    assert!(glob("ABC", "abc", true));
    // Per segment: a wildcard in the region does not swallow the account.
    assert!(arn_like("arn:aws:dynamodb:*:123456789012:table/Books", "arn:aws:dynamodb:us-east-1:123456789012:table/Books"));
    assert!(!arn_like("arn:aws:dynamodb:*:123456789012:table/Books", "arn:aws:dynamodb:us-east-1:999999999999:table/Books"));
    assert!(arn_like("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b:c"));
    assert!(!arn_like("arn:aws:s3:::bucket/*", "arn:aws:s3:::other/a"));
    assert!(!arn_like("arn:aws:s3:::bucket", "arn:aws:s3:::bucket/a"));
    assert!(arn_like("*", "anything"));
    // A pathological pattern stays linear.
    let text = "a".repeat(5000);
    assert!(!glob(&format!("{}b", "*a".repeat(200)), &text, false));
}

#[test]
fn actions_resources_and_their_negations() {
    let books = "arn:aws:dynamodb:us-east-1:123456789012:table/Books";
    let get = RequestContext::new("dynamodb:GetItem", books);
    let put = RequestContext::new("DynamoDB:PutItem", books);
    let allow_reads = one(r#"{"Effect":"Allow","Action":["dynamodb:Get*","dynamodb:Query"],"Resource":"arn:aws:dynamodb:*:*:table/Books"}"#);
    let cases: Vec<(Vec<String>, &RequestContext, Decision)> = vec![
        (vec![allow_reads.clone()], &get, A),
        (vec![allow_reads.clone()], &put, I),
        // Case-insensitive action names.
        (vec![one(r#"{"Effect":"Allow","Action":"DYNAMODB:putitem","Resource":"*"}"#)], &put, A),
        // An explicit deny wins over any allow.
        (vec![one(r#"{"Effect":"Allow","Action":"dynamodb:*","Resource":"*"}"#), one(r#"{"Effect":"Deny","Action":"dynamodb:PutItem","Resource":"*"}"#)], &put, D),
        (vec![one(r#"{"Effect":"Allow","Action":"dynamodb:*","Resource":"*"}"#), one(r#"{"Effect":"Deny","Action":"dynamodb:PutItem","Resource":"*"}"#)], &get, A),
        // NotAction: everything but the listed actions.
        (vec![one(r#"{"Effect":"Allow","NotAction":"dynamodb:PutItem","Resource":"*"}"#)], &put, I),
        (vec![one(r#"{"Effect":"Allow","NotAction":"dynamodb:PutItem","Resource":"*"}"#)], &get, A),
        // NotResource.
        (vec![one(r#"{"Effect":"Allow","Action":"dynamodb:*","NotResource":"arn:aws:dynamodb:*:*:table/Books"}"#)], &get, I),
        (vec![one(r#"{"Effect":"Allow","Action":"dynamodb:*","NotResource":"arn:aws:dynamodb:*:*:table/Other"}"#)], &get, A),
        // Nothing applies: the default is an implicit deny.
        (vec![], &get, I),
    ];
    for (docs, ctx, want) in cases {
        let refs: Vec<&str> = docs.iter().map(String::as_str).collect();
        assert_eq!(decide(&refs, ctx), want, "{docs:?} {}", ctx.action);
    }
}

/// Condition operators, each with the request value that matches and one that does not.
#[test]
fn condition_operators() {
    let r = "arn:aws:s3:::b/k";
    let base = |key: &str, values: &[&str]| RequestContext::new("s3:GetObject", r).with_values(key, values);
    let cond = |c: &str| one(&format!(r#"{{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{c}}}"#));
    let cases: Vec<(&str, RequestContext, Decision)> = vec![
        (r#"{"StringEquals":{"aws:username":["bob","alice"]}}"#, base("aws:username", &["alice"]), A),
        (r#"{"StringEquals":{"aws:username":"bob"}}"#, base("aws:username", &["Bob"]), I),
        (r#"{"StringEquals":{"aws:username":"bob"}}"#, RequestContext::new("s3:GetObject", r), I),
        (r#"{"StringNotEquals":{"aws:username":"bob"}}"#, base("aws:username", &["alice"]), A),
        (r#"{"StringNotEquals":{"aws:username":"bob"}}"#, base("aws:username", &["bob"]), I),
        // A negated operator on an absent key is true.
        (r#"{"StringNotEquals":{"aws:username":"bob"}}"#, RequestContext::new("s3:GetObject", r), A),
        (r#"{"StringEqualsIgnoreCase":{"aws:username":"BOB"}}"#, base("aws:username", &["bob"]), A),
        (r#"{"StringNotEqualsIgnoreCase":{"aws:username":"BOB"}}"#, base("aws:username", &["bob"]), I),
        (r#"{"StringLike":{"s3:prefix":["home/*","pub?c"]}}"#, base("s3:prefix", &["public"]), I),
        (r#"{"StringLike":{"s3:prefix":["home/*","pub?ic"]}}"#, base("s3:prefix", &["public"]), A),
        (r#"{"StringNotLike":{"s3:prefix":"home/*"}}"#, base("s3:prefix", &["home/x"]), I),
        // Condition keys are case-insensitive.
        (r#"{"StringEquals":{"AWS:UserName":"bob"}}"#, base("aws:username", &["bob"]), A),
        (r#"{"NumericLessThanEquals":{"s3:max-keys":"10"}}"#, base("s3:max-keys", &["10"]), A),
        (r#"{"NumericLessThan":{"s3:max-keys":"10"}}"#, base("s3:max-keys", &["10"]), I),
        (r#"{"NumericGreaterThan":{"s3:max-keys":"10"}}"#, base("s3:max-keys", &["10.5"]), A),
        (r#"{"NumericGreaterThanEquals":{"s3:max-keys":10}}"#, base("s3:max-keys", &["9"]), I),
        (r#"{"NumericEquals":{"s3:max-keys":"10"}}"#, base("s3:max-keys", &["ten"]), I),
        (r#"{"NumericNotEquals":{"s3:max-keys":"10"}}"#, base("s3:max-keys", &["11"]), A),
        (r#"{"DateGreaterThan":{"aws:CurrentTime":"2026-01-01T00:00:00Z"}}"#, base("aws:CurrentTime", &["2026-11-25T12:00:00Z"]), A),
        (r#"{"DateLessThan":{"aws:CurrentTime":"2026-01-01"}}"#, base("aws:CurrentTime", &["2026-11-25T12:00:00Z"]), I),
        (r#"{"DateLessThanEquals":{"aws:EpochTime":"1767225600"}}"#, base("aws:EpochTime", &["1767225600"]), A),
        (r#"{"DateEquals":{"aws:CurrentTime":"2026-11-25T12:00:00+09:00"}}"#, base("aws:CurrentTime", &["2026-11-25T03:00:00Z"]), A),
        (r#"{"DateNotEquals":{"aws:CurrentTime":"2026-11-25T12:00:00Z"}}"#, base("aws:CurrentTime", &["2026-11-25T12:00:00.000Z"]), I),
        (r#"{"DateGreaterThanEquals":{"aws:TokenIssueTime":"2026-11-25T12:00:00Z"}}"#, base("aws:TokenIssueTime", &["2026-11-25T11:59:59Z"]), I),
        (r#"{"Bool":{"aws:SecureTransport":"true"}}"#, base("aws:SecureTransport", &["true"]), A),
        (r#"{"Bool":{"aws:SecureTransport":"true"}}"#, base("aws:SecureTransport", &["false"]), I),
        (r#"{"Bool":{"aws:MultiFactorAuthPresent":true}}"#, base("aws:MultiFactorAuthPresent", &["true"]), A),
        (r#"{"BinaryEquals":{"aws:RequestTag/bin":"QmluYXJ5VmFsdWU="}}"#, base("aws:RequestTag/bin", &["QmluYXJ5VmFsdWU="]), A),
        (r#"{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#, base("aws:SourceIp", &["203.0.113.77"]), A),
        (r#"{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#, base("aws:SourceIp", &["203.0.114.1"]), I),
        (r#"{"IpAddress":{"aws:SourceIp":"2001:DB8:1234:5678::/64"}}"#, base("aws:SourceIp", &["2001:db8:1234:5678:abcd::1"]), A),
        (r#"{"IpAddress":{"aws:SourceIp":"2001:DB8:1234:5678::/64"}}"#, base("aws:SourceIp", &["2001:db8:1234:5679::1"]), I),
        (r#"{"NotIpAddress":{"aws:SourceIp":["192.0.2.0/24","203.0.113.0/24"]}}"#, base("aws:SourceIp", &["198.51.100.1"]), A),
        (r#"{"NotIpAddress":{"aws:SourceIp":["192.0.2.0/24","203.0.113.0/24"]}}"#, base("aws:SourceIp", &["192.0.2.9"]), I),
        (r#"{"ArnEquals":{"aws:SourceArn":"arn:aws:sns:us-east-1:123456789012:topic"}}"#, base("aws:SourceArn", &["arn:aws:sns:us-east-1:123456789012:topic"]), A),
        (r#"{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:123456789012:*"}}"#, base("aws:SourceArn", &["arn:aws:sns:eu-west-1:123456789012:t"]), A),
        (r#"{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:123456789012:*"}}"#, base("aws:SourceArn", &["arn:aws:sns:eu-west-1:999999999999:t"]), I),
        (r#"{"ArnNotLike":{"aws:SourceArn":"arn:aws:sns:*:123456789012:*"}}"#, base("aws:SourceArn", &["arn:aws:sns:eu-west-1:999999999999:t"]), A),
        (r#"{"ArnNotEquals":{"aws:SourceArn":"arn:aws:sns:us-east-1:123456789012:topic"}}"#, base("aws:SourceArn", &["arn:aws:sns:us-east-1:123456789012:topic"]), I),
        // Null: true means the key is absent.
        (r#"{"Null":{"aws:TokenIssueTime":"true"}}"#, RequestContext::new("s3:GetObject", r), A),
        (r#"{"Null":{"aws:TokenIssueTime":"true"}}"#, base("aws:TokenIssueTime", &["2026-01-01"]), I),
        (r#"{"Null":{"aws:TokenIssueTime":"false"}}"#, base("aws:TokenIssueTime", &["2026-01-01"]), A),
        // ...IfExists: absent is true; present is tested.
        (r#"{"StringEqualsIfExists":{"ec2:InstanceType":"t2.micro"}}"#, RequestContext::new("s3:GetObject", r), A),
        (r#"{"StringEqualsIfExists":{"ec2:InstanceType":"t2.micro"}}"#, base("ec2:InstanceType", &["m5.large"]), I),
        (r#"{"NumericLessThanIfExists":{"s3:max-keys":"10"}}"#, base("s3:max-keys", &["5"]), A),
        // Several keys AND, several operators AND.
        (r#"{"StringEquals":{"aws:username":"bob","aws:PrincipalTag/team":"red"}}"#, base("aws:username", &["bob"]), I),
        (r#"{"StringEquals":{"aws:username":"bob"},"Bool":{"aws:SecureTransport":"true"}}"#, base("aws:username", &["bob"]).with("aws:SecureTransport", "true"), A),
        (r#"{"StringEquals":{"aws:username":"bob"},"Bool":{"aws:SecureTransport":"true"}}"#, base("aws:username", &["bob"]).with("aws:SecureTransport", "false"), I),
        (r#"{"StringEquals":{"aws:PrincipalTag/Department":"Finance"}}"#, base("aws:principaltag/department", &["Finance"]), A),
    ];
    for (c, ctx, want) in cases {
        assert_eq!(decide(&[&cond(c)], &ctx), want, "{c} with {ctx:?}");
    }
}

/// Set operators on multi-valued keys, with AWS's empty-set rules: ForAllValues is true for an
/// absent or empty key, ForAnyValue false.
#[test]
fn set_operators() {
    let r = "arn:aws:dynamodb:us-east-1:123456789012:table/T";
    let base = |values: &[&str]| RequestContext::new("dynamodb:PutItem", r).with_values("aws:TagKeys", values);
    let cond = |c: &str| one(&format!(r#"{{"Effect":"Allow","Action":"dynamodb:*","Resource":"*","Condition":{c}}}"#));
    let all = r#"{"ForAllValues:StringEquals":{"aws:TagKeys":["environment","cost-center"]}}"#;
    let any = r#"{"ForAnyValue:StringEquals":{"aws:TagKeys":["environment","cost-center"]}}"#;
    let cases: Vec<(&str, RequestContext, Decision)> = vec![
        (all, base(&["environment"]), A),
        (all, base(&["environment", "cost-center"]), A),
        (all, base(&["environment", "owner"]), I),
        (all, RequestContext::new("dynamodb:PutItem", r), A),
        (all, base(&[]), A),
        (any, base(&["owner", "cost-center"]), A),
        (any, base(&["owner"]), I),
        (any, RequestContext::new("dynamodb:PutItem", r), I),
        (r#"{"ForAllValues:StringNotEquals":{"aws:TagKeys":["secret"]}}"#, base(&["a", "b"]), A),
        (r#"{"ForAllValues:StringNotEquals":{"aws:TagKeys":["secret"]}}"#, base(&["a", "secret"]), I),
        (r#"{"ForAnyValue:StringLike":{"aws:TagKeys":["env*"]}}"#, base(&["a", "environment"]), A),
        (r#"{"ForAnyValue:StringEqualsIfExists":{"aws:TagKeys":["x"]}}"#, RequestContext::new("dynamodb:PutItem", r), A),
    ];
    for (c, ctx, want) in cases {
        assert_eq!(decide(&[&cond(c)], &ctx), want, "{c} with {ctx:?}");
    }
}

/// The fine-grained access pattern of "Using IAM policy conditions for fine-grained access
/// control" (DynamoDB Developer Guide): a Cognito identity reads and writes only the items whose
/// partition key is its own identity id.
#[test]
fn dynamodb_leading_keys_per_cognito_identity() {
    let policy = r#"{
      "Version": "2012-10-17",
      "Statement": [{
        "Sid": "AllowAccessToOnlyItemsMatchingUserID",
        "Effect": "Allow",
        "Action": ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"],
        "Resource": ["arn:aws:dynamodb:us-west-2:123456789012:table/GameScores"],
        "Condition": {
          "ForAllValues:StringEquals": {
            "dynamodb:LeadingKeys": ["${cognito-identity.amazonaws.com:sub}"],
            "dynamodb:Attributes": ["UserId", "GameTitle", "Wins", "Losses", "TopScore", "TopScoreDateTime"]
          },
          "StringEqualsIfExists": {"dynamodb:Select": "SPECIFIC_ATTRIBUTES"}
        }
      }]
    }"#;
    let table = "arn:aws:dynamodb:us-west-2:123456789012:table/GameScores";
    let me = "us-west-2:0a1b2c3d-1111-2222-3333-444455556666";
    let other = "us-west-2:99999999-1111-2222-3333-444455556666";
    let ctx = |keys: &[&str]| RequestContext::new("dynamodb:GetItem", table).with("cognito-identity.amazonaws.com:sub", me).with_values("dynamodb:LeadingKeys", keys);
    assert_eq!(decide(&[policy], &ctx(&[me])), A);
    assert_eq!(decide(&[policy], &ctx(&[other])), I);
    assert_eq!(decide(&[policy], &ctx(&[me, other])), I);
    // Attributes outside the list are refused; the listed ones pass.
    assert_eq!(decide(&[policy], &ctx(&[me]).with_values("dynamodb:Attributes", &["UserId", "Wins"])), A);
    assert_eq!(decide(&[policy], &ctx(&[me]).with_values("dynamodb:Attributes", &["UserId", "Secret"])), I);
    assert_eq!(decide(&[policy], &ctx(&[me]).with("dynamodb:Select", "ALL_ATTRIBUTES")), I);
    // Without the identity in the context the variable has no value and nothing matches,
    // except an empty key set (ForAllValues over no values is true).
    let anonymous = RequestContext::new("dynamodb:GetItem", table).with_values("dynamodb:LeadingKeys", &[me]);
    assert_eq!(decide(&[policy], &anonymous), I);
}

#[test]
fn policy_variables_in_resources_and_conditions() {
    let home = one(r#"{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::bucket/home/${aws:username}/*"}"#);
    let ctx = |user: Option<&str>, key: &str| {
        let c = RequestContext::new("s3:GetObject", &format!("arn:aws:s3:::bucket/{key}"));
        match user {
            Some(u) => c.with("aws:username", u),
            None => c,
        }
    };
    assert_eq!(decide(&[&home], &ctx(Some("bob"), "home/bob/a.txt")), A);
    assert_eq!(decide(&[&home], &ctx(Some("bob"), "home/alice/a.txt")), I);
    assert_eq!(decide(&[&home], &ctx(None, "home/bob/a.txt")), I);
    // A `*` in the value is literal, not a wildcard.
    assert_eq!(decide(&[&home], &ctx(Some("*"), "home/alice/a.txt")), I);
    assert_eq!(decide(&[&home], &ctx(Some("*"), "home/*/a.txt")), A);
    // Defaults.
    let with_default = one(r#"{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::bucket/${aws:username, 'guest'}/*"}"#);
    assert_eq!(decide(&[&with_default], &ctx(None, "guest/x")), A);
    assert_eq!(decide(&[&with_default], &ctx(Some("bob"), "guest/x")), I);
    // ${*}, ${?}, ${$}: the literal characters.
    let special = one(r#"{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::bucket/a${*}b${?}c${$}"}"#);
    assert_eq!(decide(&[&special], &ctx(None, "a*b?c$")), A);
    assert_eq!(decide(&[&special], &ctx(None, "axxbyc$")), I);
    // Version 2008-10-17 knows no variables: the text is literal.
    let old = r#"{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::bucket/${aws:username}"}]}"#;
    assert_eq!(decide(&[old], &ctx(Some("bob"), "bob")), I);
    assert_eq!(decide(&[old], &ctx(Some("bob"), "${aws:username}")), A);
    // In condition values.
    let cond = one(r#"{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{"StringLike":{"s3:prefix":["home/${aws:username}/*"]}}}"#);
    let list = |user: &str, prefix: &str| RequestContext::new("s3:ListBucket", "arn:aws:s3:::bucket").with("aws:username", user).with("s3:prefix", prefix);
    assert_eq!(decide(&[&cond], &list("bob", "home/bob/photos")), A);
    assert_eq!(decide(&[&cond], &list("bob", "home/alice/photos")), I);
}

#[test]
fn boundaries_session_policies_and_resource_policies() {
    let books = "arn:aws:dynamodb:us-east-1:123456789012:table/Books";
    let all = identity(&one(r#"{"Effect":"Allow","Action":"dynamodb:*","Resource":"*"}"#));
    let reads = identity(&one(r#"{"Effect":"Allow","Action":"dynamodb:GetItem","Resource":"*"}"#));
    let run = |policies: &[(&Policy, PolicyRole)], action: &str, caller: Option<Caller>| {
        let applied: Vec<Applied> = policies.iter().enumerate().map(|(i, (p, r))| Applied { policy: p, role: *r, index: i }).collect();
        let mut ctx = RequestContext::new(action, books);
        ctx.caller = caller;
        evaluate(&applied, &ctx).decision
    };
    // The effective permissions are the intersection of identity policies and the boundary.
    assert_eq!(run(&[(&all, PolicyRole::Identity), (&reads, PolicyRole::Boundary)], "dynamodb:GetItem", None), A);
    assert_eq!(run(&[(&all, PolicyRole::Identity), (&reads, PolicyRole::Boundary)], "dynamodb:PutItem", None), I);
    assert_eq!(run(&[(&reads, PolicyRole::Boundary)], "dynamodb:GetItem", None), I);
    // And of the session policy.
    assert_eq!(run(&[(&all, PolicyRole::Identity), (&reads, PolicyRole::Session)], "dynamodb:PutItem", None), I);
    // A resource policy grants on its own, in the same account.
    let user = Caller { arn: "arn:aws:iam::123456789012:user/bob".into(), kind: super::policy::PrincipalKind::Aws, account: "123456789012".into(), role_arn: None };
    let resource =
        Policy::parse(&one(r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/bob"},"Action":"dynamodb:PutItem","Resource":"*"}"#), PolicyKind::Resource)
            .unwrap();
    assert_eq!(run(&[(&resource, PolicyRole::Resource)], "dynamodb:PutItem", Some(user.clone())), A);
    // Naming the user's own ARN, it is not limited by the boundary.
    assert_eq!(run(&[(&resource, PolicyRole::Resource), (&reads, PolicyRole::Boundary)], "dynamodb:PutItem", Some(user.clone())), A);
    let other = Caller { arn: "arn:aws:iam::123456789012:user/eve".into(), ..user.clone() };
    assert_eq!(run(&[(&resource, PolicyRole::Resource)], "dynamodb:PutItem", Some(other)), I);
    let deny = Policy::parse(&one(r#"{"Effect":"Deny","Principal":"*","Action":"dynamodb:*","Resource":"*"}"#), PolicyKind::Resource).unwrap();
    assert_eq!(run(&[(&all, PolicyRole::Identity), (&deny, PolicyRole::Resource)], "dynamodb:GetItem", Some(user)), D);
}

#[test]
fn trust_policy_principals() {
    let trust = |principal: &str| Policy::parse(&one(&format!(r#"{{"Effect":"Allow","Principal":{principal},"Action":"sts:AssumeRole"}}"#)), PolicyKind::Trust).unwrap();
    let role = "arn:aws:iam::123456789012:role/r";
    let run = |p: &Policy, caller: Caller| {
        let mut ctx = RequestContext::new("sts:AssumeRole", role);
        ctx.caller = Some(caller);
        evaluate(&[Applied { policy: p, role: PolicyRole::Resource, index: 0 }], &ctx).decision
    };
    let root = Caller::account_root("123456789012");
    assert_eq!(run(&trust(r#"{"AWS":"arn:aws:iam::123456789012:root"}"#), root.clone()), A);
    assert_eq!(run(&trust(r#"{"AWS":"123456789012"}"#), root.clone()), A);
    assert_eq!(run(&trust(r#"{"AWS":"*"}"#), root.clone()), A);
    assert_eq!(run(&trust(r#"{"AWS":"arn:aws:iam::111122223333:root"}"#), root.clone()), I);
    assert_eq!(run(&trust(r#"{"Service":"lambda.amazonaws.com"}"#), root.clone()), I);
    assert_eq!(run(&trust(r#"{"Service":"lambda.amazonaws.com"}"#), Caller::service("lambda.amazonaws.com")), A);
    let session = Caller {
        arn: "arn:aws:sts::123456789012:assumed-role/other/s".into(),
        kind: super::policy::PrincipalKind::Aws,
        account: "123456789012".into(),
        role_arn: Some("arn:aws:iam::123456789012:role/other".into()),
    };
    assert_eq!(run(&trust(r#"{"AWS":"arn:aws:iam::123456789012:role/other"}"#), session), A);
}

#[test]
fn dates_parse_as_iam_reads_them() {
    assert_eq!(parse_date("1970-01-01T00:00:00Z"), Some(0));
    assert_eq!(parse_date("1970-01-02"), Some(86_400_000));
    assert_eq!(parse_date("2026-11-25T12:00:00.250Z"), Some(1795608000250));
    assert_eq!(parse_date("86400"), Some(86_400_000));
    assert_eq!(parse_date("2026-13-01"), None);
    assert_eq!(parse_date("yesterday"), None);
    assert_eq!(parse_date("2026-11-25T12:00:00Z"), Some(1795608000000));
}

/// Untrusted documents never panic: every truncation and many byte substitutions of a policy
/// that uses every feature either parse and evaluate, or fail with MalformedPolicyDocument.
#[test]
fn mangled_documents_never_panic() {
    let doc = r#"{"Version":"2012-10-17","Id":"x","Statement":[{"Sid":"A","Effect":"Allow","Action":["dynamodb:Get*","s3:?et*"],"NotResource":"arn:aws:s3:::b/${aws:username, 'g'}/${*}","Condition":{"ForAllValues:StringLikeIfExists":{"dynamodb:LeadingKeys":["${cognito-identity.amazonaws.com:sub}"]},"IpAddress":{"aws:SourceIp":["10.0.0.0/8","::1/128"]},"DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"},"Null":{"aws:TokenIssueTime":"true"}}},{"Effect":"Deny","NotAction":"iam:*","Resource":"*"}]}"#;
    let ctx = RequestContext::new("dynamodb:GetItem", "arn:aws:s3:::b/g/*")
        .with("aws:username", "g")
        .with("aws:SourceIp", "10.1.2.3")
        .with("aws:CurrentTime", "2026-01-01T00:00:00Z")
        .with_values("dynamodb:LeadingKeys", &["k"]);
    let check = |text: &str| match Policy::parse(text, PolicyKind::Identity) {
        Ok(p) => {
            let applied = [Applied { policy: &p, role: PolicyRole::Identity, index: 0 }];
            evaluate(&applied, &ctx);
        }
        Err(e) => assert_eq!(e.kind, "MalformedPolicyDocument"),
    };
    for end in 0..doc.len() {
        if doc.is_char_boundary(end) {
            check(&doc[..end]);
        }
    }
    let bytes = doc.as_bytes();
    for i in 0..bytes.len() {
        for sub in [b'"', b'{', b']', b'*', b'$', b':', b'/', b'x'] {
            let mut b = bytes.to_vec();
            b[i] = sub;
            if let Ok(text) = std::str::from_utf8(&b) {
                check(text);
            }
        }
    }
}
