"""Cognito user pools through boto3 (`cognito-idp`) against `gureum serve`: sign-up with the code
read from the simulated inbox (`ses:*Inbox*` control operations), confirmation, USER_PASSWORD_AUTH,
refresh, admin operations, groups in tokens, errors as AWS words them, the JWKS at
`/{poolId}/.well-known/jwks.json`, and USER_SRP_AUTH with pycognito (unchanged) whose tokens
pycognito's own verifier accepts against that JWKS."""
import base64
import hashlib
import hmac
import json
import re
import urllib.request

import pytest
from botocore.exceptions import ClientError

from conftest import error_of

PW = "Passw0rd!"


@pytest.fixture
def idp(server):
    return server.client(service="cognito-idp")


def code_from_inbox(server, address):
    messages = server.control("ses:ListInboxMessages", {"Mailbox": address})["Messages"]
    assert messages, f"no mail for {address}"
    full = server.control("ses:GetInboxMessage", {"Id": messages[0]["Id"]})
    return re.search(r"\b(\d{6})\b", full["Text"]).group(1)


def claims(token):
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def pool_and_client(idp, **client_args):
    pool = idp.create_user_pool(PoolName="app", AutoVerifiedAttributes=["email"])["UserPool"]["Id"]
    client = idp.create_user_pool_client(
        UserPoolId=pool, ClientName="web",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        **client_args,
    )["UserPoolClient"]
    return pool, client


def test_sign_up_confirm_sign_in_refresh(idp, server):
    pool, client = pool_and_client(idp)
    cid = client["ClientId"]
    out = idp.sign_up(ClientId=cid, Username="alice", Password=PW, UserAttributes=[{"Name": "email", "Value": "alice@example.com"}])
    assert out["UserConfirmed"] is False
    assert out["CodeDeliveryDetails"] == {"Destination": "a***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}
    code = code_from_inbox(server, "alice@example.com")

    with pytest.raises(ClientError) as e:
        idp.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "alice", "PASSWORD": PW})
    assert error_of(e)[0] == "UserNotConfirmedException"
    with pytest.raises(ClientError) as e:
        idp.confirm_sign_up(ClientId=cid, Username="alice", ConfirmationCode="000000" if code != "000000" else "111111")
    assert error_of(e)[:2] == ("CodeMismatchException", "Invalid verification code provided, please try again.")
    idp.confirm_sign_up(ClientId=cid, Username="alice", ConfirmationCode=code)

    with pytest.raises(ClientError) as e:
        idp.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "alice", "PASSWORD": "Wrong0rd!"})
    assert error_of(e) == ("NotAuthorizedException", "Incorrect username or password.", 400)

    result = idp.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "alice", "PASSWORD": PW})["AuthenticationResult"]
    assert result["TokenType"] == "Bearer" and result["ExpiresIn"] == 3600
    id_claims = claims(result["IdToken"])
    assert id_claims["iss"] == f"https://cognito-idp.us-east-1.amazonaws.com/{pool}"
    assert id_claims["aud"] == cid and id_claims["token_use"] == "id" and id_claims["email_verified"] is True
    assert claims(result["AccessToken"])["scope"] == "aws.cognito.signin.user.admin"

    me = idp.get_user(AccessToken=result["AccessToken"])
    assert me["Username"] == "alice"
    assert {"Name": "email", "Value": "alice@example.com"} in me["UserAttributes"]

    refreshed = idp.initiate_auth(ClientId=cid, AuthFlow="REFRESH_TOKEN_AUTH", AuthParameters={"REFRESH_TOKEN": result["RefreshToken"]})["AuthenticationResult"]
    assert "RefreshToken" not in refreshed
    assert claims(refreshed["IdToken"])["origin_jti"] == id_claims["origin_jti"]

    idp.global_sign_out(AccessToken=result["AccessToken"])
    with pytest.raises(ClientError) as e:
        idp.get_user(AccessToken=result["AccessToken"])
    assert error_of(e)[:2] == ("NotAuthorizedException", "Access Token has been revoked")


