"""End to end against moto_server (signature checking on): CloudFormation
template files as stacks. A YAML template with short-form tags, anchors and
a merge key is deployed, updated (no change), planned from JSON; a template
file without --stack-name, with -p, or with a reference to nothing is
refused before any call; delete lists the retained resources of a stack
whose deployed template is YAML. Each test talks only to 127.0.0.1."""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))
from lftest import check, report, run, tmpdir, write  # noqa: E402
import moto  # noqa: E402

APP = """\
AWSTemplateFormatVersion: 2010-09-09
Description: an app stack in YAML with short forms
Parameters:
  Env:
    Type: String
    Default: test
Conditions:
  IsProd: !Equals [!Ref Env, prod]
Resources:
  Data:
    Type: AWS::S3::Bucket
    DeletionPolicy: Retain
    Properties:
      BucketName: !Sub '${AWS::StackName}-data'
      Tags: &tags
        - Key: env
          Value: !Ref Env
  Jobs:
    Type: AWS::SQS::Queue
    Properties: &queue
      QueueName: !Join ['-', [!Ref 'AWS::StackName', jobs]]
      VisibilityTimeout: 60
  Retries:
    Type: AWS::SQS::Queue
    Properties:
      <<: *queue
      QueueName: !Sub ${AWS::StackName}-retries
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: !Sub ${AWS::StackName}-items
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
      Tags: *tags
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: {Service: lambda.amazonaws.com}
            Action: sts:AssumeRole
      Policies:
        - PolicyName: app
          PolicyDocument:
            Version: '2012-10-17'
            Statement:
              - Effect: Allow
                Action: [sqs:SendMessage]
                Resource: !GetAtt Jobs.Arn
              - Effect: Allow
                Action: [dynamodb:GetItem, dynamodb:PutItem]
                Resource: !GetAtt [Table, Arn]
              - Effect: Allow
                Action: s3:GetObject
                Resource: !Sub '${Data.Arn}/*'
Outputs:
  Bucket:
    Value: !Ref Data
  Mode:
    Value: !If [IsProd, production, other]
"""

m = moto.Moto()
d = tmpdir()
app = write(os.path.join(d, "app.yaml"), APP)


def lf(*args, **kw):
    return run(*args, env=m.env(), **kw)


def ep():
    return ["--endpoint-url", m.url]


def one_error(se):
    return len([x for x in se.strip().splitlines() if x.startswith("luaform: ")]) == 1


