// @aws-sdk/client-sfn — SFNClient, the aggregated SFN class, one command class per
// operation, error classes, paginators and enums, over __gureum_aws("states", ...).
// Dates (startDate, stopDate, creationDate...) are epoch seconds on the wire and Date here.
"use strict";

const { createService } = require("@gureum/internal/client");
const model = require("@gureum/internal/models/states");

module.exports = createService({
  model,
  clientName: "SFNClient",
  aggregatedName: "SFN",
  exceptionName: "SFNServiceException",
});
