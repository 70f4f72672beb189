using Mkcdrec.Core.Archive;
using Mkcdrec.Core.Destinations;
using Mkcdrec.Core.Platform;
using Mkcdrec.Model.Manifest;
using Mkcdrec.Model.Media;

namespace Mkcdrec.Core.Media;

/// <summary>
/// mkbackup --incremental with the backup on the ISO: the chain the previous ISO of this host carries (in the output
/// directory) is checked, and the new increment continues its newest link. The new ISO carries the chain again: the
/// increment under /backup, every older link under /backup/parents/HOST/TIME, where <see cref="BackupChain"/> looks for
/// an increment's parents. The old ISO is read in place (xorriso's extents, -cut_out): no mount, no copy, nothing kept
/// on the server but the ISO itself.
/// </summary>
public sealed class CarriedChain : IDisposable
{
    private const string Backup = "/" + BackupFiles.MediumBackupDirectory;

    private readonly IProcessRunner _run;
    private readonly ILog _log;
    private readonly string _iso;
    private readonly List<(string Name, string IsoDirectory)> _links = [];
    private Dictionary<string, IsoExtent> _files = [];
    private string? _mirror;
    private ArchiveSource? _tip;
    private byte[]? _tipManifest;

    private CarriedChain(IProcessRunner run, ILog log, string iso)
    {
        _run = run;
        _log = log;
        _iso = iso;
    }

    /// <summary>The parent the increment was made on (set by <see cref="ParentFor"/>); null: the backup is a full one.</summary>
    public ParentBackup? Parent { get; private set; }

    /// <summary>How many links the new ISO carries besides the increment (0 for a full backup).</summary>
    public int CarriedLinks => Parent is null ? 0 : _links.Count;

    /// <summary>
    /// Reads the chain <paramref name="previousIso"/> carries, when it is there; a previous ISO that is missing,
    /// rescue-only, one of a set, or whose chain is damaged gives a full backup (said in the log), never a failure.
    /// </summary>
    public static CarriedChain Open(IProcessRunner run, ILog log, string previousIso)
    {
        var chain = new CarriedChain(run, log, previousIso);
        try
        {
            chain.Read();
        }
        catch
        {
            chain.Dispose();
            throw;
        }

        return chain;
    }

    /// <summary>
    /// The backup a new increment of <paramref name="host"/> continues: the previous ISO's newest link, unless it is of
    /// another host or its chain already has <paramref name="maxIncrements"/> increments (then null: a full backup).
    /// </summary>
    public ParentBackup? ParentFor(string host, int maxIncrements, byte[]? passphrase)
    {
        if (_tip is null)
        {
            return null;
        }

        if (_tip.Manifest.Host != host)
        {
            return Full($"the backup on {_iso} is of host {_tip.Manifest.Host ?? "unnamed"}, not {host}");
        }

        if (_tip.Manifest.Level >= maxIncrements)
        {
            return Full($"the backup on {_iso} is increment {_tip.Manifest.Level} of its chain (at most {maxIncrements})");
        }

        var name = BackupCatalog.NameFor(host, _tip.Manifest.Created);
        if (_links.Any(l => l.Name == name))
        {
            return Full($"two links of the chain on {_iso} would both be named {name}");
        }

        Parent = ParentBackup.FromManifest(_tipManifest!, name, $"{_iso}:{Backup}/{BackupFiles.Manifest}", passphrase);
        _links.Add((name, Backup));
        _log.Info($"backup: an increment on {name} (level {_tip.Manifest.Level + 1}), the newest backup {_iso} carries; the new ISO carries its {_links.Count} link(s) too");
        return Parent;
    }

    /// <summary>What the new ISO carries besides the increment: each older link's files, cut out of the previous ISO, under /backup/parents/HOST/TIME.</summary>
    public IReadOnlyList<IsoGraft> Grafts()
    {
        if (Parent is null)
        {
            return [];
        }

        var grafts = new List<IsoGraft>();
        foreach (var (name, dir) in _links)
        {
            var into = $"{Backup}/{BackupChain.FetchedParents}/{name}/";
            grafts.AddRange(_files.Values.Where(f => IsoDirectoryOf(f.IsoPath) == dir && !FileName(f.IsoPath).StartsWith('.'))
                .OrderBy(f => f.IsoPath, StringComparer.Ordinal)
                .Select(f => new IsoGraft(into + FileName(f.IsoPath), _iso) { Offset = f.Offset, Length = f.Length }));
        }

        return grafts;
    }

