using System.Runtime.InteropServices;

namespace Mkcdrec.Core.Platform;

/// <summary>The machine this process runs on, named the way <c>uname -m</c> and the layout name it.</summary>
public static class HostArchitecture
{
    public static string UnameMachine => RuntimeInformation.OSArchitecture switch
    {
        Architecture.X64 => "x86_64",
        Architecture.Arm64 => "aarch64",
        Architecture.X86 => "i686",
        Architecture.Arm => "armv7l",
        Architecture.Ppc64le => "ppc64le",
        Architecture.S390x => "s390x",
        Architecture.RiscV64 => "riscv64",
        Architecture.LoongArch64 => "loongarch64",
        var a => a.ToString().ToLowerInvariant(),
    };
}
