using Mkcdrec.Core.Destinations;
using Mkcdrec.Core.Destinations.Nfs;
using Mkcdrec.Core.Platform;

namespace Mkcdrec.Core.Tests.Destinations;

/// <summary>How an nfs:// URL becomes a mount.nfs command, and what its failures tell the admin.</summary>
public sealed class NfsMountTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("mkcdrec-nfsmount-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private sealed class MountRunner(int mountExit, string mountSays, bool hasMountNfs = true) : IProcessRunner
    {
        public List<ProcessRequest> Requests { get; } = [];

        public ProcessResult Run(ProcessRequest request)
        {
            Requests.Add(request);
            return request.FileName == "mount"
                ? new ProcessResult(mountExit, "", mountSays, TimeSpan.Zero)
                : new ProcessResult(0, "", "", TimeSpan.Zero);
        }

        public bool CanRun(string program) => program != "mount.nfs" || hasMountNfs;
    }

    [Fact]
    public void The_version_and_port_go_to_mount_nfs_with_soft_failing_and_no_locks()
    {
        var url = DestinationUrl.Parse("nfs://filer.example:2050/export/backups?vers=4.1");
        Assert.Equal("filer.example:/export/backups", NfsMount.SourceFor(url));
        Assert.Equal("vers=4.1,port=2050,soft,timeo=150,retrans=3,retry=0,nolock", NfsMount.OptionsFor(url));
        Assert.Equal("[fd00::5]:/e", NfsMount.SourceFor(DestinationUrl.Parse("nfs://[fd00::5]/e")));
        Assert.Equal("soft,timeo=150,retrans=3,retry=0,nolock", NfsMount.OptionsFor(DestinationUrl.Parse("nfs://filer/e")));
    }

    [Fact]
    public void A_mount_is_made_on_a_private_directory_and_undone_on_dispose()
    {
        var runner = new MountRunner(0, "");
        string point;
        using (var m = NfsMount.Mount(DestinationUrl.Parse("nfs://filer/export?vers=3"), runner, _root))
        {
            point = m.MountPoint;
            Assert.StartsWith(_root + "/mnt.", point, StringComparison.Ordinal);
            Assert.True(Directory.Exists(point));
            Assert.Equal(["mount", "-t", "nfs", "-o", "vers=3,proto=tcp,mountproto=tcp,soft,timeo=150,retrans=3,retry=0,nolock", "filer:/export", point],
                new[] { runner.Requests[0].FileName }.Concat(runner.Requests[0].Arguments));
        }

        Assert.Equal(("umount", point), (runner.Requests[^1].FileName, runner.Requests[^1].Arguments[0]));
        Assert.False(Directory.Exists(point));
    }

    [Theory]
    [InlineData("mount.nfs: access denied by server while mounting filer:/export", "the server refuses this machine", "Export /export to this machine")]
    [InlineData("mount.nfs: mounting filer:/export failed, reason given by server: No such file or directory", "the server exports no such directory", "showmount -e filer")]
    [InlineData("mount.nfs: Connection refused", "the server does not answer", "TCP 2049")]
    [InlineData("mount.nfs: requested NFS version or transport protocol is not supported", "the server does not speak the NFS version", "?vers=3")]
    public void A_failed_mount_says_why_and_what_to_do_and_leaves_no_mount_point(string said, string what, string hint)
    {
        var e = Assert.Throws<MkcdrecException>(() => NfsMount.Mount(DestinationUrl.Parse("nfs://filer/export"), new MountRunner(32, said), _root));
        Assert.Contains("Cannot mount filer:/export for nfs://filer/export: " + what, e.Message, StringComparison.Ordinal);
        Assert.Contains(said, e.Message, StringComparison.Ordinal);
        Assert.Contains(hint, e.Hint, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(_root));
    }

    [Fact]
    public void Without_mount_nfs_the_error_names_the_package()
    {
        var e = Assert.Throws<MkcdrecException>(() => NfsMount.Mount(DestinationUrl.Parse("nfs://filer/export"), new MountRunner(0, "", hasMountNfs: false), _root));
        Assert.Equal(ExitCode.Environment, e.Code);
        Assert.Contains("nfs-common", e.Hint, StringComparison.Ordinal);
    }
}
