namespace Mkcdrec.Cli;

/// <summary>The terminal's progress line: how much, of how much, how fast, and how long is left when the total is known.</summary>
internal static class ProgressLine
{
    public static string Format(long entries, string noun, long bytes, long total, double seconds)
    {
        var rate = bytes / Math.Max(seconds, 1e-3);
        // The total is an estimate (the space in use): past it, the line shows no share and no time left rather than "110%".
        var of = total > 0 && bytes <= total ? $" of {Size(total)} ({100.0 * bytes / total:F0}%)" : "";
        var left = Eta(bytes, total, seconds) is { } eta ? $", {Clock(eta)} left" : "";
        return $"{entries} {noun}, {Size(bytes)}{of}, {Size((long)rate)}/s{left}";
    }

    /// <summary>Seconds left at the average rate so far; null without a total, before there is a rate to go by (a second
    /// and 1% of the total: a restore's first second may hold a few KiB while the first volume opens, which projected
    /// thousands of hours), or once the estimated total is passed (nothing honest to say then).</summary>
    public static double? Eta(long bytes, long total, double seconds) =>
        total > 0 && bytes > 0 && bytes * 100 >= total && bytes <= total && seconds >= 1 ? (total - bytes) * seconds / bytes : null;

    public static string Size(long bytes) => bytes >= 10L << 30 ? $"{bytes / 1073741824.0:F1} GiB" : $"{bytes / 1048576.0:F1} MiB";

    public static string Clock(double seconds)
    {
        var t = TimeSpan.FromSeconds(Math.Ceiling(seconds));
        return t.TotalHours >= 1 ? $"{(int)t.TotalHours}:{t.Minutes:00}:{t.Seconds:00}" : $"{t.Minutes}:{t.Seconds:00}";
    }
}
