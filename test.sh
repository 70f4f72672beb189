#!/usr/bin/env bash
# Runs the test tiers of DESIGN.md and prints one closing line: "tests: N passed, N failed, N skipped".
#   ./test.sh                 every tier: unit, system, drill
#   ./test.sh unit            unit tests only (no root, seconds)
#   ./test.sh system drill    the root tiers (QEMU guests; the guest image is built once and cached)
#   ./test.sh matrix          the storage drill matrix, every case, and the slow drills (traits tier=long, clone, remote)
#                             (long: run it before resolving storage or fault work)
#   ./test.sh arm64           the unit tests compiled for arm64 and the arm64 binary, run under qemu-user (root: docs/arm64.md)
#   ./test.sh matrix-slice    the main test of one matrix case, or one group of slow drills, chosen from the commit (consecutive
#                             commits cover every case; CI runs this); MKCDREC_MATRIX_CASE=NAME picks the case
# Extra xunit arguments after --, e.g. ./test.sh unit -- -method '*Gpt*'
set -uo pipefail
cd "$(dirname "$0")"
tiers=(); xargs_=()
while [ $# -gt 0 ]; do
    case "$1" in
        unit|system|drill|matrix|matrix-slice|arm64) tiers+=("$1") ;;
        all) tiers+=(unit system drill matrix) ;;
        --) shift; xargs_=("$@"); break ;;
        *) echo "test.sh: unknown tier '$1' (unit, system, drill, matrix, matrix-slice, arm64, all)" >&2; exit 2 ;;
    esac
    shift
