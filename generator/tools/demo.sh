#!/bin/sh
# The main job on the built-in LTBase stacks: render into out/, lint,
# review (who may do what, findings, invariants), deploy all three stacks to
# a moto_server started here on loopback (and stopped at the end), and check
# them for drift. Pointing the same deploy at a real account is one
# flag less: see the last lines it prints.
set -eu
./luaform render
if command -v cfn-lint >/dev/null 2>&1; then
    cfn-lint out/*.json && echo "cfn-lint: out/*.json pass"
fi
./luaform review ltbase --fail-on high
if ! command -v moto_server >/dev/null 2>&1; then
    echo "moto_server is not installed: skipping the local deploy" >&2
    exit 0
fi
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
log=$(mktemp)
moto_server -H 127.0.0.1 -p "$port" >"$log" 2>&1 &
moto=$!
trap 'kill $moto 2>/dev/null; rm -f "$log"' EXIT INT TERM
python3 - "$port" <<'PY'
import sys, time, urllib.request
for _ in range(150):
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/moto-api/", timeout=2)
        sys.exit(0)
    except Exception:
        time.sleep(0.2)
sys.exit("moto_server did not start")
PY
echo "moto_server on 127.0.0.1:$port (pid $moto)"
AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo AWS_REGION=us-east-1 \
AWS_PROFILE= AWS_CONFIG_FILE="$log.none" AWS_SHARED_CREDENTIALS_FILE="$log.none" \
    ./luaform deploy ltbase --yes --require-approval never --endpoint-url "http://127.0.0.1:$port" -p account=123456789012
# moto has no drift detection: the template, parameters and tags only
AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo AWS_REGION=us-east-1 \
AWS_PROFILE= AWS_CONFIG_FILE="$log.none" AWS_SHARED_CREDENTIALS_FILE="$log.none" \
    ./luaform drift ltbase --template-only --endpoint-url "http://127.0.0.1:$port" -p account=123456789012
cat <<MSG

Deployed the LTBase stacks to a local moto_server (now stopped). moto does not
implement termination protection: the warning about it above is expected.
For a real account: put your values in a copy of templates/ltbase/example.yaml
and run, with credentials for that account (profile, environment, or --role-arn):
  ./luaform deploy ltbase -c my-ltbase.yaml
(the foundation first, by an admin; then beta and prod, through Role B)
MSG
