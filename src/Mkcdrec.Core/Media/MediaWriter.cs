using System.Globalization;
using System.Security.Cryptography;
using Mkcdrec.Core.Platform;
using Mkcdrec.Model.Manifest;
using Mkcdrec.Model.Media;

namespace Mkcdrec.Core.Media;

/// <summary>What to put on the rescue media.</summary>
public sealed class MediaOptions
{
    /// <summary>Directory for the ISO(s) and their .sha256 files.</summary>
    public required string OutputDir { get; init; }

    public required string KernelPath { get; init; }

    public required string InitrdPath { get; init; }

    /// <summary>Host name (for the label and the file names).</summary>
    public required string Host { get; init; }

    public DateOnly Date { get; init; } = DateOnly.FromDateTime(DateTime.UtcNow);

    /// <summary>The volume label (of the first medium; members of a set get _N); default MKCDREC_HOST_YYYYMMDD.</summary>
    public string? Label { get; init; }

    /// <summary>A backup directory (manifest.json + volumes) to carry under /backup; null for a rescue-only medium.</summary>
    public string? BackupDir { get; init; }

    /// <summary>The older links of a chain the backup continues, under /backup/parents (<see cref="CarriedChain"/>; one medium only).</summary>
    public IReadOnlyList<IsoGraft> CarriedLinks { get; init; } = [];

    /// <summary>Bytes per medium; null: one ISO whatever its size.</summary>
    public long? MediumCapacity { get; init; }

    public int TimeoutSeconds { get; init; } = 5;

    public string ExtraKernelArguments { get; init; } = "";

    public string MkcdrecVersion { get; init; } = "";

    /// <summary>The layout document, put on the first medium as /mkcdrec/layout.json (the rescue system embeds its own copy).</summary>
    public byte[]? LayoutJson { get; init; }

    /// <summary>Scratch directory (the caller removes it).</summary>
    public required string WorkDir { get; init; }

    /// <summary>The signed UEFI boot chain for the first medium (Secure Boot); null: mkcdrec's own GRUB image.</summary>
    public Boot.SecureBoot.SignedBootChain? SignedChain { get; init; }
}

public sealed record MediaResult(IReadOnlyList<IsoResult> Isos, IReadOnlyList<MediumDocument> Media, TimeSpan Elapsed)
{
    public long TotalBytes => Isos.Sum(i => i.Bytes);
}

/// <summary>
/// Writes the rescue medium, or the set of media when the backup is larger than one: the first boots and carries the
/// rescue system, every medium carries /mkcdrec/medium.json, the backup's manifest and its share of the volumes
/// (order kept). All ISOs of a set are built under temporary names first and renamed only when all succeeded.
/// </summary>
public sealed class MediaWriter
{
    /// <summary>Room kept on the first medium for the GRUB images and the EFI FAT image besides kernel and initramfs (the signed chain: ~12 MiB).</summary>
    public const long BootFilesReserve = 16L << 20;

    private readonly IsoBuilder _iso;
    private readonly ILog _log;

    public MediaWriter(IsoBuilder iso, ILog log)
    {
        _iso = iso;
        _log = log;
    }

    /// <summary>File name stem of the ISOs: mkcdrec-HOST (lowercase, safe characters).</summary>
    public static string BaseName(string host) => "mkcdrec-" + MediumLabel.HostPart(host).ToLowerInvariant() switch { "" => "host", var h => h };

    public static string IsoName(string host, int index, int count) =>
        count == 1 ? BaseName(host) + ".iso" : $"{BaseName(host)}-{index.ToString(CultureInfo.InvariantCulture)}.iso";

    /// <summary>Backup volumes in reading order (archives in manifest order, volumes in order) and the other files of the directory.</summary>
    public static (List<MediumFile> Volumes, List<MediumFile> Common, BackupManifest Manifest, string BackupId) ReadBackup(string dir)
    {
        var path = Path.Combine(dir, BackupFiles.Manifest);
        if (!File.Exists(path))
        {
            throw new MkcdrecException(ExitCode.BadInput, $"No {BackupFiles.Manifest} in '{dir}'.",
                "Give the directory that holds a finished backup (manifest.json and volumes).");
        }

        var bytes = File.ReadAllBytes(path);
        var manifest = BackupManifest.Parse(bytes, path);
        var volumes = new List<MediumFile>();
        foreach (var v in manifest.Archives.SelectMany(a => a.Volumes))
        {
            var f = new FileInfo(Path.Combine(dir, v.File));
            if (!f.Exists || f.Length != v.Size)
            {
                throw new MkcdrecException(ExitCode.BadInput, $"The backup volume {f.FullName} is missing or does not have the {v.Size} bytes the manifest records.",
                    "Run 'mkcdrec verify' on the backup; make a new backup if it is damaged.");
            }

            volumes.Add(new MediumFile(v.File, v.Size));
        }

        var volumeNames = volumes.Select(v => v.Name).ToHashSet(StringComparer.Ordinal);
        var common = Directory.GetFiles(dir).Select(p => new FileInfo(p))
            .Where(f => !volumeNames.Contains(f.Name) && !f.Name.StartsWith('.'))
            .OrderBy(f => f.Name, StringComparer.Ordinal)
            .Select(f => new MediumFile(f.Name, f.Length)).ToList();
        if (Directory.GetDirectories(dir).Length > 0 && volumes.Any(v => v.Name.Contains('/', StringComparison.Ordinal)))
        {
            throw new MkcdrecException(ExitCode.BadInput, $"The backup in {dir} keeps volumes in subdirectories, which media sets do not support.", "Make the backup with volumes in one directory.");
        }

        return (volumes, common, manifest, Convert.ToHexStringLower(SHA256.HashData(bytes))[..16]);
    }