def test_admin_users_groups_and_errors(idp, server):
    pool, client = pool_and_client(idp, GenerateSecret=True)
    cid, secret = client["ClientId"], client["ClientSecret"]
    idp.create_group(UserPoolId=pool, GroupName="admins", Precedence=1)
    created = idp.admin_create_user(
        UserPoolId=pool, Username="bob", TemporaryPassword="Temp0rary!", MessageAction="SUPPRESS",
        UserAttributes=[{"Name": "email", "Value": "bob@example.com"}, {"Name": "email_verified", "Value": "true"}],
    )["User"]
    assert created["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    idp.admin_add_user_to_group(UserPoolId=pool, Username="bob", GroupName="admins")
    assert [g["GroupName"] for g in idp.admin_list_groups_for_user(UserPoolId=pool, Username="bob")["Groups"]] == ["admins"]

    def secret_hash(user):
        return base64.b64encode(hmac.new(secret.encode(), (user + cid).encode(), hashlib.sha256).digest()).decode()

    with pytest.raises(ClientError) as e:
        idp.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "bob", "PASSWORD": "Temp0rary!"})
    assert error_of(e)[:2] == ("NotAuthorizedException", f"Client {cid} is configured with secret but SECRET_HASH was not received")
    challenge = idp.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "bob", "PASSWORD": "Temp0rary!", "SECRET_HASH": secret_hash("bob")})
    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    done = idp.respond_to_auth_challenge(
        ClientId=cid, ChallengeName="NEW_PASSWORD_REQUIRED", Session=challenge["Session"],
        ChallengeResponses={"USERNAME": "bob", "NEW_PASSWORD": "N3w-Password", "SECRET_HASH": secret_hash("bob")},
    )
    assert claims(done["AuthenticationResult"]["IdToken"])["cognito:groups"] == ["admins"]
    assert claims(done["AuthenticationResult"]["AccessToken"])["cognito:groups"] == ["admins"]

    users = idp.list_users(UserPoolId=pool, Filter='email ^= "bob"')["Users"]
    assert [u["Username"] for u in users] == ["bob"] and users[0]["UserStatus"] == "CONFIRMED"

    with pytest.raises(ClientError) as e:
        idp.admin_create_user(UserPoolId=pool, Username="bob", MessageAction="SUPPRESS")
    assert error_of(e)[0] == "UsernameExistsException"
    with pytest.raises(ClientError) as e:
        idp.admin_set_user_password(UserPoolId=pool, Username="bob", Password="short", Permanent=True)
    assert error_of(e)[:2] == ("InvalidPasswordException", "Password did not conform with policy: Password not long enough")
    with pytest.raises(ClientError) as e:
        idp.admin_get_user(UserPoolId=pool, Username="nobody")
    assert error_of(e) == ("UserNotFoundException", "User does not exist.", 400)
    with pytest.raises(ClientError) as e:
        idp.describe_user_pool(UserPoolId="us-east-1_missing1")
    assert error_of(e)[0] == "ResourceNotFoundException"

    # Forgot password: the code goes to the verified email.
    idp.forgot_password(ClientId=cid, Username="bob", SecretHash=secret_hash("bob"))
    code = code_from_inbox(server, "bob@example.com")
    idp.confirm_forgot_password(ClientId=cid, Username="bob", ConfirmationCode=code, Password="Rec0vered!", SecretHash=secret_hash("bob"))
    idp.initiate_auth(ClientId=cid, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "bob", "PASSWORD": "Rec0vered!", "SECRET_HASH": secret_hash("bob")})

    idp.admin_delete_user(UserPoolId=pool, Username="bob")
    assert idp.list_users(UserPoolId=pool)["Users"] == []


def test_jwks_endpoint_and_pycognito_srp(idp, server):
    pycognito = pytest.importorskip("pycognito")
    from pycognito.aws_srp import AWSSRP

    pool, client = pool_and_client(idp)
    cid = client["ClientId"]
    idp.sign_up(ClientId=cid, Username="carol", Password=PW, UserAttributes=[{"Name": "email", "Value": "carol@example.com"}])
    idp.confirm_sign_up(ClientId=cid, Username="carol", ConfirmationCode=code_from_inbox(server, "carol@example.com"))

    with urllib.request.urlopen(f"{server.url}/{pool}/.well-known/jwks.json", timeout=10) as resp:
        jwks = json.loads(resp.read())
    assert jwks["keys"][0]["alg"] == "RS256" and jwks["keys"][0]["kty"] == "RSA"
    with urllib.request.urlopen(f"{server.url}/{pool}/.well-known/openid-configuration", timeout=10) as resp:
        assert json.loads(resp.read())["issuer"] == f"https://cognito-idp.us-east-1.amazonaws.com/{pool}"

    tokens = AWSSRP(username="carol", password=PW, pool_id=pool, client_id=cid, client=idp).authenticate_user()
    result = tokens["AuthenticationResult"]
    assert claims(result["IdToken"])["cognito:username"] == "carol"

    # pycognito's own verifier (PyJWT, RS256, aud, iss, token_use) against the served JWKS.
    c = pycognito.Cognito(pool, cid, id_token=result["IdToken"], access_token=result["AccessToken"], refresh_token=result["RefreshToken"])
    c.pool_jwk = jwks
    c.verify_tokens()
    assert c.id_claims["email"] == "carol@example.com"

    with pytest.raises(ClientError) as e:
        AWSSRP(username="carol", password="Wrong0rd!", pool_id=pool, client_id=cid, client=idp).authenticate_user()
    assert error_of(e)[:2] == ("NotAuthorizedException", "Incorrect username or password.")
