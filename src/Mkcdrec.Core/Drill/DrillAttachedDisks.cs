using System.Security.Cryptography;

namespace Mkcdrec.Core.Drill;

/// <summary>
/// drill --attach: disk images the rescue machine gets besides its blank disks, as the USB disk that holds a backup would
/// be attached on the day. The recovery may read them and must never write them: their SHA-256 before and after says so.
/// </summary>
public sealed class DrillAttachedDisks
{
    private readonly Dictionary<string, string> _before = new(StringComparer.Ordinal);

    public DrillAttachedDisks(IReadOnlyList<string> images)
    {
        foreach (var image in images)
        {
            if (!File.Exists(image))
            {
                throw new MkcdrecException(ExitCode.Usage, $"The disk image {image} to attach does not exist.", "Give the path of a raw disk image (the drill never writes it).");
            }

            _before[Path.GetFullPath(image)] = Hash(image);
        }
    }

    public IReadOnlyList<string> Images => [.. _before.Keys];

    /// <summary>The images whose content changed while the rescue machine ran; empty when every one is as it was.</summary>
    public IReadOnlyList<string> Changed() => [.. _before.Where(kv => Hash(kv.Key) != kv.Value).Select(kv => kv.Key)];

    private static string Hash(string path)
    {
        using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 20, FileOptions.SequentialScan);
        return Convert.ToHexStringLower(SHA256.HashData(f));
    }
}
