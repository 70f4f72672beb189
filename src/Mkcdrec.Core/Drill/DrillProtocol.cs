using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace Mkcdrec.Core.Drill;

/// <summary>
/// What the rescue system and the recovered system print on the serial console for the drill to read: one line each,
/// <c>MKCDREC-DRILL &lt;event&gt; [json]</c>. The kernel command line flag <c>mkcdrec.drill=1</c> (set only by the drill)
/// makes an unattended recovery compare the restored tree with the manifest, print the result, and install a one-shot
/// check that runs on the recovered system's first boot, prints its own comparison and powers the machine off.
/// </summary>
public static partial class DrillProtocol
{
    public const string Prefix = "MKCDREC-DRILL ";
    public const string KernelFlag = "mkcdrec.drill=1";

    /// <summary>The recovery started (the rescue system is up and found its backup).</summary>
    public const string RecoveryStarted = "recovery-started";

    /// <summary>Comparison of the restored tree (before the first boot) with the manifest: a <see cref="CompareSummary"/>.</summary>
    public const string RestoreCompare = "restore-compare";

    /// <summary>The recovery's own phase times (a JSON list of <see cref="DrillPhase"/>), printed just before <see cref="Recovered"/>.</summary>
    public const string RecoveryPhases = "recovery-phases";

    /// <summary>The files of the recovered system finalize wrote (rewritten configuration, its originals, the rebuilt
    /// initramfs): a JSON list of paths as the system names them.</summary>
    public const string FinalizeWrote = "finalize-wrote";

    /// <summary>A phase of the recovery starts (its name follows): where `drill --power-cut` cuts.</summary>
    public const string PhaseStarted = "phase-started";

    /// <summary>The recovery finished: the machine reboots next.</summary>
    public const string Recovered = "recovered";

    /// <summary>The recovery failed: followed by the error message.</summary>
    public const string RecoveryFailed = "recovery-failed";

    /// <summary>The recovered system booted and its check runs.</summary>
    public const string Booted = "booted";

    /// <summary>Comparison in the booted recovered system: a <see cref="CompareSummary"/>.</summary>
    public const string BootCompare = "boot-compare";

    /// <summary>UEFI only: the boot entry the firmware started the recovered system from (<see cref="Mkcdrec.Core.Boot.Efi.EfiBootVariables.Current"/>),
    /// e.g. "Boot0004 debian"; printed by the first-boot check before its comparison.</summary>
    public const string EfiBoot = "efi-boot";

    /// <summary>UEFI only: "on" or "off", the recovered system's SecureBoot variable (what the firmware enforced when it booted it).</summary>
    public const string SecureBoot = "secure-boot";

    /// <summary>The recovered system's host name as its kernel has it (/proc/sys/kernel/hostname), printed by the first-boot check.</summary>
    public const string Hostname = "hostname";

    /// <summary>The recovered system's /etc/machine-id, printed by the first-boot check.</summary>
    public const string MachineId = "machine-id";

    /// <summary>One SSH host key of the recovered system as <c>ssh-keygen -lf</c> prints it ("256 SHA256:… root@host (ED25519)"); one line per key.</summary>
    public const string SshHostKey = "ssh-host-key";

    /// <summary>The first-boot check is done; the machine powers off.</summary>
    public const string CheckDone = "check-done";

    /// <summary>Paths the recovery's bootloader install and a first boot legitimately write (GRUB's re-copied modules,
    /// logs, random seed, caches, the mount points the pseudo filesystems cover, our own check). Differences under them
    /// after the boot are reported, not failures; the comparison right after the restore has no such allowance.</summary>
    public static readonly IReadOnlyList<string> VolatileAfterBoot =
    [
        "boot/grub/", "boot/efi/EFI/", "dev/", "proc/", "sys/", "run/", "media/", "mnt/",
        "var/log/", "var/lib/systemd/", "var/cache/", "var/tmp/", "tmp/", "var/lib/dhcp/", "var/lib/mkcdrec/",
        "etc/resolv.conf", "etc/mtab", "var/lib/logrotate/", "var/lib/apt/", "var/lib/dpkg/triggers/", "etc/ld.so.cache",
        "etc/systemd/system/mkcdrec-drill-check.service", "etc/systemd/system/multi-user.target.wants/mkcdrec-drill-check.service",
        "var/spool/", "var/mail/", "var/backups/", "etc/machine-id", "var/lib/private/", "lost+found",
    ];

    public static string Line(string evt, string? payload = null) => Prefix + evt + (payload is null ? "" : " " + payload);

    /// <summary>Parses a console line (kernel messages may precede it on the same line); null when it is not ours.</summary>
    public static (string Event, string? Payload)? Parse(string line)
    {
        var i = line.IndexOf(Prefix, StringComparison.Ordinal);
        if (i < 0)
        {
            return null;
        }

        var rest = line[(i + Prefix.Length)..].TrimEnd('\r');
        var sp = rest.IndexOf(' ', StringComparison.Ordinal);
        return sp < 0 ? (rest, null) : (rest[..sp], rest[(sp + 1)..]);
    }

    public static string PathsToJson(List<string> paths) => JsonSerializer.Serialize(paths, DrillJsonContext.Default.ListString);

