description("fnapp: a function from an S3 artifact, its version and alias, a queue")

deploy {
  stack_name = config.stack_name,
  region = config.region,
  tags = { team = config.team },
}

parameter "Env" { Type = "String", Default = "test" }

local role = resource "Role" {
  Type = "AWS::IAM::Role",
  Properties = {
    AssumeRolePolicyDocument = iam.service_trust("lambda.amazonaws.com"),
  },
}

local fn = resource "Function" {
  Type = "AWS::Lambda::Function",
  Properties = {
    FunctionName = Sub("${AWS::StackName}-fn"),
    Role = role:arn(),
    Runtime = "python3.12",
    Handler = "index.handler",
    Code = {
      S3Bucket = config.bucket,
      S3Key = config.key,
      S3ObjectVersion = config.object_version,
    },
    Environment = { Variables = { ENV = Ref("Env") } },
  },
}

local version = resource "Version" {
  Type = "AWS::Lambda::Version",
  Properties = { FunctionName = fn },
}

local live = {
  FunctionName = fn,
  Name = "live",
  FunctionVersion = version:get("Version"),
}
if config.canary_version ~= "" then
  live.FunctionVersion = config.canary_version
  live.RoutingConfig = { AdditionalVersionWeights = {
    { FunctionVersion = version:get("Version"), FunctionWeight = config.canary_weight },
  } }
end
resource "Alias" { Type = "AWS::Lambda::Alias", Properties = live }

resource "Queue" {
  Type = "AWS::SQS::Queue",
  Properties = { QueueName = Sub("${AWS::StackName}-jobs"), VisibilityTimeout = 60 },
}

output "QueueUrl" { Value = Ref("Queue") }
