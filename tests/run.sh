#!/bin/sh
# Run every test: the C unit tests in BUILD/tests/ and the scripts in
# tests/*.py and tests/e2e/*.py. Each prints "N passed, N failed"; the sum
# is printed last. usage: tests/run.sh BUILD
B=${1:-build}
LUAFORM_BIN=${LUAFORM_BIN:-./luaform}
export LUAFORM_BIN
passed=0
failed=0
log=$(mktemp)
run() {
    name=$1
    shift
    start=$(date +%s)
    "$@" >"$log" 2>&1
    rc=$?
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
    if [ -z "$line" ]; then
        cat "$log"
        echo "$name: no result line (exit $rc)"
        failed=$((failed + 1))
        return
    fi
    p=${line%% passed*}
    f=${line#*passed, }
    f=${f%% failed*}
    if [ "$rc" != 0 ] && [ "$f" = 0 ]; then f=1; fi
    [ "$f" != 0 ] && cat "$log"
    passed=$((passed + p))
    failed=$((failed + f))
    printf '%-28s %s (%ss)\n' "$name" "$line" $(( $(date +%s) - start ))
}
for t in "$B"/tests/test_*; do
    [ -x "$t" ] && run "$(basename "$t")" "$t"
done
for t in tests/test_*.py tests/e2e/test_*.py; do
    [ -f "$t" ] && run "$(basename "$t")" python3 "$t"
done
rm -f "$log"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
