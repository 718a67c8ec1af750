-- pennyworth: what the deploy role changes on every release: the proxy
-- function, its execution role and log group, the HTTP API in front of it,
-- the custom domain api.<base domain> (certificate, mapping, DNS record) and
-- the API key table (retained: its keys outlive the stack).

local common = require("pennyworth.common")
local n = common.names(config)
local arn = common.arn

description("Pennyworth: LiteLLM proxy on Lambda behind an HTTP API at https://" .. n.api_domain ..
            ", API keys in DynamoDB, models on Bedrock")

deploy {
  stack_name = n.app_stack,
  tags = { ["luaform:system"] = "pennyworth" },
  region = config.region,
}

---------------------------------------------------------------- the table

local tbl = resource "ApiKeyTable" {
  Type = "AWS::DynamoDB::Table",
  DeletionPolicy = "Retain",
  UpdateReplacePolicy = "Retain",
  Properties = {
    TableName = common.TABLE,
    BillingMode = "PAY_PER_REQUEST",          -- on demand: nothing at rest but storage
    AttributeDefinitions = { { AttributeName = "api_key", AttributeType = "S" } },
    KeySchema = { { AttributeName = "api_key", KeyType = "HASH" } },
    -- Encrypted at rest with DynamoDB's own key (it encrypts every table);
    -- the AWS managed key aws/dynamodb (SSEEnabled) would need kms:
    -- CreateGrant and friends in the deploy role, which the guide lists not.
    PointInTimeRecoverySpecification = { PointInTimeRecoveryEnabled = true },
  },
}

---------------------------------------------------------------- the function

