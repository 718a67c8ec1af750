-- ltbase-prod: the production function, its retained versions and aliases.
--
-- one-box always serves the candidate (the version of the newest artifact).
-- prod serves the stable version; while a canary runs (stable_version set),
-- it routes canary_weight of the traffic to the candidate. Promotion renders
-- again with stable_version empty: prod then serves the candidate.

local app = require("ltbase.app")

description("LTBase self-hosted production stage: function, retained versions, " ..
            "one-box (candidate) and prod (stable, canary) aliases")

local fn, candidate = app.function_stack(_ENV, "prod")
local stable = config.prod.stable_version
local weight = config.prod.canary_weight

local onebox = resource "OneBoxAlias" {
  Type = "AWS::Lambda::Alias",
  Properties = {
    FunctionName = fn,
    Name = "one-box",
    Description = "The candidate version",
    FunctionVersion = candidate:get("Version"),
  },
}

local prod_props = {
  FunctionName = fn,
  Name = "prod",
  Description = "The stable version",
  FunctionVersion = candidate:get("Version"),
}
if stable ~= "" then
  prod_props.FunctionVersion = stable
  if weight > 0 then
    prod_props.Description = "The stable version, with a canary to the candidate"
    prod_props.RoutingConfig = { AdditionalVersionWeights = {
      { FunctionVersion = candidate:get("Version"), FunctionWeight = weight },
    } }
  end
end

local prod = resource "ProdAlias" {
  Type = "AWS::Lambda::Alias",
  Properties = prod_props,
}

output "CandidateVersion" { Description = "The version one-box serves",
                            Value = candidate:get("Version") }
output "StableVersion" { Description = "The version prod serves",
                         Value = prod_props.FunctionVersion }
output "CanaryWeight" { Description = "Share of prod traffic on the candidate",
                        Value = (stable ~= "" and weight > 0) and tostring(weight) or "0" }
output "OneBoxAliasArn" { Value = onebox }
output "ProdAliasArn" { Value = prod }
