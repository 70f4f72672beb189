using Mkcdrec.Core.Platform;
using Mkcdrec.Core.Storage;
using Mkcdrec.Formats.Elf;

namespace Mkcdrec.Core.Rescue;

/// <summary>Programs and libraries: the programs the components declare, their shared-library closure, links and busybox applets.</summary>
public sealed partial class RescueSystemBuilder
{
    /// <summary>The host path of every program the components and the extra programs name; throws listing the required ones that are missing.</summary>
    private (List<(string Path, RescueProgram Program)> Found, List<string> Skipped) FindPrograms(
        List<RescueComponent> components, RescueNeeds needs, IReadOnlyList<string> extraPrograms)
    {
        var programs = new List<(string Path, RescueProgram Program)>();
        var skipped = new List<string>();
        var missingRequired = new List<(RescueProgram Program, RescueComponent Component)>();
        foreach (var c in components)
        {
            var required = c.RequiredWhen(needs);
            foreach (var p in c.Programs)
            {
                var path = FindProgram(p);
                if (path is not null)
                {
                    programs.Add((path, p));
                }
                else if (required && !p.AlwaysOptional)
                {
                    missingRequired.Add((p, c));
                }
                else
                {
                    skipped.Add($"{p.Name} ({p.Package})");
                }
            }
        }

        foreach (var extra in extraPrograms)
        {
            var p = new RescueProgram(Path.GetFileName(extra), Path.GetFileName(extra)) { Paths = extra.StartsWith('/') ? [extra] : [] };
            if (FindProgram(p) is { } path)
            {
                programs.Add((path, p));
            }
            else
            {
                missingRequired.Add((p, new RescueComponent("extra", "asked for with the extra programs")));
            }
        }

        ThrowWhenRequiredMissing(missingRequired);
        return (programs, skipped);
    }

    private static void ThrowWhenRequiredMissing(List<(RescueProgram Program, RescueComponent Component)> missingRequired)
    {
        if (missingRequired.Count > 0)
        {
            var names = string.Join(", ", missingRequired.Select(m => $"{m.Program.Name} (for {m.Component.Name}: {m.Component.Purpose})"));
            var pkgs = string.Join(' ', missingRequired.Select(m => m.Program.Package).Distinct(StringComparer.Ordinal));
            throw new MkcdrecException(ExitCode.Environment,
                $"The rescue system needs programs this machine does not have: {names}.",
                $"Install them (Debian/Ubuntu: apt-get install {pkgs}) and build the rescue system again.");
        }
    }

    /// <summary>The mkcdrec binary to put at <see cref="RescueBinary"/>: the one asked for, else the running executable.</summary>
    private string FindMkcdrecBinary(RescueSystemOptions options)
    {
        var mkcdrec = options.MkcdrecBinary ?? Environment.ProcessPath
            ?? throw new MkcdrecException(ExitCode.Internal, "The path of the mkcdrec binary is unknown.", "Pass the mkcdrec binary explicitly.");
        if (!files.FileExists(mkcdrec))
        {
            throw new MkcdrecException(ExitCode.Environment, $"The mkcdrec binary '{mkcdrec}' does not exist.",
                "Build it with ./build.sh (out/linux-x64/mkcdrec) or pass the path of the installed binary.");
        }

        return mkcdrec;
    }

    /// <summary>Shared libraries: the DT_NEEDED closure of every ELF program and of what they dlopen, with their links, and the mkcdrec binary.</summary>
    private void AddLibraries(RescueImageTree tree, List<RescueComponent> components, List<(string Path, RescueProgram Program)> programs,
        string mkcdrec, List<string> notes)
    {
        var closure = new LibraryClosure(files);
        var dlopen = FindDlopenLibraries(closure, components, ElfOf(mkcdrec), notes);
        var libs = closure.Resolve(programs.Select(p => p.Path).Concat(dlopen));
        // The mkcdrec binary goes to /usr/bin/mkcdrec whatever its host path is; only its libraries keep theirs.
        var mk = closure.Resolve([mkcdrec]);
        var libraryFiles = mk.Libraries.Select(l => l.RealPath).ToHashSet(StringComparer.Ordinal);
        foreach (var m in libs.Missing.Concat(mk.Missing))
        {
            notes.Add($"library {m.Name} needed by {m.NeededBy} not found: {m.Reason}");
        }

        var links = libs.Symlinks.Concat(mk.Symlinks.Where(l => l.Key != mkcdrec && !mkcdrec.StartsWith(l.Key + "/", StringComparison.Ordinal)));
        foreach (var (link, target) in links.OrderBy(l => l.Key.Count(ch => ch == '/')).ThenBy(l => l.Key, StringComparer.Ordinal))
        {
            tree.AddLink(link, target);
        }

        tree.AddHostFile(RescueBinary, mkcdrec, 0x1ED);
        foreach (var f in libs.Files.Concat(mk.Files.Where(libraryFiles.Contains)))
        {
            tree.AddHostFile(f, f, 0x1ED);
        }
    }

