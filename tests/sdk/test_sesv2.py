"""Amazon SES v2 through boto3's `sesv2` client against `gureum serve`.

The account is in the SES sandbox: the sender and every recipient must be verified identities
(the mailbox simulator's addresses excepted). Verification emails arrive in the simulated inbox
(`ses:*Inbox*` control operations); following their link is `ses:VerifyEmailIdentity`."""
import base64

import pytest
from botocore.exceptions import ClientError

from conftest import error_of


@pytest.fixture
def ses(server):
    return server.client(service="sesv2")


def inbox(server, mailbox):
    return server.control("ses:ListInboxMessages", {"Mailbox": mailbox})["Messages"]


def verify(ses, server, address):
    ses.create_email_identity(EmailIdentity=address)
    mail = next(m for m in inbox(server, address) if m.get("Verifies") == address)
    server.control("ses:VerifyEmailIdentity", {"Id": mail["Id"]})


def simple(subject, text="hello", html=None):
    body = {"Text": {"Data": text, "Charset": "UTF-8"}}
    if html:
        body["Html"] = {"Data": html}
    return {"Simple": {"Subject": {"Data": subject}, "Body": body}}


def test_identities_and_their_verification(ses, server):
    out = ses.create_email_identity(EmailIdentity="me@example.com", Tags=[{"Key": "team", "Value": "web"}])
    assert out["IdentityType"] == "EMAIL_ADDRESS"
    assert out["VerifiedForSendingStatus"] is False
    got = ses.get_email_identity(EmailIdentity="me@example.com")
    assert got["VerificationStatus"] == "PENDING"
    assert got["Tags"] == [{"Key": "team", "Value": "web"}]
    with pytest.raises(ClientError) as e:
        ses.create_email_identity(EmailIdentity="me@example.com")
    assert error_of(e) == ("AlreadyExistsException", "Email identity me@example.com already exist.", 400)

    [mail] = inbox(server, "me@example.com")
    assert mail["Subject"].startswith("Amazon Web Services – Email Address Verification Request")
    server.control("ses:VerifyEmailIdentity", {"Id": mail["Id"]})
    assert ses.get_email_identity(EmailIdentity="me@example.com")["VerifiedForSendingStatus"] is True

    domain = ses.create_email_identity(EmailIdentity="example.org")
    assert domain["IdentityType"] == "DOMAIN"
    assert len(domain["DkimAttributes"]["Tokens"]) == 3
    listed = ses.list_email_identities(PageSize=1)
    assert [i["IdentityName"] for i in listed["EmailIdentities"]] == ["example.org"]
    rest = ses.list_email_identities(PageSize=1, NextToken=listed["NextToken"])
    assert rest["EmailIdentities"] == [{"IdentityType": "EMAIL_ADDRESS", "IdentityName": "me@example.com", "SendingEnabled": True, "VerificationStatus": "SUCCESS"}]
    server.control("AdvanceClock", {"seconds": 11})
    assert ses.get_email_identity(EmailIdentity="example.org")["VerificationStatus"] == "SUCCESS"

    ses.delete_email_identity(EmailIdentity="example.org")
    with pytest.raises(ClientError) as e:
        ses.get_email_identity(EmailIdentity="example.org")
    assert error_of(e) == ("NotFoundException", "Email identity example.org does not exist.", 404)
    with pytest.raises(ses.exceptions.NotFoundException):
        ses.delete_email_identity(EmailIdentity="example.org")


