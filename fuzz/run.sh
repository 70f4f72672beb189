#!/usr/bin/env bash
# A bounded AFL pass over every parser of outside input (docs/testing.md, "Fuzzing").
# Usage: fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]   (default 15 s each, every target)
# Exits 1 when a target crashed or hung, or did not run at all; crashers and hangs are copied to out/fuzz/crashers/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-15}
shift || true
targets=("$@")
# Every target has a seed folder (FuzzRegressionTests checks that the folders and the harness's targets agree).
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(cd "$root/fuzz/corpus" && ls -d -- */ | tr -d /)
work=${MKCDREC_FUZZ_DIR:-$root/out/fuzz}
command -v afl-fuzz >/dev/null || { echo "fuzz: afl-fuzz is not installed (apt-get install afl++; .ci/install-deps does)" >&2; exit 1; }

# The SharpFuzz instrumenter, in a local tool path (no global dotnet tool state).
tools=$work/tools
if [ ! -x "$tools/sharpfuzz" ]; then
    dotnet tool install SharpFuzz.CommandLine --version 2.3.0 --tool-path "$tools" >/dev/null
fi

# A fresh build each time; sharpfuzz rewrites our assemblies in place in bin/. The instrumented code needs AFL's
# shared memory, so inputs are replayed with the plain copy in plain/.
rm -rf "$work/bin" "$work/plain" "$work/crashers"
dotnet build "$root/fuzz/Mkcdrec.Fuzz/Mkcdrec.Fuzz.csproj" -c Release -o "$work/plain" -nologo -v q -clp:ErrorsOnly >/dev/null
cp -r "$work/plain" "$work/bin"
for dll in Mkcdrec.Formats Mkcdrec.Model Mkcdrec.Core; do
    "$tools/sharpfuzz" "$work/bin/$dll.dll"
done

# dotnet is not an AFL-compiled binary (SharpFuzz speaks the fork-server protocol); CI machines have no CPU governor to
# check, and the other jobs of the machine may hold every core, so no core binding.
export AFL_SKIP_BIN_CHECK=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1 AFL_FAST_CAL=1

stat() { sed -n "s/^$1 *: *//p" "$2" 2>/dev/null | head -1; }
failed=0
summary=()
for t in "${targets[@]}"; do
    out=$work/findings/$t
    rm -rf "$out"
    mkdir -p "$out"
    echo "=== fuzz $t: ${secs}s"
    # Documents (JSON, XML): a dictionary of their seeds' keys and tags and of JSON's odd values, so mutations make
    # documents that parse and reach the code behind the parser, not only broken syntax.
    dict=()
    if head -c 64 -q "$root/fuzz/corpus/$t"/* | grep -q '^[[:space:]]*[{<]'; then
        {
            grep -ohE '"[A-Za-z0-9_]+":|<[A-Za-z]+>' "$root/fuzz/corpus/$t"/* | sort -u | sed 's/"/\\"/g; s/.*/"&"/'
            printf '%s\n' '"null"' '"true"' '"false"' '"-1"' '"0"' '"[]"' '"{}"' '"9223372036854775807"' '"-9223372036854775808"' \
                '"4294967296"' '"1e400"' '"\\u0000"' '"<!DOCTYPE a [<!ENTITY e \"x\">]>"'
        } > "$out/dictionary"
        dict=(-x "$out/dictionary")
    fi
    rc=0
    # -V stops after the time; timeout is the backstop should afl-fuzz itself stall. 5 s per input is a hang.
    timeout -k 10 $((secs + 120)) afl-fuzz -V "$secs" -t 5000 -m none ${dict[@]+"${dict[@]}"} -i "$root/fuzz/corpus/$t" -o "$out" \
        -- dotnet "$work/bin/Mkcdrec.Fuzz.dll" "$t" >"$out/afl.log" 2>&1 || rc=$?
    stats=$out/default/fuzzer_stats
    execs=$(stat execs_done "$stats"); queue=$(stat corpus_count "$stats")
    crashes=$(find "$out/default/crashes" -name 'id:*' 2>/dev/null | wc -l)
    hangs=$(find "$out/default/hangs" -name 'id:*' 2>/dev/null | wc -l)
    line="$t: executions ${execs:-0}, corpus ${queue:-0}, crashes $crashes, hangs $hangs"
    if [ "$rc" -ne 0 ] || [ -z "$execs" ] || [ "$execs" -eq 0 ]; then
        line="$line — afl-fuzz did not run (exit $rc; last lines of $out/afl.log below)"
        tail -n 15 "$out/afl.log" | sed 's/\x1b\[[0-9;]*m//g'
        failed=1
    fi

    if [ $((crashes + hangs)) -gt 0 ]; then
        dest=$work/crashers/$t
        mkdir -p "$dest"
        find "$out/default/crashes" "$out/default/hangs" -name 'id:*' -exec cp {} "$dest/" \; 2>/dev/null
        line="$line — inputs copied to $dest (replay: dotnet $work/plain/Mkcdrec.Fuzz.dll $t FILE...)"
        failed=1
    fi

    echo "$line"
    summary+=("$line")
done

echo "=== fuzz summary (${secs}s per target)"
printf '%s\n' "${summary[@]}"
exit $failed
