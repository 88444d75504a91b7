// @aws-sdk/client-sesv2 — SESv2Client, the aggregated SESv2 class, one command
// class per operation, error classes (MessageRejected, NotFoundException, ...),
// paginators and enums.
//
// Wire shape (what __gureum_aws("email", op, json) receives and returns): the
// operation's members by their AWS names, whatever HTTP binding (path, query,
// body) they have on AWS. Blobs are base64 strings, e.g.
//   SendEmail in:  {"FromEmailAddress", "Destination": {"ToAddresses": [...]},
//                   "Content": {"Simple": {...}} | {"Raw": {"Data": "<base64>"}}
//                              | {"Template": {"TemplateName", "TemplateData"}}}
//             out: {"MessageId"}
// Raw.Data may be given as a string (sent as UTF-8) or bytes.
"use strict";

const { createService } = require("@gureum/internal/client");
const model = require("@gureum/internal/models/email");

module.exports = createService({
  model,
  clientName: "SESv2Client",
  aggregatedName: "SESv2",
  exceptionName: "SESv2ServiceException",
});