def test_sending_in_the_sandbox(ses, server):
    verify(ses, server, "me@example.com")
    with pytest.raises(ses.exceptions.MessageRejected) as e:
        ses.send_email(FromEmailAddress="me@example.com", Destination={"ToAddresses": ["ada@example.net"]}, Content=simple("Hi"))
    assert error_of(e) == (
        "MessageRejected",
        "Email address is not verified. The following identities failed the check in region US-EAST-1: ada@example.net",
        400,
    )
    verify(ses, server, "ada@example.net")
    out = ses.send_email(
        FromEmailAddress="Me <me@example.com>", Destination={"ToAddresses": ["ada@example.net"]},
        Content=simple("Hi Ada", "plain", "<p>html</p>"),
    )
    assert out["MessageId"].startswith("0100") and out["MessageId"].endswith("-000000")
    mail = next(m for m in inbox(server, "ada@example.net") if m["Subject"] == "Hi Ada")
    assert mail["MessageId"] == out["MessageId"]
    full = server.control("ses:GetInboxMessage", {"Id": mail["Id"]})
    assert (full["From"], full["Text"], full["Html"]) == ("Me <me@example.com>", "plain", "<p>html</p>")

    # The mailbox simulator needs no verification.
    ses.send_email(FromEmailAddress="me@example.com", Destination={"ToAddresses": ["success@simulator.amazonses.com"]}, Content=simple("sim"))

    raw = b"From: me@example.com\r\nTo: ada@example.net\r\nSubject: Raw one\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<b>raw</b>\r\n"
    ses.send_email(Content={"Raw": {"Data": raw}})
    mail = next(m for m in inbox(server, "ada@example.net") if m["Subject"] == "Raw one")
    assert server.control("ses:GetInboxMessage", {"Id": mail["Id"]})["Html"] == "<b>raw</b>"

    with pytest.raises(ses.exceptions.BadRequestException):
        ses.send_email(FromEmailAddress="me@example.com", Destination={"ToAddresses": ["ada@example.net"]}, Content={})


def test_templates(ses, server):
    verify(ses, server, "me@example.com")
    content = {"Subject": "Welcome, {{name}}!", "Text": "Hi {{name}}", "Html": "<h1>Hi {{name}}</h1>"}
    ses.create_email_template(TemplateName="welcome", TemplateContent=content)
    assert ses.get_email_template(TemplateName="welcome")["TemplateContent"] == content
    assert [t["TemplateName"] for t in ses.list_email_templates()["TemplatesMetadata"]] == ["welcome"]
    rendered = ses.test_render_email_template(TemplateName="welcome", TemplateData='{"name": "Ada"}')["RenderedTemplate"]
    assert "Subject: Welcome, Ada!" in rendered
    ses.send_email(
        FromEmailAddress="me@example.com", Destination={"ToAddresses": ["me@example.com"]},
        Content={"Template": {"TemplateName": "welcome", "TemplateData": '{"name": "Ada"}'}},
    )
    assert any(m["Subject"] == "Welcome, Ada!" for m in inbox(server, "me@example.com"))
    ses.update_email_template(TemplateName="welcome", TemplateContent={"Subject": "v2", "Text": "t"})
    assert ses.get_email_template(TemplateName="welcome")["TemplateContent"] == {"Subject": "v2", "Text": "t"}
    ses.delete_email_template(TemplateName="welcome")
    with pytest.raises(ses.exceptions.NotFoundException):
        ses.get_email_template(TemplateName="welcome")
    with pytest.raises(ses.exceptions.AlreadyExistsException):
        ses.create_email_template(TemplateName="t", TemplateContent=content)
        ses.create_email_template(TemplateName="t", TemplateContent=content)


def test_account_quota(ses, server):
    account = ses.get_account()
    assert account["ProductionAccessEnabled"] is False
    assert account["SendQuota"] == {"Max24HourSend": 200.0, "MaxSendRate": 1.0, "SentLast24Hours": 0.0}
    verify(ses, server, "me@example.com")
    ses.send_email(
        FromEmailAddress="me@example.com",
        Destination={"ToAddresses": ["success@simulator.amazonses.com", "me@example.com"]},
        Content=simple("two recipients"),
    )
    assert ses.get_account()["SendQuota"]["SentLast24Hours"] == 2.0
    server.control("AdvanceClock", {"seconds": 86400})
    assert ses.get_account()["SendQuota"]["SentLast24Hours"] == 0.0


def test_inbox_survives_a_restart(ses, server):
    verify(ses, server, "me@example.com")
    ses.send_email(FromEmailAddress="me@example.com", Destination={"ToAddresses": ["me@example.com"]}, Content=simple("persisted"))
    server.restart(hard=True)
    ses = server.client(service="sesv2")
    assert any(m["Subject"] == "persisted" for m in inbox(server, "me@example.com"))
    assert ses.get_email_identity(EmailIdentity="me@example.com")["VerifiedForSendingStatus"] is True
