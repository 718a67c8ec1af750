#!/bin/sh
# The main job on the built-in LTBase stacks: render into out/ and review the
# result with cfn-lint. (Deploying to a local moto_server comes with the
# deploy command.)
set -eu
./luaform render
if command -v cfn-lint >/dev/null 2>&1; then
    cfn-lint out/*.json && echo "cfn-lint: out/*.json pass"
fi
