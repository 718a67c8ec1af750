-- ltbase-foundation: what an admin deploys once and changes rarely.

local common = require("ltbase.common")
local n = common.names(config)
local arn = common.arn
local bucket_name = config.bucket.name

description("LTBase self-hosted foundation: artifact bucket, GitHub OIDC trust, " ..
            "Role A (artifact receiver), Role B (deployment ops), CloudFormation service role")

deploy {
  stack_name = config.name_prefix .. "-foundation",
  termination_protection = true,
  tags = { ["luaform:system"] = "ltbase" },
  account = config.account,
  region = config.region,
}

---------------------------------------------------------------- the bucket

local bucket = resource "ArtifactBucket" {
  Type = "AWS::S3::Bucket",
  DeletionPolicy = "Retain",
  UpdateReplacePolicy = "Retain",
  Properties = {
    BucketName = bucket_name,
    VersioningConfiguration = { Status = "Enabled" },
    PublicAccessBlockConfiguration = {
      BlockPublicAcls = true, BlockPublicPolicy = true,
      IgnorePublicAcls = true, RestrictPublicBuckets = true,
    },
    BucketEncryption = { ServerSideEncryptionConfiguration = {
      { ServerSideEncryptionByDefault = { SSEAlgorithm = "AES256" }, BucketKeyEnabled = true },
    } },
    OwnershipControls = { Rules = { { ObjectOwnership = "BucketOwnerEnforced" } } },
  },
}

local bucket_arn = bucket:arn()
local objects = Sub(arn("s3", bucket_name .. "/*"))

resource "ArtifactBucketPolicy" {
  Type = "AWS::S3::BucketPolicy",
  DeletionPolicy = "Retain",
  UpdateReplacePolicy = "Retain",
  Properties = {
    Bucket = bucket,
    PolicyDocument = iam.policy{
      iam.deny{ sid = "DenyInsecureTransport", principal = { AWS = "*" },
                actions = "s3:*", resources = { bucket_arn, Sub("${ArtifactBucket.Arn}/*") },
                condition = { Bool = { ["aws:SecureTransport"] = "false" } } },
    },
  },
}

---------------------------------------------------------------- GitHub OIDC

local provider = github.provider(resource, config.github.oidc_provider_arn)

---------------------------------------------------------------- Role A

-- The vendor's release workflow: may put artifacts under the vendor prefix,
-- nothing else (no Get, List, Delete or ACL action).
local role_a = resource "ArtifactReceiverRole" {
  Type = "AWS::IAM::Role",
  Properties = {
    RoleName = n.role_a,
    Description = "Role A: LTBase's release workflow puts artifacts into the bucket",
    MaxSessionDuration = 3600,
    AssumeRolePolicyDocument = github.trust{
      provider = provider,
      subjects = { config.github.vendor_subject },
    },
    Policies = { {
      PolicyName = "put-artifacts",
      PolicyDocument = iam.policy{
        iam.allow{ sid = "PutArtifacts", actions = "s3:PutObject",
                   resources = Sub(arn("s3", bucket_name .. "/" .. config.bucket.vendor_prefix .. "*")) },
      },
    } },
  },
}

---------------------------------------------------------------- app boundary

-- Every role the app stacks create must carry this boundary: whatever its
-- own policies say, it can do no more than write its function's logs.
local boundary = resource "AppPermissionsBoundary" {
  Type = "AWS::IAM::ManagedPolicy",
  Properties = {
    ManagedPolicyName = n.boundary,
    Description = "Upper bound of every role the LTBase app stacks create",
    PolicyDocument = iam.policy{
      iam.allow{ sid = "FunctionLogs",
                 actions = { "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents" },
                 resources = { Sub(arn("logs", "/aws/lambda/" .. config.name_prefix .. "-*")),
                               Sub(arn("logs", "/aws/lambda/" .. config.name_prefix .. "-*:*")) } },
    },
  },
}

---------------------------------------------------------------- CFN service role

local app_functions = {
  Sub(arn("function", n.beta_function)), Sub(arn("function", n.beta_function .. ":*")),
  Sub(arn("function", n.prod_function)), Sub(arn("function", n.prod_function .. ":*")),
}
local app_roles = Sub(arn("role", n.app_path:sub(2) .. "*"))
-- Only the two execution roles may be passed to Lambda: any other role a
-- change set might create under the path (boundary or not) stays unpassable.
local exec_roles = {
  Sub(arn("role", n.app_path:sub(2) .. n.beta_exec_role)),
  Sub(arn("role", n.app_path:sub(2) .. n.prod_exec_role)),
}
local stage_objects = {
  Sub(arn("s3", bucket_name .. "/beta/*")), Sub(arn("s3", bucket_name .. "/prod/*")),
}

