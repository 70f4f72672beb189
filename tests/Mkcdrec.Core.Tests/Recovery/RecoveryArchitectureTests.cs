using Mkcdrec.Core.Recovery;
using Mkcdrec.Model.Layout;

namespace Mkcdrec.Core.Tests.Recovery;

public sealed class RecoveryArchitectureTests
{
    private static LayoutDocument Layout(string arch) => new() { Host = new HostInfo { Hostname = "web1", Architecture = arch } };

    [Theory]
    [InlineData("x86_64", "x86_64")]
    [InlineData("", "x86_64")]
    [InlineData("aarch64", "aarch64")]
    [InlineData("arm64", "aarch64")]
    public void The_same_machine_recovers(string layout, string host) => RecoveryArchitecture.Check(Layout(layout), host);

    [Theory]
    [InlineData("aarch64", "x86_64")]
    [InlineData("x86_64", "aarch64")]
    [InlineData("", "aarch64")]
    public void Another_machine_is_refused_before_any_disk(string layout, string host)
    {
        var e = Assert.Throws<MkcdrecException>(() => RecoveryArchitecture.Check(Layout(layout), host));
        Assert.Equal(ExitCode.Refused, e.Code);
        var wanted = layout is "" ? "x86_64" : layout;
        Assert.Equal($"The layout is of an {wanted} machine (web1); this rescue system runs on {host}, and could not run the recovered system's own programs to make it boot.", e.Message);
        Assert.Contains("no disk was touched", e.Hint, StringComparison.Ordinal);
    }
}
