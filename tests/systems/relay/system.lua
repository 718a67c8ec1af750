-- Relay: a throwaway second system that exists only for the tests. The
-- tests point luaform at tests/systems/ (LUAFORM_SYSTEMS_DIR) so that it
-- renders beside the built-in LTBase: -c and -p must reach the system they
-- are for. `region` is a key of both systems' configs; the rest are
-- Relay's own.
return {
  name = "relay",
  example_config = "example.yaml",
  stacks = {
    { name = "relay-queue", file = "queue.lua", description = "the relay queue" },
    { name = "relay-topic", file = "topic.lua", description = "the topic that feeds it" },
  },
  config = {
    region = { type = "string", default = "us-east-1", pattern = "^[a-z][a-z]%-[a-z%-]+%-%d$",
               pattern_doc = "an AWS region such as us-east-1" },
    queue = { type = "map", fields = {
      name = { type = "string", required = true, pattern = "^[%w-]+$",
               pattern_doc = "letters, digits and '-'" },
      retention_days = { type = "integer", default = 4, min = 1, max = 14 },
    } },
    topic = { type = "map", fields = {
      display_name = { type = "string", default = "relay" },
    } },
  },
}
