using System.Globalization;
using Mkcdrec.Core.Platform;

namespace Mkcdrec.Core.Media;

/// <summary>Where a file's data lies in an ISO image: one contiguous extent (what xorriso writes for files under 4 GiB).</summary>
public sealed record IsoExtent(string IsoPath, long Offset, long Length);

/// <summary>
/// The files of an ISO image and where their data lies, from xorriso's report_lba, so they can be read (and carried
/// into a new image with -cut_out) straight from the image file: no mount (a kernel may lack iso9660), no extraction.
/// </summary>
public static class IsoFileExtents
{
    private const long SectorSize = 2048;

    /// <summary>Every regular file of <paramref name="iso"/> by its path; a file of several extents is left out and named in <paramref name="multiExtent"/>.</summary>
    public static Dictionary<string, IsoExtent> List(IProcessRunner run, string iso, out List<string> multiExtent)
    {
        var r = run.RunChecked(new ProcessRequest("xorriso", ["-indev", iso, "-find", "/", "-type", "f", "-exec", "report_lba", "--"]));
        return Parse(r.StandardOutput, out multiExtent);
    }

    /// <summary>report_lba lines: "File data lba:  XT , START , BLOCKS , SIZE , 'PATH'" (the path quoted as a shell word).</summary>
    public static Dictionary<string, IsoExtent> Parse(string report, out List<string> multiExtent)
    {
        var files = new Dictionary<string, IsoExtent>(StringComparer.Ordinal);
        multiExtent = [];
        foreach (var line in report.Split('\n'))
        {
            if (!line.StartsWith("File data lba:", StringComparison.Ordinal))
            {
                continue;
            }

            var fields = line["File data lba:".Length..].Split(',', 5);
            if (fields.Length != 5 || !Long(fields[0], out var extent) || !Long(fields[1], out var lba) || !Long(fields[3], out var size) || Unquote(fields[4].Trim()) is not { } path)
            {
                throw new InvalidDataException($"xorriso's report_lba line is not understood: {line}");
            }

            if (extent > 0 || files.ContainsKey(path))
            {
                files.Remove(path);
                multiExtent.Add(path);
                continue;
            }

            if (!multiExtent.Contains(path))
            {
                files[path] = new IsoExtent(path, lba * SectorSize, size);
            }
        }

        return files;
    }

    /// <summary>The file's bytes, read from the image at its extent.</summary>
    public static byte[] Read(string iso, IsoExtent file)
    {
        using var s = new FileStream(iso, FileMode.Open, FileAccess.Read, FileShare.Read);
        var bytes = new byte[file.Length];
        s.Position = file.Offset;
        s.ReadExactly(bytes);
        return bytes;
    }

    private static bool Long(string s, out long value) => long.TryParse(s.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out value);

    /// <summary>'text' with each ' inside written as '"'"' (xorriso's quoting); null when not quoted so.</summary>
    private static string? Unquote(string word) =>
        word.Length >= 2 && word[0] == '\'' && word[^1] == '\''
            ? word[1..^1].Replace("'\"'\"'", "'", StringComparison.Ordinal)
            : null;
}
