using Mkcdrec.Core.Archive;
using Mkcdrec.Core.Platform;
using Mkcdrec.Model.Manifest;

namespace Mkcdrec.Core.Workflows;

/// <summary>
/// A backup into a directory that ran out of room (ENOSPC, or EDQUOT for a quota): the error names the destination, the
/// room it had, and how much the whole new backup needs, estimated from what the run had archived and how full the
/// filesystems still to do are; the caller has removed the run's staged volumes and left the previous backup alone.
/// </summary>
public static class DestinationFull
{
    /// <summary>
    /// Where a backup's room is: the destination as the user named it, the local directory whose free space counts
    /// (null: a store off the machine, whose own errors say it), and whether the previous backup shares the directory
    /// (an in-place backup; a store's named backups are never touched by a new one).
    /// </summary>
    public sealed record Room(string Display, string? Directory, bool InPlace);

    /// <param name="freeAtStart">Free bytes at the destination when the run started (-1: unknown).</param>
    /// <param name="staged">The archives the run had finished (their volumes are gone again).</param>
    /// <param name="pendingUsedBytes">Bytes in use on the filesystems not yet archived, the failed one included (-1: unknown).</param>
    /// <param name="previous">The backup the destination held before the run, untouched (an in-place backup).</param>
    public static MkcdrecException Error(Room room, long freeAtStart, IReadOnlyList<StagedArchive> staged, long pendingUsedBytes, BackupManifest? previous, Exception cause)
    {
        var dest = room.Display;
        long stored = staged.Sum(s => s.StoredBytes), read = staged.Sum(s => s.Record.Bytes);
        var had = freeAtStart >= 0 ? $"It had {Bytes.Format(freeAtStart)} free when this run started" : "Its free space could not be read";
        var kept = !room.InPlace ? ""
            : previous is null ? "There was no previous backup there."
            : $"The previous backup there ({Bytes.Format(previous.Archives.SelectMany(a => a.Volumes).Sum(v => v.Size))} in {previous.Archives.Sum(a => a.Volumes.Count)} volume(s), made {previous.Created:yyyy-MM-dd HH:mm} UTC) is intact.";

        // What is still to do shrinks as what was done did; with nothing done yet, the data's own size is the estimate.
        // The run filled the disk, so the backup needs more than the room it had in any case.
        var ratio = read > 0 ? Math.Min(1.0, (double)stored / read) : 1.0;
        var lowerBound = Math.Max(stored, freeAtStart);
        var needed = pendingUsedBytes >= 0 ? Math.Max(lowerBound, stored + (long)(pendingUsedBytes * ratio)) : -1;
        var estimate = needed < 0
            ? $"the new backup needs more than {Bytes.Format(lowerBound)}"
                + (staged.Count > 0 ? $" ({staged.Count} archive(s) done took {Bytes.Format(stored)}; the size of the filesystems still to do is unknown)" : "")
            : $"the new backup needs about {Bytes.Format(needed)} ("
                + (read > 0
                    ? $"{staged.Count} archive(s) done took {Bytes.Format(stored)} for {Bytes.Format(read)} of data ({ratio:P0}); the filesystems still to do hold {Bytes.Format(pendingUsedBytes)}"
                    : $"the filesystems to back up hold {Bytes.Format(pendingUsedBytes)}; compression usually makes that less") + ")";
        var more = needed < 0 ? "" : $"about {Bytes.Format(Math.Max(0, needed - Math.Max(0, freeAtStart)))} ";
        return new MkcdrecException(ExitCode.Environment,
            $"The backup destination {dest} is full ({Reason(cause)}). {had}; {estimate}. "
            + $"This run's partial volumes were removed. {kept}".TrimEnd(),
            $"Make {more}more room on {dest} (df -h {dest}), or back up to a larger destination (--dest). "
            + "A previous backup stays until the new one is complete, so a destination must hold both for a moment: to replace it on one too small for two, copy it elsewhere and delete it first.",
            cause);
    }

    private static string Reason(Exception e)
    {
        for (var x = e; x is not null; x = x.InnerException)
        {
            if (x.Message.Contains("quota", StringComparison.OrdinalIgnoreCase))
            {
                return "Disk quota exceeded";
            }
        }

        return "No space left on device";
    }
}
