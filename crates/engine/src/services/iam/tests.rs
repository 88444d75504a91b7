//! IAM through the engine's door: roles, policies, versions, attachments, inline policies, the
//! simulator, errors as IAM words them, and records that survive a restore.

use serde_json::{json, Value};

use crate::{Engine, EngineConfig, Request};

fn url_decode(s: &str) -> String {
    crate::wire::percent::decode(s, false)
}

const T0: i64 = 1_795_608_000_000;
const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
const DDB_READ: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["dynamodb:GetItem","dynamodb:Query"],"Resource":"arn:aws:dynamodb:*:*:table/Books"}]}"#;

struct Sb {
    e: Engine,
    t: i64,
}

impl Sb {
    fn new() -> Self {
        Sb { e: Engine::new(EngineConfig::default(), T0), t: T0 }
    }

    fn call_in(&mut self, region: &str, op: &str, input: Value) -> Result<Value, crate::AwsError> {
        self.e.call(self.t, &Request::new("iam", op, region, input))
    }

    fn ok(&mut self, op: &str, input: Value) -> Value {
        self.call_in("us-east-1", op, input).unwrap_or_else(|e| panic!("{op} failed: {e}"))
    }

    /// (code, message, status); checks that the failure left no journal changes.
    fn err(&mut self, op: &str, input: Value) -> (String, String, u16) {
        self.e.take_changes();
        let e = self.call_in("us-east-1", op, input).expect_err("expected an error");
        assert!(self.e.take_changes().is_empty(), "{op} failed with {e} but journaled changes");
        (e.kind, e.message, e.status)
    }

    fn role(&mut self, name: &str) -> Value {
        self.ok("CreateRole", json!({"RoleName": name, "AssumeRolePolicyDocument": TRUST}))
    }
}

#[test]
fn roles_are_created_read_listed_and_global() {
    let mut sb = Sb::new();
    let out = sb.ok(
        "CreateRole",
        json!({"RoleName": "app-role", "Path": "/service-role/", "AssumeRolePolicyDocument": TRUST, "Description": "d", "Tags": [{"Key": "team", "Value": "red"}]}),
    );
    let role = &out["Role"];
    assert_eq!(role["Arn"], "arn:aws:iam::123456789012:role/service-role/app-role");
    assert!(role["RoleId"].as_str().unwrap().starts_with("AROA"));
    assert_eq!(role["RoleId"].as_str().unwrap().len(), 21);
    assert_eq!(role["CreateDate"], "2026-01-01T00:00:00Z"); // the virtual clock starts there
    assert_eq!(role["MaxSessionDuration"], 3600);
    assert_eq!(url_decode(role["AssumeRolePolicyDocument"].as_str().unwrap()), TRUST);
    // IAM is global: another region sees the same role.
    let got = sb.call_in("eu-west-1", "GetRole", json!({"RoleName": "APP-ROLE"})).unwrap();
    assert_eq!(got["Role"]["RoleName"], "app-role");
    assert_eq!(got["Role"]["Tags"], json!([{"Key": "team", "Value": "red"}]));
    sb.role("other");
    let list = sb.ok("ListRoles", json!({"MaxItems": "1"}));
    assert_eq!(list["Roles"].as_array().unwrap().len(), 1);
    assert_eq!(list["IsTruncated"], true);
    let rest = sb.ok("ListRoles", json!({"Marker": list["Marker"]}));
    assert_eq!(rest["Roles"][0]["RoleName"], "other");
    assert_eq!(rest["IsTruncated"], false);
    let only = sb.ok("ListRoles", json!({"PathPrefix": "/service-role/"}));
    assert_eq!(only["Roles"].as_array().unwrap().len(), 1);
    // Names are unique without regard to case.
    assert_eq!(
        sb.err("CreateRole", json!({"RoleName": "App-Role", "AssumeRolePolicyDocument": TRUST})),
        ("EntityAlreadyExists".into(), "Role with name App-Role already exists.".into(), 409)
    );
}

