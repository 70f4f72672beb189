using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Mkcdrec.Core.Recovery;
using Mkcdrec.Core.Serve;
using Mkcdrec.Model.Manifest;

namespace Mkcdrec.Core.Tests.Recovery;

/// <summary>recover --report-url against serve's own HTTP server on 127.0.0.1: each phase arrives, the inner hooks still run, a dead server costs nothing.</summary>
public sealed class ReportingRecoveryHooksTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mkcdrec-report-").FullName;

    [Fact]
    public void Each_phase_and_the_end_reach_serve_and_the_inner_hooks_still_run()
    {
        var reported = new ConcurrentQueue<string>();
        var port = FreePort();
        using var server = new ServeHttpServer("127.0.0.1", port, _dir, _dir, _ => { }, (client, phase) => reported.Enqueue(client + " " + phase));
        var inner = new CountingHooks();
        var log = new ListLog();
        using var hooks = new ReportingRecoveryHooks($"http://127.0.0.1:{port}/report", inner, log);
        var output = new RecoveryOutput(_ => { }, null);

        hooks.PhaseStarted("layout", output);
        hooks.PhaseStarted("restore", output);
        hooks.AfterRestore(new ArchiveRecord(), "/mnt/local", output);
        hooks.Finished(new RecoverResult { Elapsed = TimeSpan.FromSeconds(66.4), RestoredBytes = 1000L << 20 }, output);

        Assert.Equal(["127.0.0.1 recovery: layout", "127.0.0.1 recovery: restore", "127.0.0.1 recovery: done in 66 s, 1000 MiB restored"], reported);
        Assert.Equal(4, inner.Calls);
        Assert.Equal("drill compare", hooks.AfterRestorePhase);
        Assert.Empty(log.Lines);
    }

    [Fact]
    public void A_server_that_is_not_there_is_logged_and_the_recovery_goes_on()
    {
        var log = new ListLog();
        using var hooks = new ReportingRecoveryHooks($"http://127.0.0.1:{FreePort()}/report", null, log);
        hooks.PhaseStarted("layout", new RecoveryOutput(_ => { }, null));
        Assert.StartsWith("recover: could not report 'recovery: layout' to http://127.0.0.1:", Assert.Single(log.Lines), StringComparison.Ordinal);
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private sealed class CountingHooks : IRecoveryHooks
    {
        public int Calls { get; private set; }

        public string AfterRestorePhase => "drill compare";

        public void PhaseStarted(string phase, RecoveryOutput output) => Calls++;

        public void AfterRestore(ArchiveRecord archive, string directory, RecoveryOutput output) => Calls++;

        public void AfterFinalize(string targetRoot, IReadOnlyList<string> written, RecoveryOutput output) => Calls++;

        public void Finished(RecoverResult result, RecoveryOutput output) => Calls++;
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
