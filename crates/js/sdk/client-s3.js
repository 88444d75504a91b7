// @aws-sdk/client-s3 — S3Client, the aggregated S3 class, one command class
// per operation, error classes, paginators and enums.
//
// S3 is a REST/XML service on AWS; here every operation is one JSON request
// to __gureum_aws("s3", op, json) whose members are the operation's input
// members by their AWS (SDK) names, and one JSON answer with the output
// members by name. Blobs are base64, timestamps epoch seconds:
//
//   PutObject   in:  {"Bucket", "Key", "Body": "<base64>", "ContentType",
//                     "ContentLength", "ContentEncoding", "CacheControl",
//                     "Metadata": {"k": "v"}, ...}
//               out: {"ETag", "VersionId", ...}
//   GetObject   in:  {"Bucket", "Key", "Range", "VersionId", ...}
//               out: {"Body": "<base64>", "ContentType", "ContentLength",
//                     "ETag", "LastModified": 1700000000, "Metadata": {...}, ...}
//   HeadObject  in:  {"Bucket", "Key"}   out: as GetObject without Body
//   ListObjectsV2 out: {"Contents": [{"Key", "Size", "ETag",
//                     "LastModified": 1700000000, "StorageClass"}], "IsTruncated",
//                     "KeyCount", "NextContinuationToken", "Prefix", ...}
//   errors: {"name": "NoSuchKey" | "NoSuchBucket" | ..., "message", "status": 404}
//
// PutObjectCommand Body takes a string (sent as UTF-8), Uint8Array,
// ArrayBuffer or ArrayBufferView; streams and Blob objects are not supported.
// GetObjectCommand returns Body as an object with transformToString(encoding),
// transformToByteArray() and transformToWebStream() (when ReadableStream
// exists), and it is async-iterable; like a real stream it can be consumed
// once.
"use strict";

const { createService } = require("@gureum/internal/client");
const model = require("@gureum/internal/models/s3");

module.exports = createService({
  model,
  clientName: "S3Client",
  aggregatedName: "S3",
  exceptionName: "S3ServiceException",
});
