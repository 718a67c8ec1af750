-- fnsys: a small system for the drift tests only (tests/e2e/test_drift.py
-- points LUAFORM_SYSTEMS_DIR here): a function from an S3 artifact, a
-- version of it, an alias that may route a canary, and a queue.
return {
  name = "fnsys",
  example_config = "example.yaml",
  stacks = {
    { name = "fnapp", file = "app.lua", description = "the function, its version and alias, a queue" },
    { name = "fnapp-extra", file = "extra.lua", description = "a queue" },
  },
  config = {
    region = { type = "string", default = "us-east-1", pattern = "^[a-z][a-z]%-[a-z%-]+%-%d$",
               pattern_doc = "an AWS region such as us-east-1" },
    stack_name = { type = "string", default = "fnapp", pattern = "^[%w-]+$",
                   pattern_doc = "a stack name" },
    bucket = { type = "string", required = true, pattern = "^[a-z0-9.-]+$", pattern_doc = "a bucket" },
    key = { type = "string", required = true, pattern = "^[%w/._-]+$", pattern_doc = "a key" },
    object_version = { type = "string", required = true, pattern = "^[%w._+/=-]+$",
                       pattern_doc = "an object version id" },
    canary_version = { type = "string", default = "", pattern = "^%d*$",
                       pattern_doc = "a version number, or empty" },
    canary_weight = { type = "number", default = 0.1, min = 0, max = 1 },
    team = { type = "string", default = "ops", pattern = "^[%w-]+$", pattern_doc = "a tag value" },
  },
}