-- CloudFormation runs the app stacks with this role, so Role B never holds
-- IAM or Lambda write rights itself.
local cfn_role = resource "CloudFormationServiceRole" {
  Type = "AWS::IAM::Role",
  Properties = {
    RoleName = n.cfn_role,
    Description = "CloudFormation service role for the LTBase beta and prod stacks",
    AssumeRolePolicyDocument = iam.service_trust("cloudformation.amazonaws.com"),
    Policies = { {
      PolicyName = "app-stacks",
      PolicyDocument = iam.policy{
        iam.allow{ sid = "Functions", resources = app_functions, actions = {
          "lambda:CreateFunction", "lambda:DeleteFunction", "lambda:GetFunction",
          "lambda:GetFunctionConfiguration", "lambda:UpdateFunctionCode",
          "lambda:UpdateFunctionConfiguration", "lambda:PublishVersion",
          "lambda:ListVersionsByFunction", "lambda:CreateAlias", "lambda:UpdateAlias",
          "lambda:DeleteAlias", "lambda:GetAlias", "lambda:ListAliases",
          "lambda:TagResource", "lambda:UntagResource", "lambda:ListTags",
          -- the AWS::Lambda::Function handler's reads on create and update
          -- (its published handler permissions; the first real deploy fails
          -- without them)
          "lambda:GetFunctionCodeSigningConfig", "lambda:GetFunctionRecursionConfig",
          "lambda:GetRuntimeManagementConfig", "lambda:GetProvisionedConcurrencyConfig" } },
        iam.allow{ sid = "CreateBoundedRoles", resources = app_roles, actions = {
            "iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy",
            "iam:PutRolePermissionsBoundary" },
          condition = { StringEquals = { ["iam:PermissionsBoundary"] = boundary } } },
        iam.allow{ sid = "ManageAppRoles", resources = app_roles, actions = {
          "iam:GetRole", "iam:GetRolePolicy", "iam:ListRolePolicies",
          "iam:ListAttachedRolePolicies", "iam:DeleteRolePolicy", "iam:DetachRolePolicy",
          "iam:DeleteRole", "iam:TagRole", "iam:UntagRole",
          -- the AWS::IAM::Role handler's update path for the description
          -- and session length. Not iam:UpdateAssumeRolePolicy: the app
          -- roles' trust is Lambda's and never changes, and it would let this
          -- role make a (bounded) role trust anyone
          "iam:UpdateRole", "iam:UpdateRoleDescription" } },
        iam.allow{ sid = "PassAppRolesToLambda", resources = exec_roles, actions = "iam:PassRole",
          condition = { StringEquals = { ["iam:PassedToService"] = "lambda.amazonaws.com" } } },
        iam.deny{ sid = "KeepBoundaries", resources = "*",
          actions = { "iam:DeleteRolePermissionsBoundary", "iam:CreatePolicyVersion",
                      "iam:SetDefaultPolicyVersion" } },
        -- the functions' log groups (AWS::Logs::LogGroup handlers): created,
        -- given their retention, tagged, deleted
        iam.allow{ sid = "FunctionLogGroups", resources = {
            Sub(arn("logs", "/aws/lambda/" .. n.beta_function)),
            Sub(arn("logs", "/aws/lambda/" .. n.beta_function .. ":*")),
            Sub(arn("logs", "/aws/lambda/" .. n.prod_function)),
            Sub(arn("logs", "/aws/lambda/" .. n.prod_function .. ":*")) },
          actions = { "logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:PutRetentionPolicy",
                      "logs:DeleteRetentionPolicy", "logs:TagResource", "logs:UntagResource",
                      "logs:ListTagsForResource", "logs:TagLogGroup", "logs:UntagLogGroup",
                      "logs:ListTagsLogGroup" } },
        -- every LogGroup handler lists the account's groups by prefix
        -- (DescribeLogGroups, authorized on log-group:*), and its create
        -- handler reads the account's resource policies ("*" only)
        iam.allow{ sid = "LogGroupHandlerReads", resources = Sub(arn("logs", "*")),
          actions = "logs:DescribeLogGroups" },
        iam.allow{ sid = "LogResourcePolicies", resources = "*",
          actions = "logs:DescribeResourcePolicies" },
        iam.allow{ sid = "ReadStageArtifacts", resources = stage_objects,
          actions = { "s3:GetObject", "s3:GetObjectVersion" } },
      },
    } },
  },
}