#[test]
fn role_errors_use_iams_codes_and_messages() {
    let mut sb = Sb::new();
    let cases = [
        ("GetRole", json!({"RoleName": "nope"}), "NoSuchEntity", "The role with name nope cannot be found.", 404),
        (
            "CreateRole",
            json!({"RoleName": "bad name", "AssumeRolePolicyDocument": TRUST}),
            "ValidationError",
            "1 validation error detected: Value 'bad name' at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+",
            400,
        ),
        (
            "CreateRole",
            json!({"RoleName": "x".repeat(65), "AssumeRolePolicyDocument": TRUST}),
            "ValidationError",
            &*format!("1 validation error detected: Value '{}' at 'roleName' failed to satisfy constraint: Member must have length less than or equal to 64", "x".repeat(65)),
            400,
        ),
        ("CreateRole", json!({"RoleName": "r", "AssumeRolePolicyDocument": DDB_READ}), "MalformedPolicyDocument", "Has prohibited field Resource", 400),
        ("CreateRole", json!({"RoleName": "r", "AssumeRolePolicyDocument": "{"}), "MalformedPolicyDocument", "Syntax errors in policy.", 400),
        (
            "CreateRole",
            json!({"RoleName": "r", "AssumeRolePolicyDocument": TRUST, "MaxSessionDuration": "60"}),
            "ValidationError",
            "1 validation error detected: Value '60' at 'maxSessionDuration' failed to satisfy constraint: Member must have value greater than or equal to 3600",
            400,
        ),
        ("CreateRole", json!({"RoleName": "r", "Path": "no-slash", "AssumeRolePolicyDocument": TRUST}), "ValidationError", "1 validation error detected: Value 'no-slash' at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)", 400),
        (
            "CreateRole",
            json!({"RoleName": "r", "AssumeRolePolicyDocument": r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/ghost"},"Action":"sts:AssumeRole"}]}"#}),
            "MalformedPolicyDocument",
            "Invalid principal in policy: \"AWS\":\"arn:aws:iam::123456789012:role/ghost\"",
            400,
        ),
        ("CreateRole", json!({"RoleName": "r"}), "ValidationError", "1 validation error detected: Value null at 'assumeRolePolicyDocument' failed to satisfy constraint: Member must not be null", 400),
    ];
    for (op, input, code, message, status) in cases {
        assert_eq!(sb.err(op, input), (code.to_string(), message.to_string(), status), "{op}");
    }
}

#[test]
fn attached_and_inline_policies_and_delete_conflicts() {
    let mut sb = Sb::new();
    sb.role("fn-role");
    let basic = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole";
    sb.ok("AttachRolePolicy", json!({"RoleName": "fn-role", "PolicyArn": basic}));
    sb.ok("AttachRolePolicy", json!({"RoleName": "fn-role", "PolicyArn": basic}));
    let attached = sb.ok("ListAttachedRolePolicies", json!({"RoleName": "fn-role"}));
    assert_eq!(attached["AttachedPolicies"], json!([{"PolicyName": "AWSLambdaBasicExecutionRole", "PolicyArn": basic}]));
    assert_eq!(
        sb.err("AttachRolePolicy", json!({"RoleName": "fn-role", "PolicyArn": "arn:aws:iam::aws:policy/NoSuchPolicy"})).1,
        "Policy arn:aws:iam::aws:policy/NoSuchPolicy does not exist or is not attachable."
    );
    sb.ok("PutRolePolicy", json!({"RoleName": "fn-role", "PolicyName": "books", "PolicyDocument": DDB_READ}));
    let inline = sb.ok("GetRolePolicy", json!({"RoleName": "fn-role", "PolicyName": "books"}));
    assert_eq!(url_decode(inline["PolicyDocument"].as_str().unwrap()), DDB_READ);
    assert_eq!(sb.ok("ListRolePolicies", json!({"RoleName": "fn-role"}))["PolicyNames"], json!(["books"]));
    let with_principal = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}]}"#;
    assert_eq!(sb.err("PutRolePolicy", json!({"RoleName": "fn-role", "PolicyName": "p", "PolicyDocument": with_principal})).1, "Policy document should not specify a principal.");
    assert_eq!(
        sb.err("GetRolePolicy", json!({"RoleName": "fn-role", "PolicyName": "nope"})),
        ("NoSuchEntity".into(), "The role policy with name nope cannot be found.".into(), 404)
    );
    // Delete refuses while policies remain: attached first, then inline.
    assert_eq!(sb.err("DeleteRole", json!({"RoleName": "fn-role"})), ("DeleteConflict".into(), "Cannot delete entity, must detach all policies first.".into(), 409));
    sb.ok("DetachRolePolicy", json!({"RoleName": "fn-role", "PolicyArn": basic}));
    assert_eq!(sb.err("DeleteRole", json!({"RoleName": "fn-role"})).1, "Cannot delete entity, must delete policies first.");
    sb.ok("DeleteRolePolicy", json!({"RoleName": "fn-role", "PolicyName": "books"}));
    sb.ok("DeleteRole", json!({"RoleName": "fn-role"}));
    assert_eq!(sb.err("GetRole", json!({"RoleName": "fn-role"})).0, "NoSuchEntity");
    // At most ten managed policies per role.
    sb.role("many");
    for i in 0..10 {
        let arn = sb.ok("CreatePolicy", json!({"PolicyName": format!("p{i}"), "PolicyDocument": DDB_READ}))["Policy"]["Arn"].as_str().unwrap().to_string();
        sb.ok("AttachRolePolicy", json!({"RoleName": "many", "PolicyArn": arn}));
    }
    assert_eq!(sb.err("AttachRolePolicy", json!({"RoleName": "many", "PolicyArn": basic})), ("LimitExceeded".into(), "Cannot exceed quota for PoliciesPerRole: 10".into(), 409));
}

