namespace Mkcdrec.Core.Media;

/// <summary>A backup file to carry: its name in the backup directory and its size.</summary>
public sealed record MediumFile(string Name, long Size);

/// <summary>The backup files one medium of a set carries, in backup order.</summary>
public sealed record MediumShare(int Index, IReadOnlyList<MediumFile> Files)
{
    public long Bytes => Files.Sum(f => f.Size);
}

/// <summary>
/// Distributes backup volumes over media of a fixed size, keeping their order (medium 1 holds the first volumes, the
/// reader never has to go back): every volume on exactly one medium, and each medium's estimated ISO size —
/// ISO structures, the files common to every medium, the rescue system on the first — within the capacity.
/// </summary>
public static class MediumPlanner
{
    public const int Sector = 2048;

    /// <summary>ISO9660/Rock Ridge/El Torito structures, GPT and the system area, plus slack (estimated generously).</summary>
    public const long IsoOverhead = 4L << 20;

    /// <summary>Bytes a file of <paramref name="size"/> takes on an ISO: whole sectors plus its directory record.</summary>
    public static long IsoCost(long size) => ((size + Sector - 1) / Sector * Sector) + Sector;

    /// <summary>
    /// The shares of each medium. <paramref name="firstReserved"/>: bytes the rescue system takes on the first medium;
    /// <paramref name="perMediumReserved"/>: bytes every medium carries besides volumes (manifest, medium.json).
    /// Throws when a volume cannot fit even on an empty medium.
    /// </summary>
    public static IReadOnlyList<MediumShare> Distribute(IReadOnlyList<MediumFile> volumes, long capacity, long firstReserved, long perMediumReserved)
    {
        var baseCost = IsoOverhead + perMediumReserved;
        if (capacity - baseCost - firstReserved <= 0)
        {
            throw new MkcdrecException(ExitCode.Usage,
                $"A medium of {capacity} bytes cannot even hold the rescue system ({firstReserved + baseCost} bytes with the ISO's own structures).",
                "Choose a larger --medium (cd, dvd, bd or a size such as 2G).");
        }

        foreach (var v in volumes)
        {
            if (baseCost + IsoCost(v.Size) > capacity)
            {
                throw new MkcdrecException(ExitCode.Usage,
                    $"The backup volume {v.Name} ({v.Size} bytes) does not fit on a medium of {capacity} bytes.",
                    "Make the backup with smaller volumes (--volume-size), or choose a larger --medium.");
            }
        }

        var shares = new List<MediumShare>();
        var current = new List<MediumFile>();
        var used = baseCost + firstReserved;
        foreach (var v in volumes)
        {
            var cost = IsoCost(v.Size);
            if (used + cost > capacity)
            {
                shares.Add(new MediumShare(shares.Count + 1, current));
                current = [];
                used = baseCost;
            }

            current.Add(v);
            used += cost;
        }

        shares.Add(new MediumShare(shares.Count + 1, current));
        return shares;
    }

    /// <summary>The estimated ISO size of a share (for checks and messages).</summary>
    public static long EstimatedIsoBytes(MediumShare share, long firstReserved, long perMediumReserved) =>
        IsoOverhead + perMediumReserved + (share.Index == 1 ? firstReserved : 0) + share.Files.Sum(f => IsoCost(f.Size));
}
