description("relay: the queue")

resource "Queue" {
  Type = "AWS::SQS::Queue",
  Properties = {
    QueueName = config.queue.name,
    MessageRetentionPeriod = config.queue.retention_days * 86400,
  },
}

output "QueueUrl" { Value = Ref("Queue") }
output "Region" { Value = config.region }
