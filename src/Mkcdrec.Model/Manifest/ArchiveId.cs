namespace Mkcdrec.Model.Manifest;

/// <summary>
/// The id of one archive in a backup: the layout's filesystem id ("fs:ext4:UUID"), or for a btrfs subvolume the
/// filesystem id, '#', the subvolume path ("fs:btrfs:UUID#@home").
/// </summary>
public static class ArchiveId
{
    public const char SubvolumeSeparator = '#';

    /// <summary>The archive of an encrypted backup that holds each LUKS container's header (docs/secrets.md): no filesystem's.</summary>
    public const string LuksHeaders = "luks-headers";

    /// <summary>Whether the archive is a filesystem's (or a subvolume's), restored into it; false for <see cref="LuksHeaders"/>.</summary>
    public static bool IsFilesystem(string archiveId) => archiveId != LuksHeaders;

    /// <summary>The archive id of a btrfs subvolume.</summary>
    public static string ForSubvolume(string filesystemId, string subvolume) => filesystemId + SubvolumeSeparator + subvolume.Trim('/');

    /// <summary>Splits an archive id into the filesystem id and the btrfs subvolume path (null: the filesystem's top level or a plain filesystem).</summary>
    public static (string FilesystemId, string? Subvolume) Parse(string archiveId)
    {
        var i = archiveId.IndexOf(SubvolumeSeparator, StringComparison.Ordinal);
        return i < 0 ? (archiveId, null) : (archiveId[..i], archiveId[(i + 1)..]);
    }
}
