using System.Text.Json;
using Mkcdrec.Core.Platform;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Drill;

/// <summary>One rescue medium set as the drill boots it: the ISO(s) in order, the kernel, initramfs and kernel command
/// line of its default boot entry, and the layout of the system it carries.</summary>
public sealed class DrillMedium
{
    public required IReadOnlyList<string> Isos { get; init; }

    public required string Label { get; init; }

    public required string Kernel { get; init; }

    public required string Initrd { get; init; }

    public required string CommandLine { get; init; }

    public LayoutDocument? Layout { get; init; }

    /// <summary>The media of a set: the ISO named (or the newest first medium in a directory) and the others of its set.</summary>
    public static IReadOnlyList<string> Locate(string? medium, Func<string, MediumInfo> info)
    {
        var where = medium ?? DrillOptions.DefaultOutput;
        if (File.Exists(where))
        {
            if (!where.EndsWith(".iso", StringComparison.OrdinalIgnoreCase))
            {
                throw new MkcdrecException(ExitCode.BadInput, $"{where} is not an ISO image.", "Give --medium an .iso file or the directory mkcdrec mkbackup wrote.");
            }

            return WithSiblings(Path.GetFullPath(where), info);
        }

        if (!Directory.Exists(where))
        {
            throw new MkcdrecException(ExitCode.BadInput, $"There is no rescue medium at {where}.",
                medium is null ? "Run 'mkcdrec mkbackup' first, or give --medium ISO|DIR." : "Check the path given with --medium.");
        }

        var firsts = Directory.GetFiles(where, "*.iso")
            .Select(p => (Path: p, Info: info(p)))
            .Where(x => x.Info.Index <= 1)
            .OrderByDescending(x => File.GetLastWriteTimeUtc(x.Path))
            .ToList();
        if (firsts.Count == 0)
        {
            throw new MkcdrecException(ExitCode.BadInput, $"{where} holds no rescue ISO.", "Run 'mkcdrec mkbackup --output " + where + "' first, or give --medium ISO.");
        }

        return WithSiblings(Path.GetFullPath(firsts[0].Path), info);
    }

    private static List<string> WithSiblings(string first, Func<string, MediumInfo> info)
    {
        var i = info(first);
        if (i.Count <= 1)
        {
            return [first];
        }

        if (i.Index > 1)
        {
            throw new MkcdrecException(ExitCode.BadInput, $"{first} is medium {i.Index} of {i.Count}; the drill boots the first.",
                "Give --medium the first ISO of the set, or its directory.");
        }

        var set = new SortedDictionary<int, string> { [1] = first };
        foreach (var p in Directory.GetFiles(Path.GetDirectoryName(first)!, "*.iso"))
        {
            var o = info(p);
            if (o.Index > 1 && o.SetId == i.SetId && !set.ContainsKey(o.Index))
            {
                set[o.Index] = Path.GetFullPath(p);
            }
        }

        var missing = Enumerable.Range(1, i.Count).Where(n => !set.ContainsKey(n)).ToList();
        if (missing.Count > 0)
        {
            throw new MkcdrecException(ExitCode.BadInput,
                $"The set of {first} has {i.Count} media; medium {string.Join(", ", missing)} is not beside it.",
                "Put every ISO of the set in one directory.");
        }

        return set.Values.ToList();
    }

    /// <summary>The kernel command line of the first <c>linux</c> line of a grub.cfg (after the kernel path); null when
    /// there is none or it uses GRUB variables the drill cannot expand.</summary>
    public static string? CommandLineFromGrubConfig(string grubCfg)
    {
        foreach (var raw in grubCfg.Split('\n'))
        {
            var line = raw.Trim();
            if (!(line.StartsWith("linux ", StringComparison.Ordinal) || line.StartsWith("linux\t", StringComparison.Ordinal)
                  || line.StartsWith("linuxefi ", StringComparison.Ordinal)))
            {
                continue;
            }

            var parts = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            var args = string.Join(' ', parts.Skip(2));
            return args.Contains('$', StringComparison.Ordinal) ? null : args;
        }

        return null;
    }

