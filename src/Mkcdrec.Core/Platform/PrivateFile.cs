namespace Mkcdrec.Core.Platform;

/// <summary>
/// A new file only its owner can read (0600, created exclusively), in /run when writable (RAM: nothing reaches a disk),
/// else the temporary directory. Used for secrets a tool must read from a file (cryptsetup --key-file, ssh -i).
/// </summary>
public static class PrivateFile
{
    /// <summary>Writes <paramref name="content"/> to a new private file and returns its path; the caller deletes it.</summary>
    public static string Write(ReadOnlySpan<byte> content, string prefix, string? directory = null)
    {
        var dir = directory ?? DefaultDirectory();
        var path = Path.Combine(dir, $"{prefix}-{Environment.ProcessId}-{Guid.NewGuid():N}");
        var fso = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            fso.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var f = new FileStream(path, fso);
        try
        {
            f.Write(content);
        }
        catch
        {
            f.Dispose();
            Delete(path);
            throw;
        }

        return path;
    }

    /// <summary>Deletes a private file; one already gone or not deletable is left to the tmpfs it lives on.</summary>
    public static void Delete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Makes a new directory only its owner can enter (0700) for private files; the caller deletes it with <see cref="DeleteDirectory"/>.</summary>
    public static string CreateDirectory(string prefix, string? directory = null)
    {
        var path = Path.Combine(directory ?? DefaultDirectory(), $"{prefix}-{Environment.ProcessId}-{Guid.NewGuid():N}");
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return path;
    }

    /// <summary>Deletes a private directory and what it holds; what cannot be deleted is left to the tmpfs it lives on.</summary>
    public static void DeleteDirectory(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    private static string DefaultDirectory() => Directory.Exists("/run") && IsWritable("/run") ? "/run" : Path.GetTempPath();

    private static bool IsWritable(string dir)
    {
        try
        {
            var probe = Path.Combine(dir, $".mkcdrec-probe-{Environment.ProcessId}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
