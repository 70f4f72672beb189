using System.Security.Cryptography;
using System.Text;
using Mkcdrec.Core.Platform;

namespace Mkcdrec.Core.Media;

/// <summary>
/// Media files (ISO, netboot kernel) committed with <see cref="AtomicFile"/> and a <c>NAME.sha256</c> file
/// (sha256sum -c format) beside each. A failure before the rename leaves the previous file and its checksum untouched.
/// </summary>
public static class AtomicOutput
{
    public const string ChecksumSuffix = ".sha256";

    /// <summary>The temporary name for <paramref name="finalPath"/>: hidden, in the same directory (so rename is atomic).</summary>
    public static string TempPathFor(string finalPath) => AtomicFile.TempPathFor(finalPath);

    /// <summary>SHA-256 of a file, lowercase hex.</summary>
    public static string Sha256(string path)
    {
        using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
        return Convert.ToHexStringLower(SHA256.HashData(f));
    }

    /// <summary>
    /// Moves <paramref name="tempPath"/> durably to <paramref name="finalPath"/>, then its checksum file. The old
    /// checksum file goes before the rename, so a crash in between never pairs a new file with an old checksum.
    /// Returns the SHA-256.
    /// </summary>
    public static string Commit(string tempPath, string finalPath)
    {
        var full = Path.GetFullPath(finalPath);
        var sha = Sha256(tempPath);
        var sumPath = full + ChecksumSuffix;
        using var sum = AtomicFile.Create(sumPath);
        sum.Stream.Write(Encoding.ASCII.GetBytes($"{sha}  {Path.GetFileName(full)}\n"));
        File.Delete(sumPath);
        AtomicFile.Replace(tempPath, full);
        sum.Commit();
        return sha;
    }

    /// <summary>Removes a temporary file after a failure (never the final name).</summary>
    public static void Discard(string tempPath)
    {
        try
        {
            File.Delete(tempPath);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
