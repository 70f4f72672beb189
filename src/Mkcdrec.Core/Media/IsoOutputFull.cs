using System.Globalization;
using System.Text.RegularExpressions;
using Mkcdrec.Core.Platform;

namespace Mkcdrec.Core.Media;

/// <summary>
/// xorriso refusing or failing an ISO for want of room in the output directory, said as such: how big the image is,
/// how much room there was, and that a previous ISO of the same name is untouched (ISOs are written aside and renamed).
/// </summary>
public static partial class IsoOutputFull
{
    private const long Sector = 2048;

    /// <summary>The clear error for <paramref name="e"/> when xorriso failed for want of room; null for any other failure.</summary>
    public static MkcdrecException? From(MkcdrecException e, string outputPath)
    {
        var text = e.Message;
        var sizes = ExceedsFree().Match(text);
        if (!sizes.Success && !DiskSpace.IsNoRoom(e))
        {
            return null;
        }

        var dir = Path.GetDirectoryName(Path.GetFullPath(outputPath))!;
        var free = DiskSpace.FreeBytes(dir);
        var need = sizes.Success ? long.Parse(sizes.Groups["image"].Value, CultureInfo.InvariantCulture) * Sector : -1;
        var room = sizes.Success ? long.Parse(sizes.Groups["free"].Value, CultureInfo.InvariantCulture) * Sector : free;
        var kept = File.Exists(outputPath)
            ? $"The previous {Path.GetFileName(outputPath)} there is intact."
            : "Nothing was left there.";
        var what = need >= 0
            ? $"the ISO needs {Bytes.Format(need)} and the directory has {Bytes.Format(room)} free"
            : $"writing the ISO failed with 'No space left on device'{(free >= 0 ? $" ({Bytes.Format(free)} free now)" : "")}";
        return new MkcdrecException(ExitCode.Environment,
            $"The output directory {dir} has no room for {Path.GetFileName(outputPath)}: {what}. {kept}",
            $"Make {(need >= 0 ? $"about {Bytes.Format(Math.Max(0, need - room))} " : "")}more room in {dir} (df -h {dir}), or write the ISO elsewhere (-o DIR), "
            + "or split it onto smaller media (--medium).",
            e);
    }

    // xorriso's own check before it writes: "Image size 6816s exceeds free space on media 6144s" (2048-byte sectors).
    [GeneratedRegex(@"Image size (?<image>\d+)s exceeds free space on media (?<free>\d+)s")]
    private static partial Regex ExceedsFree();
}