#[test]
fn managed_policies_have_versions() {
    let mut sb = Sb::new();
    let p = sb.ok("CreatePolicy", json!({"PolicyName": "Books", "Path": "/app/", "PolicyDocument": DDB_READ, "Description": "read books"}))["Policy"].clone();
    let arn = p["Arn"].as_str().unwrap().to_string();
    assert_eq!(arn, "arn:aws:iam::123456789012:policy/app/Books");
    assert_eq!(p["DefaultVersionId"], "v1");
    assert_eq!(p["AttachmentCount"], 0);
    assert!(p["PolicyId"].as_str().unwrap().starts_with("ANPA"));
    assert_eq!(sb.err("CreatePolicy", json!({"PolicyName": "books", "PolicyDocument": DDB_READ})).1, "A policy called books already exists. Duplicate names are not allowed.");
    for _ in 0..4 {
        sb.ok("CreatePolicyVersion", json!({"PolicyArn": arn, "PolicyDocument": DDB_READ}));
    }
    assert_eq!(
        sb.err("CreatePolicyVersion", json!({"PolicyArn": arn, "PolicyDocument": DDB_READ})),
        ("LimitExceeded".into(), "A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.".into(), 409)
    );
    let versions = sb.ok("ListPolicyVersions", json!({"PolicyArn": arn}));
    let ids: Vec<&str> = versions["Versions"].as_array().unwrap().iter().map(|v| v["VersionId"].as_str().unwrap()).collect();
    assert_eq!(ids, ["v5", "v4", "v3", "v2", "v1"]);
    assert_eq!(sb.err("DeletePolicyVersion", json!({"PolicyArn": arn, "VersionId": "v1"})).1, "Cannot delete the default version of a policy.");
    sb.ok("SetDefaultPolicyVersion", json!({"PolicyArn": arn, "VersionId": "v3"}));
    sb.ok("DeletePolicyVersion", json!({"PolicyArn": arn, "VersionId": "v1"}));
    let v = sb.ok("GetPolicyVersion", json!({"PolicyArn": arn, "VersionId": "v3"}));
    assert_eq!(v["PolicyVersion"]["IsDefaultVersion"], true);
    assert_eq!(url_decode(v["PolicyVersion"]["Document"].as_str().unwrap()), DDB_READ);
    assert_eq!(sb.err("GetPolicyVersion", json!({"PolicyArn": arn, "VersionId": "v1"})).0, "NoSuchEntity");
    sb.ok("CreatePolicyVersion", json!({"PolicyArn": arn, "PolicyDocument": DDB_READ, "SetAsDefault": "true"}));
    assert_eq!(sb.ok("GetPolicy", json!({"PolicyArn": arn}))["Policy"]["DefaultVersionId"], "v6");
    // Attached: counted, and not deletable.
    sb.role("r");
    sb.ok("AttachRolePolicy", json!({"RoleName": "r", "PolicyArn": arn}));
    assert_eq!(sb.ok("GetPolicy", json!({"PolicyArn": arn}))["Policy"]["AttachmentCount"], 1);
    assert_eq!(sb.ok("ListEntitiesForPolicy", json!({"PolicyArn": arn}))["PolicyRoles"][0]["RoleName"], "r");
    assert_eq!(sb.err("DeletePolicy", json!({"PolicyArn": arn})), ("DeleteConflict".into(), "Cannot delete a policy attached to entities.".into(), 409));
    // Scope.
    let local = sb.ok("ListPolicies", json!({"Scope": "Local"}));
    assert_eq!(local["Policies"].as_array().unwrap().len(), 1);
    let aws = sb.ok("ListPolicies", json!({"Scope": "AWS", "MaxItems": 1000}));
    assert!(aws["Policies"].as_array().unwrap().iter().any(|p| p["Arn"] == "arn:aws:iam::aws:policy/AdministratorAccess"));
    let attached = sb.ok("ListPolicies", json!({"OnlyAttached": "true"}));
    assert_eq!(attached["Policies"].as_array().unwrap().len(), 1);
    // AWS managed policies are read-only.
    let admin = sb.ok("GetPolicy", json!({"PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}));
    assert_eq!(admin["Policy"]["DefaultVersionId"], "v1");
    assert_eq!(sb.err("DeletePolicy", json!({"PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"})).0, "AccessDenied");
    assert_eq!(
        sb.err("GetPolicy", json!({"PolicyArn": "arn:aws:iam::123456789012:policy/Nope"})),
        ("NoSuchEntity".into(), "Policy arn:aws:iam::123456789012:policy/Nope was not found.".into(), 404)
    );
}

#[test]
fn simulate_principal_policy_reads_the_roles_policies() {
    let mut sb = Sb::new();
    sb.role("player");
    sb.ok("AttachRolePolicy", json!({"RoleName": "player", "PolicyArn": "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"}));
    let own_items = r#"{"Version":"2012-10-17","Statement":[
  {"Sid":"OwnItems","Effect":"Allow","Action":["dynamodb:GetItem","dynamodb:PutItem"],"Resource":"arn:aws:dynamodb:us-east-1:123456789012:table/GameScores",
   "Condition":{"ForAllValues:StringEquals":{"dynamodb:LeadingKeys":["${cognito-identity.amazonaws.com:sub}"]}}},
  {"Sid":"NoDeletes","Effect":"Deny","Action":"dynamodb:DeleteItem","Resource":"*"}
]}"#;
    sb.ok("PutRolePolicy", json!({"RoleName": "player", "PolicyName": "own-items", "PolicyDocument": own_items}));
    let table = "arn:aws:dynamodb:us-east-1:123456789012:table/GameScores";
    let sim = |sb: &mut Sb, actions: Value, key: &str| {
        sb.ok(
            "SimulatePrincipalPolicy",
            json!({
                "PolicySourceArn": "arn:aws:iam::123456789012:role/player",
                "ActionNames": actions,
                "ResourceArns": [table],
                "ContextEntries": [
                    {"ContextKeyName": "cognito-identity.amazonaws.com:sub", "ContextKeyValues": ["us-east-1:me"], "ContextKeyType": "string"},
                    {"ContextKeyName": "dynamodb:LeadingKeys", "ContextKeyValues": [key], "ContextKeyType": "stringList"},
                ],
            }),
        )
    };
    let mine = sim(&mut sb, json!(["dynamodb:GetItem", "dynamodb:DeleteItem", "dynamodb:Scan", "logs:PutLogEvents"]), "us-east-1:me");
    let results = mine["EvaluationResults"].as_array().unwrap();
    let decisions: Vec<&str> = results.iter().map(|r| r["EvalDecision"].as_str().unwrap()).collect();
    assert_eq!(decisions, ["allowed", "explicitDeny", "implicitDeny", "allowed"]);
    assert_eq!(results[0]["EvalResourceName"], table);
    assert_eq!(results[0]["MatchedStatements"][0]["SourcePolicyId"], "own-items");
    assert_eq!(results[0]["MatchedStatements"][0]["SourcePolicyType"], "role");
    assert_eq!(results[0]["MatchedStatements"][0]["StartPosition"], json!({"Line": 2, "Column": 3}));
    assert_eq!(results[1]["MatchedStatements"][0]["StartPosition"]["Line"], 4);
    assert_eq!(results[3]["MatchedStatements"][0]["SourcePolicyId"], "AWSLambdaBasicExecutionRole");
    assert_eq!(results[3]["MatchedStatements"][0]["SourcePolicyType"], "aws-managed");
    let theirs = sim(&mut sb, json!(["dynamodb:GetItem"]), "us-east-1:someone-else");
    assert_eq!(theirs["EvaluationResults"][0]["EvalDecision"], "implicitDeny");
    assert_eq!(theirs["EvaluationResults"][0]["MatchedStatements"], json!([]));
    // Without the context keys, the simulator says which it missed.
    let bare = sb.ok("SimulatePrincipalPolicy", json!({"PolicySourceArn": "arn:aws:iam::123456789012:role/player", "ActionNames": ["dynamodb:GetItem"], "ResourceArns": [table]}));
    assert_eq!(bare["EvaluationResults"][0]["MissingContextValues"], json!(["dynamodb:LeadingKeys"]));
    assert_eq!(sb.err("SimulatePrincipalPolicy", json!({"PolicySourceArn": "arn:aws:iam::123456789012:role/ghost", "ActionNames": ["s3:GetObject"]})).0, "NoSuchEntity");
}

#[test]
fn simulate_custom_policy_with_boundary_and_resource_policy() {
    let mut sb = Sb::new();
    let all = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#;
    let reads = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}]}"#;
    let out = sb.ok("SimulateCustomPolicy", json!({"PolicyInputList": [all], "PermissionsBoundaryPolicyInputList": [reads], "ActionNames": ["s3:GetObject", "s3:PutObject"]}));
    let r = out["EvaluationResults"].as_array().unwrap();
    assert_eq!(r[0]["EvalDecision"], "allowed");
    assert_eq!(r[0]["EvalResourceName"], "*");
    assert_eq!(r[0]["PermissionsBoundaryDecisionDetail"], json!({"AllowedByPermissionsBoundary": true}));
    assert_eq!(r[1]["EvalDecision"], "implicitDeny");
    assert_eq!(r[1]["PermissionsBoundaryDecisionDetail"], json!({"AllowedByPermissionsBoundary": false}));
    assert_eq!(r[0]["MatchedStatements"][0]["SourcePolicyId"], "PolicyInputList.1");
    let bucket = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/bob"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}"#;
    let deny_nothing = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:*","Resource":"*"}]}"#;
    let out = sb.ok(
        "SimulateCustomPolicy",
        json!({"PolicyInputList": [deny_nothing], "ResourcePolicy": bucket, "CallerArn": "arn:aws:iam::123456789012:user/bob", "ActionNames": ["s3:GetObject"], "ResourceArns": ["arn:aws:s3:::b/k"]}),
    );
    assert_eq!(out["EvaluationResults"][0]["EvalDecision"], "allowed");
    assert_eq!(out["EvaluationResults"][0]["MatchedStatements"][0]["SourcePolicyType"], "resource");
    assert_eq!(sb.err("SimulateCustomPolicy", json!({"PolicyInputList": ["{"], "ActionNames": ["s3:GetObject"]})), ("InvalidInput".into(), "Syntax errors in policy.".into(), 400));
    assert_eq!(
        sb.err("SimulateCustomPolicy", json!({"PolicyInputList": [all], "ActionNames": ["s3:GetObject"], "ResourceHandlingOption": "EC2-Classic-InstanceStore"})).0,
        "ValidationError"
    );
}

