using Mkcdrec.Model.Manifest;

namespace Mkcdrec.Core.Archive;

/// <summary>What an increment requires of its parent archive before it is made: the same filesystem, complete, and
/// encrypted exactly as it is (a chain is restored with one passphrase).</summary>
internal static class IncrementParent
{
    /// <summary>
    /// The parent's tree, once the parent is read and checked. Other excludes are fine: a path the parent does not list
    /// is always archived, and one excluded now is left out of the dumpdirs.
    /// </summary>
    public static async Task<ParentTree> TreeOf(Task<ParentArchive> parent, CreateOptions o, List<string> patterns)
    {
        var (p, link, _) = await parent.ConfigureAwait(false);
        if (p.FilesystemId != o.FilesystemId)
        {
            throw new MkcdrecException(ExitCode.BadInput, $"The parent archive is of '{p.FilesystemId}', not '{o.FilesystemId}'.",
                "An increment continues the archive of the same filesystem: give that filesystem's id, or make a full backup.");
        }

        if (p.Incomplete == true)
        {
            throw new MkcdrecException(ExitCode.BadInput, $"The parent archive '{p.FilesystemId}' is marked incomplete (its backup run was interrupted).",
                "Make a full backup: an increment needs a complete parent.");
        }

        CheckEncryption(p, o.Passphrase, link is null ? "the parent backup" : $"the parent backup {link.Name}");
        return new ParentTree(p, sameExcludes: p.Excludes.SequenceEqual(patterns, StringComparer.Ordinal));
    }

    /// <summary>
    /// Refused now rather than at recovery, when it is too late: an increment in the clear of an encrypted parent (its
    /// changes would be readable), an encrypted one of a plain parent, or one under another passphrase.
    /// </summary>
    private static void CheckEncryption(ArchiveRecord parent, byte[]? passphrase, string parentName)
    {
        const string MakeFull = "Make the increment as the full backup was made (--encrypt with its passphrase, or neither), or make a full backup.";
        if ((parent.Encryption is null) != (passphrase is null))
        {
            throw new MkcdrecException(ExitCode.BadInput, parent.Encryption is null
                ? $"Archive '{parent.FilesystemId}' of {parentName} is not encrypted: an increment of it cannot be."
                : $"Archive '{parent.FilesystemId}' of {parentName} is encrypted: an increment of it must be too, with the same passphrase.", MakeFull);
        }

        try
        {
            using var _ = ArchiveSource.OpenMac(parent, passphrase);
        }
        catch (MkcdrecException)
        {
            throw new MkcdrecException(ExitCode.BadInput,
                $"The passphrase is not the one archive '{parent.FilesystemId}' of {parentName} is encrypted with: a chain is restored with one passphrase.", MakeFull);
        }
    }
}
