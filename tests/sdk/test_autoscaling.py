"""DynamoDB auto scaling through boto3's `application-autoscaling` client against `gureum serve`:
a scalable target and a target-tracking policy, a write load driven through the control
endpoint, and the virtual clock moved by AdvanceClock (paused, so the figures are exact)."""
import pytest
from botocore.exceptions import ClientError

from conftest import error_of, make_table

WRITES = "dynamodb:table:WriteCapacityUnits"


def test_a_write_load_above_the_target_scales_the_table_out_then_in(server):
    ddb = server.client()
    aas = server.client(service="application-autoscaling")
    make_table(ddb, "Scaled", provisioned=(5, 10))
    server.control("PauseClock")

    arn = aas.register_scalable_target(ServiceNamespace="dynamodb", ResourceId="table/Scaled", ScalableDimension=WRITES,
                                       MinCapacity=5, MaxCapacity=100)["ScalableTargetARN"]
    assert ":application-autoscaling:us-east-1:" in arn and ":scalable-target/" in arn
    policy = aas.put_scaling_policy(
        PolicyName="writes", ServiceNamespace="dynamodb", ResourceId="table/Scaled", ScalableDimension=WRITES,
        PolicyType="TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration={
            "TargetValue": 50.0, "PredefinedMetricSpecification": {"PredefinedMetricType": "DynamoDBWriteCapacityUtilization"}},
    )
    names = [a["AlarmName"] for a in policy["Alarms"]]
    assert names[0].startswith("TargetTracking-table/Scaled-AlarmHigh-") and names[1].startswith("TargetTracking-table/Scaled-AlarmLow-")

    targets = aas.describe_scalable_targets(ServiceNamespace="dynamodb")["ScalableTargets"]
    assert [(t["ResourceId"], t["MinCapacity"], t["MaxCapacity"]) for t in targets] == [("table/Scaled", 5, 100)]
    policies = aas.describe_scaling_policies(ServiceNamespace="dynamodb", ResourceId="table/Scaled")["ScalingPolicies"]
    assert policies[0]["TargetTrackingScalingPolicyConfiguration"]["TargetValue"] == 50.0

    # 8 writes a second on 10 WCU: 80% of the provisioned capacity, above the 50% target.
    server.control("dynamodb:StartLoad", {"TableName": "Scaled", "Operation": "PutItem", "RequestsPerSecond": 8,
                                          "DurationSeconds": 300, "ItemSizeBytes": 500})
    server.control("AdvanceClock", {"seconds": 240})
    activities = aas.describe_scaling_activities(ServiceNamespace="dynamodb", ResourceId="table/Scaled")["ScalingActivities"]
    assert len(activities) == 1
    out = activities[0]
    assert (out["Description"], out["StatusCode"]) == ("Setting write capacity units to 16.", "Successful")
    assert out["Cause"].startswith("monitor alarm TargetTracking-table/Scaled-AlarmHigh-")
    assert out["Cause"].endswith("in state ALARM triggered policy writes")
    assert out["EndTime"] >= out["StartTime"]
    assert ddb.describe_table(TableName="Scaled")["Table"]["ProvisionedThroughput"]["WriteCapacityUnits"] == 16

    # The load ends at 300 s; 15 idle minutes later AlarmLow scales in to the minimum.
    server.control("AdvanceClock", {"seconds": 20 * 60})
    activities = aas.describe_scaling_activities(ServiceNamespace="dynamodb")["ScalingActivities"]
    assert [a["Description"] for a in activities] == ["Setting write capacity units to 5.", "Setting write capacity units to 16."]
    assert "-AlarmLow-" in activities[0]["Cause"]
    throughput = ddb.describe_table(TableName="Scaled")["Table"]["ProvisionedThroughput"]
    assert (throughput["WriteCapacityUnits"], throughput["NumberOfDecreasesToday"]) == (5, 1)

    aas.tag_resource(ResourceARN=arn, Tags={"team": "data"})
    assert aas.list_tags_for_resource(ResourceARN=arn)["Tags"] == {"team": "data"}
    aas.deregister_scalable_target(ServiceNamespace="dynamodb", ResourceId="table/Scaled", ScalableDimension=WRITES)
    assert aas.describe_scaling_policies(ServiceNamespace="dynamodb")["ScalingPolicies"] == []


def test_errors_are_application_auto_scaling_errors(server):
    ddb = server.client()
    aas = server.client(service="application-autoscaling")
    make_table(ddb, "Plain", provisioned=(1, 1))
    with pytest.raises(ClientError) as e:
        aas.register_scalable_target(ServiceNamespace="dynamodb", ResourceId="table/Plain", ScalableDimension=WRITES,
                                     MinCapacity=10, MaxCapacity=5)
    assert error_of(e)[:2] == ("ValidationException", "Minimum capacity cannot be greater than maximum capacity")
    with pytest.raises(ClientError) as e:
        aas.put_scaling_policy(PolicyName="p", ServiceNamespace="dynamodb", ResourceId="table/Plain", ScalableDimension=WRITES,
                               PolicyType="TargetTrackingScaling",
                               TargetTrackingScalingPolicyConfiguration={"TargetValue": 50.0, "PredefinedMetricSpecification": {
                                   "PredefinedMetricType": "DynamoDBWriteCapacityUtilization"}})
    assert error_of(e)[0] == "ObjectNotFoundException"
    with pytest.raises(ClientError) as e:
        aas.register_scalable_target(ServiceNamespace="ecs", ResourceId="service/default/web", ScalableDimension="ecs:service:DesiredCount",
                                     MinCapacity=1, MaxCapacity=2)
    assert error_of(e)[0] == "ValidationException"
    assert "not supported in the sandbox" in error_of(e)[1]
