description("relay: the topic")

resource "Topic" {
  Type = "AWS::SNS::Topic",
  Properties = { DisplayName = config.topic.display_name },
}

output "TopicArn" { Value = Ref("Topic") }
