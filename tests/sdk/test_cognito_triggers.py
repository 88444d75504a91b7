"""Cognito user pool Lambda triggers, custom authentication and TOTP MFA through boto3 against
`gureum serve`, with real JavaScript trigger functions run by the sandbox: a pre sign-up trigger
that confirms and rejects, a pre token generation trigger that adds claims, the define / create /
verify custom challenge loop, and a TOTP sign-in whose codes the test computes with Python's hmac
(RFC 6238)."""
import base64
import hashlib
import hmac
import io
import json
import struct
import zipfile

import pytest
from botocore.exceptions import ClientError

from conftest import error_of

PW = "Passw0rd!"
ROLE = "arn:aws:iam::123456789012:role/trigger-role"


@pytest.fixture
def idp(server):
    return server.client(service="cognito-idp")


@pytest.fixture
def lam(server):
    return server.client(service="lambda")


def function(server, lam, name, code):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("index.mjs", code)
    arn = lam.create_function(FunctionName=name, Runtime="nodejs20.x", Role=ROLE, Handler="index.handler", Code={"ZipFile": buf.getvalue()})["FunctionArn"]
    server.control("AdvanceClock", {"seconds": 2})
    return arn


def claims(token):
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def totp(secret, unix_s):
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", unix_s // 30), hashlib.sha1).digest()
    o = digest[-1] & 0x0F
    return "%06d" % ((struct.unpack(">I", digest[o:o + 4])[0] & 0x7FFFFFFF) % 1_000_000)


def test_pre_sign_up_and_pre_token_generation_functions(server, idp, lam):
    pre = function(server, lam, "presignup", """
export const handler = async (event) => {
  if (event.request.userAttributes.email.endsWith('@blocked.example')) throw new Error('Domain not allowed');
  event.response.autoConfirmUser = event.request.clientMetadata?.invite === 'yes';
  event.response.autoVerifyEmail = event.response.autoConfirmUser;
  return event;
};""")
    tok = function(server, lam, "claims", """
export const handler = async (event) => {
  event.response = { claimsOverrideDetails: { claimsToAddOrOverride: { tier: 'gold', source: event.triggerSource } } };
  return event;
};""")
    pool = idp.create_user_pool(PoolName="app", AutoVerifiedAttributes=["email"], LambdaConfig={"PreSignUp": pre, "PreTokenGeneration": tok})["UserPool"]
    assert pool["LambdaConfig"]["PreSignUp"] == pre
    assert idp.describe_user_pool(UserPoolId=pool["Id"])["UserPool"]["LambdaConfig"]["PreTokenGenerationConfig"] == {"LambdaArn": tok, "LambdaVersion": "V1_0"}
    cid = idp.create_user_pool_client(UserPoolId=pool["Id"], ClientName="web", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"]["ClientId"]

    with pytest.raises(ClientError) as e:
        idp.sign_up(ClientId=cid, Username="mal", Password=PW, UserAttributes=[{"Name": "email", "Value": "mal@blocked.example"}])
    assert error_of(e)[:2] == ("UserLambdaValidationException", "PreSignUp failed with error Domain not allowed.")

    out = idp.sign_up(ClientId=cid, Username="ann", Password=PW, UserAttributes=[{"Name": "email", "Value": "ann@example.com"}], ClientMetadata={"invite": "yes"})
    assert out["UserConfirmed"] is True
    tokens = idp.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "ann", "PASSWORD": PW})["AuthenticationResult"]
    c = claims(tokens["IdToken"])
    assert c["tier"] == "gold" and c["source"] == "TokenGeneration_Authentication"
    assert c["email_verified"] is True

    # The trigger's log lines are in CloudWatch Logs, as a Lambda function's are.
    logs = server.client(service="logs")
    streams = logs.describe_log_streams(logGroupName="/aws/lambda/presignup")["logStreams"]
    assert streams


