-- pennyworth-bootstrap: what an admin deploys once: the GitHub OIDC
-- provider (or an existing one), the deploy role GitHub assumes and its
-- policy pennyworth-deployment (the guide's "Create a Custom IAM Policy"
-- and "Create the GitHub OIDC Deployment Role").

local common = require("pennyworth.common")
local n = common.names(config)
local arn = common.arn

description("Pennyworth bootstrap: GitHub OIDC provider, deploy role " .. common.DEPLOY_ROLE ..
            " and its " .. common.DEPLOY_POLICY .. " policy (" .. config.deploy_policy .. ")")

deploy {
  stack_name = n.bootstrap_stack,
  termination_protection = true,
  tags = { ["luaform:system"] = "pennyworth" },
  region = config.region,
}

---------------------------------------------------------------- GitHub OIDC

local provider = github.provider(resource, config.github.oidc_provider_arn)

---------------------------------------------------------------- the policy

-- The guide's development policy, action for action, on "*": for
-- bootstrapping only (the guide: "Do not use in production").
local DEVELOPMENT = {
  "cloudformation:*", "cognito-idp:*", "cognito-identity:*", "dynamodb:*",
  "iam:CreateRole", "iam:DeleteRole", "iam:GetRole", "iam:PassRole", "iam:PutRolePolicy",
  "iam:AttachRolePolicy", "iam:DetachRolePolicy", "iam:DeleteRolePolicy", "iam:ListRoles",
  "iam:ListRolePolicies", "iam:GetPolicy", "iam:ListPolicies", "iam:CreatePolicy",
  "iam:DeletePolicy", "iam:UpdateAssumeRolePolicy", "iam:TagRole", "iam:UntagRole",
  "iam:CreateServiceLinkedRole", "logs:*", "lambda:*", "apigateway:*", "s3:*",
  "route53:GetHostedZone", "route53:ListHostedZones", "route53:ChangeResourceRecordSets",
  "route53:GetChange", "route53:ListResourceRecordSets", "acm:DescribeCertificate",
  "acm:ListCertificates", "acm:GetCertificate", "bedrock:InvokeModel",
}

local exec_role = Sub(arn.role(common.EXEC_ROLE))
local boundary_arn = Sub(arn.policy(common.BOUNDARY))
local needs_boundary = { StringEquals = { ["iam:PermissionsBoundary"] = boundary_arn } }
local fn = n.fn
local bucket = config.lambda.bucket