---------------------------------------------------------------- Role B

local ops_repo = config.github.ops_repo
local ops_subject
if config.github.ops_environment ~= "" then
  ops_subject = github.sub.environment(ops_repo, config.github.ops_environment)
elseif config.github.ops_branch ~= "" then
  ops_subject = github.sub.branch(ops_repo, config.github.ops_branch)
else
  ops_subject = github.sub.repo(ops_repo)
end

local app_stacks = {
  Sub(arn("stack", n.beta_stack .. "/*")), Sub(arn("stack", n.prod_stack .. "/*")),
}

-- The customer's pipeline: runs the release flow and nothing more. It can
-- pass only the CloudFormation service role, write only under beta/ and
-- prod/, and holds no IAM write right at all.
local role_b = resource "DeploymentRole" {
  Type = "AWS::IAM::Role",
  Properties = {
    RoleName = n.role_b,
    Description = "Role B: the customer's pipeline runs the LTBase release flow",
    MaxSessionDuration = 3600,
    AssumeRolePolicyDocument = github.trust{ provider = provider, subjects = { ops_subject } },
    Policies = { {
      PolicyName = "release-flow",
      PolicyDocument = iam.policy{
        iam.allow{ sid = "AppStacks", resources = app_stacks, actions = {
          "cloudformation:DescribeChangeSet", "cloudformation:ExecuteChangeSet",
          "cloudformation:DeleteChangeSet", "cloudformation:ListChangeSets",
          "cloudformation:DescribeStacks", "cloudformation:DescribeStackEvents",
          "cloudformation:DescribeStackResources", "cloudformation:GetTemplate",
          "cloudformation:GetTemplateSummary", "cloudformation:DetectStackDrift",
          "cloudformation:DescribeStackResourceDrifts", "cloudformation:ListStackResources",
          -- luaform sends the stacks' tags with each change set
          "cloudformation:TagResource" } },
        -- luaform drift polls the detection it started; this action names
        -- no stack (its only resource is "*", Service Authorization Reference)
        iam.allow{ sid = "DriftDetectionStatus", resources = "*",
          actions = "cloudformation:DescribeStackDriftDetectionStatus" },
        iam.allow{ sid = "ChangeSetsRunAsServiceRole", resources = app_stacks,
          actions = "cloudformation:CreateChangeSet",
          condition = { StringEquals = { ["cloudformation:RoleArn"] = cfn_role:arn() } } },
        iam.allow{ sid = "PassServiceRole", resources = cfn_role:arn(), actions = "iam:PassRole",
          condition = { StringEquals = { ["iam:PassedToService"] = "cloudformation.amazonaws.com" } } },
        iam.allow{ sid = "ReadFunctions", resources = app_functions, actions = {
          "lambda:GetFunction", "lambda:GetFunctionConfiguration", "lambda:GetAlias",
          "lambda:ListAliases", "lambda:ListVersionsByFunction", "lambda:InvokeFunction" } },
        iam.allow{ sid = "ReadBucket", resources = bucket_arn, actions = {
          "s3:ListBucket", "s3:ListBucketVersions", "s3:GetBucketLocation",
          "s3:GetBucketVersioning" } },
        iam.allow{ sid = "ReadArtifacts", resources = objects,
          actions = { "s3:GetObject", "s3:GetObjectVersion" } },
        iam.allow{ sid = "WriteStageArtifacts", resources = stage_objects, actions = "s3:PutObject" },
        iam.deny{ sid = "NoIamWrites", resources = "*", actions = {
          "iam:Add*", "iam:Attach*", "iam:Create*", "iam:Delete*", "iam:Detach*",
          "iam:Put*", "iam:Remove*", "iam:Set*", "iam:Tag*", "iam:Untag*", "iam:Update*" } },
        iam.deny{ sid = "NoBucketChanges", resources = bucket_arn, actions = {
          "s3:DeleteBucket", "s3:DeleteBucketPolicy", "s3:PutBucketAcl", "s3:PutBucketPolicy",
          "s3:PutBucketOwnershipControls", "s3:PutBucketPublicAccessBlock",
          "s3:PutBucketVersioning", "s3:PutEncryptionConfiguration",
          "s3:PutLifecycleConfiguration" } },
      },
    } },
  },
}

---------------------------------------------------------------- invariants

