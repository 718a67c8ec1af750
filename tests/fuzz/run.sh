#!/bin/sh
# tests/fuzz/run.sh: run the libFuzzer targets that `make fuzz` built.
#
#   run.sh BUILD TARGET...           fuzz each target for $FUZZ_SECONDS (30)
#   run.sh --repro BUILD TARGET FILE run one target on one input
#
# Under BUILD (build-fuzz/), nothing of which goes into git:
#   seeds/T/     seeds made afresh from the repository's test inputs
#   corpus/T/    the corpus, kept between runs
#   findings/T/  crash-*, leak-*, oom-*, timeout-* files: what failed
#   watchdog/T/  inputs the render harness abandoned (see fuzz_render.c)
#   logs/T.log   libFuzzer's output of the last run
# Targets run one per core at a time ($FUZZ_JOBS to choose). Findings kept
# from an earlier run are tried again first: one that no longer fails moves
# to findings/T/fixed/. Exit status 1 when anything was found, or when a
# target ran no input at all.
set -u

WATCHDOG_EXIT=86        # fuzz_render.c: an input abandoned at 3 s

# Per target: max input length, libFuzzer -timeout (seconds per input).
max_len() {
    case $1 in
    isotime) echo 64 ;; sigv4) echo 4096 ;; config) echo 8192 ;;
    xml|credentials) echo 16384 ;; render|template) echo 32768 ;; *) echo 4096 ;;
    esac
}
unit_timeout() {
    case $1 in render) echo 25 ;; credentials) echo 20 ;; *) echo 10 ;; esac
}

# ---- seeds: the repository's own test inputs ---------------------------------

# Every ISO 8601 timestamp in the given files, one seed each.
seed_times() {
    out=$1
    shift
    grep -ohE '[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:?[0-9]{2})' \
        "$@" 2>/dev/null | sort -u | while read -r t; do
        printf '%s' "$t" >"$out/t-$(printf '%s' "$t" | cksum | cut -d' ' -f1)"
    done
}

# One seed per profile of the credential fixtures, the files as they are.
seed_cred_fixtures() {
    out=$1
    fix=tests/unit/credentials
    for prof in $(sed -n 's/^\[\(profile \)\{0,1\}\([A-Za-z0-9_.-]*\)\]$/\2/p' \
                  "$fix/config" "$fix/credentials" | sort -u) nope; do
        {
            printf -- '--profile=%s\n%%%%credentials\n' "$prof"
            cat "$fix/credentials"
            printf '%%%%config\n'
            cat "$fix/config"
        } >"$out/fixture-$prof"
    done
    {
        printf 'AWS_WEB_IDENTITY_TOKEN_FILE=token AWS_ROLE_ARN=arn:aws:iam::666666666666:role/eks\n%%%%token\n'
        cat "$fix/token"
        printf '%%%%config\n'
        cat "$fix/config_bad"
    } >"$out/fixture-token"
}

