//! AWS managed policies as data: the ones a learner of this sandbox's services attaches, with
//! their real ARNs (`arn:aws:iam::aws:policy/...`, `service-role/` where AWS puts them) and
//! documents from the AWS Managed Policy Reference.
//!
//! Departures, said here once: `AmazonDynamoDBFullAccess` and `AmazonDynamoDBReadOnlyAccess` are
//! trimmed to their DynamoDB and DAX statements (AWS's also grant CloudWatch, Data Pipeline, EC2,
//! SNS, Lambda and IAM actions for the console); `ReadOnlyAccess` is left out (thousands of
//! actions). Policy ids are the sandbox's (AWS's are not published), derived from the ARN so they
//! never change. Versions and dates are the reference's for AWSLambdaDynamoDBExecutionRole,
//! AmazonDynamoDBReadOnlyAccess, AmazonSQSReadOnlyAccess and AWSStepFunctionsFullAccess (checked
//! against it); the others' may lag the reference (their documents are the long-standing ones).

use super::policy::{Policy, PolicyKind};

pub struct AwsManaged {
    pub name: &'static str,
    pub path: &'static str,
    pub version: &'static str,
    pub created: &'static str,
    pub updated: &'static str,
    pub description: &'static str,
    pub document: &'static str,
}

impl AwsManaged {
    pub fn arn(&self) -> String {
        format!("arn:aws:iam::aws:policy{}{}", self.path, self.name)
    }

    /// A stable id in IAM's form (`ANPA` + 17 characters), from the ARN.
    pub fn id(&self) -> String {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(self.arn().as_bytes());
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        let tail: String = digest.iter().take(17).map(|b| ALPHABET[(*b as usize) % 32] as char).collect();
        format!("ANPA{tail}")
    }

    pub fn parsed(&self) -> Option<Policy> {
        Policy::parse(self.document, PolicyKind::Identity).ok()
    }
}

