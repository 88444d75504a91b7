// @aws-sdk/client-sns — SNSClient, the aggregated SNS class, one command class per
// operation, error classes, paginators and enums, over __gureum_aws("sns", ...).
// SNS speaks the query protocol on AWS; here the request is JSON by member names like the other services (MessageAttributes BinaryValue base64).
"use strict";

const { createService } = require("@gureum/internal/client");
const model = require("@gureum/internal/models/sns");

module.exports = createService({
  model,
  clientName: "SNSClient",
  aggregatedName: "SNS",
  exceptionName: "SNSServiceException",
});
