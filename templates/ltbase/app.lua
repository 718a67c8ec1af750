-- What the beta and prod stacks share: the execution role and the function.

local common = require("ltbase.common")
local util = require("luaform.util")

local M = {}

-- env: the description's environment (resource, output, Sub, iam, ...).
-- stage: "beta" or "prod". Returns the function and version handles.
function M.function_stack(env, stage)
  local config = env.config
  local n = common.names(config)
  local fname = stage == "beta" and n.beta_function or n.prod_function
  local code = config[stage]
  local role_name = stage == "beta" and n.beta_exec_role or n.prod_exec_role

  -- Deployed by Role B, run by the foundation's CloudFormation service role.
  env.deploy {
    stack_name = stage == "beta" and n.beta_stack or n.prod_stack,
    role_arn = common.cfn_role_arn(config),
    tags = { ["luaform:system"] = "ltbase", ["luaform:stage"] = stage },
    account = config.account,
    region = config.region,
  }

  -- Logs only, inside the boundary the foundation's service role enforces.
  local role = env.resource "ExecutionRole" {
    Type = "AWS::IAM::Role",
    Properties = {
      RoleName = role_name,
      Path = n.app_path,
      Description = "Execution role of the " .. fname .. " function (logs only)",
      PermissionsBoundary = env.Sub(common.arn("policy", n.boundary)),
      AssumeRolePolicyDocument = env.iam.service_trust("lambda.amazonaws.com"),
      Policies = { {
        PolicyName = "logs",
        PolicyDocument = env.iam.policy{
          env.iam.allow{ sid = "CreateLogGroup", actions = "logs:CreateLogGroup",
            resources = env.Sub(common.arn("logs", "/aws/lambda/" .. fname)) },
          env.iam.allow{ sid = "WriteLogs",
            actions = { "logs:CreateLogStream", "logs:PutLogEvents" },
            resources = env.Sub(common.arn("logs", "/aws/lambda/" .. fname .. ":*")) },
        },
      } },
    },
  }

  -- Created here with a retention, before the function: Lambda would
  -- create it at the first invocation, without one and outside any stack.
  env.resource "LogGroup" {
    Type = "AWS::Logs::LogGroup",
    Metadata = { luaform = { suppress = {
      { rule = "LF-RETAIN-001", reason = "a retained log group of this fixed name would block re-creating the stack" },
      { rule = "LF-RETAIN-002", reason = "a retained log group of this fixed name would block replacing it" } } } },
    Properties = { LogGroupName = "/aws/lambda/" .. fname, RetentionInDays = config.lambda.log_retention_days },
  }

  local fn = env.resource "Function" {
    Type = "AWS::Lambda::Function",
    DependsOn = { "LogGroup" },
    Properties = {
      FunctionName = fname,
      Description = "LTBase data plane (" .. stage .. ")",
      Role = role:arn(),
      Runtime = config.lambda.runtime,
      Handler = config.lambda.handler,
      Architectures = { config.lambda.architecture },
      MemorySize = config.lambda.memory_mb,
      Timeout = config.lambda.timeout_s,
      Code = {
        S3Bucket = config.bucket.name,
        S3Key = code.artifact_key,
        S3ObjectVersion = code.object_version,
      },
      Environment = { Variables = { LTBASE_STAGE = stage } },
    },
  }

  -- One Version per artifact: its logical ID is the code identity, so a new
  -- artifact publishes a new version, and the old one is retained (not
  -- deleted) when it leaves the template: rollback needs no rebuild.
  local identity = config.bucket.name .. "/" .. code.artifact_key .. "@" .. code.object_version
  local version = env.resource("Version" .. util.digest(identity)) {
    Type = "AWS::Lambda::Version",
    DeletionPolicy = "Retain",
    UpdateReplacePolicy = "Retain",
    Properties = {
      FunctionName = fn,
      Description = "artifact s3://" .. identity,
    },
  }

  -- The app stacks' half of the foundation's invariant of that name: every
  -- identity they create is a role that carries the boundary. (A plain
  -- check: it returns false, the path and why.)
  local boundary_arn = "arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/" .. n.boundary
  local IDENTITIES = { ["AWS::IAM::Role"] = true, ["AWS::IAM::User"] = true, ["AWS::IAM::Group"] = true }
  env.invariant("no role the app stacks create escapes the permissions boundary", function(t)
    for id, r in pairs(t.Resources) do
      local path = "Resources." .. id
      if IDENTITIES[r.Type] and r.Type ~= "AWS::IAM::Role" then
        return false, path, "is a " .. r.Type .. ", not a role"
      elseif r.Type == "AWS::IAM::Role" then
        local b = r.Properties.PermissionsBoundary
        local text = type(b) == "table" and b["Fn::Sub"] or b
        if text ~= boundary_arn then
          return false, path .. ".Properties.PermissionsBoundary",
                 "is " .. (type(text) == "string" and text or "missing") .. ", not the app boundary " .. boundary_arn
        end
      end
    end
  end)

  env.output "FunctionName" { Value = fn }
  env.output "FunctionArn" { Value = fn:arn() }
  env.output "ArtifactKey" { Value = code.artifact_key }
  env.output "ArtifactObjectVersion" { Value = code.object_version }
  env.output "ExecutionRoleArn" { Value = role:arn() }
  return fn, version
end

return M
