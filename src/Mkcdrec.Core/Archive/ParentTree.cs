using System.Globalization;
using System.Text;
using System.Text.Unicode;
using Mkcdrec.Core.Platform;
using Mkcdrec.Model.Manifest;

namespace Mkcdrec.Core.Archive;

/// <summary>
/// What the parent backup holds of an archive, to tell an increment what changed since: every record of the parent's
/// list (the whole tree at its time) by path, and the time from which a changed inode counts as changed.
/// </summary>
public sealed class ParentTree
{
    /// <summary>
    /// The file-system clock stamps ctime from a coarse clock that can be a tick behind the one the parent's start
    /// was read from; a second earlier covers it (a file changed in that second is archived again, never missed).
    /// </summary>
    public static readonly TimeSpan ClockMargin = TimeSpan.FromSeconds(1);

    private readonly Dictionary<string, (FileRecord Record, long MTimeSeconds, uint MTimeNanoseconds)> _byPath = new(StringComparer.Ordinal);
    private readonly bool _directories;
    private readonly long _sinceSeconds;
    private readonly uint _sinceNanoseconds;

    /// <param name="sameExcludes">The increment applies the parent's excludes: then a directory that did not change can be
    /// left out (with other excludes its dumpdir must be applied, to remove what is excluded now).</param>
    public ParentTree(ArchiveRecord parent, bool sameExcludes = false)
    {
        _directories = sameExcludes;
        foreach (var r in parent.Files)
        {
            _byPath[r.Path ?? "\0" + r.PathBase64] = TryParseTime(r.MTime, out var sec, out var ns)
                ? (r, sec, ns)
                : (r, long.MinValue, 0); // an unreadable mtime never matches: archived again
        }

        Since = parent.Started - ClockMargin;
        var ticks = Since.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        _sinceSeconds = Math.DivRem(ticks, TimeSpan.TicksPerSecond, out var rest);
        _sinceNanoseconds = (uint)(rest * 100);
        FilesystemId = parent.FilesystemId;
    }

    public string FilesystemId { get; }

    /// <summary>Entries whose inode changed at or after this time are archived again.</summary>
    public DateTimeOffset Since { get; }

    /// <summary>
    /// The parent's record of an entry that has not changed since the parent: same path, same type, owner, mode, size
    /// and mtime, and an inode change time (content, metadata, links, renames all set it; for a directory, every name
    /// added, removed or renamed in it) before <see cref="Since"/>. Null when it must be archived again. Directories
    /// only with the parent's excludes (<see cref="ParentTree(ArchiveRecord, bool)"/>); the root never.
    /// </summary>
    public FileRecord? Unchanged(ReadOnlySpan<byte> relative, in FileStatus st)
    {
        if ((st.Type == FileStatus.Directory && (!_directories || relative.Length == 0)) || !_byPath.TryGetValue(Key(relative), out var known))
        {
            return null;
        }

        var r = known.Record;
        if (st.CTimeSeconds > _sinceSeconds || (st.CTimeSeconds == _sinceSeconds && st.CTimeNanoseconds >= _sinceNanoseconds))
        {
            return null;
        }

        var sameType = st.Type switch
        {
            FileStatus.Directory => r.Type == "d",
            FileStatus.Regular => r.Type is "f" or "h",
            FileStatus.Symlink => r.Type == "l",
            FileStatus.CharDevice => r.Type == "c",
            FileStatus.BlockDevice => r.Type == "b",
            FileStatus.Fifo => r.Type == "p",
            _ => false,
        };
        var same = sameType && r.Mode == st.Permissions && r.Uid == st.Uid && r.Gid == st.Gid && (r.Type != "f" || r.Size == st.Size)
                   && known.MTimeSeconds == st.MTimeSeconds && known.MTimeNanoseconds == st.MTimeNanoseconds;
        return same ? r : null;
    }

    /// <summary>The manifest's "seconds.nanoseconds" mtime.</summary>
    private static bool TryParseTime(string text, out long seconds, out uint nanoseconds)
    {
        nanoseconds = 0;
        var dot = text.IndexOf('.', StringComparison.Ordinal);
        seconds = 0;
        return dot > 0 && long.TryParse(text.AsSpan(0, dot), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out seconds)
                       && uint.TryParse(text.AsSpan(dot + 1), NumberStyles.None, CultureInfo.InvariantCulture, out nanoseconds);
    }

    private static string Key(ReadOnlySpan<byte> relative) =>
        Utf8.IsValid(relative) ? Encoding.UTF8.GetString(relative) : "\0" + Convert.ToBase64String(relative);
}