    public void Dispose()
    {
        if (_mirror is not null && Directory.Exists(_mirror))
        {
            Directory.Delete(_mirror, recursive: true);
        }
    }

    private void Read()
    {
        if (!File.Exists(_iso))
        {
            Full($"there is no earlier medium {_iso} to continue");
            return;
        }

        List<string> multiExtent;
        try
        {
            _files = IsoFileExtents.List(_run, _iso, out multiExtent);
        }
        catch (Exception e) when (e is MkcdrecException or InvalidDataException)
        {
            Full($"the earlier medium {_iso} cannot be read by xorriso ({e.Message})");
            return;
        }

        if (!_files.ContainsKey($"{Backup}/{BackupFiles.Manifest}"))
        {
            Full($"the earlier medium {_iso} carries no backup (a rescue-only medium)");
            return;
        }

        if (_files.TryGetValue(BackupFiles.MediumDocumentPath, out var doc) && MediumDocument.Parse(IsoFileExtents.Read(_iso, doc), _iso) is { Count: > 1 } set)
        {
            Full($"the earlier medium {_iso} is medium {set.Index} of a set of {set.Count}; only a single ISO carries a chain");
            return;
        }

        if (multiExtent.Count > 0)
        {
            Full($"the earlier medium {_iso} holds files of several extents ({string.Join(", ", multiExtent)})");
            return;
        }

        ReadChain();
    }

    /// <summary>The chain's manifests copied out and checked (<see cref="BackupChain.Of"/>), every volume on the ISO with its recorded size.</summary>
    private void ReadChain()
    {
        _mirror = Directory.CreateTempSubdirectory("mkcdrec-carried-chain-").FullName;
        try
        {
            foreach (var f in _files.Values.Where(f => f.IsoPath.StartsWith(Backup + "/", StringComparison.Ordinal) && FileName(f.IsoPath) == BackupFiles.Manifest))
            {
                var copy = _mirror + f.IsoPath;
                Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
                File.WriteAllBytes(copy, IsoFileExtents.Read(_iso, f));
            }

            var chain = BackupChain.Of(ArchiveSource.Open(_mirror + Backup));
            foreach (var link in chain.Links)
            {
                CheckVolumes(link, link.Directory[_mirror.Length..]);
            }

            for (var i = 0; i + 1 < chain.Links.Count; i++)
            {
                _links.Add((chain.Links[i + 1].Manifest.Parent!.Name, chain.Links[i].Directory[_mirror.Length..]));
            }

            _tip = chain.Tip;
            _tipManifest = File.ReadAllBytes(Path.Combine(_mirror + Backup, BackupFiles.Manifest));
        }
        catch (Exception e) when (e is MkcdrecException or IOException or InvalidDataException)
        {
            _log.Warn($"backup: the chain on the earlier medium {_iso} cannot be continued: {e.Message}");
            Full("the earlier medium's chain is damaged");
        }
    }

    private void CheckVolumes(ArchiveSource link, string isoDirectory)
    {
        foreach (var v in link.Manifest.Archives.SelectMany(a => a.Volumes))
        {
            if (!_files.TryGetValue(isoDirectory + "/" + v.File, out var f) || f.Length != v.Size)
            {
                throw new InvalidDataException($"the volume {isoDirectory}/{v.File} is missing or does not have the {v.Size} bytes its manifest records");
            }
        }
    }

    private static string IsoDirectoryOf(string path) => path[..path.LastIndexOf('/')];

    private static string FileName(string path) => path[(path.LastIndexOf('/') + 1)..];

    private ParentBackup? Full(string why)
    {
        _log.Info($"backup: {why}: this run makes a full backup, which later increments continue");
        return null;
    }
}
