-- Names and ARNs the LTBase stacks share, derived from the config, so the
-- foundation's policies and the app stacks always agree.

local M = {}

function M.names(config)
  local p = config.name_prefix
  return {
    beta_stack = p .. "-beta",
    prod_stack = p .. "-prod",
    beta_function = p .. "-beta",
    prod_function = p .. "-prod",
    role_a = p .. "-artifact-receiver",
    role_b = p .. "-deployer",
    cfn_role = p .. "-cfn-exec",
    app_path = "/" .. p .. "-app/",
    beta_exec_role = p .. "-beta-exec",   -- the functions' execution roles
    prod_exec_role = p .. "-prod-exec",
    boundary = p .. "-app-boundary",
  }
end

-- The partition of a region, for ARNs written outside a template (as
-- botocore's partitions.json and luaform's aws/region.c map them).
local PARTITIONS = {
  { "^cn%-", "aws-cn" }, { "^us%-gov%-", "aws-us-gov" }, { "^us%-isob%-", "aws-iso-b" },
  { "^us%-isof%-", "aws-iso-f" }, { "^us%-iso%-", "aws-iso" }, { "^eu%-isoe%-", "aws-iso-e" },
}
function M.partition(region)
  for _, p in ipairs(PARTITIONS) do
    if region:match(p[1]) then return p[2] end
  end
  return "aws"
end

-- The CloudFormation service role the app stacks are deployed with.
function M.cfn_role_arn(config)
  return "arn:" .. M.partition(config.region) .. ":iam::" .. config.account ..
         ":role/" .. M.names(config).cfn_role
end

-- ARNs as Fn::Sub strings (partition and account from the pseudo parameters).
function M.arn(kind, rest)
  local fmt = {
    role = "arn:${AWS::Partition}:iam::${AWS::AccountId}:role",
    policy = "arn:${AWS::Partition}:iam::${AWS::AccountId}:policy",
    stack = "arn:${AWS::Partition}:cloudformation:${AWS::Region}:${AWS::AccountId}:stack",
    ["function"] = "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function",
    s3 = "arn:${AWS::Partition}:s3:::",
    logs = "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group",
  }
  local sep = kind == "s3" and "" or (kind == "logs" and ":" or "/")
  if kind == "function" then sep = ":" end
  return fmt[kind] .. sep .. rest
end

return M
