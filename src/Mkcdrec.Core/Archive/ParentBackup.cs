using System.Security.Cryptography;
using Mkcdrec.Model.Manifest;

namespace Mkcdrec.Core.Archive;

/// <summary>An increment's parent archive; with its <paramref name="Link"/> recorded in the manifest as the parent (level
/// <paramref name="Level"/> + 1), or none when the caller records the link itself (a whole-system backup).</summary>
public sealed record ParentArchive(ArchiveRecord Archive, BackupLink? Link, int Level);

/// <summary>The backup an increment is made on top of: its manifest and the link the increment records to it.</summary>
public sealed record ParentBackup(BackupManifest Manifest, BackupLink Link)
{
    /// <summary>The parent from its manifest.json as stored (the link's SHA-256 is over these bytes); an encrypted one is
    /// opened with <paramref name="passphrase"/> (the increment's: a chain has one), without it only its public part.</summary>
    public static ParentBackup FromManifest(byte[] manifestJson, string name, string where, byte[]? passphrase)
    {
        var m = BackupManifest.Parse(manifestJson, where);
        try
        {
            m = ManifestSeal.Open(m, where, passphrase);
        }
        catch (MkcdrecException)
        {
            // Another passphrase: the public part still names the chain; the increment refuses it with its own reason
            // (IncrementParent), before anything is written.
        }

        return new ParentBackup(m, new BackupLink
        {
            Name = name,
            Created = m.Created,
            ManifestSha256 = Convert.ToHexStringLower(SHA256.HashData(manifestJson)),
        });
    }

    /// <summary>The parent in a backup directory (named by that directory).</summary>
    public static ParentBackup FromDirectory(string directory, byte[]? passphrase)
    {
        var path = Path.Combine(directory, BackupFiles.Manifest);
        if (!File.Exists(path))
        {
            throw new MkcdrecException(ExitCode.BadInput, $"{directory} holds no {BackupFiles.Manifest}: it is not a complete backup.",
                "Give the directory of the backup the increment continues (its manifest.json is written last).");
        }

        return FromManifest(File.ReadAllBytes(path), Path.GetFullPath(directory), path, passphrase);
    }

    /// <summary>What an increment of this filesystem continues: the parent's archive of it, the link and the level.</summary>
    public ParentArchive For(string filesystemId) => new(Archive(filesystemId), Link, Manifest.Level);

    /// <summary>The parent's archive of this filesystem.</summary>
    public ArchiveRecord Archive(string filesystemId) =>
        Manifest.Archives.FirstOrDefault(a => a.FilesystemId == filesystemId)
        ?? throw new MkcdrecException(ExitCode.BadInput,
            $"The parent backup {Link.Name} has no archive '{filesystemId}' (it has: {string.Join(", ", Manifest.Archives.Select(a => a.FilesystemId))}).",
            "Give the same --id as the parent's archive, or make a full backup of this filesystem.");
}
