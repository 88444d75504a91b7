// @aws-sdk/client-kinesis — KinesisClient, the aggregated Kinesis class, one command class per
// operation, error classes, paginators and enums, over __gureum_aws("kinesis", ...).
// Record Data is base64 on the wire and Uint8Array here (strings are sent as UTF-8).
"use strict";

const { createService } = require("@gureum/internal/client");
const model = require("@gureum/internal/models/kinesis");

module.exports = createService({
  model,
  clientName: "KinesisClient",
  aggregatedName: "Kinesis",
  exceptionName: "KinesisServiceException",
});