# Each template of the good and bad corpus, with the first byte that picks
# its format (fuzz_template.c): 'j' .json, 'y' .yaml/.yml, 'a' (by the
# text) .template; JSON and .template also by the text.
seed_templates() {
    out=$1
    for f in tests/templates/* tests/templates/bad/*; do
        [ -f "$f" ] || continue
        n=$(basename "$(dirname "$f")")-$(basename "$f")
        case $f in
        *.json) { printf j; cat "$f"; } >"$out/$n"
                { printf a; cat "$f"; } >"$out/auto-$n" ;;
        *.yaml|*.yml) { printf y; cat "$f"; } >"$out/$n" ;;
        *) { printf a; cat "$f"; } >"$out/$n" ;;
        esac
    done
    [ -d tests/fuzz/seeds/template ] && cp tests/fuzz/seeds/template/* "$out/"
    return 0
}

make_seeds() {
    t=$1
    d=$B/seeds/$t
    rm -rf "$d"
    mkdir -p "$d"
    case $t in
    xml) cp tests/unit/xml/* "$d/" ;;
    config) cp tests/configs/*.yaml templates/ltbase/example.yaml \
            tests/fuzz/seeds/config/* "$d/" ;;
    credentials) cp tests/fuzz/seeds/credentials/* "$d/"
          seed_cred_fixtures "$d" ;;
    isotime) cp tests/fuzz/seeds/isotime/* "$d/"
             seed_times "$d" tests/unit/xml/* tests/unit/credentials/* \
                 tests/unit/*.c ;;
    sigv4) cp tests/fuzz/seeds/sigv4/* "$d/" ;;
    drift) cp tests/fuzz/seeds/drift/* "$d/" ;;
    render)
        for f in templates/*/*.lua; do
            n=$(basename "$f")
            [ "$n" = system.lua ] && continue
            cp "$f" "$d/plain-$n"
            { printf -- '--@ltbase\n'; cat "$f"; } >"$d/ltbase-$n"
        done
        cp tests/fuzz/seeds/render/* "$d/" ;;
    template) seed_templates "$d" ;;
    esac
}

# ---- running ----------------------------------------------------------------

now() { date +%s; }

# The last "cov: N ft: N corp: N/..." of a log, as "cov N ft N corpus N".
coverage() {
    grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$1" | tail -n 1 |
        awk '{ printf "cov %s ft %s corpus %s", $2, $4, $6 }'
}

# Write $res at once (the pool below waits for it to appear).
result() {
    echo "$1" >"$res.tmp"
    mv "$res.tmp" "$res"
}

# Fuzz target $1 until its time is up; leave a one-line summary in
# $B/logs/$1.result and return non-zero on a finding.
fuzz_one() {
    t=$1
    bin=$B/fuzz_$t
    log=$B/logs/$t.log
    res=$B/logs/$t.result
    fdir=$B/findings/$t
    mkdir -p "$B/corpus/$t" "$fdir" "$B/watchdog/$t" "$B/logs"
    : >"$log"
    found=""
    # findings kept from before: still failing?
    for f in "$fdir"/crash-* "$fdir"/leak-* "$fdir"/oom-* "$fdir"/timeout-*; do
        [ -f "$f" ] || continue
        if "$bin" -timeout="$(unit_timeout "$t")" -rss_limit_mb=2048 "$f" \
               >>"$log" 2>&1; then
            mkdir -p "$fdir/fixed"
            mv "$f" "$fdir/fixed/"
        else
            found="$found $f"
        fi
    done
    if [ -n "$found" ]; then
        result "FOUND (from an earlier run, still failing):$found"
        return 1
    fi
    make_seeds "$t"
    dict=""
    [ -f "tests/fuzz/dict/$t.dict" ] && dict="-dict=tests/fuzz/dict/$t.dict"
    end=$(( $(now) + SECONDS_EACH ))
    runs=0
    abandoned=0
    while :; do
        left=$(( end - $(now) ))
        [ "$left" -gt 0 ] || break
        FUZZ_WATCHDOG_DIR=$B/watchdog/$t "$bin" -max_total_time="$left" \
            -timeout="$(unit_timeout "$t")" -rss_limit_mb=2048 \
            -max_len="$(max_len "$t")" -print_final_stats=1 \
            -artifact_prefix="$fdir/" $dict \
            "$B/corpus/$t" "$B/seeds/$t" >>"$log" 2>&1
        rc=$?
        n=$(grep -oE '^stat::number_of_executed_units: [0-9]+' "$log" |
            tail -n 1 | awk '{print $2}')
        if [ "$rc" = "$WATCHDOG_EXIT" ]; then
            abandoned=$((abandoned + 1))
            n=$(grep -oE '^#[0-9]+' "$log" | tail -n 1 | tr -d '#')
            runs=$((runs + ${n:-0}))
            echo "== restarted after the watchdog abandoned an input" >>"$log"
            continue
        fi
        runs=$((runs + ${n:-0}))
        if [ "$rc" != 0 ]; then
            for f in "$fdir"/crash-* "$fdir"/leak-* "$fdir"/oom-* \
                     "$fdir"/timeout-*; do
                [ -f "$f" ] && found="$found $f"
            done
            [ -n "$found" ] || found=" (no artifact; exit $rc, see $log)"
            break
        fi
        break
    done
    note=""
    [ "$abandoned" -gt 0 ] && note=", $abandoned input(s) abandoned by the watchdog (kept in $B/watchdog/$t)"
    if [ -n "$found" ]; then
        result "FOUND after $runs runs, $(coverage "$log"):$found"
        return 1
    fi
    if [ "$runs" = 0 ]; then
        # a target that ran nothing found nothing: that is no pass
        result "FAILED: no input was run (see $log)"
        return 1
    fi
    result "nothing found: $runs runs, $(coverage "$log")$note"
    return 0
}

repro() {
    t=$1
    f=$2
    bin=$B/fuzz_$t
    [ -x "$bin" ] || { echo "run.sh: no target '$t' in $B" >&2; exit 2; }
    [ -f "$f" ] || { echo "run.sh: no file '$f'" >&2; exit 2; }
    "$bin" -timeout="$(unit_timeout "$t")" -rss_limit_mb=2048 "$f"
    rc=$?
    if [ "$rc" = "$WATCHDOG_EXIT" ]; then
        echo "run.sh: the harness watchdog abandoned this input (the CLI's 3 s watchdog bounds it): not a finding"
        exit 0
    fi
    [ "$rc" = 0 ] && echo "run.sh: $t ran '$f' without a finding"
    exit "$rc"
}

if [ "${1:-}" = --repro ]; then
    [ $# = 4 ] || { echo "usage: run.sh --repro BUILD TARGET FILE" >&2; exit 2; }
    B=$2
    repro "$3" "$4"
fi

B=${1:?usage: run.sh BUILD TARGET...}
shift
SECONDS_EACH=${FUZZ_SECONDS:-30}
JOBS=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 2)}
echo "fuzzing $* for ${SECONDS_EACH}s each, $JOBS at a time (logs in $B/logs/)"

status=0
pending="$*"
active=""
mkdir -p "$B/logs"
for t in $pending; do rm -f "$B/logs/$t.result"; done
# A pool of $JOBS: a target starts as soon as another one is done.
give_up=$(( $(now) + (SECONDS_EACH + 300) * ($# + 1) ))
while [ -n "$pending$active" ]; do
    set -- $active
    while [ -n "$pending" ] && [ $# -lt "$JOBS" ]; do
        t=${pending%% *}
        [ "$t" = "$pending" ] && pending="" || pending=${pending#* }
        fuzz_one "$t" >/dev/null 2>&1 &
        active="$active $t"
        set -- $active
    done
    sleep 1
    if [ "$(now)" -gt "$give_up" ]; then
        for t in $active; do
            [ -f "$B/logs/$t.result" ] ||
                echo "FOUND: no result in time (see $B/logs/$t.log)" >"$B/logs/$t.result"
        done
    fi
    still=""
    for t in $active; do
        if [ -f "$B/logs/$t.result" ]; then
            r=$(cat "$B/logs/$t.result")
            printf '%-8s %s\n' "$t" "$r"
            case $r in FOUND*|FAILED*) status=1 ;; esac
        else
            still="$still $t"
        fi
    done
    active=$still
done
wait
if [ "$status" != 0 ]; then
    echo "fuzz: findings above; reproduce one with: make fuzz-repro T=TARGET F=FILE"
    exit 1
fi
echo "fuzz: no findings"
