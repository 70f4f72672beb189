#!/usr/bin/env bash
# Runs the test tiers of DESIGN.md and prints one closing line: "tests: N passed, N failed, N skipped".
#   ./test.sh                 every tier: unit, system, drill
#   ./test.sh unit            unit tests only (no root, seconds)
#   ./test.sh system drill    the root tiers (QEMU guests; the guest image is built once and cached)
#   ./test.sh matrix          the storage drill matrix, every case, and the slow drills (traits tier=long, clone, remote)
#                             (long: run it before resolving storage or fault work)
#   ./test.sh matrix-slice    the main test of one matrix case, or one group of slow drills, chosen from the commit (consecutive
#                             commits cover every case; CI runs this); MKCDREC_MATRIX_CASE=NAME picks the case
# Extra xunit arguments after --, e.g. ./test.sh unit -- -method '*Gpt*'
set -uo pipefail
cd "$(dirname "$0")"
tiers=(); xargs_=()
while [ $# -gt 0 ]; do
    case "$1" in
        unit|system|drill|matrix|matrix-slice) tiers+=("$1") ;;
        all) tiers+=(unit system drill matrix) ;;
        --) shift; xargs_=("$@"); break ;;
        *) echo "test.sh: unknown tier '$1' (unit, system, drill, all)" >&2; exit 2 ;;
    esac
    shift
done
[ ${#tiers[@]} -eq 0 ] && tiers=(unit system drill)

# The root tiers need the peers and QEMU: on a fresh machine (root), install them first (quick when they are there).
if [ "$(id -u)" -eq 0 ] && [[ " ${tiers[*]} " != " unit " ]]; then
    bash .ci/install-deps || { echo "test.sh: installing the test dependencies failed (.ci/install-deps)"; echo "tests: 0 passed, 1 failed"; exit 1; }
fi

./build.sh ${CI:+--arm64} || { echo "test.sh: build failed"; echo "tests: 0 passed, 1 failed"; exit 1; }

results=TestResults; rm -rf "$results"; mkdir -p "$results"
status=0
run_assembly() { # name [result-name [xunit arguments...]]
    local name=$1 exe="tests/$1/bin/Release/net10.0/$1" result=${2:-$1}
    shift; shift || true
    echo "=== $result"
    "$exe" -noColor -noLogo -result-xml "$results/$result.xml" "$@" ${xargs_[@]+"${xargs_[@]}"} || status=1
}
# Drill tests too slow for every CI run, by trait: tier=long (the power-cut drills), tier=clone (a disk cloned beside its
# original, ~15 min under TCG), tier=remote (the SFTP and NFS backup drills; the S3 one stays in the drill tier), tier=media
# (a backup on a set of media). Each runs with the matrix and as its slice TIER-drills.
slow_drills=(long clone remote media)
run_slow_drills() { # tier
    run_assembly Mkcdrec.DrillTests "Mkcdrec.DrillTests.$1" -trait "tier=$1"
    grep -q 'total="[1-9]' "$results/Mkcdrec.DrillTests.$1.xml" 2>/dev/null || { echo "test.sh: no drill test has the trait tier=$1"; status=1; }
}
for tier in "${tiers[@]}"; do
    case $tier in
        unit)
            for p in tests/*.Tests; do run_assembly "$(basename "$p")"; done ;;
        system|drill|matrix)
            if [ "$(id -u)" -ne 0 ]; then echo "test.sh: the $tier tier needs root (QEMU guests, loop devices)"; status=1; continue; fi
            case $tier in
                system) run_assembly Mkcdrec.SystemTests ;;
                drill) run_assembly Mkcdrec.DrillTests Mkcdrec.DrillTests $(printf -- "-trait- tier=%s " "${slow_drills[@]}") ;;
                matrix) run_assembly Mkcdrec.MatrixTests; for t in "${slow_drills[@]}"; do run_slow_drills "$t"; done ;;
            esac ;;
        matrix-slice)
            if [ "$(id -u)" -ne 0 ]; then echo "test.sh: the matrix needs root (QEMU guests)"; status=1; continue; fi
            cases=($(ls testvm/reference/cases | sed -n 's/\.sh$//p' | grep -v '^plain-' | sort) $(printf -- "%s-drills " "${slow_drills[@]}"))
            n=$(git rev-list --count HEAD 2>/dev/null || echo 0)
            c=${MKCDREC_MATRIX_CASE:-${cases[$(( n % ${#cases[@]} ))]}}
            echo "=== matrix slice: case $c (commit $n; cases: ${cases[*]}; the whole matrix: ./test.sh matrix)"
            if [[ " ${slow_drills[*]} " == *" ${c%-drills} "* ]] && [ "$c" != "${c%-drills}" ]; then
                run_slow_drills "${c%-drills}"
                continue
            fi
            # The case's main test (trait slice=CASE): its other sizes run in the whole matrix.
            run_assembly Mkcdrec.MatrixTests Mkcdrec.MatrixTests -trait "slice=$c"
            grep -q 'total="[1-9]' "$results/Mkcdrec.MatrixTests.xml" 2>/dev/null || { echo "test.sh: no matrix test has the trait slice=$c"; status=1; } ;;
    esac
done

python3 - "$results" "$status" <<'PY'
import os, sys, glob, xml.etree.ElementTree as ET
# In CI (CI set, as CI services do) a skipped test is a failure: a missing kernel, OVMF or tool must not turn CI green.
ci = os.environ.get("CI", "").lower() not in ("", "0", "false", "no")
p = f = s = 0
for x in glob.glob(sys.argv[1] + "/*.xml"):
    for a in ET.parse(x).getroot().iter("assembly"):
        p += int(a.get("passed", 0)); f += int(a.get("failed", 0)) + int(a.get("errors", 0) or 0); s += int(a.get("skipped", 0))
# Each failed test with its message's first lines, kept in failures.txt: CI prints it again at its very end, where a
# reader of the last screen sees it.
lines = []
for x in sorted(glob.glob(sys.argv[1] + "/*.xml")):
    for t in ET.parse(x).getroot().iter("test"):
        if t.get("result") == "Fail":
            m = (t.findtext("failure/message") or "").strip().splitlines()
            lines.append(f"FAILED {t.get('name')} ({t.get('time')} s): " + " | ".join(m[:4])[:800])
        elif t.get("result") == "Skip" and ci:
            lines.append(f"SKIPPED (a failure in CI: install what it needs) {t.get('name')}: " + (t.findtext("reason") or "").strip()[:400])
if lines:
    open(sys.argv[1] + "/failures.txt", "w").write("\n".join(lines) + "\n")
    print("\n".join(lines))
if ci:
    f += s
if sys.argv[2] != "0" and f == 0:
    f = 1  # a runner crashed or a tier could not run: never report green
print(f"tests: {p} passed, {f} failed, {s} skipped" + (" (CI: skipped tests count as failed)" if ci and s else ""))
sys.exit(1 if f else 0)
PY
[ $? -eq 0 ] || status=1
exit $status
