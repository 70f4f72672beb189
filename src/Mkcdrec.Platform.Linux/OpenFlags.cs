using System.Runtime.InteropServices;

namespace Mkcdrec.Platform.Linux;

/// <summary>
/// open(2) flags. Most are the same on every Linux architecture; O_DIRECTORY, O_NOFOLLOW and O_DIRECT are not
/// (asm-generic, used by x86 and RISC-V, against arm/arm64 and powerpc), so those are picked for the running one.
/// </summary>
internal static class OpenFlags
{
    public const int RdOnly = 0, WrOnly = 1, Creat = 0x40, Excl = 0x80, Trunc = 0x200, NoAtime = 0x40000, CloExec = 0x80000;

    public static readonly int Directory, NoFollow, Direct;

    static OpenFlags()
    {
        switch (RuntimeInformation.ProcessArchitecture)
        {
            case Architecture.Arm or Architecture.Arm64 or Architecture.Armv6:
                (Directory, NoFollow, Direct) = (0x4000, 0x8000, 0x10000);
                break;
            case Architecture.Ppc64le:
                (Directory, NoFollow, Direct) = (0x4000, 0x8000, 0x20000);
                break;
            default:
                (Directory, NoFollow, Direct) = (0x10000, 0x20000, 0x4000);
                break;
        }
    }
}
