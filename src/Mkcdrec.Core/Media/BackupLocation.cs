using System.Globalization;
using System.Text;
using Mkcdrec.Core.Platform;

namespace Mkcdrec.Core.Media;

/// <summary>
/// Where a backup kept apart from its rescue medium lies (mkbackup --backup-dir on a USB or second disk), as the rescue
/// system finds it again: the UUID of the filesystem that holds it and the directory's path inside that filesystem. The
/// medium's boot entries carry it as <c>mkcdrec.backup=UUID=…:/path</c> (docs/rescue-system.md).
/// </summary>
public sealed record BackupLocation(string FilesystemUuid, string FilesystemType, string PathInFilesystem)
{
    public string KernelArgument => $"{BootMenu.BackupParameter}UUID={FilesystemUuid}:{PathInFilesystem}";

    /// <summary>
    /// The location of <paramref name="directory"/> from findmnt (the filesystem, its subvolume or bind root, and the
    /// mount point); null with the reason when the rescue system could not find it by itself.
    /// </summary>
    public static BackupLocation? Find(IProcessRunner run, string directory, out string? whyNot)
    {
        var dir = Path.GetFullPath(directory);
        var r = run.Run(new ProcessRequest("findmnt", ["-n", "-P", "-o", "UUID,FSTYPE,FSROOT,TARGET", "--target", dir]));
        var fields = r.ExitCode == 0 ? Pairs(r.StandardOutput.Split('\n')[0]) : [];
        if (!fields.TryGetValue("TARGET", out var target) || !fields.TryGetValue("FSROOT", out var fsRoot))
        {
            whyNot = $"findmnt does not know the filesystem of {dir} (exit {r.ExitCode}: {r.StandardError.Trim()})";
            return null;
        }

        if (fields.GetValueOrDefault("UUID") is not { Length: > 0 } uuid)
        {
            whyNot = $"{dir} is on a filesystem without a UUID ({fields.GetValueOrDefault("FSTYPE")} at {target})";
            return null;
        }

        var inside = Path.GetRelativePath(target, dir);
        var path = "/" + Path.Combine(fsRoot.TrimStart('/'), inside == "." ? "" : inside).TrimEnd('/');
        if (path.Any(c => char.IsWhiteSpace(c) || c is '"' or '\'' or '\\' or '$' or ';' or '`'))
        {
            whyNot = $"the path {path} in its filesystem has spaces, quotes or shell characters, which a kernel command line cannot carry";
            return null;
        }

        whyNot = null;
        return new BackupLocation(uuid, fields.GetValueOrDefault("FSTYPE") ?? "", path);
    }

    /// <summary>findmnt -P: KEY="value" pairs, with \xHH escapes in the values.</summary>
    private static Dictionary<string, string> Pairs(string line)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var i = 0;
        while (i < line.Length)
        {
            var eq = line.IndexOf("=\"", i, StringComparison.Ordinal);
            if (eq < 0)
            {
                break;
            }

            var key = line[i..eq].Trim();
            var end = line.IndexOf('"', eq + 2);
            if (end < 0)
            {
                break;
            }

            result[key] = Unescape(line[(eq + 2)..end]);
            i = end + 1;
        }

        return result;
    }

    private static string Unescape(string s)
    {
        var bytes = new List<byte>();
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] == '\\' && i + 3 < s.Length && s[i + 1] == 'x'
                && byte.TryParse(s.AsSpan(i + 2, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var b))
            {
                bytes.Add(b);
                i += 3;
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(s[i].ToString()));
            }
        }

        return Encoding.UTF8.GetString(bytes.ToArray());
    }
}