-- The guide's production list, each action narrowed to what these stacks
-- hold ("restrict actions and resources as tightly as possible"), with
-- iam:PassRole on the execution role only, from the first deploy (luaform
-- knows its ARN before it exists). Each statement says why it is there.
local function production()
  local s = {
    -- cloudformation:* (guide): the app stack and its change sets only;
    -- luaform deploys through change sets (Create/Describe/Execute/
    -- DeleteChangeSet, DescribeStacks/Events, GetTemplate).
    iam.allow{ sid = "AppStack", actions = "cloudformation:*",
               resources = { Sub(arn.stack(n.app_stack)), Sub(arn.changeset()) } },
    -- lambda:* (guide): the proxy function, its versions and its resource
    -- policy (AWS::Lambda::Function and AWS::Lambda::Permission handlers).
    iam.allow{ sid = "ProxyFunction", actions = "lambda:*",
               resources = { Sub(arn.fn(fn)), Sub(arn.fn(fn .. ":*")) } },
    -- apigateway:* (guide): API Gateway's ARNs are paths; the HTTP API,
    -- the custom domain, its mapping and tags (AWS::ApiGatewayV2::* handlers
    -- call apigateway:GET/POST/PATCH/PUT/DELETE on these paths).
    iam.allow{ sid = "HttpApiAndDomain", actions = "apigateway:*",
               resources = { Sub(arn.apigw("/apis")), Sub(arn.apigw("/apis/*")),
                             Sub(arn.apigw("/domainnames")),
                             Sub(arn.apigw("/domainnames/" .. n.api_domain)),
                             Sub(arn.apigw("/domainnames/" .. n.api_domain .. "/*")),
                             Sub(arn.apigw("/tags/*")) } },
    -- dynamodb:* (guide): the API key table (and its indexes, streams,
    -- backups: PointInTimeRecovery is UpdateContinuousBackups on it).
    iam.allow{ sid = "ApiKeyTable", actions = "dynamodb:*",
               resources = { Sub(arn.table(common.TABLE)), Sub(arn.table(common.TABLE .. "/*")) } },
    -- logs:* (guide): the function's log group (AWS::Logs::LogGroup handler).
    iam.allow{ sid = "FunctionLogGroup", actions = "logs:*",
               resources = { Sub(arn.log_group(n.log_group)), Sub(arn.log_group(n.log_group .. ":*")) } },
    -- logs:* (guide), the rest: every handler of AWS::Logs::LogGroup calls
    -- DescribeLogGroups, which lists the account's groups by prefix: it is
    -- authorized on log-group:*, not on one group.
    iam.allow{ sid = "DescribeLogGroups", actions = "logs:DescribeLogGroups",
               resources = Sub(arn.log_group("*")) },
    -- route53 (guide): the hosted zone, read; its records, changed only for
    -- api.<domain> (the alias) and ACM's validation CNAME under it
    -- (_<hash>.api.<domain>): never the apex, MX or NS, nor records other
    -- systems keep in a shared zone.
    iam.allow{ sid = "HostedZone",
               actions = { "route53:GetHostedZone", "route53:ListResourceRecordSets" },
               resources = Sub("arn:${AWS::Partition}:route53:::hostedzone/" .. config.hosted_zone_id) },
    iam.allow{ sid = "ApiRecords", actions = "route53:ChangeResourceRecordSets",
               resources = Sub("arn:${AWS::Partition}:route53:::hostedzone/" .. config.hosted_zone_id),
               condition = {
                 ["ForAllValues:StringLike"] = {
                   ["route53:ChangeResourceRecordSetsNormalizedRecordNames"] =
                     { n.api_domain, "_*." .. n.api_domain } },
                 ["ForAllValues:StringEquals"] = {
                   ["route53:ChangeResourceRecordSetsRecordTypes"] = { "A", "CNAME" } } } },
    iam.allow{ sid = "Route53Changes", actions = "route53:GetChange",
               resources = Sub("arn:${AWS::Partition}:route53:::change/*") },
    -- route53:ListHostedZones and acm:ListCertificates (guide) act on no
    -- resource: "*" is their only form.
    iam.allow{ sid = "ListOnly", actions = { "route53:ListHostedZones", "acm:ListCertificates",
                                             "iam:ListRoles", "iam:ListPolicies" },
               resources = "*" },
    -- acm (guide): the certificate of api.<domain>.
    iam.allow{ sid = "Certificate", actions = { "acm:DescribeCertificate", "acm:GetCertificate" },
               resources = config.certificate_arn ~= "" and config.certificate_arn or Sub(arn.cert()) },
    -- the role actions of the guide, on the execution role only
    -- (AWS::IAM::Role handler). Those that widen a role need the boundary
    -- on it: whatever the deploy role writes into the execution role, the
    -- role can do no more than the guide's ten runtime actions.
    iam.allow{ sid = "ExecutionRoleWithBoundary",
               actions = { "iam:CreateRole", "iam:PutRolePolicy", "iam:AttachRolePolicy" },
               resources = exec_role, condition = needs_boundary },
    iam.allow{ sid = "ExecutionRole",
               actions = { "iam:DeleteRole", "iam:GetRole", "iam:DetachRolePolicy",
                           "iam:DeleteRolePolicy", "iam:ListRolePolicies",
                           "iam:UpdateAssumeRolePolicy", "iam:TagRole", "iam:UntagRole" },
               resources = exec_role },
    -- Not in the guide's list: the AWS::IAM::Role handler reads the inline
    -- policy back (GetRolePolicy: create, read, update), lists attached
    -- policies before delete (ListAttachedRolePolicies) and updates the
    -- description and session length in place (UpdateRole,
    -- UpdateRoleDescription); without them the first deploy fails.
    iam.allow{ sid = "ExecutionRoleHandler",
               actions = { "iam:GetRolePolicy", "iam:ListAttachedRolePolicies", "iam:UpdateRole",
                           "iam:UpdateRoleDescription" },
               resources = exec_role },
    -- iam:PassRole (guide: "restrict to only the Lambda execution roles
    -- created by your stack"): that role, to Lambda only.
    iam.allow{ sid = "PassExecutionRole", actions = "iam:PassRole", resources = exec_role,
               condition = { StringEquals = { ["iam:PassedToService"] = "lambda.amazonaws.com" } } },
    -- iam Get/Create/DeletePolicy (guide): the app stack creates no managed
    -- policy; reading Pennyworth's, creating and deleting only under
    -- pennyworth-app-*, a prefix neither the boundary nor this policy has
    -- (deleting and re-creating the boundary would lift it).
    iam.allow{ sid = "ReadPennyworthPolicies", actions = "iam:GetPolicy",
               resources = Sub(arn.policy("pennyworth-*")) },
    iam.allow{ sid = "AppPolicies", actions = { "iam:CreatePolicy", "iam:DeletePolicy" },
               resources = Sub(arn.policy("pennyworth-app-*")) },
    -- and, whatever another statement or a later edit says: the boundary
    -- and this policy are the admin's
    iam.deny{ sid = "NotTheAdminsPolicies",
              actions = { "iam:CreatePolicy", "iam:DeletePolicy", "iam:CreatePolicyVersion",
                          "iam:DeletePolicyVersion", "iam:SetDefaultPolicyVersion" },
              resources = { boundary_arn, Sub(arn.policy(common.DEPLOY_POLICY)) } },
    -- Not in the guide's list: the AWS::Logs::LogGroup create handler reads
    -- the account's resource policies (DescribeResourcePolicies: "*" only),
    -- and the AWS::IAM::Role delete handler lists the role's instance
    -- profiles (ListInstanceProfilesForRole).
    iam.allow{ sid = "HandlerReads", actions = "logs:DescribeResourcePolicies", resources = "*" },
    iam.allow{ sid = "RoleInstanceProfiles", actions = "iam:ListInstanceProfilesForRole",
               resources = exec_role },
    -- iam:CreateServiceLinkedRole (guide): API Gateway's, which a custom
    -- domain needs; no other service's.
    iam.allow{ sid = "ApiGatewayServiceLinkedRole", actions = "iam:CreateServiceLinkedRole",
               resources = Sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:role/aws-service-role/" ..
                               "ops.apigateway.amazonaws.com/AWSServiceRoleForAPIGateway"),
               condition = { StringEquals = { ["iam:AWSServiceName"] = "ops.apigateway.amazonaws.com" } } },
    -- s3 (guide): the artifact bucket only.
    iam.allow{ sid = "ArtifactBucket", actions = "s3:ListBucket",
               resources = Sub(arn.bucket(bucket)) },
    iam.allow{ sid = "Artifacts", actions = { "s3:PutObject", "s3:GetObject", "s3:DeleteObject" },
               resources = Sub(arn.bucket(bucket .. "/*")) },
    -- Not in the guide's list: the function's code is an S3 object
    -- version (S3ObjectVersion), which the AWS::Lambda::Function handler
    -- reads with s3:GetObjectVersion on create and update.
    iam.allow{ sid = "ArtifactVersions", actions = "s3:GetObjectVersion",
               resources = Sub(arn.bucket(bucket .. "/" .. config.lambda.key)) },
  }
  if config.certificate_arn == "" then
    -- Not in the guide's list (it assumes a certificate made by hand): the
    -- AWS::CertificateManager::Certificate handler's create, update and
    -- delete. RequestCertificate acts on no resource ("*" only); it is
    -- held to api.<domain> with DNS validation by its condition keys.
    s[#s + 1] = iam.allow{ sid = "RequestApiCertificate", actions = "acm:RequestCertificate",
      resources = "*",
      condition = { ["ForAllValues:StringEquals"] = { ["acm:DomainNames"] = { n.api_domain } },
                    StringEquals = { ["acm:ValidationMethod"] = "DNS" } } }
    s[#s + 1] = iam.allow{ sid = "ApiCertificate",
      actions = { "acm:AddTagsToCertificate", "acm:ListTagsForCertificate",
                  "acm:RemoveTagsFromCertificate", "acm:UpdateCertificateOptions",
                  "acm:DeleteCertificate" },
      resources = Sub(arn.cert()) }
  end
  return s
