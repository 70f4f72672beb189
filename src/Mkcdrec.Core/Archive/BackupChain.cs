using Mkcdrec.Model.Manifest;

namespace Mkcdrec.Core.Archive;

/// <summary>
/// A backup and the backups it continues, oldest (the full one) first: an increment is restored by applying its
/// chain in order. Every link is checked when the chain is opened, before any disk is touched: it can be read, its
/// manifest is the very one its child was made on (SHA-256), its level is one less, its host is the same.
/// </summary>
public sealed class BackupChain
{
    /// <summary>More links than any schedule makes: a loop in the links (or a hostile manifest) stops here.</summary>
    public const int MaxLinks = 1000;

    /// <summary>Where `fetch` puts an increment's parents in its spool: SPOOL/parents/HOST/TIME.</summary>
    public const string FetchedParents = "parents";

    private BackupChain(List<ArchiveSource> links) => Links = links;

    /// <summary>Oldest first; the last is the backup asked for.</summary>
    public IReadOnlyList<ArchiveSource> Links { get; }

    public ArchiveSource Tip => Links[^1];

    public bool IsIncremental => Links.Count > 1;

    /// <summary>Opens the chain of <paramref name="tip"/> through each link's <see cref="ArchiveSource.OpenParent"/>.</summary>
    public static BackupChain Of(ArchiveSource tip)
    {
        var links = new List<ArchiveSource> { tip };
        var child = tip;
        while (child.Manifest.Level > 0 || child.Manifest.Parent is not null)
        {
            var link = child.Manifest.Parent ?? throw Broken(tip, child, $"it is an increment (level {child.Manifest.Level}) that names no parent");
            if (links.Count >= MaxLinks)
            {
                throw Broken(tip, child, $"the chain has more than {MaxLinks} links");
            }

            var parent = Open(tip, child, link);
            if (parent.ManifestSha256 != link.ManifestSha256)
            {
                throw Broken(tip, child, $"its parent {link.Name} is not the backup it was made on: that manifest.json has SHA-256 {parent.ManifestSha256}, the link says {link.ManifestSha256}");
            }

            if (parent.Manifest.Level != child.Manifest.Level - 1)
            {
                throw Broken(tip, child, $"its parent {link.Name} is at level {parent.Manifest.Level}, not {child.Manifest.Level - 1}");
            }

            if (parent.Manifest.Host != child.Manifest.Host)
            {
                throw Broken(tip, child, $"its parent {link.Name} is a backup of another host ({parent.Manifest.Host ?? "unnamed"}, not {child.Manifest.Host ?? "unnamed"})");
            }

            parent.OpenParent ??= child.OpenParent;
            links.Insert(0, parent);
            child = parent;
        }

        return new BackupChain(links);
    }

    /// <summary>The archives that restore one archive of the tip, oldest first: back to the link where it is a full archive.</summary>
    public List<(ArchiveSource Source, ArchiveRecord Archive)> ArchivesOf(ArchiveRecord tipArchive)
    {
        var list = new List<(ArchiveSource, ArchiveRecord)> { (Tip, tipArchive) };
        var a = tipArchive;
        for (var i = Links.Count - 2; a.Since is not null; i--)
        {
            var child = Links[i + 1];
            if (i < 0)
            {
                throw Broken(Tip, child, $"its archive '{a.FilesystemId}' is an increment but the chain ends there");
            }

            a = Links[i].Manifest.Archives.FirstOrDefault(x => x.FilesystemId == tipArchive.FilesystemId)
                ?? throw Broken(Tip, child, $"its archive '{tipArchive.FilesystemId}' is an increment but the parent {Describe(Links[i])} has no such archive");
            list.Insert(0, (Links[i], a));
        }

        return list;
    }

    /// <summary>
    /// Restores one archive of the tip into <paramref name="target"/>: its full archive, then each increment in order
    /// (each link's members checked against that link's manifest); <paramref name="say"/> names each link when there are several.
    /// </summary>
    public ExtractResult Extract(ArchiveRecord tipArchive, string target, byte[]? passphrase, ArchiveExtractor extractor, Action<string>? say = null)
    {
        var result = new ExtractResult();
        var links = ArchivesOf(tipArchive);
        foreach (var (source, archive) in links)
        {
            if (links.Count > 1)
            {
                say?.Invoke($"restore {tipArchive.FilesystemId}: the {(archive.Since is null ? "full archive" : "increment")} of {Describe(source)}");
            }

            using var tar = source.OpenTar(archive, passphrase);
            var r = extractor.Extract(tar.Reader, target, archive.Members()); // read now, one link at a time
            tar.Drain();
            result.Entries += r.Entries;
            result.Bytes += r.Bytes;
            result.Problems.AddRange(r.Problems);
        }

        return result;
    }

    /// <summary>Where a link is, for messages.</summary>
    public static string Describe(ArchiveSource s) => s.Volumes.Where(s.Directory);

    private static ArchiveSource Open(ArchiveSource tip, ArchiveSource child, BackupLink link)
    {
        try
        {
            return (child.OpenParent ?? OpenBeside(child))(link).Unseal(tip.Passphrase);
        }
        catch (MkcdrecException e)
        {
            throw Broken(tip, child, $"its parent {link.Name} cannot be read ({e.Message})");
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            throw Broken(tip, child, $"its parent {link.Name} cannot be read ({e.Message})");
        }
    }

    /// <summary>
    /// The default: the parent fetched with the child (SPOOL/parents/HOST/TIME), else a backup directory beside the
    /// child's at the same destination (DEST/HOST/TIME), or the absolute directory the link names.
    /// </summary>
    private static Func<BackupLink, ArchiveSource> OpenBeside(ArchiveSource child) => link =>
    {
        if (Path.IsPathRooted(link.Name))
        {
            return ArchiveSource.Open(link.Name);
        }

        var fetched = Path.Combine(child.Directory, FetchedParents, link.Name);
        return ArchiveSource.Open(Directory.Exists(fetched) ? fetched : Path.GetFullPath(Path.Combine(child.Directory, "..", "..", link.Name)));
    };

    /// <summary>
    /// The location of the backup <paramref name="name"/> (HOST/TIME) at the same place as the backup at
    /// <paramref name="location"/> (…/HOST/TIME or …/HOST/latest, a URL or a directory; a query string is kept).
    /// </summary>
    public static string LocationBeside(string location, string name)
    {
        var q = location.IndexOf('?', StringComparison.Ordinal);
        var (path, query) = q < 0 ? (location, "") : (location[..q], location[q..]);
        var parts = path.TrimEnd('/').Split('/');
        if (parts.Length < 3)
        {
            throw new MkcdrecException(ExitCode.BadInput, $"'{location}' is not a backup named HOST/TIME, so its parent {name} cannot be found beside it.",
                "Fetch or recover the increment from its destination (…/HOST/TIME or …/HOST/latest).");
        }

        return string.Join('/', parts[..^2]) + "/" + name + query;
    }

    private static MkcdrecException Broken(ArchiveSource tip, ArchiveSource link, string what) => new(ExitCode.BadInput,
        $"The backup chain of {Describe(tip)} is broken at {Describe(link)}: {what}.",
        "Recover from a backup whose chain is complete (mkcdrec backups list DEST shows each backup's chain), or from the last full backup; no disk was touched.");
}
