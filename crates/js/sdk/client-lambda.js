// @aws-sdk/client-lambda — LambdaClient, the aggregated Lambda class, one
// command class per operation, error classes, paginators and enums.
//
// Wire shape (what __gureum_aws("lambda", op, json) receives and returns):
// the operation's members by their AWS names, whatever HTTP binding (path,
// query, header, body) they have on AWS. Blobs are base64 strings, e.g.
//   Invoke  in:  {"FunctionName", "InvocationType", "LogType", "ClientContext",
//                 "Qualifier", "Payload": "<base64>"}
//           out: {"StatusCode", "FunctionError", "LogResult", "ExecutedVersion",
//                 "Payload": "<base64>"}
// InvokeCommand takes Payload as a string (sent as UTF-8), Uint8Array,
// ArrayBuffer or ArrayBufferView, and returns Payload as a Uint8Array that
// also has transformToString(encoding), as v3's Uint8ArrayBlobAdapter does.
// LastModified stays a string, as in the Lambda API.
"use strict";

const { createService } = require("@gureum/internal/client");
const model = require("@gureum/internal/models/lambda");

module.exports = createService({
  model,
  clientName: "LambdaClient",
  aggregatedName: "Lambda",
  exceptionName: "LambdaServiceException",
});
