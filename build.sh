#!/usr/bin/env bash
# Builds everything and leaves the NativeAOT binary at out/linux-x64/mkcdrec.
#   ./build.sh            build the solution (Release) and publish the NativeAOT binary
#   ./build.sh --arm64    also cross-compile the NativeAOT binary for linux-arm64: out/linux-arm64/mkcdrec (docs/arm64.md)
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
    # Cross-compiled NativeAOT: clang targets aarch64, lld links (no aarch64 binutils needed), and the arm64 libc and
    # libgcc come from Debian's multiarch packages (the sysroot is / itself: /usr/lib/aarch64-linux-gnu).
    if [ ! -e /usr/lib/aarch64-linux-gnu/crt1.o ] || [ ! -d /usr/lib/gcc/aarch64-linux-gnu ]; then
        if [ "$(id -u)" -ne 0 ]; then
            echo "build.sh: the arm64 build needs Debian's arm64 libc and libgcc; run as root or:" >&2
            echo "  sudo dpkg --add-architecture arm64 && sudo apt-get update && sudo apt-get install libc6-dev:arm64 libgcc-12-dev:arm64" >&2
            exit 5
        fi
        echo "build.sh: installing libc6-dev:arm64 libgcc-12-dev:arm64 (the arm64 sysroot, multiarch)"
        dpkg --add-architecture arm64
        apt-get update -qq && apt-get install -y -qq libc6-dev:arm64 libgcc-12-dev:arm64 >/dev/null
    fi
    arm=linux-arm64
    start=$(date +%s)
    rm -rf out/$arm src/Mkcdrec.Cli/obj/Release/net10.0/$arm src/Mkcdrec.Cli/bin/Release/net10.0/$arm
    dotnet publish src/Mkcdrec.Cli/Mkcdrec.Cli.csproj -c Release -r $arm -p:PublishAot=true -p:LinkerFlavor=lld \
        -o out/$arm -nologo -v q -clp:ErrorsOnly
    rm -f out/$arm/*.dbg out/$arm/*.pdb
    test -x out/$arm/mkcdrec
    echo "build.sh: $(du -h out/$arm/mkcdrec | cut -f1) out/$arm/mkcdrec (NativeAOT, cross-compiled in $(( $(date +%s) - start )) s)"
fi
