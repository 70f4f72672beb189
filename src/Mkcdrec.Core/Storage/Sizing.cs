namespace Mkcdrec.Core.Storage;

/// <summary>Proportional resizing shared by partitions and logical volumes.</summary>
public static class Sizing
{
    /// <summary>
    /// Scales sizes from a space of <paramref name="origAvail"/> to <paramref name="newAvail"/> (both including free space),
    /// never below the minimums; sizes are multiples of <paramref name="unit"/>. Null when the minimums do not fit.
    /// </summary>
    public static long[]? Distribute(long[] orig, long[] min, long origAvail, long newAvail, long unit)
    {
        var n = orig.Length;
        var result = new long[n];
        var pinned = new bool[n];
        if (min.Sum() > newAvail)
        {
            return null;
        }

        while (true)
        {
            long pinnedMin = 0, pinnedOrig = 0;
            for (var i = 0; i < n; i++)
            {
                if (pinned[i])
                {
                    pinnedMin += min[i];
                    pinnedOrig += orig[i];
                }
            }

            var baseSpace = Math.Max(1, origAvail - pinnedOrig);
            var r = (double)(newAvail - pinnedMin) / baseSpace;
            var changed = false;
            for (var i = 0; i < n; i++)
            {
                if (pinned[i])
                {
                    result[i] = min[i];
                    continue;
                }

                result[i] = StorageGraph.RoundDown((long)Math.Floor(orig[i] * r), unit);
                if (result[i] < min[i])
                {
                    pinned[i] = true;
                    changed = true;
                }
            }

            if (!changed)
            {
                break;
            }
        }

        return result.Sum() <= newAvail ? result : null;
    }
}
