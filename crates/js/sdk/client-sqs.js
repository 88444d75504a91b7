// @aws-sdk/client-sqs — SQSClient, the aggregated SQS class, one command class per
// operation, error classes, paginators and enums, over __gureum_aws("sqs", ...).
// Message attribute BinaryValue / BinaryListValues are base64 on the wire and Uint8Array here.
"use strict";

const { createService } = require("@gureum/internal/client");
const model = require("@gureum/internal/models/sqs");

module.exports = createService({
  model,
  clientName: "SQSClient",
  aggregatedName: "SQS",
  exceptionName: "SQSServiceException",
});
