-- LTBase self-hosted: the artifact-delivery model of the LTBase spec.
--
-- Three stacks, split by who changes them and how often:
--   ltbase-foundation  the artifact bucket, the GitHub OIDC provider, Role A
--                      (vendor delivery), Role B (customer deployment), the
--                      CloudFormation service role the app stacks run with.
--                      Deployed rarely, by an admin.
--   ltbase-beta        the isolated beta function and its alias.
--   ltbase-prod        the production function, its retained versions and
--                      the one-box and prod aliases (canary).
-- Both app stacks change with every release, through Role B.

local S3_NAME = "^[a-z0-9][a-z0-9.-]+[a-z0-9]$"
local REPO = "^[%w_.-]+/[%w_.-]+$"
-- a key prefix: non-empty, ending in '/', no wildcard
local PREFIX = "^[%w!_.'()-][%w!_.'()/-]*/$"
-- a branch or environment name as Role B's trust spells it; empty: any ref
local REF = "^[^%c%s:*?]*$"
-- an S3 object version id (opaque, URL-ready)
local VERSION_ID = "^[%w._+/=-]+$"

return {
  name = "ltbase",
  example_config = "example.yaml",
  stacks = {
    { name = "ltbase-foundation", file = "foundation.lua",
      description = "bucket, OIDC provider, Role A, Role B, CloudFormation service role" },
    { name = "ltbase-beta", file = "beta.lua",
      description = "isolated beta function and its beta alias" },
    { name = "ltbase-prod", file = "prod.lua",
      description = "production function, retained versions, one-box and prod aliases" },
  },
  config = {
    account = { type = "string", required = true, pattern = "^%d%d%d%d%d%d%d%d%d%d%d%d$",
                pattern_doc = "12 digits", doc = "the customer's AWS account id" },
    region = { type = "string", default = "us-east-1", pattern = "^[a-z][a-z]%-[a-z%-]+%-%d$",
               pattern_doc = "an AWS region such as us-east-1", doc = "the region of every stack" },
    name_prefix = { type = "string", default = "ltbase", pattern = "^[a-z][a-z0-9-]*$",
                    pattern_doc = "lowercase letters, digits and '-'",
                    doc = "prefix of role, function and stack names" },
    bucket = { type = "map", fields = {
      name = { type = "string", required = true, pattern = S3_NAME,
               pattern_doc = "an S3 bucket name", doc = "the artifact bucket" },
      vendor_prefix = { type = "string", default = "releases/", pattern = PREFIX,
                        forbid = { "^beta/", "^prod/" },
                        pattern_doc = "a key prefix ending in '/', outside beta/ and prod/",
                        doc = "where Role A may put artifacts" },
    } },
    github = { type = "map", fields = {
      oidc_provider_arn = { type = "string", default = "",
        pattern = "^arn:aws[%w-]*:iam::%d%d%d%d%d%d%d%d%d%d%d%d:oidc%-provider/token%.actions%.githubusercontent%.com$",
        allow_empty = true,
        pattern_doc = "arn:aws:iam::ACCOUNT:oidc-provider/token.actions.githubusercontent.com, or empty",
        doc = "ARN of an existing GitHub OIDC provider; empty: the foundation creates one" },
      vendor_subject = { type = "string", default = "repo:Lychee-Technology/ltbase.api:*",
        pattern = "^repo:[%w_.-]+/[%w_.-]+:.+$", pattern_doc = "repo:OWNER/NAME:...",
        doc = "the OIDC subject allowed to assume Role A" },
      ops_repo = { type = "string", required = true, pattern = REPO,
        pattern_doc = "OWNER/NAME", doc = "the customer's ops repository (Role B)" },
      ops_branch = { type = "string", default = "", pattern = REF,
        pattern_doc = "a branch name without spaces, ':' or wildcards",
        doc = "narrow Role B to this branch (empty: any ref of ops_repo)" },
      ops_environment = { type = "string", default = "", pattern = REF,
        pattern_doc = "an environment name without spaces, ':' or wildcards",
        doc = "narrow Role B to this GitHub environment (wins over ops_branch)" },
    } },
    lambda = { type = "map", fields = {
      runtime = { type = "string", default = "provided.al2023", pattern = "^[a-z][a-z0-9.]*$",
                  pattern_doc = "a Lambda runtime such as provided.al2023" },
      handler = { type = "string", default = "bootstrap", pattern = "^[^%s%c]+$",
                  pattern_doc = "a Lambda handler, without spaces" },
      architecture = { type = "string", default = "arm64", values = { "arm64", "x86_64" } },
      memory_mb = { type = "integer", default = 512, min = 128, max = 10240 },
      timeout_s = { type = "integer", default = 30, min = 1, max = 900 },
      log_retention_days = { type = "integer", default = 30,
        values = { 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827,
                   2192, 2557, 2922, 3288, 3653 },
        doc = "how long the functions' logs are kept (CloudWatch Logs' retention values)" },
    } },
    beta = { type = "map", fields = {
      artifact_key = { type = "string", default = "beta/current.zip", pattern = "^beta/.+$",
                       pattern_doc = "a key under beta/" },
      object_version = { type = "string", required = true, pattern = VERSION_ID,
                         pattern_doc = "an S3 object version id",
                         doc = "S3 object version of the beta artifact" },
    } },
    prod = { type = "map", fields = {
      artifact_key = { type = "string", default = "prod/current.zip", pattern = "^prod/.+$",
                       pattern_doc = "a key under prod/" },
      object_version = { type = "string", required = true, pattern = VERSION_ID,
                         pattern_doc = "an S3 object version id",
                         doc = "S3 object version of the candidate artifact" },
      stable_version = { type = "string", default = "", pattern = "^%d*$",
                         pattern_doc = "a Lambda version number, or empty",
                         doc = "the version prod serves; empty: the candidate is stable" },
      canary_weight = { type = "number", default = 0.01, min = 0, max = 1,
                        doc = "share of prod traffic sent to the candidate during a canary" },
    } },
  },
}
