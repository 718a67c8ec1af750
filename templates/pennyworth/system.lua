-- Pennyworth: the LiteLLM-based, OpenAI-compatible API proxy of
-- ../shared/reference/pennyworth-deployment-guide.md, on Lambda behind an
-- HTTP API with a custom domain, its API keys in DynamoDB, Bedrock models.
--
-- Two stacks, split by who changes them and how often:
--   pennyworth-bootstrap  the GitHub OIDC provider (or an existing one), the
--                         deploy role pennyworth-github-deploy-role and its
--                         policy pennyworth-deployment. An admin deploys it
--                         once (it is what lets GitHub deploy the rest).
--   pennyworth            the function, its execution role and log group, the
--                         HTTP API, the custom domain api.<base domain> with
--                         its certificate and DNS record, the API key table.
--                         The deploy role changes it on every release.
-- Nothing costs money at rest: Lambda, HTTP API and on-demand DynamoDB are
-- billed per request; the DNS-validated certificate is free.

-- a DNS name: lowercase labels of letters, digits and '-', a letter TLD
local DOMAIN = "^[a-z0-9][a-z0-9%-]*%.[a-z0-9%.%-]*[a-z]$"
local REPO = "^[%w_.-]+/[%w_.-]+$"
local VERSION_ID = "^[%w._+/=-]+$"

local function domain_ok(v, config)
  if #v > 249 then return "at most 249 characters (api.<base_domain> is a name of 253 at most)" end
  for label in (v .. "."):gmatch("([^.]*)%.") do
    if label == "" then return "'" .. v .. "' has an empty label" end
    if #label > 63 then return "label '" .. label .. "' is longer than 63 characters" end
    if label:match("^%-") or label:match("%-$") then
      return "label '" .. label .. "' starts or ends with '-'"
    end
  end
  if config.certificate_arn == "" and #("api." .. v) > 64 then
    return "api." .. v .. " is longer than the 64 characters of an ACM certificate's name " ..
           "(give certificate_arn, or a shorter domain)"
  end
end

