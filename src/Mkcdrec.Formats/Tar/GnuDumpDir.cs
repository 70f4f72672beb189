namespace Mkcdrec.Formats.Tar;

/// <summary>One name of a GNU dumpdir: its code and the name (raw bytes; for R and T a path from the archive's root).</summary>
public readonly record struct DumpDirEntry(byte Code, byte[] Name);

/// <summary>
/// GNU tar's dumpdir (the GNU.dumpdir pax record of a directory in a listed-incremental archive): every name the
/// directory held when the archive was made, as code + name + NUL each, and a final NUL. GNU tar's extraction with
/// --listed-incremental deletes whatever the directory holds on disk that the dumpdir does not name.
/// </summary>
public static class GnuDumpDir
{
    /// <summary>A file (not a directory) whose content is in this archive.</summary>
    public const byte InArchive = (byte)'Y';

    /// <summary>A file unchanged since the previous archive of the chain: not in this one.</summary>
    public const byte Unchanged = (byte)'N';

    /// <summary>A subdirectory (always in the archive, with its own dumpdir).</summary>
    public const byte Directory = (byte)'D';

    /// <summary>GNU tar's rename record: this path (from the archive's root) …</summary>
    public const byte RenameFrom = (byte)'R';

    /// <summary>… was renamed to this one (empty: removed); written by GNU tar for a renamed directory.</summary>
    public const byte RenameTo = (byte)'T';

    /// <summary>GNU tar's temporary name for a rename cycle.</summary>
    public const byte TemporaryName = (byte)'X';

    public static byte[] Build(IReadOnlyList<DumpDirEntry> entries)
    {
        var size = 1;
        foreach (var e in entries)
        {
            size += e.Name.Length + 2;
        }

        var buf = new byte[size];
        var at = 0;
        foreach (var e in entries)
        {
            buf[at++] = e.Code;
            e.Name.CopyTo(buf, at);
            at += e.Name.Length;
            buf[at++] = 0;
        }

        buf[at] = 0;
        return buf;
    }

    /// <summary>The entries in order; a dumpdir without its final NUL, or an entry without a code, is refused.</summary>
    public static List<DumpDirEntry> Parse(ReadOnlySpan<byte> dumpdir, string where)
    {
        var list = new List<DumpDirEntry>();
        var at = 0;
        while (true)
        {
            if (at >= dumpdir.Length)
            {
                throw new InvalidDataException($"{where}: the GNU dumpdir does not end with an empty entry.");
            }

            if (dumpdir[at] == 0)
            {
                return list;
            }

            var end = dumpdir[at..].IndexOf((byte)0);
            if (end < 0)
            {
                throw new InvalidDataException($"{where}: a GNU dumpdir entry is not NUL-terminated.");
            }

            var code = dumpdir[at];
            if (code is not (InArchive or Unchanged or Directory or RenameFrom or RenameTo or TemporaryName))
            {
                throw new InvalidDataException($"{where}: GNU dumpdir entry with the unknown code '{(char)code}'.");
            }

            list.Add(new DumpDirEntry(code, dumpdir.Slice(at + 1, end - 1).ToArray()));
            at += end + 1;
        }
    }
}