    /// <summary>The URL of mkcdrec.backup= when the medium's backup is on a server (http(s), sftp, nfs, s3); null otherwise.</summary>
    public static string? BackupOnServer(string commandLine) => commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries)
        .Select(w => w.Trim('"'))
        .Where(w => w.StartsWith(Media.BootMenu.BackupParameter, StringComparison.Ordinal))
        .Select(w => w[Media.BootMenu.BackupParameter.Length..])
        .FirstOrDefault(u => u.Contains("://", StringComparison.Ordinal));

    /// <summary>The rescue kernel's flag that makes its recoveries keep a degraded RAID array degraded (rescue init).</summary>
    public const string KeepDegradedFlag = "mkcdrec.keep-degraded";

    /// <summary>Appends what the drill needs: the serial console (a PC's ttyS0; an aarch64 kernel finds QEMU's on its own, see
    /// <see cref="MachineArchitecture.KernelConsoles"/>), unattended recovery and the drill flag.</summary>
    public static string DrillCommandLine(string commandLine, string label, MachineArchitecture? architecture = null)
    {
        var words = commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
        if (!words.Any(w => w.StartsWith("mkcdrec.medium=", StringComparison.Ordinal)))
        {
            words.Add("mkcdrec.medium=" + label);
        }

        if ((architecture ?? MachineArchitecture.X86_64).KernelConsoles.Length > 0 && !words.Any(w => w.StartsWith("console=ttyS0", StringComparison.Ordinal)))
        {
            words.Add("console=ttyS0,115200");
        }

        words.RemoveAll(w => w.StartsWith("mkcdrec.auto=", StringComparison.Ordinal));
        words.Add("mkcdrec.auto=recover");
        if (!words.Contains(DrillProtocol.KernelFlag))
        {
            words.Add(DrillProtocol.KernelFlag);
        }

        return string.Join(' ', words);
    }

    /// <summary>Reads what the drill needs from an ISO with xorriso (no mount: the host may have no iso9660).</summary>
    public static DrillMedium Read(IProcessRunner run, IReadOnlyList<string> isos, string workDir)
    {
        var first = isos[0];
        var label = VolumeId(run, first);
        var kernel = Path.Combine(workDir, "vmlinuz");
        var initrd = Path.Combine(workDir, "initrd.img");
        run.RunChecked(new ProcessRequest("xorriso", ["-osirrox", "on", "-indev", first,
            "-extract", "/boot/vmlinuz", kernel, "-extract", "/boot/initrd.img", initrd]));
        var grub = TryExtract(run, first, "/boot/grub/grub.cfg", Path.Combine(workDir, "grub.cfg"));
        // The backup's own layout; a rescue-only medium (backup on a disk or a server) has the medium's copy.
        var layoutPath = "/backup/layout.json";
        var layoutText = TryExtract(run, first, layoutPath, Path.Combine(workDir, "layout.json"));
        if (layoutText is null)
        {
            layoutPath = "/mkcdrec/layout.json";
            layoutText = TryExtract(run, first, layoutPath, Path.Combine(workDir, "layout.json"));
        }

        var layout = layoutText is null ? null : LayoutSerializer.Deserialize(layoutText, first + ":" + layoutPath);
        var consoles = (MachineArchitecture.For(layout?.Host.Architecture) ?? MachineArchitecture.X86_64).KernelConsoles;
        var cmdline = (grub is null ? null : CommandLineFromGrubConfig(grub)) ?? $"{consoles} mkcdrec.medium={label}".TrimStart();
        return new DrillMedium
        {
            Isos = isos,
            Label = label,
            Kernel = kernel,
            Initrd = initrd,
            CommandLine = cmdline,
            Layout = layout,
        };
    }

    public static string VolumeId(IProcessRunner run, string iso)
    {
        var pvd = run.RunChecked(new ProcessRequest("xorriso", ["-indev", iso, "-pvd_info"]));
        foreach (var line in (pvd.StandardOutput + "\n" + pvd.StandardError).Split('\n'))
        {
            if (line.StartsWith("Volume Id", StringComparison.Ordinal) && line.IndexOf(':', StringComparison.Ordinal) is var c and > 0)
            {
                return line[(c + 1)..].Trim();
            }
        }

        throw new MkcdrecException(ExitCode.BadInput, $"{iso}: xorriso shows no volume id.", "Is it an ISO made by mkcdrec mkrescue/mkbackup?");
    }

    /// <summary>/mkcdrec/medium.json of an ISO: which medium of which set (1 of 1 when absent).</summary>
    public static MediumInfo Info(IProcessRunner run, string iso, string workDir)
    {
        var text = TryExtract(run, iso, "/mkcdrec/medium.json", Path.Combine(workDir, "medium-" + Path.GetFileName(iso) + ".json"));
        return text is null ? new MediumInfo(1, 1, "") : MediumInfo.Parse(text);
    }

    private static string? TryExtract(IProcessRunner run, string iso, string path, string dest)
    {
        var r = run.Run(new ProcessRequest("xorriso", ["-osirrox", "on", "-indev", iso, "-extract", path, dest]));
        return r.ExitCode == 0 && File.Exists(dest) ? File.ReadAllText(dest) : null;
    }
}

/// <summary>Which medium of a set an ISO is.</summary>
public sealed record MediumInfo(int Index, int Count, string SetId)
{
    /// <summary>Reads medium.json leniently: index; count (or total/of/media); set id (or backupId).</summary>
    public static MediumInfo Parse(string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            int index = 1, count = 1;
            var set = "";
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                var n = p.Name.ToLowerInvariant();
                if (n is "index" && p.Value.ValueKind == JsonValueKind.Number)
                {
                    index = p.Value.GetInt32();
                }
                else if (n is "count" or "total" or "of" or "media" && p.Value.ValueKind == JsonValueKind.Number)
                {
                    count = p.Value.GetInt32();
                }
                else if (n is "setid" or "backupid" or "set" && p.Value.ValueKind == JsonValueKind.String)
                {
                    set = p.Value.GetString() ?? "";
                }
            }

            return new MediumInfo(index, count, set);
        }
        catch (JsonException)
        {
            return new MediumInfo(1, 1, "");
        }
    }
}