done
[ ${#tiers[@]} -eq 0 ] && tiers=(unit system drill)

# The root tiers need the peers and QEMU: on a fresh machine (root), install them first (quick when they are there).
if [ "$(id -u)" -eq 0 ] && [[ " ${tiers[*]} " != " unit " ]]; then
    bash .ci/install-deps || { echo "test.sh: installing the test dependencies failed (.ci/install-deps)"; echo "tests: 0 passed, 1 failed"; exit 1; }
fi

# The arm64 binary too in CI and for the tiers that test it (matrix-slice: its case arm64).
arm64_build=${CI:+--arm64}
[[ " ${tiers[*]} " == *" arm64 "* || " ${tiers[*]} " == *" matrix"* ]] && arm64_build=--arm64
./build.sh $arm64_build || { echo "test.sh: build failed"; echo "tests: 0 passed, 1 failed"; exit 1; }

results=TestResults; rm -rf "$results"; mkdir -p "$results"
status=0
run_assembly() { # name [result-name [xunit arguments...]]   ($run_with: a program to run the test executable with)
    local name=$1 exe=${run_exe:-tests/$1/bin/Release/net10.0/$1} result=${2:-$1}
    shift; shift || true
    echo "=== $result"
    local rc=0
    # The runner's own lines kept beside its result file: its summary counts when xunit cuts that file short.
    ${run_with:-} "$exe" -noColor -noLogo -result-xml "$results/$result.xml" "$@" ${xargs_[@]+"${xargs_[@]}"} | tee "$results/$result.log" || rc=$?
    # One line per assembly, for a reader of a failed CI run: the runner's exit code, the result file, the room left.
    echo "$rc" >"$results/$result.rc"
    echo "=== $result: runner exit code $rc; $results/$result.xml $(stat -c %s "$results/$result.xml" 2>/dev/null || echo missing) bytes; $(df -h --output=avail "$results" | tail -1 | tr -d ' ') free"
    [ $rc -eq 0 ] || status=1
}
# Drill tests too slow for every CI run, by trait: tier=long (the power-cut drills), tier=clone (a disk cloned beside its
# original, ~15 min under TCG), tier=remote (the SFTP and NFS backup drills; the S3 one stays in the drill tier), tier=media
# (a backup on a set of media). Each runs with the matrix and as its slice TIER-drills.
slow_drills=(long clone remote media)
run_slow_drills() { # tier
    run_assembly Mkcdrec.DrillTests "Mkcdrec.DrillTests.$1" -trait "tier=$1"
    grep -q 'total="[1-9]' "$results/Mkcdrec.DrillTests.$1.xml" 2>/dev/null || { echo "test.sh: no drill test has the trait tier=$1"; status=1; }
}
# arm64 on this x86_64 machine: the unit test assemblies compiled for linux-arm64 (self-contained: the arm64 .NET runtime
# from NuGet) and run under qemu-user, so the format and engine code runs as aarch64 code against the same peers (sgdisk,
# sfdisk, GNU tar, openssl); then the arm64 NativeAOT binary against the x86_64 one and GNU tar (Arm64BinaryTests).
run_arm64() {
    local name
    for name in Mkcdrec.Model.Tests Mkcdrec.Formats.Tests Mkcdrec.Core.Tests; do
        local dir=$results/arm64/$name
        dotnet publish "tests/$name" -c Release -r linux-arm64 --self-contained -o "$dir" -nologo -v q -clp:ErrorsOnly \
            || { echo "test.sh: compiling $name for arm64 failed"; status=1; continue; }
        # W^X off: .NET writes JIT code through a second mapping of the same pages, which qemu-user's translation cache
        # does not see, so it ran stale code: the Formats and Core tests aborted with "Illegal instruction" in reflection stubs.
        DOTNET_EnableWriteXorExecute=0 MKCDREC_TEST_EMULATED=1 run_with=qemu-aarch64-static run_exe="$dir/$name" run_assembly "$name" "$name.arm64"
    done
    rm -rf "$results/arm64"
    run_assembly Mkcdrec.SystemTests Mkcdrec.SystemTests.arm64 -trait "tier=arm64"
}
for tier in "${tiers[@]}"; do
    case $tier in
        unit)
            for p in tests/*.Tests; do run_assembly "$(basename "$p")"; done ;;
        system|drill|matrix)
            if [ "$(id -u)" -ne 0 ]; then echo "test.sh: the $tier tier needs root (QEMU guests, loop devices)"; status=1; continue; fi
            case $tier in
                system) run_assembly Mkcdrec.SystemTests Mkcdrec.SystemTests -trait- "tier=arm64" ;;
                drill) run_assembly Mkcdrec.DrillTests Mkcdrec.DrillTests $(printf -- "-trait- tier=%s " "${slow_drills[@]}") ;;
                matrix) run_assembly Mkcdrec.MatrixTests; for t in "${slow_drills[@]}"; do run_slow_drills "$t"; done; run_arm64 ;;
            esac ;;
        arm64)
            if [ "$(id -u)" -ne 0 ]; then echo "test.sh: the arm64 tier needs root (its packages, setcap on the test tree)"; status=1; continue; fi
            run_arm64 ;;
        matrix-slice)
            if [ "$(id -u)" -ne 0 ]; then echo "test.sh: the matrix needs root (QEMU guests)"; status=1; continue; fi
            # fleet: issue 18's fleet drill through mkcdrec serve (FleetDrillTests; the plain BIOS reference, N machines at once).
            # arm64: issue 22's tier (test.sh arm64).
            cases=($(ls testvm/reference/cases | sed -n 's/\.sh$//p' | grep -v '^plain-' | sort) fleet arm64 $(printf -- "%s-drills " "${slow_drills[@]}"))
            n=$(git rev-list --count HEAD 2>/dev/null || echo 0)
            c=${MKCDREC_MATRIX_CASE:-${cases[$(( n % ${#cases[@]} ))]}}
            echo "=== matrix slice: case $c (commit $n; cases: ${cases[*]}; the whole matrix: ./test.sh matrix)"
            if [ "$c" = arm64 ]; then run_arm64; continue; fi
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
import os, re, sys, glob, xml.etree.ElementTree as ET
# In CI (CI set, as CI services do) a skipped test is a failure: a missing kernel, OVMF or tool must not turn CI green.
ci = os.environ.get("CI", "").lower() not in ("", "0", "false", "no")
p = f = s = 0
lines = []
notes = []
def from_runner(x):
    # xunit.v3 4.x writes its result file cut short, silently, when test output holds characters XML forbids
    # (xunit/xunit#3634). The runner's exit code and its printed summary still count every test: take them.
    base = x[:-len(".xml")]
    try:
        rc = int(open(base + ".rc").read().strip())
        m = re.findall(r"Total: (\d+), Errors: (\d+), Failed: (\d+), Skipped: (\d+), Not Run: (\d+)", open(base + ".log").read())
    except (OSError, ValueError):
        return None
    if not m:
        return None
    total, errors, failed, skipped, notrun = (int(v) for v in m[-1])
    if (rc == 0) != (errors + failed == 0):
        return None
    a = ET.Element("assembly", passed=str(total - errors - failed - skipped - notrun), failed=str(failed), errors=str(errors), skipped=str(skipped))
    root = ET.Element("assemblies")
    root.append(a)
    return root
def parse(x):
    # A result file cut short (a runner killed while writing it, a full disk, xunit's own bug) says which file and why;
    # it is a failure unless the runner's summary (exit code and counts) stands for it.
    try:
        return ET.parse(x).getroot()
    except ET.ParseError as e:
        tail = open(x, "rb").read()[-300:].decode("utf-8", "replace")
        oom = os.popen("dmesg 2>/dev/null | grep -i -E 'out of memory|killed process' | tail -3").read().strip()
        disk = os.popen("df -h --output=avail,target / /var/tmp /tmp 2>/dev/null | tail -n +2").read().split()
        what = f"{x} ({os.path.getsize(x)} bytes): {e}; its end: {tail!r}; free: {' '.join(disk)}; oom: {oom or 'none'}"
        counted = from_runner(x)
        if counted is None:
            lines.append("UNREADABLE " + what)
            return ET.Element("none")
        notes.append("NOTE: counted from the runner's summary, its result file is cut short (xunit/xunit#3634): " + what)
        return counted
roots = {x: parse(x) for x in sorted(glob.glob(sys.argv[1] + "/*.xml"))}
f += len(lines)
print("\n".join(notes)) if notes else None
for x, r in roots.items():
    for a in r.iter("assembly"):
        p += int(a.get("passed", 0)); f += int(a.get("failed", 0)) + int(a.get("errors", 0) or 0); s += int(a.get("skipped", 0))
# Each failed test with its message's first lines, kept in failures.txt: CI prints it again at its very end, where a
# reader of the last screen sees it.
for x, r in roots.items():
    for t in r.iter("test"):
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
