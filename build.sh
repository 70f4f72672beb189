#!/usr/bin/env bash
# Builds everything and leaves the NativeAOT binary at out/linux-x64/mkcdrec.
#   ./build.sh            build the solution (Release) and publish the NativeAOT binary
#   ./build.sh --arm64    also compile for linux-arm64 (IL only: proves the code builds there)
set -euo pipefail
cd "$(dirname "$0")"

need_pkgs=()
command -v clang >/dev/null || need_pkgs+=(clang)
command -v ld.lld >/dev/null || need_pkgs+=(lld)
if [ ${#need_pkgs[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "build.sh: NativeAOT needs ${need_pkgs[*]}; run as root or: sudo apt-get install ${need_pkgs[*]}" >&2
        exit 5
    fi
    echo "build.sh: installing ${need_pkgs[*]} (NativeAOT toolchain)"
    apt-get update -qq && apt-get install -y -qq "${need_pkgs[@]}" >/dev/null
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build mkcdrec.slnx -c Release -nologo -v q -clp:ErrorsOnly

rid=linux-x64
rm -rf out/$rid src/Mkcdrec.Cli/obj/Release/net10.0/$rid src/Mkcdrec.Cli/bin/Release/net10.0/$rid
dotnet publish src/Mkcdrec.Cli/Mkcdrec.Cli.csproj -c Release -r $rid -p:PublishAot=true -o out/$rid -nologo -v q -clp:ErrorsOnly
rm -f out/$rid/*.dbg out/$rid/*.pdb
test -x out/$rid/mkcdrec
echo "build.sh: $(du -h out/$rid/mkcdrec | cut -f1) out/$rid/mkcdrec"

if [ "${1:-}" = "--arm64" ]; then
    dotnet build src/Mkcdrec.Cli/Mkcdrec.Cli.csproj -c Release -r linux-arm64 -nologo -v q -clp:ErrorsOnly -o out/linux-arm64-il
    echo "build.sh: linux-arm64 compiles (out/linux-arm64-il)"
fi