#[test]
fn users_share_the_shape() {
    let mut sb = Sb::new();
    let u = sb.ok("CreateUser", json!({"UserName": "alice"}));
    assert!(u["User"]["UserId"].as_str().unwrap().starts_with("AIDA"));
    assert_eq!(u["User"]["Arn"], "arn:aws:iam::123456789012:user/alice");
    assert!(u["User"].get("AssumeRolePolicyDocument").is_none());
    sb.ok("PutUserPolicy", json!({"UserName": "alice", "PolicyName": "p", "PolicyDocument": DDB_READ}));
    assert_eq!(sb.ok("ListUsers", json!({}))["Users"][0]["UserName"], "alice");
    assert_eq!(sb.err("DeleteUser", json!({"UserName": "alice"})).1, "Cannot delete entity, must delete policies first.");
    assert_eq!(sb.err("GetUser", json!({"UserName": "bob"})).1, "The user with name bob cannot be found.");
}

#[test]
fn iam_state_survives_restore() {
    let mut sb = Sb::new();
    sb.role("r");
    let arn = sb.ok("CreatePolicy", json!({"PolicyName": "P", "PolicyDocument": DDB_READ}))["Policy"]["Arn"].as_str().unwrap().to_string();
    sb.ok("CreatePolicyVersion", json!({"PolicyArn": arn, "PolicyDocument": DDB_READ, "SetAsDefault": true}));
    sb.ok("AttachRolePolicy", json!({"RoleName": "r", "PolicyArn": arn}));
    sb.ok("PutRolePolicy", json!({"RoleName": "r", "PolicyName": "i", "PolicyDocument": DDB_READ}));
    let before = (sb.ok("GetRole", json!({"RoleName": "r"})), sb.ok("GetPolicy", json!({"PolicyArn": arn})), sb.ok("ListAttachedRolePolicies", json!({"RoleName": "r"})));
    let records = sb.e.snapshot();
    assert!(records.iter().any(|r| r.key == "iam/global/role/r"));
    assert!(records.iter().any(|r| r.key == "iam/global/policy/p"));
    let mut restored = Sb { e: Engine::restore(EngineConfig::default(), sb.t, records).unwrap(), t: sb.t };
    let after =
        (restored.ok("GetRole", json!({"RoleName": "r"})), restored.ok("GetPolicy", json!({"PolicyArn": arn})), restored.ok("ListAttachedRolePolicies", json!({"RoleName": "r"})));
    assert_eq!(before, after);
    assert_eq!(restored.ok("ListRolePolicies", json!({"RoleName": "r"}))["PolicyNames"], json!(["i"]));
}