pub static POLICIES: &[AwsManaged] = &[
    AwsManaged {
        name: "AdministratorAccess",
        path: "/",
        version: "v1",
        created: "2015-02-06T18:39:46Z",
        updated: "2015-02-06T18:39:46Z",
        description: "Provides full access to AWS services and resources.",
        document: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
    },
    AwsManaged {
        name: "AWSLambdaBasicExecutionRole",
        path: "/service-role/",
        version: "v1",
        created: "2015-04-09T15:03:43Z",
        updated: "2015-04-09T15:03:43Z",
        description: "Provides write permissions to CloudWatch Logs.",
        document: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["logs:CreateLogGroup","logs:CreateLogStream","logs:PutLogEvents"],"Resource":"*"}]}"#,
    },
    AwsManaged {
        name: "AWSLambdaDynamoDBExecutionRole",
        path: "/service-role/",
        version: "v1",
        created: "2015-04-09T15:09:00Z",
        updated: "2015-04-09T15:09:00Z",
        description: "Provides list and read access to DynamoDB streams and write permissions to CloudWatch logs.",
        document: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["dynamodb:DescribeStream","dynamodb:GetRecords","dynamodb:GetShardIterator","dynamodb:ListStreams","logs:CreateLogGroup","logs:CreateLogStream","logs:PutLogEvents"],"Resource":"*"}]}"#,
    },
    AwsManaged {
        name: "AmazonDynamoDBFullAccess",
        path: "/",
        version: "v1",
        created: "2015-02-06T18:40:11Z",
        updated: "2015-02-06T18:40:11Z",
        description: "Provides full access to Amazon DynamoDB via the AWS Management Console.",
        document: r#"{"Version":"2012-10-17","Statement":[{"Action":["dynamodb:*","dax:*"],"Effect":"Allow","Resource":"*"}]}"#,
    },
    AwsManaged {
        name: "AmazonDynamoDBReadOnlyAccess",
        path: "/",
        version: "v15",
        created: "2015-02-06T18:40:00Z",
        updated: "2024-11-18T17:38:00Z",
        description: "Provides read only access to Amazon DynamoDB via the AWS Management Console.",
        document: r#"{"Version":"2012-10-17","Statement":[{"Sid":"GeneralReadOnlyAccess","Action":["dynamodb:BatchGetItem","dynamodb:Describe*","dynamodb:List*","dynamodb:GetAbacStatus","dynamodb:GetItem","dynamodb:GetResourcePolicy","dynamodb:Query","dynamodb:Scan","dynamodb:PartiQLSelect","dax:Describe*","dax:List*","dax:GetItem","dax:BatchGetItem","dax:Query","dax:Scan"],"Effect":"Allow","Resource":"*"}]}"#,
    },
    AwsManaged {
        name: "AmazonS3FullAccess",
        path: "/",
        version: "v2",
        created: "2015-02-06T18:40:58Z",
        updated: "2021-09-27T20:16:37Z",
        description: "Provides full access to all buckets via the AWS Management Console.",
        document: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*","s3-object-lambda:*"],"Resource":"*"}]}"#,
    },
    AwsManaged {
        name: "AmazonS3ReadOnlyAccess",
        path: "/",
        version: "v3",
        created: "2015-02-06T18:40:59Z",
        updated: "2023-08-10T21:31:39Z",
        description: "Provides read only access to all buckets via the AWS Management Console.",
        document: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","s3:List*","s3:Describe*","s3-object-lambda:Get*","s3-object-lambda:List*"],"Resource":"*"}]}"#,
    },
    AwsManaged {
        name: "AmazonSQSFullAccess",
        path: "/",
        version: "v1",
        created: "2015-02-06T18:41:07Z",
        updated: "2015-02-06T18:41:07Z",
        description: "Provides full access to Amazon SQS via the AWS Management Console.",
        document: r#"{"Version":"2012-10-17","Statement":[{"Action":["sqs:*"],"Effect":"Allow","Resource":"*"}]}"#,
    },
    AwsManaged {
        name: "AmazonSQSReadOnlyAccess",
        path: "/",
        version: "v4",
        created: "2015-02-06T18:41:00Z",
        updated: "2024-05-24T18:16:00Z",
        description: "Provides read only access to Amazon SQS via the AWS Management Console.",
        document: r#"{"Version":"2012-10-17","Statement":[{"Sid":"AmazonSQSReadOnlyAccess","Effect":"Allow","Action":["sqs:GetQueueAttributes","sqs:GetQueueUrl","sqs:ListDeadLetterSourceQueues","sqs:ListQueues","sqs:ListMessageMoveTasks","sqs:ListQueueTags"],"Resource":"*"}]}"#,
    },
    AwsManaged {
        name: "AmazonKinesisFullAccess",
        path: "/",
        version: "v1",
        created: "2015-02-06T18:40:26Z",
        updated: "2015-02-06T18:40:26Z",
        description: "Provides full access to all streams via the AWS Management Console.",
        document: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kinesis:*","Resource":"*"}]}"#,
    },
    AwsManaged {
        name: "AWSStepFunctionsFullAccess",
        path: "/",
        version: "v1",
        created: "2017-01-11T21:51:00Z",
        updated: "2017-01-11T21:51:00Z",
        description: "An access policy for providing a user/role/etc access to the AWS StepFunctions API. For full access, in addition to this policy, a user MUST have iam:PassRole permission on at least one IAM role that can be assumed by the service.",
        document: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"states:*","Resource":"*"}]}"#,
    },
    AwsManaged {
        name: "AmazonAPIGatewayInvokeFullAccess",
        path: "/",
        version: "v1",
        created: "2015-07-09T18:29:38Z",
        updated: "2015-07-09T18:29:38Z",
        description: "Provides full access to invoke APIs in Amazon API Gateway.",
        document: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["execute-api:Invoke","execute-api:ManageConnections"],"Resource":"arn:aws:execute-api:*:*:*"}]}"#,
    },
];

pub fn by_arn(arn: &str) -> Option<&'static AwsManaged> {
    let rest = arn.strip_prefix("arn:aws:iam::aws:policy")?;
    POLICIES.iter().find(|p| p.path.len() + p.name.len() == rest.len() && rest.starts_with(p.path) && rest.ends_with(p.name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_managed_document_parses_and_arns_resolve() {
        for p in POLICIES {
            assert!(p.parsed().is_some(), "{}", p.name);
            assert_eq!(by_arn(&p.arn()).unwrap().name, p.name);
            assert_eq!(p.id().len(), 21);
        }
        assert_eq!(POLICIES[1].arn(), "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole");
        assert!(by_arn("arn:aws:iam::aws:policy/AWSLambdaBasicExecutionRole").is_none());
    }
}
