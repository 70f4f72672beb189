using Mkcdrec.Core.Archive;
using Mkcdrec.Core.Platform;
using Mkcdrec.Model.Manifest;
using Mkcdrec.Model.Media;

namespace Mkcdrec.Core.Media;

/// <summary>Asks the operator to insert a medium. Returns false when they give up.</summary>
public interface IMediumPrompt
{
    bool AskForMedium(string label, int index, int count, string volume);
}

/// <summary>
/// The volume locator of a multi-medium set (the rescue system reading /run/mkcdrec/medium/backup): a volume that
/// is not on a mounted medium is looked up in the set's medium.json, the operator is asked to insert the medium
/// with that label, the block devices are scanned for the label (blkid), and the medium is mounted read-only under
/// <see cref="MountRoot"/>/LABEL. Media already attached (a second drive, a USB stick) are found without asking.
/// </summary>
public sealed class MediaVolumeLocator : IVolumeLocator
{
    public const string DefaultMountRoot = "/run/mkcdrec/media";

    private readonly MediumDocument _set;
    private readonly IProcessRunner _run;
    private readonly ISystemFiles _files;
    private readonly IMediumPrompt _prompt;
    private readonly ILog _log;
    private readonly Dictionary<string, string> _mounted = new(StringComparer.Ordinal); // label → mount point

    public MediaVolumeLocator(MediumDocument set, IProcessRunner run, ISystemFiles files, IMediumPrompt prompt, ILog log, string mountRoot = DefaultMountRoot)
    {
        _set = set;
        _run = run;
        _files = files;
        _prompt = prompt;
        _log = log;
        MountRoot = mountRoot;
    }

    public string MountRoot { get; }

    /// <summary>How many times the operator was asked for a medium.</summary>
    public int Prompts { get; private set; }

    /// <summary>medium.json of the medium that holds <paramref name="backupDir"/> (at ../mkcdrec/medium.json), or null.</summary>
    public static MediumDocument? ReadSet(string backupDir)
    {
        var path = Path.Combine(Path.GetFullPath(backupDir), "..", BackupFiles.MediumDocumentPath.TrimStart('/'));
        return File.Exists(path) ? MediumDocument.Parse(File.ReadAllBytes(path), path) : null;
    }

    public string? Find(string backupDir, string file)
    {
        var p = Path.Combine(backupDir, file);
        if (File.Exists(p))
        {
            return p;
        }

        foreach (var mount in _mounted.Values)
        {
            var q = Path.Combine(mount, BackupFiles.MediumBackupDirectory, file);
            if (File.Exists(q))
            {
                return q;
            }
        }

        return null;
    }

    public bool CanObtainLater(string file) => _set.MediumOf(file) is not null;

    /// <summary>A volume on a medium that is attached now (a second drive, a USB stick) counts as there: it is mounted, never asked for.</summary>
    long? IVolumeSource.SizeNow(string backupDir, string file) => (Find(backupDir, file) ?? FindAttached(file)) is { } p ? new FileInfo(p).Length : null;

    /// <summary>The volume on its medium when that medium is attached (mounted now if it was not), else null.</summary>
    private string? FindAttached(string file)
    {
        if (_set.MediumOf(file) is not { } medium || FindDevice(medium.Label) is not { } device)
        {
            return null;
        }

        var path = Path.Combine(Mount(device, medium.Label), BackupFiles.MediumBackupDirectory, file);
        return File.Exists(path) ? path : null;
    }

    public string Obtain(string backupDir, string file)
    {
        if (Find(backupDir, file) is { } here)
        {
            return here;
        }

        var medium = _set.MediumOf(file) ?? throw new MkcdrecException(ExitCode.BadInput,
            $"The backup volume {file} is not in {backupDir}, and medium.json does not say which medium holds it.",
            "Copy every volume of the backup into one directory and give that directory.");

        while (true)
        {
            var device = FindDevice(medium.Label);
            if (device is not null)
            {
                var mountPoint = Mount(device, medium.Label);
                var path = Path.Combine(mountPoint, BackupFiles.MediumBackupDirectory, file);
                if (!File.Exists(path))
                {
                    throw new MkcdrecException(ExitCode.BadInput,
                        $"Medium {medium.Label} ({device}) is mounted at {mountPoint}, but the volume {file} is not on it.",
                        "The medium may belong to another backup set or be damaged; insert the right one and run the command again.");
                }

                _log.Info($"volume {file}: on medium {medium.Index} of {_set.Count} ({medium.Label}) at {device}");
                return path;
            }

            Prompts++;
            _log.Info($"volume {file}: asking for medium {medium.Index} of {_set.Count} ({medium.Label})");
            if (!_prompt.AskForMedium(medium.Label, medium.Index, _set.Count, file))
            {
                throw new MkcdrecException(ExitCode.BadInput,
                    $"Medium {medium.Index} of {_set.Count} ({medium.Label}), which holds the backup volume {file}, was not inserted.",
                    $"Insert the medium labelled {medium.Label} (CD/DVD drive or USB) and run the command again.");
            }
        }
    }

    /// <summary>The block device with ISO9660 label <paramref name="label"/>, scanning every device (no blkid cache).</summary>
    public string? FindDevice(string label)
    {
        var r = _run.Run(new ProcessRequest("blkid", ["-c", "/dev/null", "-l", "-o", "device", "-t", "LABEL=" + label]));
        var dev = r.StandardOutput.Trim();
        return r.ExitCode == 0 && dev.Length > 0 ? dev.Split('\n')[0].Trim() : null;
    }

    private string Mount(string device, string label)
    {
        if (_mounted.TryGetValue(label, out var existing))
        {
            return existing;
        }

        // A drive whose disc was changed may still be mounted with the old disc's filesystem: detach those mounts
        // first, or mounting the device again would reuse the stale superblock.
        foreach (var line in (_files.ReadText("/proc/self/mounts") ?? "").Split('\n'))
        {
            var parts = line.Split(' ');
            if (parts.Length > 2 && parts[0] == device)
            {
                var mp = parts[1].Replace("\\040", " ", StringComparison.Ordinal);
                _log.Info($"{device} is still mounted at {mp} (the previous medium): detaching it");
                _run.RunChecked(new ProcessRequest("umount", ["-l", mp]));
                foreach (var k in _mounted.Where(kv => kv.Value == mp).Select(kv => kv.Key).ToList())
                {
                    _mounted.Remove(k);
                }
            }
        }

        var mountPoint = Path.Combine(MountRoot, label);
        Directory.CreateDirectory(mountPoint);
        _run.RunChecked(new ProcessRequest("mount", ["-t", "iso9660", "-o", "ro", device, mountPoint]));
        _mounted[label] = mountPoint;
        return mountPoint;
    }
}
