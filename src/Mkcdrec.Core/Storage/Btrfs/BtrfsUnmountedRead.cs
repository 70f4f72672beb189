using Mkcdrec.Core.Platform;
using Mkcdrec.Model.Layout;
using static Mkcdrec.Core.Storage.Btrfs.BtrfsCommandOutput;

namespace Mkcdrec.Core.Storage.Btrfs;

/// <summary>
/// Profiles and subvolumes of a btrfs filesystem nobody has mounted: read through a read-only mount that exists only in a
/// private mount namespace (unshare), so no other process sees it and it vanishes with the namespace even if the umount
/// is never reached. The mount replays no log (rescue=nologreplay), so the capture writes nothing to the filesystem.
/// </summary>
public sealed partial class BtrfsTechnology
{
    private const string SectionMark = "@@mkcdrec-btrfs ";

    // $1: the device; $2: the mount options. The trap unmounts and removes the temporary mount point on every exit.
    private const string ReadScript = """
        set -e
        d=$(mktemp -d "${TMPDIR:-/tmp}/mkcdrec-btrfs.XXXXXX")
        trap 'umount "$d" 2>/dev/null || true; rmdir "$d"' EXIT
        mount -t btrfs -o "ro,rescue=nologreplay$2" "$1" "$d" 2>/dev/null || mount -t btrfs -o "ro,nologreplay$2" "$1" "$d"
        echo '@@mkcdrec-btrfs df'; btrfs filesystem df -b "$d"
        echo '@@mkcdrec-btrfs readonly'; btrfs subvolume list -a -r -p "$d"
        echo '@@mkcdrec-btrfs all'; btrfs subvolume list -a -p "$d"
        echo '@@mkcdrec-btrfs default'; btrfs subvolume get-default "$d"
        """;

    /// <summary>The request that reads an unmounted btrfs filesystem; every device of it is named so a multi-device filesystem mounts without a scan.</summary>
    public static ProcessRequest UnmountedReadRequest(string device, IEnumerable<string> memberDevices)
    {
        var options = string.Concat(memberDevices.Select(m => ",device=" + m));
        return new ProcessRequest("unshare", ["--mount", "--propagation", "private", "--", "sh", "-c", ReadScript, "sh", device, options])
        {
            Timeout = TimeSpan.FromMinutes(2),
        };
    }

    /// <summary>Reads profiles and subvolumes of an unmounted filesystem; the reason is noted in the layout when it cannot be mounted.</summary>
    private static void ReadUnmounted(CaptureContext context, BtrfsParameters b, FoundFilesystem found)
    {
        var request = UnmountedReadRequest(found.DevicePath, found.KernelNames.Select(n => "/dev/" + n));
        var result = context.Run.Run(request);
        var sections = SplitSections(result.StandardOutput);
        if (result.ExitCode != 0 || !sections.ContainsKey("default"))
        {
            var why = result.StandardError.Trim() is { Length: > 0 } e ? e.ReplaceLineEndings(" ") : $"exit {result.ExitCode}";
            context.Note(found.DevicePath,
                $"btrfs filesystem is not mounted and a read-only mount in a private namespace failed ({why}): its subvolumes and profiles are not captured (mount it and capture again).");
            return;
        }

        (b.DataProfile, b.MetadataProfile, b.SystemProfile) = ParseDf(sections["df"]);
        var ro = ParseSubvolumeList(sections["readonly"]).Select(s => s.Id).ToHashSet();
        b.Subvolumes = ParseSubvolumeList(sections["all"], ro);
        b.DefaultSubvolumeId = ParseDefault(sections["default"]);
        context.Log.Info($"{found.DevicePath}: btrfs filesystem is not mounted; read {b.Subvolumes.Count} subvolume(s) through a read-only mount in a private mount namespace");
    }

    /// <summary>The script's output cut at its "@@mkcdrec-btrfs NAME" lines.</summary>
    public static Dictionary<string, string> SplitSections(string output)
    {
        var sections = new Dictionary<string, string>(StringComparer.Ordinal);
        string? name = null;
        var text = new System.Text.StringBuilder();
        foreach (var line in output.Split('\n'))
        {
            if (line.StartsWith(SectionMark, StringComparison.Ordinal))
            {
                if (name is not null)
                {
                    sections[name] = text.ToString();
                }

                name = line[SectionMark.Length..].Trim();
                text.Clear();
            }
            else if (name is not null)
            {
                text.Append(line).Append('\n');
            }
        }

        if (name is not null)
        {
            sections[name] = text.ToString();
        }

        return sections;
    }
}