-- The guide's production runtime permissions, exactly: the six DynamoDB
-- actions on the table, bedrock:InvokeModel (on the listed models, or any
-- as the guide), logs on /aws/lambda/pennyworth* only.
local models = "*"
if #config.lambda.bedrock_models > 0 then
  models = {}
  for _, id in ipairs(config.lambda.bedrock_models) do models[#models + 1] = Sub(arn.model(id)) end
end

local role = resource "ExecutionRole" {
  Type = "AWS::IAM::Role",
  Properties = {
    RoleName = common.EXEC_ROLE,
    Description = "Pennyworth's proxy function: its API key table, Bedrock, its logs",
    -- the bootstrap stack's bound: the deploy role may only create or
    -- change this role with it
    PermissionsBoundary = Sub(arn.policy(common.BOUNDARY)),
    AssumeRolePolicyDocument = iam.service_trust("lambda.amazonaws.com"),
    Policies = { {
      PolicyName = "pennyworth-runtime",
      PolicyDocument = iam.policy{
        iam.allow{ sid = "ApiKeys", actions = common.RUNTIME_ACTIONS.dynamodb,
                   resources = Sub(arn.table(common.TABLE)) },
        iam.allow{ sid = "Models", actions = "bedrock:InvokeModel", resources = models },
        iam.allow{ sid = "Logs",
                   actions = { "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents" },
                   resources = Sub(arn.log_group("/aws/lambda/pennyworth*")) },
      },
    } },
  },
}

-- Created here with its retention, before the function: Lambda would
-- create it without one, outside the stack.
-- Deleted with the stack: a retained group of this fixed name would make
-- the next create of the stack fail (AlreadyExists).
resource "LogGroup" {
  Type = "AWS::Logs::LogGroup",
  Metadata = { luaform = { suppress = {
    { rule = "LF-RETAIN-001", reason = "a retained log group of this fixed name would block re-creating the stack" },
    { rule = "LF-RETAIN-002", reason = "a retained log group of this fixed name would block replacing it" } } } },
  Properties = { LogGroupName = n.log_group, RetentionInDays = config.lambda.log_retention_days },
}

local fn = resource "ProxyFunction" {
  Type = "AWS::Lambda::Function",
  DependsOn = { "LogGroup" },
  Properties = {
    FunctionName = n.fn,
    Description = "Pennyworth: the LiteLLM OpenAI-compatible proxy",
    Role = role:arn(),
    Runtime = config.lambda.runtime,
    Handler = config.lambda.handler,
    Architectures = { config.lambda.architecture },
    MemorySize = config.lambda.memory_mb,
    Timeout = config.lambda.timeout_s,
    Code = { S3Bucket = config.lambda.bucket, S3Key = config.lambda.key,
             S3ObjectVersion = config.lambda.object_version },
    Environment = { Variables = { APIKEYS_TABLE = tbl } },
  },
}

---------------------------------------------------------------- the HTTP API

local api = resource "HttpApi" {
  Type = "AWS::ApiGatewayV2::Api",
  Properties = {
    Name = n.app_stack,
    ProtocolType = "HTTP",
    Description = "Pennyworth's OpenAI-compatible API",
    -- reachable at https://api.<domain> only, not also at execute-api
    DisableExecuteApiEndpoint = true,
  },
}

resource "ProxyIntegration" {
  Type = "AWS::ApiGatewayV2::Integration",
  Properties = {
    ApiId = api,
    IntegrationType = "AWS_PROXY",
    IntegrationUri = fn:arn(),
    PayloadFormatVersion = "2.0",
  },
}

resource "DefaultRoute" {
  Type = "AWS::ApiGatewayV2::Route",
  Properties = { ApiId = api, RouteKey = "$default",
                 Target = Sub("integrations/${ProxyIntegration}") },
}

local stage = resource "DefaultStage" {
  Type = "AWS::ApiGatewayV2::Stage",
  Properties = { ApiId = api, StageName = "$default", AutoDeploy = true },
}

-- API Gateway may invoke the function, from this API only.
resource "ApiInvokePermission" {
  Type = "AWS::Lambda::Permission",
  Properties = {
    FunctionName = fn,
    Action = "lambda:InvokeFunction",
    Principal = "apigateway.amazonaws.com",
    SourceArn = Sub("arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${HttpApi}/*"),
  },
}

---------------------------------------------------------------- the domain

local cert = config.certificate_arn
if cert == "" then
  cert = resource "Certificate" {
    Type = "AWS::CertificateManager::Certificate",
    Properties = {
      DomainName = n.api_domain,
      ValidationMethod = "DNS",
      DomainValidationOptions = { { DomainName = n.api_domain, HostedZoneId = config.hosted_zone_id } },
    },
  }:ref()
end

local domain = resource "ApiDomain" {
  Type = "AWS::ApiGatewayV2::DomainName",
  Properties = {
    DomainName = n.api_domain,
    DomainNameConfigurations = { { CertificateArn = cert, EndpointType = "REGIONAL",
                                   SecurityPolicy = "TLS_1_2" } },
  },
}

resource "ApiMapping" {
  Type = "AWS::ApiGatewayV2::ApiMapping",
  Properties = { ApiId = api, DomainName = domain, Stage = stage },
}

resource "ApiDnsRecord" {
  Type = "AWS::Route53::RecordSet",
  Properties = {
    HostedZoneId = config.hosted_zone_id,
    Name = n.api_domain,
    Type = "A",
    AliasTarget = { DNSName = domain:get("RegionalDomainName"),
                    HostedZoneId = domain:get("RegionalHostedZoneId") },
  },
}

---------------------------------------------------------------- invariants

local TEN = { "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
              "dynamodb:Query", "dynamodb:Scan", "bedrock:InvokeModel", "logs:CreateLogGroup",
              "logs:CreateLogStream", "logs:PutLogEvents" }

invariant("the execution role does exactly the guide's ten actions, on no wider resources",
  function(t)
    local r = policy.role(t, "ExecutionRole")
    local P = "arn:${AWS::Partition}:"
    local groups = {
      { actions = { TEN[1], TEN[2], TEN[3], TEN[4], TEN[5], TEN[6] },
        resources = { P .. "dynamodb:${AWS::Region}:${AWS::AccountId}:table/" .. common.TABLE } },
      { actions = { "bedrock:InvokeModel" } },
      { actions = { TEN[8], TEN[9], TEN[10] },
        resources = { P .. "logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/pennyworth*" } },
    }
    for _, s in ipairs(r.permissions) do
      local why = policy.outside(s, TEN)
      if why then policy.fail(s, why) end
      for _, g in ipairs(groups) do
        if policy.grants(s, g.actions[1]) then
          why = policy.outside(s, g.actions, g.resources)
          if why then policy.fail(s, why) end
        end
      end
    end
    for _, a in ipairs(TEN) do
      local granted = false
      for _, s in ipairs(r.permissions) do granted = granted or policy.grants(s, a) end
      if not granted then policy.fail(r.permissions[1] or "Resources.ExecutionRole", "does not grant " .. a) end
    end
  end)

output "ApiUrl" { Description = "The API", Value = "https://" .. n.api_domain .. "/" }
output "Route53HostedZoneId" { Description = "GitHub secret ROUTE53_HOSTED_ZONE_ID",
                               Value = config.hosted_zone_id }
output "StackName" { Description = "GitHub secret STACK_NAME", Value = n.app_stack }
output "AwsRegion" { Description = "GitHub secret AWS_REGION", Value = config.region }
output "BaseDomain" { Description = "GitHub secret BASE_DOMAIN", Value = config.base_domain }
output "ExecutionRoleArn" { Value = role:arn() }
output "FunctionName" { Value = fn }
output "ApiKeyTableName" { Value = tbl }