end

-- The execution role's upper bound (an admin's, like this stack): the
-- guide's ten runtime actions, on the table, any model and the
-- pennyworth log groups.
resource "ExecutionBoundary" {
  Type = "AWS::IAM::ManagedPolicy",
  Properties = {
    ManagedPolicyName = common.BOUNDARY,
    Description = "Upper bound of Pennyworth's execution role: the guide's runtime permissions",
    PolicyDocument = iam.policy{
      iam.allow{ sid = "ApiKeys", actions = common.RUNTIME_ACTIONS.dynamodb,
                 resources = Sub(arn.table(common.TABLE)) },
      iam.allow{ sid = "Models", actions = common.RUNTIME_ACTIONS.bedrock, resources = "*" },
      iam.allow{ sid = "Logs", actions = common.RUNTIME_ACTIONS.logs,
                 resources = Sub(arn.log_group("/aws/lambda/pennyworth*")) },
    },
  },
}

local statements
if config.deploy_policy == "development" then
  statements = { iam.allow{ sid = "GuideDevelopmentPolicy", actions = DEVELOPMENT, resources = "*" } }
else
  statements = production()
end

local deployment = resource "DeploymentPolicy" {
  Type = "AWS::IAM::ManagedPolicy",
  Properties = {
    ManagedPolicyName = common.DEPLOY_POLICY,
    Description = "What GitHub Actions may do to deploy Pennyworth (" .. config.deploy_policy .. ")",
    PolicyDocument = iam.policy(statements),
  },
}

