// @aws-sdk/client-cognito-identity-provider — CognitoIdentityProviderClient, the aggregated CognitoIdentityProvider class, one command class per
// operation, error classes, paginators and enums, over __gureum_aws("cognito-idp", ...).
// Dates (UserCreateDate, UserLastModifiedDate...) are epoch seconds on the wire and Date here.
"use strict";

const { createService } = require("@gureum/internal/client");
const model = require("@gureum/internal/models/cognito-idp");

module.exports = createService({
  model,
  clientName: "CognitoIdentityProviderClient",
  aggregatedName: "CognitoIdentityProvider",
  exceptionName: "CognitoIdentityProviderServiceException",
});