try:
    # ------------------------------------------------------------ deploy a YAML template
    rc, so, se, _ = lf("deploy", app, "--stack-name", "tf-app", "--yes", "--require-approval", "never", *ep(), timeout=300)
    check(rc == 0, "deploy FILE.yaml --stack-name creates the stack", so[-2000:] + se)
    st = m.stack("tf-app")
    check(st is not None and st["StackStatus"] == "CREATE_COMPLETE", "tf-app is CREATE_COMPLETE", str(st))
    queues = m.aws("sqs", "list-queues").get("QueueUrls", [])
    check(any(q.endswith("/tf-app-jobs") for q in queues) and any(q.endswith("/tf-app-retries") for q in queues),
          "!Join and !Sub named the queues (the merge key gave Retries the queue's settings)", str(queues))
    attrs = m.aws("sqs", "get-queue-attributes", "--queue-url",
                  next((q for q in queues if q.endswith("/tf-app-retries")), ""),
                  "--attribute-names", "VisibilityTimeout") if queues else {}
    check(attrs.get("Attributes", {}).get("VisibilityTimeout") == "60", "merged VisibilityTimeout", str(attrs))
    tables = m.aws("dynamodb", "list-tables")["TableNames"]
    check("tf-app-items" in tables, "the table exists", str(tables))
    body = m.aws("cloudformation", "get-template", "--stack-name", "tf-app")["TemplateBody"]
    sent = body if isinstance(body, dict) else json.loads(body)
    role = sent["Resources"]["Role"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    check(role[0]["Resource"] == {"Fn::GetAtt": ["Jobs", "Arn"]} and
          role[1]["Resource"] == {"Fn::GetAtt": ["Table", "Arn"]} and
          sent["Resources"]["Retries"]["Properties"]["VisibilityTimeout"] == 60 and
          sent["Resources"]["Table"]["Properties"]["Tags"] == [{"Key": "env", "Value": {"Ref": "Env"}}] and
          sent["AWSTemplateFormatVersion"] == "2010-09-09",
          "CloudFormation got the long forms, anchors and merge keys expanded", json.dumps(sent)[:1500])

    # ------------------------------------------------------------ again: no changes
    rc, so, se, _ = lf("deploy", app, "--stack-name", "tf-app", "--yes", "--require-approval", "never", *ep())
    check(rc == 0 and "no changes" in so, "the same template again: no changes", so + se)

    # ------------------------------------------------------------ plan from JSON, from the rendered file
    out = os.path.join(d, "out")
    rc, so, se, _ = lf("render", app, "-o", out)
    check(rc == 0, "render the YAML template to JSON", se)
    rc, so, se, _ = lf("plan", os.path.join(out, "app.json"), "--stack-name", "tf-plan", *ep())
    check(rc == 0 and "Change set luaform-" in so and "left for review" in so, "plan FILE.json", so + se)
    check(len(m.change_sets("tf-plan", waiting=True)) == 1, "the change set waits for review")

    # ------------------------------------------------------------ refused before any call
    rc, so, se, _ = lf("deploy", app, "--yes", "--require-approval", "never", *ep())
    check(rc == 1 and one_error(se) and "template file" in se and "--stack-name" in se,
          "a template file needs --stack-name", se)
    check(m.stack("app") is None, "no stack named after the file")
    rc, so, se, _ = lf("deploy", app, "--stack-name", "tf-p", "-p", "a=b", "--yes", "--require-approval", "never", *ep())
    check(rc == 1 and one_error(se) and f"luaform: {app}: -c and -p" in se, "-p with a template file", se)
    bad = write(os.path.join(d, "bad.yaml"), APP.replace("Resource: !GetAtt [Table, Arn]",
                                                         "Resource: !GetAtt [Tabel, Arn]"))
    line = APP.splitlines().index("                Resource: !GetAtt [Table, Arn]") + 1
    rc, so, se, _ = lf("deploy", bad, "--stack-name", "tf-bad", "--yes", "--require-approval", "never", "--endpoint-url", "http://127.0.0.1:9")
    check(rc == 1 and one_error(se) and f"luaform: {bad}:{line}: 'Tabel' in Fn::GetAtt names no resource" in se,
          "a GetAtt to nothing is refused at its line, before any call (the endpoint is closed)", se)
    rc, so, se, _ = lf("plan", bad, "--stack-name", "tf-bad", *ep())
    check(rc == 1 and m.stack("tf-bad") is None, "plan: nothing created for a bad template", se)

    # ------------------------------------------------------------ delete: retained resources of a YAML stack
    yaml_body = ("Resources:\n"
                 "  Keep:\n"
                 "    Type: AWS::SQS::Queue\n"
                 "    DeletionPolicy: Retain\n"
                 "    Properties:\n"
                 "      QueueName: !Sub '${AWS::StackName}-kept'\n"
                 "  Drop:\n"
                 "    Type: AWS::SQS::Queue\n"
                 "    Properties:\n"
                 "      QueueName: !Join ['-', [!Ref 'AWS::StackName', dropped]]\n")
    m.aws("cloudformation", "create-stack", "--stack-name", "tf-yaml", "--template-body", yaml_body)
    body = m.aws("cloudformation", "get-template", "--stack-name", "tf-yaml")["TemplateBody"]
    check(isinstance(body, str) and "!Sub" in body, "the deployed template is YAML with short forms", str(body)[:300])
    rc, so, se, _ = lf("delete", "--stack-name", "tf-yaml", "--yes", *ep())
    check(rc == 0 and "retained" in so and "Keep (AWS::SQS::Queue)" in so and "Drop" not in so,
          "delete lists the retained resources of a YAML stack", so + se)
    rc, so, se, _ = lf("delete", "--stack-name", "tf-app", "--yes", *ep())
    check(rc == 0 and "Data (AWS::S3::Bucket)" in so, "delete lists the retained bucket of tf-app", so + se)
finally:
    m.stop()
report()
