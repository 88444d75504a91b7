// @aws-sdk/client-firehose — FirehoseClient, the aggregated Firehose class, one command class per
// operation, error classes, paginators and enums, over __gureum_aws("firehose", ...).
// Record Data is base64 on the wire and Uint8Array here (strings are sent as UTF-8).
"use strict";

const { createService } = require("@gureum/internal/client");
const model = require("@gureum/internal/models/firehose");

module.exports = createService({
  model,
  clientName: "FirehoseClient",
  aggregatedName: "Firehose",
  exceptionName: "FirehoseServiceException",
});
