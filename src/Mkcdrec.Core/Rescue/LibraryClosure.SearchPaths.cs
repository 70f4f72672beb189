using Mkcdrec.Core.Platform;
using Mkcdrec.Formats.Elf;

namespace Mkcdrec.Core.Rescue;

public sealed partial class LibraryClosure
{
    /// <summary>The loader's built-in search directories for a program of this machine and class (Debian multiarch and lib64 layouts).</summary>
    public static IReadOnlyList<string> DefaultDirectories(ElfFile program)
    {
        ArgumentNullException.ThrowIfNull(program);
        var dirs = new List<string>();
        foreach (var triplet in MultiarchTriplets(program))
        {
            dirs.Add("/lib/" + triplet);
            dirs.Add("/usr/lib/" + triplet);
        }

        if (program.Is64Bit)
        {
            dirs.Add("/lib64");
            dirs.Add("/usr/lib64");
        }
        else if (program.Machine is ElfMachine.X86_64)
        {
            dirs.Add("/libx32");
            dirs.Add("/usr/libx32");
        }
        else
        {
            dirs.Add("/lib32");
            dirs.Add("/usr/lib32");
        }

        dirs.Add("/lib");
        dirs.Add("/usr/lib");
        return dirs;
    }

    /// <summary>Debian multiarch tuples for the program's machine, class and byte order.</summary>
    public static IReadOnlyList<string> MultiarchTriplets(ElfFile program)
    {
        ArgumentNullException.ThrowIfNull(program);
        var be = program.IsBigEndian;
        var is64 = program.Is64Bit;
        return program.Machine switch
        {
            ElfMachine.X86_64 => [is64 ? "x86_64-linux-gnu" : "x86_64-linux-gnux32"],
            ElfMachine.I386 => ["i386-linux-gnu"],
            ElfMachine.AArch64 => [be ? "aarch64_be-linux-gnu" : "aarch64-linux-gnu"],
            ElfMachine.Arm => ["arm-linux-gnueabihf", "arm-linux-gnueabi"],
            ElfMachine.PowerPC64 => [be ? "powerpc64-linux-gnu" : "powerpc64le-linux-gnu"],
            ElfMachine.PowerPC => ["powerpc-linux-gnu"],
            ElfMachine.S390 => [is64 ? "s390x-linux-gnu" : "s390-linux-gnu"],
            ElfMachine.RiscV => [is64 ? "riscv64-linux-gnu" : "riscv32-linux-gnu"],
            ElfMachine.LoongArch => ["loongarch64-linux-gnu"],
            ElfMachine.SparcV9 => ["sparc64-linux-gnu"],
            ElfMachine.IA64 => ["ia64-linux-gnu"],
            ElfMachine.Mips => is64
                ? (be ? ["mips64-linux-gnuabi64"] : ["mips64el-linux-gnuabi64"])
                : (be ? ["mips-linux-gnu"] : ["mipsel-linux-gnu"]),
            ElfMachine.M68k => ["m68k-linux-gnu"],
            _ => [],
        };
    }

    /// <summary>The value $PLATFORM takes for the program (AT_PLATFORM; a best guess without the running CPU).</summary>
    private static string Platform(ElfFile e) => e.Machine switch
    {
        ElfMachine.X86_64 => "x86_64",
        ElfMachine.I386 => "i686",
        ElfMachine.AArch64 => "aarch64",
        ElfMachine.PowerPC64 => e.IsBigEndian ? "ppc64" : "ppc64le",
        ElfMachine.S390 => e.Is64Bit ? "s390x" : "s390",
        ElfMachine.RiscV => "riscv64",
        _ => e.Machine.ToString().ToLowerInvariant(),
    };

    private List<string> SplitSearchPath(string path, LoadedObject obj, LoadedObject main)
    {
        var dirs = new List<string>();
        foreach (var part in path.Split(':'))
        {
            // An empty element means the current directory; ld.so does use it, but a rescue image cannot.
            if (part.Length == 0)
            {
                continue;
            }

            dirs.AddRange(ExpandTokens(part, obj, main));
        }

        return dirs;
    }

    /// <summary>Expands $ORIGIN, $LIB and $PLATFORM (also as ${...}). $LIB has several candidates (Debian multiarch or lib64).</summary>
    private IEnumerable<string> ExpandTokens(string s, LoadedObject obj, LoadedObject main)
    {
        if (!s.Contains('$', StringComparison.Ordinal))
        {
            return [s];
        }

        var libs = new List<string>();
        foreach (var t in MultiarchTriplets(main.Elf))
        {
            libs.Add("lib/" + t);
        }

        libs.Add(main.Elf.Is64Bit ? "lib64" : "lib32");
        libs.Add("lib");

        IEnumerable<string> results = [s];
        results = results.Select(r => ReplaceToken(r, "ORIGIN", obj.Origin.TrimEnd('/').Length == 0 ? "/" : obj.Origin.TrimEnd('/')));
        results = results.Select(r => ReplaceToken(r, "PLATFORM", Platform(main.Elf)));
        results = results.SelectMany(r => HasToken(r, "LIB") ? libs.Select(l => ReplaceToken(r, "LIB", l)) : [r]);
        return results.ToList();
    }

    private static bool HasToken(string s, string token) =>
        s.Contains("${" + token + "}", StringComparison.Ordinal) || FindBareToken(s, token) >= 0;

    private static string ReplaceToken(string s, string token, string value)
    {
        s = s.Replace("${" + token + "}", value, StringComparison.Ordinal);
        int i;
        while ((i = FindBareToken(s, token)) >= 0)
        {
            s = string.Concat(s.AsSpan(0, i), value, s.AsSpan(i + 1 + token.Length));
        }

        return s;
    }

    /// <summary>Index of "$TOKEN" not followed by another identifier character (so $LIBX is not $LIB).</summary>
    private static int FindBareToken(string s, string token)
    {
        var from = 0;
        while (true)
        {
            var i = s.IndexOf("$" + token, from, StringComparison.Ordinal);
            if (i < 0)
            {
                return -1;
            }

            var end = i + 1 + token.Length;
            if (end >= s.Length || !(char.IsAsciiLetterOrDigit(s[end]) || s[end] == '_'))
            {
                return i;
            }

            from = i + 1;
        }
    }
}