    /// <summary>
    /// The host paths of the libraries the components open at run time, of the opener's machine, class and byte order (a
    /// multiarch host has an arm64 libssl.so.3 beside the x86_64 one, and ld.so.conf.d lists aarch64-linux-gnu first);
    /// libssl and libcrypto are required, others are noted when missing.
    /// </summary>
    private List<string> FindDlopenLibraries(LibraryClosure closure, List<RescueComponent> components, ElfFile? opener, List<string> notes)
    {
        bool Fits(string path) => files.FileExists(path)
            && (opener is null || (ElfOf(path) is { } e && e.Machine == opener.Machine && e.Class == opener.Class && e.Data == opener.Data));
        var dlopen = new List<string>();
        foreach (var soname in components.SelectMany(c => c.DlopenLibraries).Distinct(StringComparer.Ordinal))
        {
            var dirs = closure.LdSoConfDirectories.Concat(LibraryDirectories).Distinct(StringComparer.Ordinal);
            var found = dirs.Select(d => d + "/" + soname).FirstOrDefault(Fits);
            if (found is not null)
            {
                dlopen.Add(found);
            }
            else if (soname.StartsWith("libssl", StringComparison.Ordinal) || soname.StartsWith("libcrypto", StringComparison.Ordinal))
            {
                throw new MkcdrecException(ExitCode.Environment, $"{soname} is not installed; mkcdrec needs it in the rescue system for hashing and encryption.",
                    "Install it (Debian/Ubuntu: apt-get install libssl3) and build the rescue system again.");
            }
            else
            {
                notes.Add($"library {soname} (opened at run time) not found; left out");
            }
        }

        return dlopen;
    }

    /// <summary>The ELF header of a host file, or null when it is not an ELF file.</summary>
    private ElfFile? ElfOf(string path)
    {
        try
        {
            using var s = files.OpenRead(path);
            return ElfFile.Read(s);
        }
        catch (InvalidDataException)
        {
            return null;
        }
    }

    /// <summary>The other names of each program as links; returns the programs' paths in the rescue system, mkcdrec first.</summary>
    private List<string> AddProgramLinks(RescueImageTree tree, List<(string Path, RescueProgram Program)> programs)
    {
        var rescuePrograms = new List<string> { RescueBinary };
        foreach (var (path, p) in programs)
        {
            rescuePrograms.Add(path);
            var dir = path[..path.LastIndexOf('/')];
            foreach (var l in p.Links)
            {
                // Where the host has that name (the kernel runs /sbin/modprobe, not /usr/bin/modprobe), else beside the program.
                var hostDir = CommandDirectories.FirstOrDefault(d => files.FileExists(d + "/" + l) || files.ReadLink(d + "/" + l) is not null);
                if (hostDir is not null && tree.Canonical(hostDir + "/x") != tree.Canonical(dir + "/x"))
                {
                    tree.AddLink(hostDir + "/" + l, tree.Canonical(path));
                }
                else
                {
                    tree.AddLink(dir + "/" + l, Path.GetFileName(path));
                }
            }
        }

        return rescuePrograms;
    }

    /// <summary>busybox applets for everything no real program provides (a real mount, kmod's modprobe … win).</summary>
    private void AddBusyboxApplets(RescueImageTree tree, List<(string Path, RescueProgram Program)> programs)
    {
        var busybox = programs.FirstOrDefault(p => p.Program.Name == "busybox").Path;
        if (busybox is not null)
        {
            AddApplets(tree, busybox, programs);
        }
    }

    private string? FindProgram(RescueProgram p)
    {
        var places = p.Paths.Count > 0 ? p.Paths : CommandDirectories.Select(d => d + "/" + p.Name);
        return places.FirstOrDefault(files.FileExists);
    }

    private void AddApplets(RescueImageTree tree, string busybox, List<(string Path, RescueProgram Program)> programs)
    {
        var real = programs.SelectMany(p => p.Program.Links.Append(Path.GetFileName(p.Path)).Append(p.Program.Name)).ToHashSet(StringComparer.Ordinal);
        var r = runner.Run(busybox, "--list-full");
        var applets = r.ExitCode == 0
            ? r.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(a => "/" + a)
            : runner.RunChecked(busybox, "--list").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(a => "/usr/bin/" + a);
        var target = tree.Canonical(busybox);
        foreach (var a in applets)
        {
            var name = Path.GetFileName(a);
            if (name.Length == 0 || name == "busybox" || real.Contains(name))
            {
                continue;
            }

            tree.AddLink(a, target);
        }

        tree.AddLink("/bin/sh", target);
    }
}
