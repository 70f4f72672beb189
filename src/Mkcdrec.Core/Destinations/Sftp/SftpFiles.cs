using System.Diagnostics;

namespace Mkcdrec.Core.Destinations.Sftp;

/// <summary>The file operations a backup needs, each one request and its answer on a <see cref="SftpSession"/>.</summary>
internal static class SftpFiles
{
    public static byte[] Open(SftpSession s, string path, uint flags)
    {
        lock (s.Lock)
        {
            var id = s.NextId();
            s.SendPacket(new SftpPacketWriter(SftpType.Open, id).Str(path).U32(flags).NoAttrs().ToArray());
            var (type, r) = s.Receive(id);
            if (type == SftpType.Handle)
            {
                return r.Bytes();
            }

            throw Status(s, type, r, "opening", path);
        }
    }

    public static void Close(SftpSession s, byte[] handle, string path) => Simple(s, new SftpPacketWriter(SftpType.Close, null), w => w.Bytes(handle), "closing", path);

    public static void Remove(SftpSession s, string path) => Simple(s, null, w => w.Str(path), "removing", path, SftpType.Remove, SftpCodes.NoSuchFile);

    /// <summary>Removes a directory if it is empty; anything else (not empty, missing) is no error.</summary>
    public static void RemoveDirectoryIfEmpty(SftpSession s, string path) =>
        Simple(s, null, w => w.Str(path), "removing the directory", path, SftpType.Rmdir, SftpCodes.NoSuchFile, SftpCodes.Failure, SftpCodes.PermissionDenied);

    /// <summary>Creates <paramref name="path"/> and its missing parents (mkdir -p).</summary>
    public static void MakeDirectories(SftpSession s, string path)
    {
        var parts = path.Split('/');
        for (var i = 1; i <= parts.Length; i++)
        {
            var dir = string.Join('/', parts[..i]);
            if (dir.Length == 0 || IsDirectory(s, dir))
            {
                continue;
            }

            Simple(s, null, w => w.Str(dir).NoAttrs(), "creating the directory", dir, SftpType.Mkdir);
        }
    }

    public static bool IsDirectory(SftpSession s, string path) => Stat(s, path) is { Directory: true };

    /// <summary>The path's attributes, or null when it does not exist.</summary>
    public static (long Size, bool Directory, DateTimeOffset Modified)? Stat(SftpSession s, string path)
    {
        lock (s.Lock)
        {
            var id = s.NextId();
            s.SendPacket(new SftpPacketWriter(SftpType.Stat, id).Str(path).ToArray());
            var (type, r) = s.Receive(id);
            if (type == SftpType.Attrs)
            {
                return r.Attrs();
            }

            return Missing(s, type, r, "reading the attributes of", path) ? null : throw new UnreachableException();
        }
    }

    /// <summary>Renames over an existing file atomically (OpenSSH's posix-rename; plain SFTP rename refuses an existing target).</summary>
    public static void Rename(SftpSession s, string from, string to)
    {
        if (s.Extensions.Contains("posix-rename@openssh.com"))
        {
            Simple(s, new SftpPacketWriter(SftpType.Extended, null), w => w.Str("posix-rename@openssh.com").Str(from).Str(to), "renaming", from);
            return;
        }

        Remove(s, to);
        Simple(s, null, w => w.Str(from).Str(to), "renaming", from, SftpType.Rename);
    }

    /// <summary>Asks the server to put the file on stable storage (OpenSSH's fsync extension), when it has it.</summary>
    public static void Fsync(SftpSession s, byte[] handle, string path)
    {
        if (s.Extensions.Contains("fsync@openssh.com"))
        {
            Simple(s, new SftpPacketWriter(SftpType.Extended, null), w => w.Str("fsync@openssh.com").Bytes(handle), "syncing", path);
        }
    }

    /// <summary>The entries of a directory (without . and ..); null when it does not exist.</summary>
    public static List<SftpEntry>? ReadDirectory(SftpSession s, string path)
    {
        lock (s.Lock)
        {
            var id = s.NextId();
            s.SendPacket(new SftpPacketWriter(SftpType.Opendir, id).Str(path).ToArray());
            var (type, r) = s.Receive(id);
            if (type != SftpType.Handle)
            {
                return Missing(s, type, r, "listing", path) ? null : throw new UnreachableException();
            }

            var handle = r.Bytes();
            var entries = new List<SftpEntry>();
            while (ReadBatch(s, handle, path, entries))
            {
            }

            Close(s, handle, path);
            return entries;
        }
    }

    private static bool ReadBatch(SftpSession s, byte[] handle, string path, List<SftpEntry> entries)
    {
        var id = s.NextId();
        s.SendPacket(new SftpPacketWriter(SftpType.Readdir, id).Bytes(handle).ToArray());
        var (type, r) = s.Receive(id);
        if (type == SftpType.Status)
        {
            var code = r.U32();
            return code == SftpCodes.Eof ? false : throw s.StatusError(code, r.AtEnd ? "" : r.Str(), "listing", path);
        }

        for (var n = r.U32(); n > 0; n--)
        {
            var name = r.Str();
            r.Str(); // ls -l style long name
            var (size, dir, mtime) = r.Attrs();
            if (name is not "." and not "..")
            {
                entries.Add(new SftpEntry(name, dir, size, mtime));
            }
        }

        return true;
    }

    /// <summary>One request whose answer is a status: <paramref name="writer"/> for extended requests (the id goes after the type), else a packet of <paramref name="type"/>.</summary>
    private static void Simple(SftpSession s, SftpPacketWriter? writer, Action<SftpPacketWriter> fields, string what, string path,
        SftpType type = SftpType.Close, params uint[] alsoFine)
    {
        lock (s.Lock)
        {
            var id = s.NextId();
            var w = writer is null ? new SftpPacketWriter(type, id) : writer.U32(id);
            fields(w);
            s.SendPacket(w.ToArray());
            s.ExpectStatus(id, what, path, alsoFine);
        }
    }

    /// <summary>True when the answer says "no such file"; any other answer than that throws its error.</summary>
    private static bool Missing(SftpSession s, SftpType type, SftpPacketReader r, string what, string path)
    {
        if (type == SftpType.Status)
        {
            var code = r.U32();
            return code == SftpCodes.NoSuchFile ? true : throw s.StatusError(code, r.AtEnd ? "" : r.Str(), what, path);
        }

        throw Status(s, type, r, what, path);
    }

    private static MkcdrecException Status(SftpSession s, SftpType type, SftpPacketReader r, string what, string path)
    {
        if (type != SftpType.Status)
        {
            return new MkcdrecException(ExitCode.CommandFailed, $"{what} {path} on {s.Display}: unexpected SFTP answer {(int)type}.",
                "Check that the server runs OpenSSH's sftp-server or internal-sftp.");
        }

        var code = r.U32();
        return s.StatusError(code, r.AtEnd ? "" : r.Str(), what, path);
    }
}
