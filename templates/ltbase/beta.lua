-- ltbase-beta: the isolated beta function. Deploy-to-beta copies the newest
-- artifact to beta/current.zip and renders this stack with its object version.

local app = require("ltbase.app")

description("LTBase self-hosted beta stage: isolated beta function and its beta alias")

local fn, version = app.function_stack(_ENV, "beta")

local alias = resource "BetaAlias" {
  Type = "AWS::Lambda::Alias",
  Properties = {
    FunctionName = fn,
    Name = "beta",
    FunctionVersion = version:get("Version"),
  },
}

output "BetaVersion" { Description = "The version the beta alias serves",
                       Value = version:get("Version") }
output "BetaAliasArn" { Value = alias }
