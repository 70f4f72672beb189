using System.Security.Cryptography;

namespace Mkcdrec.Core.Media;

/// <summary>
/// Output files that never look complete unless they are: written under a temporary name in the output directory,
/// fsynced, renamed over the final name; a <c>NAME.sha256</c> file (sha256sum -c format) beside each. A failure
/// before the rename leaves the previous file (and its checksum) untouched.
/// </summary>
public static class AtomicOutput
{
    public const string ChecksumSuffix = ".sha256";

    /// <summary>The temporary name for <paramref name="finalPath"/>: hidden, in the same directory (so rename is atomic).</summary>
    public static string TempPathFor(string finalPath)
    {
        var full = Path.GetFullPath(finalPath);
        return Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.partial-{Environment.ProcessId}");
    }

    /// <summary>SHA-256 of a file, lowercase hex.</summary>
    public static string Sha256(string path)
    {
        using var f = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
        return Convert.ToHexStringLower(SHA256.HashData(f));
    }

    /// <summary>
    /// Makes <paramref name="tempPath"/> durable and moves it to <paramref name="finalPath"/>, then writes its checksum
    /// file. The old checksum file is removed before the rename so that a crash in between never pairs a new file
    /// with an old checksum. Returns the SHA-256.
    /// </summary>
    public static string Commit(string tempPath, string finalPath)
    {
        var full = Path.GetFullPath(finalPath);
        using (var f = new FileStream(tempPath, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
        {
            f.Flush(flushToDisk: true);
        }

        var sha = Sha256(tempPath);
        var sumPath = full + ChecksumSuffix;
        var sumTemp = TempPathFor(sumPath);
        try
        {
            using (var s = new FileStream(sumTemp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                s.Write(System.Text.Encoding.ASCII.GetBytes($"{sha}  {Path.GetFileName(full)}\n"));
                s.Flush(flushToDisk: true);
            }

            File.Delete(sumPath);
            File.Move(tempPath, full, overwrite: true);
            File.Move(sumTemp, sumPath, overwrite: true);
        }
        finally
        {
            File.Delete(sumTemp);
        }

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