#[test]
fn groups_have_members_policies_and_conflicts() {
    let mut sb = Sb::new();
    let g = sb.ok("CreateGroup", json!({"GroupName": "devs", "Path": "/eng/"}));
    assert!(g["Group"]["GroupId"].as_str().unwrap().starts_with("AGPA"));
    assert_eq!(g["Group"]["Arn"], "arn:aws:iam::123456789012:group/eng/devs");
    sb.ok("CreateGroup", json!({"GroupName": "ops"}));
    assert_eq!(sb.err("CreateGroup", json!({"GroupName": "DEVS"})), ("EntityAlreadyExists".into(), "Group with name DEVS already exists.".into(), 409));
    assert_eq!(sb.err("CreateGroup", json!({"GroupName": "x", "Tags": [{"Key": "k", "Value": "v"}]})).0, "ValidationError");
    // ListGroups: path prefix and paging.
    assert_eq!(sb.ok("ListGroups", json!({"PathPrefix": "/eng/"}))["Groups"].as_array().unwrap().len(), 1);
    let p1 = sb.ok("ListGroups", json!({"MaxItems": 1}));
    assert_eq!((p1["Groups"][0]["GroupName"].clone(), p1["IsTruncated"].clone()), (json!("devs"), json!(true)));
    let p2 = sb.ok("ListGroups", json!({"MaxItems": 1, "Marker": p1["Marker"]}));
    assert_eq!(p2["Groups"][0]["GroupName"], "ops");
    assert_eq!(p2["IsTruncated"], false);
    // Membership.
    sb.ok("CreateUser", json!({"UserName": "alice"}));
    sb.ok("CreateUser", json!({"UserName": "bob"}));
    sb.ok("AddUserToGroup", json!({"GroupName": "devs", "UserName": "alice"}));
    sb.ok("AddUserToGroup", json!({"GroupName": "devs", "UserName": "ALICE"})); // already a member: no change
    sb.ok("AddUserToGroup", json!({"GroupName": "devs", "UserName": "bob"}));
    sb.ok("AddUserToGroup", json!({"GroupName": "ops", "UserName": "alice"}));
    let got = sb.ok("GetGroup", json!({"GroupName": "devs"}));
    assert_eq!(got["Group"]["GroupName"], "devs");
    let users: Vec<&str> = got["Users"].as_array().unwrap().iter().map(|u| u["UserName"].as_str().unwrap()).collect();
    assert_eq!(users, ["alice", "bob"]);
    assert_eq!(got["IsTruncated"], false);
    let got = sb.ok("GetGroup", json!({"GroupName": "devs", "MaxItems": 1}));
    assert_eq!(got["Users"].as_array().unwrap().len(), 1);
    assert_eq!(got["IsTruncated"], true);
    let of_alice: Vec<String> =
        sb.ok("ListGroupsForUser", json!({"UserName": "alice"}))["Groups"].as_array().unwrap().iter().map(|g| g["GroupName"].as_str().unwrap().to_string()).collect();
    assert_eq!(of_alice, ["devs", "ops"]);
    assert_eq!(sb.err("AddUserToGroup", json!({"GroupName": "nope", "UserName": "alice"})).1, "The group with name nope cannot be found.");
    assert_eq!(sb.err("AddUserToGroup", json!({"GroupName": "devs", "UserName": "carol"})).1, "The user with name carol cannot be found.");
    // Policies, attached and inline.
    sb.ok("AttachGroupPolicy", json!({"GroupName": "devs", "PolicyArn": "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"}));
    sb.ok("PutGroupPolicy", json!({"GroupName": "devs", "PolicyName": "ddb", "PolicyDocument": DDB_READ}));
    assert_eq!(sb.ok("ListAttachedGroupPolicies", json!({"GroupName": "devs"}))["AttachedPolicies"][0]["PolicyName"], "AmazonS3ReadOnlyAccess");
    assert_eq!(sb.ok("ListGroupPolicies", json!({"GroupName": "devs"}))["PolicyNames"], json!(["ddb"]));
    let gp = sb.ok("GetGroupPolicy", json!({"GroupName": "devs", "PolicyName": "ddb"}));
    assert_eq!((gp["GroupName"].clone(), url_decode(gp["PolicyDocument"].as_str().unwrap())), (json!("devs"), DDB_READ.to_string()));
    assert_eq!(sb.err("GetGroupPolicy", json!({"GroupName": "devs", "PolicyName": "zz"})).1, "The group policy with name zz cannot be found.");
    let ents = sb.ok("ListEntitiesForPolicy", json!({"PolicyArn": "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"}));
    assert_eq!(ents["PolicyGroups"], json!([{"GroupName": "devs", "GroupId": g["Group"]["GroupId"]}]));
    // The simulator applies alice's groups' policies to her.
    let sim = sb.ok(
        "SimulatePrincipalPolicy",
        json!({"PolicySourceArn": "arn:aws:iam::123456789012:user/alice", "ActionNames": ["dynamodb:GetItem", "s3:GetObject", "sqs:SendMessage"], "ResourceArns": ["arn:aws:dynamodb:us-east-1:123456789012:table/Books"]}),
    );
    let r = sim["EvaluationResults"].as_array().unwrap();
    assert_eq!(r[0]["EvalDecision"], "allowed");
    assert_eq!(r[0]["MatchedStatements"][0]["SourcePolicyId"], "ddb");
    assert_eq!(r[0]["MatchedStatements"][0]["SourcePolicyType"], "group");
    assert_eq!(r[1]["EvalDecision"], "allowed");
    assert_eq!(r[1]["MatchedStatements"][0]["SourcePolicyType"], "aws-managed");
    assert_eq!(r[2]["EvalDecision"], "implicitDeny");
    // A group can be the simulated principal too.
    let sim = sb.ok("SimulatePrincipalPolicy", json!({"PolicySourceArn": "arn:aws:iam::123456789012:group/eng/devs", "ActionNames": ["dynamodb:Query"], "ResourceArns": ["arn:aws:dynamodb:us-east-1:123456789012:table/Books"]}));
    assert_eq!(sim["EvaluationResults"][0]["EvalDecision"], "allowed");
    // Conflicts: a user in a group, a group with users or policies.
    assert_eq!(sb.err("DeleteUser", json!({"UserName": "bob"})), ("DeleteConflict".into(), "Cannot delete entity, must remove users from group first.".into(), 409));
    assert_eq!(sb.err("DeleteGroup", json!({"GroupName": "devs"})).0, "DeleteConflict");
    sb.ok("RemoveUserFromGroup", json!({"GroupName": "devs", "UserName": "bob"}));
    assert_eq!(sb.err("RemoveUserFromGroup", json!({"GroupName": "devs", "UserName": "bob"})).0, "NoSuchEntity");
    sb.ok("DeleteUser", json!({"UserName": "bob"}));
    sb.ok("RemoveUserFromGroup", json!({"GroupName": "devs", "UserName": "alice"}));
    assert_eq!(sb.err("DeleteGroup", json!({"GroupName": "devs"})).1, "Cannot delete entity, must detach all policies first.");
    sb.ok("DetachGroupPolicy", json!({"GroupName": "devs", "PolicyArn": "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"}));
    assert_eq!(sb.err("DeleteGroup", json!({"GroupName": "devs"})).1, "Cannot delete entity, must delete policies first.");
    sb.ok("DeleteGroupPolicy", json!({"GroupName": "devs", "PolicyName": "ddb"}));
    sb.ok("DeleteGroup", json!({"GroupName": "devs"}));
    let group_trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:group/ops"},"Action":"sts:AssumeRole"}]}"#;
    assert_eq!(
        sb.err("CreateRole", json!({"RoleName": "r", "AssumeRolePolicyDocument": group_trust})),
        ("MalformedPolicyDocument".into(), "Invalid principal in policy: \"AWS\":\"arn:aws:iam::123456789012:group/ops\"".into(), 400)
    );
    assert_eq!(sb.err("GetGroup", json!({"GroupName": "devs"})).1, "The group with name devs cannot be found.");
}

