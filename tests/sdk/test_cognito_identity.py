"""Cognito identity pools through boto3 (`cognito-identity`, `sts`) against `gureum serve`: a user
pool sign-in, GetId and GetCredentialsForIdentity (both unsigned, as botocore sends them), then
SigV4-signed DynamoDB calls with the identity's temporary credentials that reach only the user's
own partition (`dynamodb:LeadingKeys` = `${cognito-identity.amazonaws.com:sub}`); guests; the
classic flow (GetOpenIdToken + an unsigned STS AssumeRoleWithWebIdentity); and the errors."""
import json

import boto3
import pytest
from botocore.exceptions import ClientError

from conftest import NO_RETRIES, error_of, make_table

ACCOUNT = "123456789012"
PW = "Passw0rd!"


def trust(pool_id, amr):
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow",
        "Principal": {"Federated": "cognito-identity.amazonaws.com"},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {
            "StringEquals": {"cognito-identity.amazonaws.com:aud": pool_id},
            "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": amr},
        },
    }]})


OWN_ITEMS = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow",
    "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"],
    "Resource": f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/Notes",
    "Condition": {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["${cognito-identity.amazonaws.com:sub}"]}},
}]})


def unsigned(server, service):
    """A client with no credentials at all (botocore signs nothing)."""
    from botocore import UNSIGNED
    from botocore.config import Config
    return boto3.client(service, endpoint_url=server.url, region_name="us-east-1", config=NO_RETRIES.merge(Config(signature_version=UNSIGNED)))


def signed(server, service, key, secret, token):
    return boto3.client(
        service, endpoint_url=server.url, region_name="us-east-1", config=NO_RETRIES,
        aws_access_key_id=key, aws_secret_access_key=secret, aws_session_token=token,
    )


@pytest.fixture
def setup(server):
    idp = server.client(service="cognito-idp")
    pool = idp.create_user_pool(PoolName="app")["UserPool"]["Id"]
    client = idp.create_user_pool_client(UserPoolId=pool, ClientName="web", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"]["ClientId"]
    provider = f"cognito-idp.us-east-1.amazonaws.com/{pool}"
    ci = server.client(service="cognito-identity")
    ipool = ci.create_identity_pool(
        IdentityPoolName="app", AllowUnauthenticatedIdentities=True,
        CognitoIdentityProviders=[{"ProviderName": provider, "ClientId": client}],
    )["IdentityPoolId"]
    iam = server.client(service="iam")
    iam.create_role(RoleName="auth", AssumeRolePolicyDocument=trust(ipool, "authenticated"))
    iam.put_role_policy(RoleName="auth", PolicyName="own", PolicyDocument=OWN_ITEMS)
    iam.create_role(RoleName="guest", AssumeRolePolicyDocument=trust(ipool, "unauthenticated"))
    iam.put_role_policy(RoleName="guest", PolicyName="list", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["dynamodb:ListTables", "firehose:ListDeliveryStreams"], "Resource": "*"}]}))
    ci.set_identity_pool_roles(IdentityPoolId=ipool, Roles={
        "authenticated": f"arn:aws:iam::{ACCOUNT}:role/auth", "unauthenticated": f"arn:aws:iam::{ACCOUNT}:role/guest"})
    make_table(server.client(), "Notes")
    return {"idp": idp, "pool": pool, "client": client, "provider": provider, "ipool": ipool}


