description("fnapp-extra: a second stack of the system, a queue")

deploy { stack_name = config.stack_name .. "-extra", region = config.region }

resource "Queue" {
  Type = "AWS::SQS::Queue",
  Properties = { QueueName = Sub("${AWS::StackName}-q") },
}
