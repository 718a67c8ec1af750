#!/bin/sh
# Run every test: the C unit tests in BUILD/tests/ and the scripts in
# tests/*.py and tests/e2e/*.py, TEST_JOBS at a time (default 4: the e2e
# scripts mostly wait on their own moto_server, so more jobs than cores
# pays). Each prints "N passed, N failed"; results are printed in a fixed
# order, one line per test, with the whole log of a test that failed; the
# sum is printed last and the exit status is non-zero on any failure.
# A test that prints no result line, or exits non-zero, has failed; one
# that runs longer than TEST_TIMEOUT seconds (default 600) is stopped.
# usage: tests/run.sh [BUILD]
B=${1:-build}
case $B in /*) ;; *) B=$(pwd)/$B ;; esac
LUAFORM_BIN=${LUAFORM_BIN:-./luaform}
case $LUAFORM_BIN in /*) ;; *) LUAFORM_BIN=$(pwd)/$LUAFORM_BIN ;; esac
export LUAFORM_BIN
jobs=${TEST_JOBS:-4}
limit=${TEST_TIMEOUT:-600}
cd "$(dirname "$0")/.." || exit 1

work=$(mktemp -d "${TMPDIR:-/tmp}/luaform-run.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

# The list, in the order results are printed: NAME<tab>COMMAND.
n=0
add() {
    n=$((n + 1))
    printf '%s\t%s\n' "$1" "$2" >"$work/$n.cmd"
}
for t in "$B"/tests/test_*; do
    [ -x "$t" ] && add "$(basename "$t")" "$t"
done
for t in tests/test_*.py tests/e2e/test_*.py; do
    [ -f "$t" ] && add "$(basename "$t")" "$t"
done

# Start the slow ones first: e2e scripts, then the other scripts, then the
# unit tests (the list is numbered units, scripts, e2e).
i=$n
while [ "$i" -ge 1 ]; do
    echo "$i"
    i=$((i - 1))
done | xargs -P "$jobs" -I '{}' sh -c '
    w=$1 i=$2 limit=$3
    t=$(cut -f2 "$w/$i.cmd")
    case $t in *.py) set -- python3 "$t" ;; *) set -- "$t" ;; esac
    start=$(date +%s%N)
    timeout -k 5 "$limit" "$@" >"$w/$i.log" 2>&1 </dev/null
    echo "$? $(( ($(date +%s%N) - start) / 1000000 ))" >"$w/$i.rc.tmp"
    mv "$w/$i.rc.tmp" "$w/$i.rc"
' sh "$work" '{}' "$limit" &
runner=$!

passed=0
failed=0
i=1
while [ "$i" -le "$n" ]; do
    while [ ! -f "$work/$i.rc" ]; do
        if ! kill -0 "$runner" 2>/dev/null && [ ! -f "$work/$i.rc" ]; then
            echo "0 0" >"$work/$i.rc"      # the runner died: no result
            : >>"$work/$i.log"
        fi
        sleep 0.1
    done
    name=$(cut -f1 "$work/$i.cmd")
    read -r rc ms <"$work/$i.rc"
    log=$work/$i.log
    secs=$((ms / 1000)).$((ms % 1000 / 100))
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
    if [ -z "$line" ]; then
        cat "$log"
        [ "$rc" = 124 ] && echo "$name: stopped after ${limit}s"
        echo "$name: no result line (exit $rc)"
        failed=$((failed + 1))
        printf '%-28s %s (%ss)\n' "$name" "no result" "$secs"
        i=$((i + 1))
        continue
    fi
    p=${line%% passed*}
    f=${line#*passed, }
    f=${f%% failed*}
    if [ "$rc" != 0 ] && [ "$f" = 0 ]; then
        f=1
        line="$line, but exit $rc"
    elif [ "$p" = 0 ] && [ "$f" = 0 ]; then
        f=1
        line="$line: checked nothing"
    fi
    [ "$f" != 0 ] && cat "$log"
    passed=$((passed + p))
    failed=$((failed + f))
    printf '%-28s %s (%ss)\n' "$name" "$line" "$secs"
    i=$((i + 1))
done
wait "$runner"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
