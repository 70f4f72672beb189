using Mkcdrec.Model.Manifest;

namespace Mkcdrec.Core.Archive;

/// <summary>
/// An archive whose volumes are written, complete and synced, in <see cref="StagingDirectory"/> but not yet swapped into
/// <see cref="Destination"/> or recorded in its manifest (<see cref="ArchiveCreator.Commit(StagedArchive)"/>).
/// <see cref="Passphrase"/>: an encrypted archive's, which also seals the manifest it is recorded in (<see cref="ManifestSeal"/>).
/// </summary>
public sealed record StagedArchive(ArchiveRecord Record, string Destination, string ManifestPath, string StagingDirectory, string BaseName,
    bool VolumesElsewhere, ParentArchive? Parent, byte[]? Passphrase)
{
    /// <summary>Bytes of the staged volumes (what the archive will take at the destination).</summary>
    public long StoredBytes => Record.Volumes.Sum(v => v.Size);

    /// <summary>Removes the staged volumes: the run that made them failed.</summary>
    public void Discard()
    {
        try
        {
            Directory.Delete(StagingDirectory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // the next run removes a staging directory it finds first
        }
    }
}
