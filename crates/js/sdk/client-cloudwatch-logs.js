// @aws-sdk/client-cloudwatch-logs — CloudWatchLogsClient, the aggregated CloudWatchLogs class, one command class per
// operation, error classes, paginators and enums, over __gureum_aws("logs", ...).
// Log timestamps are plain numbers (epoch milliseconds) in this API and pass through unchanged.
"use strict";

const { createService } = require("@gureum/internal/client");
const model = require("@gureum/internal/models/logs");

module.exports = createService({
  model,
  clientName: "CloudWatchLogsClient",
  aggregatedName: "CloudWatchLogs",
  exceptionName: "CloudWatchLogsServiceException",
});