#[test]
fn groups_per_user_quota_and_restore() {
    let mut sb = Sb::new();
    sb.ok("CreateUser", json!({"UserName": "u"}));
    for i in 0..11 {
        sb.ok("CreateGroup", json!({"GroupName": format!("g{i:02}")}));
    }
    for i in 0..10 {
        sb.ok("AddUserToGroup", json!({"GroupName": format!("g{i:02}"), "UserName": "u"}));
    }
    assert_eq!(sb.err("AddUserToGroup", json!({"GroupName": "g10", "UserName": "u"})), ("LimitExceeded".into(), "Cannot exceed quota for GroupsPerUser: 10".into(), 409));
    sb.ok("PutGroupPolicy", json!({"GroupName": "g00", "PolicyName": "p", "PolicyDocument": DDB_READ}));
    let before = (sb.ok("GetGroup", json!({"GroupName": "g00"})), sb.ok("ListGroupsForUser", json!({"UserName": "u"})));
    let records = sb.e.snapshot();
    assert!(records.iter().any(|r| r.key == "iam/global/group/g00"));
    let mut restored = Sb { e: Engine::restore(EngineConfig::default(), sb.t, records).unwrap(), t: sb.t };
    let after = (restored.ok("GetGroup", json!({"GroupName": "g00"})), restored.ok("ListGroupsForUser", json!({"UserName": "u"})));
    assert_eq!(before, after);
    assert_eq!(restored.ok("ListGroupPolicies", json!({"GroupName": "g00"}))["PolicyNames"], json!(["p"]));
    assert_eq!(restored.err("DeleteUser", json!({"UserName": "u"})).0, "DeleteConflict");
}