def test_custom_auth_challenge_loop(server, idp, lam):
    define = function(server, lam, "define", """
export const handler = async (event) => {
  const s = event.request.session;
  const last = s[s.length - 1];
  if (last && last.challengeName === 'CUSTOM_CHALLENGE' && last.challengeResult) { event.response.issueTokens = true; event.response.failAuthentication = false; }
  else if (s.filter(c => c.challengeName === 'CUSTOM_CHALLENGE').length >= 3) { event.response.issueTokens = false; event.response.failAuthentication = true; }
  else { event.response.issueTokens = false; event.response.failAuthentication = false; event.response.challengeName = 'CUSTOM_CHALLENGE'; }
  return event;
};""")
    create = function(server, lam, "create", """
export const handler = async (event) => {
  event.response.publicChallengeParameters = { question: 'What is 6 x 7?' };
  event.response.privateChallengeParameters = { answer: '42' };
  event.response.challengeMetadata = 'QUIZ';
  return event;
};""")
    verify = function(server, lam, "verify", """
export const handler = async (event) => {
  event.response.answerCorrect = event.request.privateChallengeParameters.answer === event.request.challengeAnswer;
  return event;
};""")
    pool = idp.create_user_pool(PoolName="quiz", LambdaConfig={"DefineAuthChallenge": define, "CreateAuthChallenge": create, "VerifyAuthChallengeResponse": verify})["UserPool"]["Id"]
    cid = idp.create_user_pool_client(UserPoolId=pool, ClientName="web", ExplicitAuthFlows=["ALLOW_CUSTOM_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"]["ClientId"]
    idp.admin_create_user(UserPoolId=pool, Username="bob", MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=pool, Username="bob", Password=PW, Permanent=True)

    r = idp.initiate_auth(ClientId=cid, AuthFlow="CUSTOM_AUTH", AuthParameters={"USERNAME": "bob"})
    assert r["ChallengeName"] == "CUSTOM_CHALLENGE"
    assert r["ChallengeParameters"] == {"question": "What is 6 x 7?", "USERNAME": "bob"}
    r = idp.respond_to_auth_challenge(ClientId=cid, ChallengeName="CUSTOM_CHALLENGE", Session=r["Session"], ChallengeResponses={"USERNAME": "bob", "ANSWER": "41"})
    assert r["ChallengeName"] == "CUSTOM_CHALLENGE"
    r = idp.respond_to_auth_challenge(ClientId=cid, ChallengeName="CUSTOM_CHALLENGE", Session=r["Session"], ChallengeResponses={"USERNAME": "bob", "ANSWER": "42"})
    assert claims(r["AuthenticationResult"]["AccessToken"])["username"] == "bob"

    r = idp.initiate_auth(ClientId=cid, AuthFlow="CUSTOM_AUTH", AuthParameters={"USERNAME": "bob"})
    for _ in range(2):
        r = idp.respond_to_auth_challenge(ClientId=cid, ChallengeName="CUSTOM_CHALLENGE", Session=r["Session"], ChallengeResponses={"USERNAME": "bob", "ANSWER": "0"})
    with pytest.raises(ClientError) as e:
        idp.respond_to_auth_challenge(ClientId=cid, ChallengeName="CUSTOM_CHALLENGE", Session=r["Session"], ChallengeResponses={"USERNAME": "bob", "ANSWER": "0"})
    assert error_of(e)[:2] == ("NotAuthorizedException", "Incorrect username or password.")


def test_totp_mfa_sign_in(server, idp):
    pool = idp.create_user_pool(PoolName="mfa")["UserPool"]["Id"]
    idp.set_user_pool_mfa_config(UserPoolId=pool, SoftwareTokenMfaConfiguration={"Enabled": True}, MfaConfiguration="ON")
    assert idp.get_user_pool_mfa_config(UserPoolId=pool)["MfaConfiguration"] == "ON"
    cid = idp.create_user_pool_client(UserPoolId=pool, ClientName="web", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"]["ClientId"]
    idp.admin_create_user(UserPoolId=pool, Username="cat", MessageAction="SUPPRESS")
    idp.admin_set_user_password(UserPoolId=pool, Username="cat", Password=PW, Permanent=True)
    server.control("PauseClock", {})

    def now():
        return int(server.control("GetClock", {})["now"]) // 1000

    r = idp.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "cat", "PASSWORD": PW})
    assert r["ChallengeName"] == "MFA_SETUP"
    a = idp.associate_software_token(Session=r["Session"])
    secret = a["SecretCode"]
    v = idp.verify_software_token(Session=a["Session"], UserCode=totp(secret, now()), FriendlyDeviceName="phone")
    assert v["Status"] == "SUCCESS"
    r = idp.respond_to_auth_challenge(ClientId=cid, ChallengeName="MFA_SETUP", Session=v["Session"], ChallengeResponses={"USERNAME": "cat"})
    assert "AccessToken" in r["AuthenticationResult"]

    server.control("AdvanceClock", {"seconds": 30})
    r = idp.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "cat", "PASSWORD": PW})
    assert r["ChallengeName"] == "SOFTWARE_TOKEN_MFA"
    with pytest.raises(ClientError) as e:
        idp.respond_to_auth_challenge(ClientId=cid, ChallengeName="SOFTWARE_TOKEN_MFA", Session=r["Session"],
                                      ChallengeResponses={"USERNAME": "cat", "SOFTWARE_TOKEN_MFA_CODE": totp(secret, now() - 600)})
    assert error_of(e)[0] == "CodeMismatchException"
    r = idp.respond_to_auth_challenge(ClientId=cid, ChallengeName="SOFTWARE_TOKEN_MFA", Session=r["Session"],
                                      ChallengeResponses={"USERNAME": "cat", "SOFTWARE_TOKEN_MFA_CODE": totp(secret, now())})
    assert "IdToken" in r["AuthenticationResult"]
    user = idp.admin_get_user(UserPoolId=pool, Username="cat")
    assert user["PreferredMfaSetting"] == "SOFTWARE_TOKEN_MFA"