return {
  name = "pennyworth",
  example_config = "example.yaml",
  stacks = {
    { name = "pennyworth-bootstrap", file = "bootstrap.lua",
      description = "GitHub OIDC provider, deploy role and its pennyworth-deployment policy" },
    { name = "pennyworth-app", file = "app.lua",
      description = "proxy function, HTTP API, custom domain, certificate, DNS, API key table" },
  },
  -- `luaform workflows pennyworth` writes deploy.yml: on a push to
  -- github.branch (the branch the deploy role trusts) and by hand, the app
  -- stack deployed with the deploy role, every value from the guide's
  -- GitHub secrets. The bootstrap stack is the admin's, deployed by hand.
  deploy_workflow = {
    stacks = { "pennyworth-app" },
    role_secret = "AWS_DEPLOY_ROLE_ARN",
    secrets = { hosted_zone_id = "ROUTE53_HOSTED_ZONE_ID", stack_name = "STACK_NAME",
                region = "AWS_REGION", base_domain = "BASE_DOMAIN" },
    branch = "github.branch",
  },
  config = {
    region = { type = "string", default = "us-west-2", pattern = "^[a-z][a-z]%-[a-z%-]+%-%d$",
               pattern_doc = "an AWS region such as us-west-2", doc = "the region of both stacks" },
    stack_name = { type = "string", default = "pennyworth", pattern = "^[A-Za-z][A-Za-z0-9-]*$",
                   pattern_doc = "a stack name (letters, digits, '-')",
                   doc = "the app stack's name (the STACK_NAME secret)" },
    base_domain = { type = "string", required = true, pattern = DOMAIN, check = domain_ok,
                    pattern_doc = "a domain name such as example.com",
                    doc = "the API is served at api.<base_domain> (the BASE_DOMAIN secret)" },
    hosted_zone_id = { type = "string", required = true, pattern = "^Z[A-Z0-9]+$",
                       check = function(v) if #v > 32 then return "a hosted zone id is at most 32 characters" end end,
                       pattern_doc = "a Route 53 hosted zone id such as Z0123456789ABCDEFGHIJ",
                       doc = "the public hosted zone of base_domain (the ROUTE53_HOSTED_ZONE_ID secret)" },
    certificate_arn = { type = "string", default = "", allow_empty = true,
      pattern = "^arn:aws[%w-]*:acm:[a-z][a-z]%-[a-z%-]+%-%d:%d%d%d%d%d%d%d%d%d%d%d%d:certificate/[%x-]+$",
      pattern_doc = "arn:aws:acm:REGION:ACCOUNT:certificate/ID, or empty",
      check = function(v, config)
        local r = v:match("^arn:[^:]+:acm:([^:]+):")
        if r and r ~= config.region then
          return "the certificate is in " .. r .. ", but a regional custom domain needs one in " ..
                 config.region .. " (the stacks' region)"
        end
      end,
      doc = "an ACM certificate for api.<base_domain> in the stacks' region; empty: one is " ..
            "created and validated through DNS in the hosted zone" },
    deploy_policy = { type = "string", default = "production", values = { "development", "production" },
      doc = "the deploy role's policy: the guide's development policy (broad, for bootstrapping " ..
            "only) or its production list, narrowed to these stacks" },
    github = { type = "map", fields = {
      oidc_provider_arn = { type = "string", default = "", allow_empty = true,
        pattern = "^arn:aws[%w-]*:iam::%d%d%d%d%d%d%d%d%d%d%d%d:oidc%-provider/token%.actions%.githubusercontent%.com$",
        pattern_doc = "arn:aws:iam::ACCOUNT:oidc-provider/token.actions.githubusercontent.com, or empty",
        doc = "an existing GitHub OIDC provider (one per account: share LTBase's); empty: create one" },
      repository = { type = "string", default = "johnwbyrd/pennyworth", pattern = REPO,
                     pattern_doc = "OWNER/NAME", doc = "the repository whose workflow deploys" },
      branch = { type = "string", default = "main", pattern = "^[^%c%s:*?]+$",
                 pattern_doc = "a branch name without spaces, ':' or wildcards",
                 doc = "the only branch that may assume the deploy role" },
    } },
    lambda = { type = "map", fields = {
      bucket = { type = "string", required = true, pattern = "^[a-z0-9][a-z0-9.-]+[a-z0-9]$",
                 pattern_doc = "an S3 bucket name", doc = "the bucket holding the function's artifact" },
      key = { type = "string", required = true, pattern = "^[%w!_.*'()/-]+$",
              pattern_doc = "an S3 key", doc = "the artifact (a zip)" },
      object_version = { type = "string", required = true, pattern = VERSION_ID,
                         pattern_doc = "an S3 object version id", doc = "the artifact's version" },
      function_name = { type = "string", default = "pennyworth-proxy", pattern = "^pennyworth[%w_-]*$",
                        pattern_doc = "a name starting with 'pennyworth' (the role may only log to " ..
                                      "/aws/lambda/pennyworth*)" },
      runtime = { type = "string", default = "python3.12", pattern = "^[a-z][a-z0-9.]*$",
                  pattern_doc = "a Lambda runtime such as python3.12" },
      handler = { type = "string", default = "app.handler", pattern = "^[^%s%c]+$",
                  pattern_doc = "a Lambda handler, without spaces" },
      architecture = { type = "string", default = "arm64", values = { "arm64", "x86_64" } },
      memory_mb = { type = "integer", default = 1024, min = 128, max = 10240 },
      timeout_s = { type = "integer", default = 29, min = 1, max = 900,
                    doc = "the HTTP API waits at most 30 s for the function" },
      log_retention_days = { type = "integer", default = 30,
        values = { 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827,
                   2192, 2557, 2922, 3288, 3653 } },
      bedrock_models = { type = "list", default = {}, pattern = "^[%w.:-]+$",
        pattern_doc = "a Bedrock model id such as anthropic.claude-3-5-sonnet-20240620-v1:0",
        doc = "narrow bedrock:InvokeModel to these foundation models (empty: any, as the guide)" },
    } },
  },
}
