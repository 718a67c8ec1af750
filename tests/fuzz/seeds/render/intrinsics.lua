parameter "Env" { Type = "String", AllowedValues = { "dev", "prod" }, Default = "dev" }
condition "IsProd" (Equals(Ref "Env", "prod"))
local b = resource "Bucket" {
  Type = "AWS::S3::Bucket",
  DeletionPolicy = "Retain",
  Properties = {
    BucketName = Sub "${AWS::StackName}-data",
    VersioningConfiguration = { Status = If("IsProd", "Enabled", "Suspended") },
  },
}
output "Arn" { Value = b:get("Arn"), Export = { Name = Sub "${AWS::StackName}-arn" } }
deploy { stack_name = "fuzz", tags = { team = "infra" } }
