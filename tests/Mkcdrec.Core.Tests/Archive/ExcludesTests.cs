using System.Text;
using Mkcdrec.Core.Archive;

namespace Mkcdrec.Core.Tests.Archive;

public class ExcludesTests
{
    [Theory]
    [InlineData("proc/*", "proc/1/status", true)]
    [InlineData("proc/*", "proc", false)]
    [InlineData("proc/*", "usr/proc/x", false)]
    [InlineData("*.deb", "var/cache/apt/archives/x.deb", true)]
    [InlineData("core", "home/u/core", true)]
    [InlineData("core", "home/u/core2", false)]
    [InlineData("/var/tmp/", "var/tmp", true)]
    [InlineData("file[0-9]", "a/file7", true)]
    [InlineData("file[!0-9]", "a/file7", false)]
    [InlineData("a?c", "abc", true)]
    public void Matches_like_gnu_tar_excludes(string pattern, string path, bool excluded) =>
        Assert.Equal(excluded, new Excludes([pattern]).IsExcluded(Encoding.UTF8.GetBytes(path)));

    [Theory]
    [InlineData("cd", 700L << 20)]
    [InlineData("dvd", 4_700_000_000L - (64L << 20))]
    [InlineData("2G", 2L << 30)]
    [InlineData("1048576", 1L << 20)]
    public void Volume_sizes_parse(string text, long bytes) => Assert.Equal(bytes, VolumeSizes.Parse(text));

    [Theory]
    [InlineData("12")]
    [InlineData("huge")]
    [InlineData("-5M")]
    public void Bad_volume_sizes_are_usage_errors(string text) =>
        Assert.Equal(ExitCode.Usage, Assert.Throws<MkcdrecException>(() => VolumeSizes.Parse(text)).Code);
}
