using Mkcdrec.Core.Serve;

namespace Mkcdrec.Core.Tests.Serve;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ServeWorkflowTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mkcdrec-serve-run-").FullName;

    [Fact]
    public void A_run_directory_inside_one_others_cannot_enter_is_refused_before_dnsmasq_would_fail_every_client()
    {
        var closed = Path.Combine(_dir, "closed");
        Directory.CreateDirectory(closed, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.SetUnixFileMode(_dir, File.GetUnixFileMode(_dir) | UnixFileMode.OtherExecute);
        var e = Assert.Throws<MkcdrecException>(() => ServeWorkflow.RefuseUnreachable(Path.Combine(closed, "run")));
        Assert.Equal(ExitCode.Usage, e.Code);
        Assert.Contains($"inside {closed}, which other users cannot enter (mode 700)", e.Message, StringComparison.Ordinal);
        Assert.Contains("chmod o+x " + closed, e.Hint, StringComparison.Ordinal);

        File.SetUnixFileMode(closed, File.GetUnixFileMode(closed) | UnixFileMode.OtherExecute);
        ServeWorkflow.RefuseUnreachable(Path.Combine(closed, "run", "deeper")); // the missing ones are made 0755 by serve
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
