using Mkcdrec.Core.Platform;
using Mkcdrec.Model.Layout;
using Mkcdrec.Model.Plan;

namespace Mkcdrec.Core.Storage;

/// <summary>
/// What finalize shares between the technologies: the restored system (mounted at <see cref="Root"/>), what changed
/// between the layout and the recreated devices, the tools to change it, and the list of what was changed.
/// </summary>
public sealed class FinalizeContext
{
    private static readonly string[] CommandDirectories = ["/usr/sbin/", "/usr/bin/", "/sbin/", "/bin/"];

    public required LayoutDocument Layout { get; init; }

    public required RecoveryPlan Plan { get; init; }

    /// <summary>The restored system's root, where the chroot runs (e.g. /mnt/local).</summary>
    public required string Root { get; init; }

    /// <summary>The UUIDs that differ between the layout and what the plan made.</summary>
    public IReadOnlyList<IdChange> IdChanges { get; init; } = [];

    /// <summary>Source device paths (disks, partitions) whose recreated device has another name here, with the layout id of each.</summary>
    public IReadOnlyDictionary<string, (string NewPath, string LayoutId)> RenamedDevices { get; init; } =
        new Dictionary<string, (string NewPath, string LayoutId)>(StringComparer.Ordinal);

    /// <summary>A clone's network (--net: "dhcp" or "static:ADDR/PREFIX[,gw=GW][,dns=IP[;IP]]"); null keeps the network configuration.</summary>
    public string? CloneNetwork { get; init; }

    public required IProcessRunner Run { get; init; }

    public required ISystemFiles Files { get; init; }

    /// <summary>Writes files of the restored system (<see cref="WriteFile"/>).</summary>
    public required IFileSystemAccess FileSystem { get; init; }

    public required ILog Log { get; init; }

    /// <summary>Tells the user (console and log).</summary>
    public required Action<string> Say { get; init; }

    /// <summary>What finalize changed in the restored system, in order (the recovery report lists it).</summary>
    public List<string> Changes { get; } = [];

    /// <summary>The configuration files rewritten (paths in the restored system).</summary>
    public List<string> RewrittenFiles { get; } = [];

    /// <summary>`repair-boot`: the boot loader's configuration is regenerated whatever changed (it may be what is broken).</summary>
    public bool RegenerateBootConfiguration { get; init; }

    /// <summary>`repair-boot --initramfs`: the initramfs is rebuilt even when nothing says it must be.</summary>
    public bool RebuildInitramfsAnyway { get; init; }

    /// <summary>A UUID changed or a configuration file was rewritten: boot loader configurations that name devices are regenerated.</summary>
    public bool ConfigurationChanged => IdChanges.Count > 0 || RewrittenFiles.Count > 0;

    /// <summary>grub-install or grub2-install, once GRUB found it in the restored system; null when GRUB is not installed (EFI builds on it).</summary>
    public string? GrubInstallProgram { get; set; }

    /// <summary>
    /// Replaces a file of the restored system (a path as seen from the rescue system) atomically, keeping its owner, mode
    /// and extended attributes: a power cut during finalize leaves the old or the new file, never half of one.
    /// </summary>
    public void WriteFile(string path, string content)
    {
        AtomicReplace.WriteText(FileSystem, path, content);
        Wrote(path);
    }

    /// <summary>Files of the restored system finalize wrote, as the system names them (/etc/fstab): what a comparison of the
    /// recovered system with the backup finds changed by the recovery itself (the drill's first-boot check).</summary>
    public SortedSet<string> WrittenPaths { get; } = new(StringComparer.Ordinal);

    /// <summary>Records a file written under the restored system (a path as seen from the rescue system).</summary>
    public void Wrote(string rescuePath)
    {
        var root = Root.TrimEnd('/');
        WrittenPaths.Add(root.Length > 0 && rescuePath.StartsWith(root + "/", StringComparison.Ordinal) ? rescuePath[root.Length..] : rescuePath);
    }

    /// <summary>A path of the restored system as seen from the rescue system.</summary>
    public string RootPath(string path) => Root.TrimEnd('/') + path;

    /// <summary>Runs a program of the restored system inside it; a failure throws.</summary>
    public ProcessResult Chroot(params string[] argv) =>
        Run.RunChecked(new ProcessRequest("chroot", [Root, .. argv]) { Timeout = TimeSpan.FromMinutes(20) });

    /// <summary>Whether the restored system has the program in one of its command directories.</summary>
    public bool HasProgram(string program) => CommandDirectories.Any(d => File.Exists(Root.TrimEnd('/') + d + program));

    /// <summary>
    /// "UUID=…" for a renamed device (its filesystem's UUID, else its LUKS container's, as recreated); null when the device
    /// was not renamed or carries nothing with a UUID. Configuration then names it by a UUID that stays true.
    /// </summary>
    public string? UuidSpecFor(string devicePath)
    {
        if (!RenamedDevices.TryGetValue(devicePath, out var renamed))
        {
            return null;
        }

        var fs = Layout.Filesystems.FirstOrDefault(f => f.DeviceIds.Contains(renamed.LayoutId) && f.Uuid is not null);
        if (fs is not null)
        {
            return "UUID=" + (IdChanges.FirstOrDefault(c => c.LayoutId == fs.Id)?.New ?? fs.Uuid);
        }

        var luks = Layout.Luks.FirstOrDefault(l => l.DeviceId == renamed.LayoutId);
        return luks is null ? null : "UUID=" + (IdChanges.FirstOrDefault(c => c.LayoutId == luks.Id)?.New ?? luks.Uuid);
    }
}
