using Mkcdrec.Core.Platform;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Storage;

/// <summary>
/// `mkcdrec mount` and `mkcdrec umount`: what the technologies share while they bring the devices of a layout up on
/// the disks as they are (assemble, open, activate, mount), found by their identifiers, and take them down again.
/// Nothing is created or formatted; with <see cref="ReadOnly"/> nothing is written either (docs/recovery.md "Mount").
/// </summary>
public sealed class AttachContext
{
    public required LayoutDocument Layout { get; init; }

    /// <summary>Where the layout's filesystems are mounted (their mount points below it), e.g. /mnt/local.</summary>
    public required string TargetRoot { get; init; }

    /// <summary>Open, assemble and mount read-only, without journal replay: for a look at a broken or suspect system.</summary>
    public bool ReadOnly { get; init; }

    /// <summary>`mount --check`: each filesystem is checked read-only by its own tool before it is mounted; one with problems stays unmounted.</summary>
    public bool CheckFilesystems { get; init; }

    /// <summary>
    /// umount: a filesystem of the layout is mounted outside the target root (this is the running system itself):
    /// only the mounts below the target root are taken down; its RAID, LUKS and LVM stay up.
    /// </summary>
    public bool KeepStack { get; init; }

    /// <summary>LUKS UUID → the file holding its key (a key file, or a passphrase the secrets were turned into).</summary>
    public IReadOnlyDictionary<string, string> LuksKeyFiles { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    public required IProcessRunner Run { get; init; }

    public required ISystemFiles Files { get; init; }

    /// <summary>Tells the user (console and log).</summary>
    public required Action<string> Say { get; init; }

    private readonly HashSet<string> _done = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _pending = new(StringComparer.Ordinal);

    /// <summary>What is not up (yet), by key, with the reason: a later pass may bring it up once what it stands on is.</summary>
    public IReadOnlyDictionary<string, string> Pending => _pending;

    /// <summary>How many things came up (or went down) in this run.</summary>
    public int Changed { get; private set; }

    public bool IsDone(string key) => _done.Contains(key);

    /// <summary>Records <paramref name="key"/> as up (or down); <paramref name="changed"/>: this run did it (not found so).</summary>
    public void Done(string key, bool changed, string message)
    {
        _pending.Remove(key);
        if (_done.Add(key))
        {
            if (changed)
            {
                Changed++;
            }

            Say(message);
        }
    }

    public void NotYet(string key, string reason) => _pending[key] = reason;

    /// <summary>The outcome of the command that brings <paramref name="key"/> up or down: done, or pending with its error.</summary>
    public void Record(string key, ProcessResult r, string done, string failing)
    {
        if (r.ExitCode == 0)
        {
            Done(key, true, done);
        }
        else
        {
            NotYet(key, $"{failing}: {Why(r)}");
        }
    }

    /// <summary>The device holding the filesystem, LUKS header or swap with this UUID (blkid), or null when none is attached.</summary>
    public string? DeviceWithUuid(string uuid)
    {
        var r = Run.Run(new ProcessRequest("blkid", ["-t", "UUID=" + uuid, "-o", "device"]));
        return r.ExitCode == 0 ? r.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() : null;
    }

    /// <summary>The first line of a failed command's error, for a pending reason.</summary>
    public static string Why(ProcessResult r) =>
        (r.StandardError.Trim().Length > 0 ? r.StandardError : r.StandardOutput).Trim().Split('\n')[0];
}
