-- Names and ARNs both Pennyworth stacks use, from the config, so the deploy
-- role's policy and the app stack always agree (and PassRole can name the
-- execution role before the first deploy).

local M = {}

M.TABLE = "pennyworth-apikeys"          -- the guide's table name
M.DEPLOY_ROLE = "pennyworth-github-deploy-role"
M.DEPLOY_POLICY = "pennyworth-deployment"
M.EXEC_ROLE = "pennyworth-lambda-execution"
M.BOUNDARY = "pennyworth-execution-boundary"

-- The guide's production runtime permissions (the execution role's), and
-- the upper bound the deploy role cannot lift: its ten actions.
M.RUNTIME_ACTIONS = {
  dynamodb = { "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem",
               "dynamodb:DeleteItem", "dynamodb:Query", "dynamodb:Scan" },
  bedrock = { "bedrock:InvokeModel" },
  logs = { "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents" },
}

function M.names(config)
  return {
    app_stack = config.stack_name,
    bootstrap_stack = "pennyworth-bootstrap",
    fn = config.lambda.function_name,
    log_group = "/aws/lambda/" .. config.lambda.function_name,
    api_domain = "api." .. config.base_domain,
  }
end

-- ARNs as Fn::Sub text (partition, region and account from pseudo parameters).
local P, R, A = "${AWS::Partition}", "${AWS::Region}", "${AWS::AccountId}"
M.arn = {
  role = function(name) return "arn:" .. P .. ":iam::" .. A .. ":role/" .. name end,
  policy = function(name) return "arn:" .. P .. ":iam::" .. A .. ":policy/" .. name end,
  stack = function(name) return "arn:" .. P .. ":cloudformation:" .. R .. ":" .. A .. ":stack/" .. name .. "/*" end,
  changeset = function() return "arn:" .. P .. ":cloudformation:" .. R .. ":" .. A .. ":changeSet/*/*" end,
  fn = function(name) return "arn:" .. P .. ":lambda:" .. R .. ":" .. A .. ":function:" .. name end,
  table = function(name) return "arn:" .. P .. ":dynamodb:" .. R .. ":" .. A .. ":table/" .. name end,
  log_group = function(name) return "arn:" .. P .. ":logs:" .. R .. ":" .. A .. ":log-group:" .. name end,
  zone = function(id) return "arn:" .. P .. ":route53:::hostedzone/" .. id end,
  apigw = function(path) return "arn:" .. P .. ":apigateway:" .. R .. "::" .. path end,
  cert = function() return "arn:" .. P .. ":acm:" .. R .. ":" .. A .. ":certificate/*" end,
  bucket = function(b) return "arn:" .. P .. ":s3:::" .. b end,
  model = function(id) return "arn:" .. P .. ":bedrock:" .. R .. "::foundation-model/" .. id end,
}

return M
