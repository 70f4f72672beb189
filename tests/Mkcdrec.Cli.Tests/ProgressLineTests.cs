namespace Mkcdrec.Cli.Tests;

public sealed class ProgressLineTests
{
    [Fact]
    public void With_a_total_the_line_shows_the_share_the_rate_and_the_time_left()
    {
        // 1 GiB of 4 GiB in 8 s: 128 MiB/s, 3 GiB left at that rate is 24 s.
        Assert.Equal("1200 entries, 1024.0 MiB of 4096.0 MiB (25%), 128.0 MiB/s, 0:24 left",
            ProgressLine.Format(1200, "entries", 1L << 30, 4L << 30, 8));
    }

    [Fact]
    public void Without_a_total_there_is_no_share_and_no_time_left()
    {
        Assert.Equal("3 volumes done, 12.0 GiB, 1228.8 MiB/s",
            ProgressLine.Format(3, "volumes done", 12L << 30, -1, 10));
        Assert.Null(ProgressLine.Eta(5, 0, 10));
        Assert.Null(ProgressLine.Eta(0, 100, 10)); // no rate yet
        Assert.Null(ProgressLine.Eta(4096, 80L << 20, 3)); // a few KiB in the first seconds: no rate to go by (it said 5722:49:43)
        Assert.Equal(79 * 3, ProgressLine.Eta(1L << 20, 80L << 20, 3)!.Value, 6); // from 1% on
    }

    [Fact]
    public void Past_the_estimated_total_there_is_no_share_and_no_time_left()
    {
        // The total is the space in use, an estimate: never "110%" or "0:00 left" while the backup is still running.
        Assert.Equal("9000 entries, 893.0 MiB, 89.3 MiB/s", ProgressLine.Format(9000, "entries", 893L << 20, 810L << 20, 10));
        Assert.Null(ProgressLine.Eta(893L << 20, 810L << 20, 10));
    }

    [Theory]
    [InlineData(59.2, "1:00")]
    [InlineData(3725, "1:02:05")]
    [InlineData(0, "0:00")]
    public void Time_left_reads_as_a_clock(double seconds, string clock) => Assert.Equal(clock, ProgressLine.Clock(seconds));
}