    public static List<string>? PathsFromJson(string json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, DrillJsonContext.Default.ListString);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// Whether a difference after the boot is the recovery's own write: a file finalize reported writing, or only the new
    /// mtime of a directory holding one (<paramref name="entry"/> as the comparison lists it: "etc (mtime a→b)").
    /// </summary>
    public static bool IsRecoveryWrite(string relativePath, string entry, IReadOnlySet<string> written)
    {
        if (written.Contains(relativePath))
        {
            return true;
        }

        return MtimeOnly().IsMatch(entry) && written.Any(w => w[..Math.Max(0, w.LastIndexOf('/'))] == relativePath);
    }

    [GeneratedRegex(@"^\S* ?\(mtime [^,()]*\)$")]
    private static partial Regex MtimeOnly();

    public static bool IsVolatile(string relativePath) =>
        VolatileAfterBoot.Any(v => v.EndsWith('/') ? relativePath.StartsWith(v, StringComparison.Ordinal) || relativePath + "/" == v : relativePath == v);
}

/// <summary>The result of comparing one filesystem (or all of them) with the manifest.</summary>
public sealed class CompareSummary
{
    public string Root { get; set; } = "";

    public long Files { get; set; }

    public List<string> Changed { get; set; } = [];

    public List<string> Missing { get; set; } = [];

    public List<string> New { get; set; } = [];

    [JsonIgnore]
    public int Differences => Changed.Count + Missing.Count + New.Count;

    public string ToJson() => JsonSerializer.Serialize(this, DrillJsonContext.Default.CompareSummary);

    public static CompareSummary? FromJson(string json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, DrillJsonContext.Default.CompareSummary);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>What the drill found: pass or fail, the differences, the time of each phase.</summary>
public sealed class DrillReport
{
    public bool Passed { get; set; }

    /// <summary>When the drill ended (UTC): `mkcdrec report` dates the last drill with it.</summary>
    public DateTimeOffset? FinishedAt { get; set; }

    public string Medium { get; set; } = "";

    public string Firmware { get; set; } = "";

    public List<long> DiskSizes { get; set; } = [];

    /// <summary>--attach: the disk images the rescue machine also had, each found unchanged after the recovery.</summary>
    public List<string> AttachedUnchanged { get; set; } = [];

    /// <summary>Bytes of the rescue medium: every ISO of the set.</summary>
    public long MediumBytes { get; set; }

    /// <summary>Bytes of the rescue kernel and initramfs on the medium.</summary>
    public long KernelBytes { get; set; }

    public long InitramfsBytes { get; set; }

    /// <summary>UEFI: the boot entry the firmware started the recovered system from ("Boot0004 debian"); "" for BIOS or when unknown.</summary>
    public string EfiBootEntry { get; set; } = "";

    /// <summary>UEFI: "on" or "off", whether the firmware enforced Secure Boot when it booted the recovered system; "" when unknown.</summary>
    public string SecureBoot { get; set; } = "";

    public List<DrillPhase> Phases { get; set; } = [];

    /// <summary>The recovered system's identity as its first boot showed it (the system's own tools): host name, machine-id,
    /// and each SSH host key's fingerprint ("" and none when it has no such thing).</summary>
    public string Hostname { get; set; } = "";

    public string MachineId { get; set; } = "";

    public List<string> SshHostKeys { get; set; } = [];

    /// <summary>The power cuts made (drill --power-cut), each with where the recovery was when the machine was killed.</summary>
    public List<string> PowerCuts { get; set; } = [];

    /// <summary>The phases inside the recovery, as the rescue system timed them (verify backup, layout, restore, finalize …).</summary>
    public List<DrillPhase> RecoveryPhases { get; set; } = [];

    /// <summary>QEMU start to the recovered system up (rescue boot + recovery + first boot), without the drill's own
    /// comparisons: what a real recovery of this machine takes.</summary>
    public double RecoveredUpSeconds { get; set; }

    public List<CompareSummary> RestoreCompare { get; set; } = [];

    public List<CompareSummary> BootCompare { get; set; } = [];

    /// <summary>Differences after the first boot under <see cref="DrillProtocol.VolatileAfterBoot"/>: reported, not failures.</summary>
    public List<string> ChangedByBoot { get; set; } = [];

    /// <summary>The files the recovery's finalize wrote, as it reported them (<see cref="DrillProtocol.FinalizeWrote"/>).</summary>
    public List<string> FinalizeWrote { get; set; } = [];

    /// <summary>Differences after the first boot that are the recovery's own writes (<see cref="FinalizeWrote"/>, and the
    /// new mtime of the directories holding them): reported, not failures.</summary>
    public List<string> ChangedByRecovery { get; set; } = [];

    public List<string> Failures { get; set; } = [];

    public string WorkDirectory { get; set; } = "";

    public string ToJson() => JsonSerializer.Serialize(this, DrillJsonContext.Default.DrillReport);
}

public sealed class DrillPhase
{
    public string Name { get; set; } = "";

    public double Seconds { get; set; }

    public static string ListToJson(List<DrillPhase> phases) => JsonSerializer.Serialize(phases, DrillJsonContext.Default.ListDrillPhase);

    public static List<DrillPhase>? ListFromJson(string json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, DrillJsonContext.Default.ListDrillPhase);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

[JsonSourceGenerationOptions(WriteIndented = false, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(CompareSummary))]
[JsonSerializable(typeof(DrillReport))]
[JsonSerializable(typeof(List<DrillPhase>))]
[JsonSerializable(typeof(List<string>))]
internal sealed partial class DrillJsonContext : JsonSerializerContext
{
}