    public MediaResult Write(MediaOptions o)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var baseLabel = o.Label ?? MediumLabel.Make(o.Host, o.Date);
        CheckLabel(baseLabel);
        List<MediumFile> volumes = [], common = [];
        string? backupId = null;
        if (o.BackupDir is not null)
        {
            (volumes, common, _, backupId) = ReadBackup(o.BackupDir);
        }

        var shares = Distribute(o, volumes, common);
        var docs = MediumDocuments(o, shares, baseLabel, backupId);
        if (shares.Count > 1)
        {
            _log.Info($"the backup ({volumes.Sum(v => v.Size)} bytes in {volumes.Count} volumes) needs {shares.Count} media of {o.MediumCapacity} bytes");
        }

        Directory.CreateDirectory(o.OutputDir);
        var built = new List<(IsoResult Temp, string Final)>();
        try
        {
            foreach (var s in shares)
            {
                var final = Path.Combine(o.OutputDir, IsoName(o.Host, s.Index, shares.Count));
                var r = BuildMedium(o, s, docs[s.Index - 1], common, final);
                built.Add((r, final));
                CheckFitsMedium(o, s.Index, shares.Count, r);
            }

            var results = CommitAll(built);
            built.Clear();
            RemoveStale(o.OutputDir, o.Host, shares.Count);
            return new MediaResult(results, docs, sw.Elapsed);
        }
        finally
        {
            foreach (var (temp, _) in built)
            {
                AtomicOutput.Discard(temp.Path);
            }
        }
    }

    private static void CheckLabel(string label)
    {
        if (!MediumLabel.IsValid(label))
        {
            throw new MkcdrecException(ExitCode.Usage, $"'{label}' is not a valid medium label.", $"Use at most {MediumLabel.MaxLength} characters A-Z, 0-9 and _.");
        }
    }

    /// <summary>The volumes each medium carries: all on one without a capacity; else the first keeps room for the boot files, each for the common files.</summary>
    private static IReadOnlyList<MediumShare> Distribute(MediaOptions o, List<MediumFile> volumes, List<MediumFile> common)
    {
        var firstReserved = MediumPlanner.IsoCost(new FileInfo(o.KernelPath).Length) + MediumPlanner.IsoCost(new FileInfo(o.InitrdPath).Length) + BootFilesReserve;
        var perMedium = common.Sum(c => MediumPlanner.IsoCost(c.Size)) + MediumPlanner.IsoCost(64 << 10);
        return o.MediumCapacity is { } cap
            ? MediumPlanner.Distribute(volumes, cap, firstReserved, perMedium)
            : [new MediumShare(1, volumes)];
    }

    /// <summary>The /mkcdrec/medium.json of every medium; each lists the whole set.</summary>
    private static List<MediumDocument> MediumDocuments(MediaOptions o, IReadOnlyList<MediumShare> shares, string baseLabel, string? backupId)
    {
        var count = shares.Count;
        var created = DateTimeOffset.UtcNow;
        var docs = shares.Select(s => new MediumDocument
        {
            Label = count == 1 ? baseLabel : o.Label is null ? MediumLabel.Make(o.Host, o.Date, s.Index, count) : MediumLabel.Member(baseLabel, s.Index, count),
            Index = s.Index,
            Count = count,
            BackupId = backupId,
            Host = o.Host,
            Created = created,
            MkcdrecVersion = o.MkcdrecVersion,
            Bootable = s.Index == 1,
        }).ToList();
        var entries = shares.Select((s, i) => new MediumEntry { Index = s.Index, Label = docs[i].Label, Files = s.Files.Select(f => f.Name).ToList(), Bytes = s.Bytes }).ToList();
        foreach (var d in docs)
        {
            d.Media = entries;
        }

        return docs;
    }

    /// <summary>Builds one medium under a temporary name: the first boots and carries the layout; each carries its share of the backup.</summary>
    private IsoResult BuildMedium(MediaOptions o, MediumShare s, MediumDocument d, List<MediumFile> common, string final)
    {
        var files = BackupGrafts(o, s, d.Count, common);
        var work = Path.Combine(o.WorkDir, "medium-" + s.Index.ToString(CultureInfo.InvariantCulture));
        Directory.CreateDirectory(work);
        return _iso.Build(new IsoRequest
        {
            Label = d.Label,
            OutputPath = final,
            WorkDir = work,
            KernelPath = s.Index == 1 ? o.KernelPath : null,
            InitrdPath = s.Index == 1 ? o.InitrdPath : null,
            SignedChain = o.SignedChain,
            TimeoutSeconds = o.TimeoutSeconds,
            ExtraKernelArguments = o.ExtraKernelArguments,
            Files = files,
            Generated = Generated(d, s.Index == 1 ? o.LayoutJson : null),
            Commit = false,
        });
    }

    /// <summary>The backup under /backup: the whole directory on a single medium, else the common files and this medium's volumes.</summary>
    private static List<IsoGraft> BackupGrafts(MediaOptions o, MediumShare s, int count, List<MediumFile> common)
    {
        var files = new List<IsoGraft>();
        if (o.BackupDir is not null)
        {
            if (count == 1)
            {
                files.Add(new IsoGraft("/" + BackupFiles.MediumBackupDirectory, Path.GetFullPath(o.BackupDir)));
                files.AddRange(o.CarriedLinks);
            }
            else if (o.CarriedLinks.Count > 0)
            {
                throw new MkcdrecException(ExitCode.Usage, "A backup chain is carried on a single ISO only; this one needs a set of media.",
                    "Make the chain on one ISO (no --medium), or keep it at a destination (--backup-dir DIR or --dest URL with --incremental).");
            }
            else
            {
                files.AddRange(common.Concat(s.Files).Select(f => new IsoGraft("/" + BackupFiles.MediumBackupDirectory + "/" + f.Name, Path.GetFullPath(Path.Combine(o.BackupDir, f.Name)))));
            }
        }

        return files;
    }

    private static void CheckFitsMedium(MediaOptions o, int index, int count, IsoResult r)
    {
        if (o.MediumCapacity is { } c && r.Bytes > c)
        {
            throw new MkcdrecException(ExitCode.Internal,
                $"Medium {index} of {count} came out at {r.Bytes} bytes, more than the medium's {c} bytes.",
                "This is a bug in the size estimate; please report it with the log. Meanwhile choose a larger --medium.");
        }
    }

    /// <summary>Renames every built ISO to its final name (with its .sha256 file), only once all of them are built.</summary>
    private static List<IsoResult> CommitAll(List<(IsoResult Temp, string Final)> built)
    {
        var results = new List<IsoResult>();
        foreach (var (temp, final) in built)
        {
            var sha = AtomicOutput.Commit(temp.Path, final);
            results.Add(temp with { Path = Path.GetFullPath(final), Sha256 = sha });
        }

        return results;
    }

    private static Dictionary<string, byte[]> Generated(MediumDocument d, byte[]? layout)
    {
        var g = new Dictionary<string, byte[]> { [BackupFiles.MediumDocumentPath] = d.ToJson() };
        if (layout is not null)
        {
            g[BackupFiles.MediumLayoutPath] = layout;
        }

        return g;
    }

    /// <summary>Members of an older set of this host that the new set does not replace (e.g. -3.iso when there are now 2).</summary>
    private void RemoveStale(string dir, string host, int count)
    {
        var keep = Enumerable.Range(1, count).Select(i => IsoName(host, i, count)).ToHashSet(StringComparer.Ordinal);
        var stem = BaseName(host);
        foreach (var f in Directory.GetFiles(dir))
        {
            var name = Path.GetFileName(f);
            var iso = name.EndsWith(AtomicOutput.ChecksumSuffix, StringComparison.Ordinal) ? name[..^AtomicOutput.ChecksumSuffix.Length] : name;
            var isMember = iso == stem + ".iso" ||
                (iso.StartsWith(stem + "-", StringComparison.Ordinal) && iso.EndsWith(".iso", StringComparison.Ordinal) &&
                 int.TryParse(iso.AsSpan(stem.Length + 1, iso.Length - stem.Length - 5), NumberStyles.None, CultureInfo.InvariantCulture, out _));
            if (isMember && !keep.Contains(iso))
            {
                _log.Info($"removing {f}: a member of an older media set");
                File.Delete(f);
            }
        }
    }
}