-- Checked on every render against the rendered template: a change that
-- breaks one fails at the line below that declares it. The ARNs are
-- written out here, not taken from the policies above.
local partition_arn = "arn:${AWS::Partition}:"
local vendor_repo = config.github.vendor_subject:match("^repo:([^:]+):")
local boundary_arn = partition_arn .. "iam::${AWS::AccountId}:policy/" .. n.boundary

invariant("role A only puts artifacts under the vendor prefix", policy.only{
  role = "ArtifactReceiverRole",
  actions = "s3:PutObject",
  resources = partition_arn .. "s3:::" .. bucket_name .. "/" .. config.bucket.vendor_prefix .. "*",
})

invariant("only the vendor repository may assume role A", policy.assumed_only_by{
  role = "ArtifactReceiverRole",
  provider = provider,
  subjects = "repo:" .. vendor_repo .. ":*",
  audience = "sts.amazonaws.com",
})

invariant("role B holds no IAM write", policy.never{
  role = "DeploymentRole",
  actions = policy.IAM_WRITE,
})

invariant("role B cannot change role A, itself, the bucket policy or the foundation stack",
  function(t)
    local b = policy.role(t, "DeploymentRole")
    -- no IAM action at all on role A or itself (writes anywhere: the invariant above)
    b:never({ "iam:*", "sts:AssumeRole*" }, { role_a:arn(), role_b:arn() })
    b:never({ "s3:PutBucket*", "s3:DeleteBucket*", "s3:PutEncryptionConfiguration",
              "s3:PutLifecycleConfiguration" }, bucket_arn)
    -- no CloudFormation action on the foundation stack: every action that
    -- names a stack (DescribeStackDriftDetectionStatus names a detection,
    -- never a stack: "*" is its only form, and it reveals no stack)
    b:never({ "cloudformation:Create*", "cloudformation:Update*", "cloudformation:Delete*",
              "cloudformation:Execute*", "cloudformation:Set*", "cloudformation:Cancel*",
              "cloudformation:ContinueUpdateRollback", "cloudformation:Rollback*",
              "cloudformation:Signal*", "cloudformation:Tag*", "cloudformation:Untag*",
              "cloudformation:Import*", "cloudformation:DetectStack*", "cloudformation:List*",
              "cloudformation:Get*", "cloudformation:DescribeStacks",
              "cloudformation:DescribeStackEvents", "cloudformation:DescribeStackResource*",
              "cloudformation:DescribeChangeSet*" },
            partition_arn .. "cloudformation:${AWS::Region}:${AWS::AccountId}:stack/"
            .. config.name_prefix .. "-foundation/*")
  end)

-- The foundation's half (the app stacks check their own roles): whatever
-- may create or widen a role must require the boundary, nothing may take
-- a boundary off or rewrite it, and the boundary allows logs only.
invariant("no role the app stacks create escapes the permissions boundary", function(t)
  local widen = { "iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy",
                  "iam:PutRolePermissionsBoundary" }
  for _, r in ipairs(policy.identities(t)) do
    for _, s in ipairs(r.permissions) do
      for _, a in ipairs(widen) do
        if policy.grants(s, a) then
          local need = s.condition.StringEquals and s.condition.StringEquals["iam:PermissionsBoundary"]
          policy.check(need and #need == 1 and need[1] == boundary_arn, s,
                       "allows %s without requiring the boundary %s", a, boundary_arn)
        end
      end
    end
    r:never("iam:DeleteRolePermissionsBoundary")
    r:never({ "iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:DeletePolicy*" },
            boundary_arn)
  end
  for _, s in ipairs(policy.statements(t, "AppPermissionsBoundary")) do
    local why = policy.outside(s, { "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents" })
    if why then policy.fail(s, "the boundary %s", why) end
  end
end)

---------------------------------------------------------------- outputs

output "ArtifactBucketName" { Description = "Hand to LTBase: the bucket they deliver to", Value = bucket }
output "ArtifactBucketArn" { Value = bucket_arn }
output "ArtifactReceiverRoleArn" { Description = "Hand to LTBase: Role A", Value = role_a:arn() }
output "VendorKeyPrefix" { Description = "Hand to LTBase: the only key prefix Role A may put under",
                           Value = config.bucket.vendor_prefix }
output "DeploymentRoleArn" { Description = "Store in the ops repository's secrets: Role B",
                             Value = role_b:arn() }
output "CloudFormationServiceRoleArn" {
  Description = "The service role the beta and prod stacks are deployed with (--cfn-role-arn)",
  Value = cfn_role:arn() }
output "AppPermissionsBoundaryArn" { Value = boundary }
output "GitHubOidcProviderArn" { Value = provider }
