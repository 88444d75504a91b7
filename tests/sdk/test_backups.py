"""DynamoDB point-in-time recovery and on-demand backups, and AWS Backup, through boto3 against
`gureum serve`: PITR's window on the virtual clock, RestoreTableToPointInTime to a second before
a change, backups (create, list, describe, restore, delete) with AWS's errors, and an AWS
Backup plan whose rule fires on the virtual clock and copies to another region. The sandbox's
restores are CREATING for 30 virtual seconds; the SDK's waiter sees them through."""
import datetime

import pytest
from botocore.exceptions import ClientError

from conftest import error_of, make_table

ROLE = "arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole"


def virtual_now(server):
    return server.control("GetClock")["now"] / 1000


def put(ddb, table, pk, v):
    ddb.put_item(TableName=table, Item={"pk": {"S": pk}, "v": {"N": str(v)}})


def contents(ddb, table):
    return sorted((i["pk"]["S"], i["v"]["N"]) for i in ddb.scan(TableName=table)["Items"])


def test_point_in_time_recovery(server, ddb):
    make_table(ddb, "Orders")
    d = ddb.describe_continuous_backups(TableName="Orders")["ContinuousBackupsDescription"]
    assert d == {"ContinuousBackupsStatus": "ENABLED", "PointInTimeRecoveryDescription": {"PointInTimeRecoveryStatus": "DISABLED"}}
    out = ddb.update_continuous_backups(TableName="Orders", PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True, "RecoveryPeriodInDays": 7})
    p = out["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
    assert p["PointInTimeRecoveryStatus"] == "ENABLED" and p["RecoveryPeriodInDays"] == 7
    assert isinstance(p["EarliestRestorableDateTime"], datetime.datetime)
    for i in range(3):
        put(ddb, "Orders", f"o{i}", i)
    server.control("AdvanceClock", {"seconds": 600})
    good = virtual_now(server) - 1
    ddb.delete_item(TableName="Orders", Key={"pk": {"S": "o0"}})
    put(ddb, "Orders", "o1", 100)
    server.control("AdvanceClock", {"seconds": 600})
    p = ddb.describe_continuous_backups(TableName="Orders")["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
    assert abs(p["LatestRestorableDateTime"].timestamp() - (virtual_now(server) - 300)) < 2

    with pytest.raises(ClientError) as e:
        ddb.restore_table_to_point_in_time(SourceTableName="Orders", TargetTableName="Orders-restored", RestoreDateTime=datetime.datetime.fromtimestamp(virtual_now(server) - 60, datetime.timezone.utc))
    assert error_of(e)[0] == "InvalidRestoreTimeException"
    out = ddb.restore_table_to_point_in_time(SourceTableName="Orders", TargetTableName="Orders-restored", RestoreDateTime=datetime.datetime.fromtimestamp(good, datetime.timezone.utc))
    assert out["TableDescription"]["TableStatus"] == "CREATING"
    assert out["TableDescription"]["RestoreSummary"]["RestoreInProgress"] is True
    server.control("AdvanceClock", {"seconds": 30})
    ddb.get_waiter("table_exists").wait(TableName="Orders-restored", WaiterConfig={"Delay": 1, "MaxAttempts": 5})
    assert contents(ddb, "Orders-restored") == [("o0", "0"), ("o1", "1"), ("o2", "2")]
    assert ddb.describe_table(TableName="Orders-restored")["Table"]["RestoreSummary"]["RestoreInProgress"] is False

    with pytest.raises(ClientError) as e:
        ddb.restore_table_to_point_in_time(SourceTableName="Orders", TargetTableName="Orders-restored", UseLatestRestorableTime=True)
    assert error_of(e)[0] == "TableAlreadyExistsException"
    make_table(ddb, "Plain")
    with pytest.raises(ClientError) as e:
        ddb.restore_table_to_point_in_time(SourceTableName="Plain", TargetTableName="Plain2", UseLatestRestorableTime=True)
    assert error_of(e)[0] == "PointInTimeRecoveryUnavailableException"


def test_on_demand_backups(server, ddb):
    make_table(ddb, "Music")
    for i in range(3):
        put(ddb, "Music", f"s{i}", i)
    details = ddb.create_backup(TableName="Music", BackupName="before-cleanup")["BackupDetails"]
    arn = details["BackupArn"]
    assert details["BackupStatus"] == "CREATING" and details["BackupType"] == "USER"
    assert arn.startswith("arn:aws:dynamodb:us-east-1:123456789012:table/Music/backup/")
    server.control("AdvanceClock", {"seconds": 5})
    d = ddb.describe_backup(BackupArn=arn)["BackupDescription"]
    assert d["BackupDetails"]["BackupStatus"] == "AVAILABLE"
    assert d["SourceTableDetails"]["ItemCount"] == 3
    summaries = ddb.list_backups(TableName="Music")["BackupSummaries"]
    assert [s["BackupName"] for s in summaries] == ["before-cleanup"]
    ddb.delete_item(TableName="Music", Key={"pk": {"S": "s1"}})
    ddb.restore_table_from_backup(TargetTableName="Music-back", BackupArn=arn)
    server.control("AdvanceClock", {"seconds": 30})
    assert contents(ddb, "Music-back") == [("s0", "0"), ("s1", "1"), ("s2", "2")]
    assert ddb.delete_backup(BackupArn=arn)["BackupDescription"]["BackupDetails"]["BackupStatus"] == "DELETED"
    with pytest.raises(ClientError) as e:
        ddb.describe_backup(BackupArn=arn)
    assert error_of(e)[0] == "BackupNotFoundException"
    with pytest.raises(ClientError) as e:
        ddb.create_backup(TableName="Nope", BackupName="x-y-z")
    assert error_of(e)[0] == "TableNotFoundException"


def test_aws_backup_plan_fires_on_the_virtual_clock(server, ddb):
    make_table(ddb, "Orders")
    put(ddb, "Orders", "a", 1)
    backup = server.client(service="backup")
    west = server.client(service="backup", region="us-west-2")
    assert [v["BackupVaultName"] for v in backup.list_backup_vaults()["BackupVaultList"]] == ["Default"]
    west.create_backup_vault(BackupVaultName="dr")
    plan = backup.create_backup_plan(BackupPlan={"BackupPlanName": "daily", "Rules": [{
        "RuleName": "hourly", "TargetBackupVaultName": "Default", "ScheduleExpression": "cron(0 * ? * * *)",
        "Lifecycle": {"DeleteAfterDays": 1},
        "CopyActions": [{"DestinationBackupVaultArn": "arn:aws:backup:us-west-2:123456789012:backup-vault:dr"}],
    }]})
    plan_id = plan["BackupPlanId"]
    got = backup.get_backup_plan(BackupPlanId=plan_id)["BackupPlan"]
    assert got["Rules"][0]["ScheduleExpression"] == "cron(0 * ? * * *)"
    backup.create_backup_selection(BackupPlanId=plan_id, BackupSelection={
        "SelectionName": "orders", "IamRoleArn": ROLE, "Resources": ["arn:aws:dynamodb:us-east-1:123456789012:table/Orders"]})
    server.control("AdvanceClock", {"seconds": 3610})
    jobs = backup.list_backup_jobs()["BackupJobs"]
    assert len(jobs) == 1 and jobs[0]["State"] == "COMPLETED"
    rps = backup.list_recovery_points_by_backup_vault(BackupVaultName="Default")["RecoveryPoints"]
    assert len(rps) == 1 and rps[0]["Status"] == "COMPLETED" and rps[0]["ResourceType"] == "DynamoDB"
    assert ddb.list_backups(BackupType="AWS_BACKUP")["BackupSummaries"][0]["BackupArn"] == rps[0]["RecoveryPointArn"]
    copies = west.list_recovery_points_by_backup_vault(BackupVaultName="dr")["RecoveryPoints"]
    assert len(copies) == 1 and copies[0]["SourceBackupVaultArn"].endswith(":backup-vault:Default")
    # Restore through AWS Backup.
    job = backup.start_restore_job(RecoveryPointArn=rps[0]["RecoveryPointArn"], IamRoleArn=ROLE, Metadata={"targetTableName": "Orders-ab"})
    server.control("AdvanceClock", {"seconds": 30})
    assert backup.describe_restore_job(RestoreJobId=job["RestoreJobId"])["Status"] == "COMPLETED"
    assert contents(ddb, "Orders-ab") == [("a", "1")]
    with pytest.raises(ClientError) as e:
        backup.delete_backup_plan(BackupPlanId=plan_id)
    assert error_of(e)[0] == "InvalidRequestException"
    with pytest.raises(ClientError) as e:
        backup.create_backup_plan(BackupPlan={"BackupPlanName": "bad", "Rules": [{"RuleName": "r", "TargetBackupVaultName": "Default", "ScheduleExpression": "cron(*/5 * ? * * *)"}]})
    assert error_of(e)[0] == "InvalidParameterValueException"


def test_backups_survive_a_restart(server, ddb):
    make_table(ddb, "Orders")
    ddb.update_continuous_backups(TableName="Orders", PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True})
    put(ddb, "Orders", "a", 1)
    server.control("AdvanceClock", {"seconds": 600})
    good = virtual_now(server) - 1
    put(ddb, "Orders", "a", 2)
    arn = ddb.create_backup(TableName="Orders", BackupName="kept")["BackupDetails"]["BackupArn"]
    server.control("AdvanceClock", {"seconds": 400})
    server.restart(hard=True)
    ddb = server.client()
    ddb.restore_table_to_point_in_time(SourceTableName="Orders", TargetTableName="Past", RestoreDateTime=datetime.datetime.fromtimestamp(good, datetime.timezone.utc))
    ddb.restore_table_from_backup(TargetTableName="FromBackup", BackupArn=arn)
    server.control("AdvanceClock", {"seconds": 30})
    assert contents(ddb, "Past") == [("a", "1")]
    assert contents(ddb, "FromBackup") == [("a", "2")]
