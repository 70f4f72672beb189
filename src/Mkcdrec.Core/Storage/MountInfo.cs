using System.Globalization;

namespace Mkcdrec.Core.Storage;

/// <summary>One line of /proc/self/mountinfo (proc(5)).</summary>
public sealed record MountInfoEntry(int MountId, int ParentId, int Major, int Minor, string Root, string MountPoint, string Options, string FsType, string Source, string SuperOptions);

/// <summary>Reads /proc/self/mountinfo: filesystems, btrfs and mounts all ask what is mounted where.</summary>
public static class MountInfoParser
{
    /// <summary>/proc/self/mountinfo (proc(5)); octal escapes (\040) decoded.</summary>
    public static List<MountInfoEntry> Parse(string text)
    {
        var list = new List<MountInfoEntry>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var f = line.Split(' ');
            var sep = Array.IndexOf(f, "-");
            if (f.Length < 10 || sep < 6 || sep + 3 >= f.Length)
            {
                continue;
            }

            var mm = f[2].Split(':');
            list.Add(new MountInfoEntry(
                int.Parse(f[0], CultureInfo.InvariantCulture), int.Parse(f[1], CultureInfo.InvariantCulture),
                int.Parse(mm[0], CultureInfo.InvariantCulture), int.Parse(mm[1], CultureInfo.InvariantCulture),
                OctalEscapes.Decode(f[3]), OctalEscapes.Decode(f[4]), f[5], f[sep + 1], OctalEscapes.Decode(f[sep + 2]), f[sep + 3]));
        }

        return list;
    }
}