def sign_in(s, name):
    idp = s["idp"]
    try:
        idp.admin_get_user(UserPoolId=s["pool"], Username=name)
    except ClientError:
        idp.admin_create_user(UserPoolId=s["pool"], Username=name, MessageAction="SUPPRESS")
        idp.admin_set_user_password(UserPoolId=s["pool"], Username=name, Password=PW, Permanent=True)
    out = idp.initiate_auth(ClientId=s["client"], AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": name, "PASSWORD": PW})
    return out["AuthenticationResult"]["IdToken"]


def test_each_user_reads_and_writes_only_their_own_items(server, setup):
    ci = unsigned(server, "cognito-identity")
    s = setup
    ids = {}
    creds = {}
    for user in ["alice", "bob"]:
        logins = {s["provider"]: sign_in(s, user)}
        ids[user] = ci.get_id(IdentityPoolId=s["ipool"], Logins=logins)["IdentityId"]
        out = ci.get_credentials_for_identity(IdentityId=ids[user], Logins=logins)
        assert out["IdentityId"] == ids[user]
        creds[user] = out["Credentials"]
        assert creds[user]["AccessKeyId"].startswith("ASIA")
    assert ids["alice"] != ids["bob"]
    # The same user, signed in again, gets the same identity.
    assert ci.get_id(IdentityPoolId=s["ipool"], Logins={s["provider"]: sign_in(s, "alice")})["IdentityId"] == ids["alice"]

    c = creds["alice"]
    ddb = signed(server, "dynamodb", c["AccessKeyId"], c["SecretKey"], c["SessionToken"])
    ddb.put_item(TableName="Notes", Item={"pk": {"S": ids["alice"]}, "text": {"S": "mine"}})
    assert ddb.get_item(TableName="Notes", Key={"pk": {"S": ids["alice"]}})["Item"]["text"] == {"S": "mine"}
    assert ddb.query(TableName="Notes", KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": ids["alice"]}})["Count"] == 1
    server.client().put_item(TableName="Notes", Item={"pk": {"S": ids["bob"]}, "text": {"S": "bob's"}})
    with pytest.raises(ClientError) as e:
        ddb.get_item(TableName="Notes", Key={"pk": {"S": ids["bob"]}})
    code, message, status = error_of(e)
    assert (code, status) == ("AccessDeniedException", 400)
    assert message.startswith(f"User: arn:aws:sts::{ACCOUNT}:assumed-role/auth/CognitoIdentityCredentials is not authorized to perform: dynamodb:GetItem")
    with pytest.raises(ClientError) as e:
        ddb.put_item(TableName="Notes", Item={"pk": {"S": ids["bob"]}})
    assert error_of(e)[0] == "AccessDeniedException"
    # A wrong secret does not sign.
    forged = signed(server, "dynamodb", c["AccessKeyId"], "x" * 40, c["SessionToken"])
    with pytest.raises(ClientError) as e:
        forged.get_item(TableName="Notes", Key={"pk": {"S": ids["alice"]}})
    assert error_of(e)[0] == "InvalidSignatureException"
    sts = signed(server, "sts", c["AccessKeyId"], c["SecretKey"], c["SessionToken"])
    assert sts.get_caller_identity()["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/auth/CognitoIdentityCredentials"

    # An hour of virtual time later the credentials have expired.
    server.control("AdvanceClock", {"seconds": 3601})
    with pytest.raises(ClientError) as e:
        ddb.get_item(TableName="Notes", Key={"pk": {"S": ids["alice"]}})
    assert error_of(e)[0] == "ExpiredTokenException"


def test_guests_and_errors(server, setup):
    ci = unsigned(server, "cognito-identity")
    s = setup
    guest = ci.get_id(IdentityPoolId=s["ipool"])["IdentityId"]
    c = ci.get_credentials_for_identity(IdentityId=guest)["Credentials"]
    firehose = signed(server, "firehose", c["AccessKeyId"], c["SecretKey"], c["SessionToken"])
    assert firehose.list_delivery_streams()["DeliveryStreamNames"] == []
    # AWS's scope-down session policy for guests leaves DynamoDB out, whatever the role allows.
    ddb = signed(server, "dynamodb", c["AccessKeyId"], c["SecretKey"], c["SessionToken"])
    with pytest.raises(ClientError) as e:
        ddb.list_tables()
    assert error_of(e)[0] == "AccessDeniedException"
    assert error_of(e)[1].endswith("because no session policy allows the dynamodb:ListTables action")

    with pytest.raises(ClientError) as e:
        ci.get_id(IdentityPoolId=s["ipool"], Logins={s["provider"]: "not-a-token"})
    assert error_of(e)[0] == "NotAuthorizedException"
    assert error_of(e)[1].startswith("Invalid login token.")
    with pytest.raises(ClientError) as e:
        ci.get_id(IdentityPoolId="us-east-1:00000000-0000-4000-8000-000000000000")
    assert error_of(e) == ("ResourceNotFoundException", "IdentityPool 'us-east-1:00000000-0000-4000-8000-000000000000' not found.", 400)
    # A pool whose authenticated role does not trust it.
    iam = server.client(service="iam")
    iam.update_assume_role_policy(RoleName="auth", PolicyDocument=trust("us-east-1:00000000-0000-4000-8000-000000000000", "authenticated"))
    logins = {s["provider"]: sign_in(s, "carol")}
    carol = ci.get_id(IdentityPoolId=s["ipool"], Logins=logins)["IdentityId"]
    with pytest.raises(ClientError) as e:
        ci.get_credentials_for_identity(IdentityId=carol, Logins=logins)
    assert error_of(e) == ("InvalidIdentityPoolConfigurationException", "Invalid identity pool configuration. Check assigned IAM roles for this pool.", 400)

    # Pool administration.
    admin = server.client(service="cognito-identity")
    roles = admin.get_identity_pool_roles(IdentityPoolId=s["ipool"])
    assert roles["Roles"]["authenticated"] == f"arn:aws:iam::{ACCOUNT}:role/auth"
    described = admin.describe_identity_pool(IdentityPoolId=s["ipool"])
    assert described["CognitoIdentityProviders"][0]["ProviderName"] == s["provider"]
    listed = admin.list_identities(IdentityPoolId=s["ipool"], MaxResults=60)["Identities"]
    assert {i["IdentityId"] for i in listed} == {guest, carol}
    assert admin.list_identity_pools(MaxResults=10)["IdentityPools"] == [{"IdentityPoolId": s["ipool"], "IdentityPoolName": "app"}]


def test_classic_flow_open_id_token_and_assume_role_with_web_identity(server, setup):
    ci = unsigned(server, "cognito-identity")
    s = setup
    logins = {s["provider"]: sign_in(s, "dave")}
    identity = ci.get_id(IdentityPoolId=s["ipool"], Logins=logins)["IdentityId"]
    token = ci.get_open_id_token(IdentityId=identity, Logins=logins)["Token"]
    sts = unsigned(server, "sts")
    out = sts.assume_role_with_web_identity(RoleArn=f"arn:aws:iam::{ACCOUNT}:role/auth", RoleSessionName="web", WebIdentityToken=token)
    assert out["SubjectFromWebIdentityToken"] == identity
    assert out["Audience"] == s["ipool"]
    assert out["Provider"] == "cognito-identity.amazonaws.com"
    assert out["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/auth/web"
    c = out["Credentials"]
    ddb = signed(server, "dynamodb", c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])
    ddb.put_item(TableName="Notes", Item={"pk": {"S": identity}})
    with pytest.raises(ClientError) as e:
        ddb.put_item(TableName="Notes", Item={"pk": {"S": "someone-else"}})
    assert error_of(e)[0] == "AccessDeniedException"
    # The guest role does not trust authenticated identities.
    with pytest.raises(ClientError) as e:
        sts.assume_role_with_web_identity(RoleArn=f"arn:aws:iam::{ACCOUNT}:role/guest", RoleSessionName="web", WebIdentityToken=token)
    assert error_of(e) == ("AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity", 403)
    server.control("AdvanceClock", {"seconds": 601})
    with pytest.raises(ClientError) as e:
        sts.assume_role_with_web_identity(RoleArn=f"arn:aws:iam::{ACCOUNT}:role/auth", RoleSessionName="web", WebIdentityToken=token)
    assert error_of(e)[0] == "ExpiredTokenException"