---------------------------------------------------------------- the role

local subject = github.sub.branch(config.github.repository, config.github.branch)
local suppress = {}
if config.deploy_policy == "production" then
  for _, a in ipairs({ "cloudformation:*", "lambda:*", "apigateway:*", "dynamodb:*", "logs:*" }) do
    suppress[#suppress + 1] = { rule = "LF-IAM-001", action = a,
      reason = "the guide's production list grants " .. a .. "; narrowed here to this " ..
               "system's own resources (see the statement's comment)" }
  end
  suppress[#suppress + 1] = { rule = "LF-ESC-001", action = "iam:UpdateAssumeRolePolicy",
    reason = "the guide's production list; only on the execution role, whose permissions " ..
             "boundary caps it at the ten runtime actions" }
end

local role = resource "DeployRole" {
  Type = "AWS::IAM::Role",
  Metadata = #suppress > 0 and { luaform = { suppress = suppress } } or nil,
  Properties = {
    RoleName = common.DEPLOY_ROLE,
    Description = "GitHub Actions deploys Pennyworth from " .. config.github.repository ..
                  " (" .. config.github.branch .. ")",
    MaxSessionDuration = 3600,
    AssumeRolePolicyDocument = github.trust{ provider = provider, subjects = { subject } },
    ManagedPolicyArns = { deployment },
  },
}

---------------------------------------------------------------- invariants

invariant("only " .. subject .. " may assume the deploy role", policy.assumed_only_by{
  role = "DeployRole", provider = provider, subjects = subject, audience = "sts.amazonaws.com",
})

invariant("the deploy role cannot change the boundary or its own policy", function(t)
  if config.deploy_policy == "production" then
    policy.role(t, "DeployRole"):never({ "iam:CreatePolicy", "iam:DeletePolicy",
      "iam:CreatePolicyVersion", "iam:DeletePolicyVersion", "iam:SetDefaultPolicyVersion" },
      { "arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/" .. common.BOUNDARY,
        "arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/" .. common.DEPLOY_POLICY })
  end
end)

invariant("iam:PassRole only for the execution role, only to Lambda", function(t)
  for _, s in ipairs(policy.role(t, "DeployRole").permissions) do
    if policy.grants(s, "iam:PassRole") then
      policy.check(#s.resource == 1 and (s.resource[1] == "*" or s.resource[1] ==
                     "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/" .. common.EXEC_ROLE),
                   s, "passes %s, not only the execution role", table.concat(s.resource, ", "))
      if config.deploy_policy == "production" then
        local to = s.condition.StringEquals and s.condition.StringEquals["iam:PassedToService"]
        policy.check(s.resource[1] ~= "*" and to and #to == 1 and to[1] == "lambda.amazonaws.com",
                     s, "may pass the role to any service, or any role")
      end
    end
  end
end)

output "AwsDeployRoleArn" { Description = "GitHub secret AWS_DEPLOY_ROLE_ARN", Value = role:arn() }
output "AwsRegion" { Description = "GitHub secret AWS_REGION", Value = config.region }
-- The other GitHub secrets, known before the app stack exists (the deploy
-- role may only touch the stack named here: STACK_NAME must be it).
output "Route53HostedZoneId" { Description = "GitHub secret ROUTE53_HOSTED_ZONE_ID",
                               Value = config.hosted_zone_id }
output "StackName" { Description = "GitHub secret STACK_NAME", Value = n.app_stack }
output "BaseDomain" { Description = "GitHub secret BASE_DOMAIN", Value = config.base_domain }
output "ExecutionRoleArn" { Description = "The only role the deploy role may pass (to Lambda)",
                            Value = exec_role }
