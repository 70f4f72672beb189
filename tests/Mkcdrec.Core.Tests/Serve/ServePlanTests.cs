using Mkcdrec.Core.Archive;
using Mkcdrec.Core.Platform;
using Mkcdrec.Core.Serve;
using Mkcdrec.Platform.Linux;

namespace Mkcdrec.Core.Tests.Serve;

/// <summary>Everything serve refuses before it serves a byte, and which backup each client gets.</summary>
public sealed class ServePlanTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mkcdrec-serve-plan-").FullName;
    private readonly FileSystemAccess _fs = new();
    private readonly ITestOutputHelper _output;

    private sealed class IpAddr : IProcessRunner
    {
        public ProcessResult Run(ProcessRequest request) => new(0,
            """[{"ifname":"br0","addr_info":[{"family":"inet","local":"10.77.0.1","prefixlen":24,"scope":"global"}]}]""", "", TimeSpan.Zero);

        public bool CanRun(string program) => true;
    }

    public ServePlanTests(ITestOutputHelper output)
    {
        _output = output;
        Directory.CreateDirectory(Path.Combine(_dir, "netboot"));
        File.WriteAllText(Path.Combine(_dir, "netboot", "vmlinuz"), "k");
        File.WriteAllText(Path.Combine(_dir, "netboot", "initrd.img"), "i");
        Directory.CreateDirectory(Path.Combine(_dir, "tree"));
        File.WriteAllBytes(Path.Combine(_dir, "tree", "data"), [.. Enumerable.Range(0, 300_000).Select(i => (byte)(i * 7 % 251))]);
    }

    private string Backup(string relative)
    {
        var dest = Path.Combine(_dir, relative);
        new ArchiveCreator(_fs, NullArchiveEvents.Instance).Create(new CreateOptions
        {
            Root = Path.Combine(_dir, "tree"), Destination = dest, Compression = Compression.None, VolumeSize = 100_000, Excludes = [],
        });
        return dest;
    }

    private string Hosts(params string[] lines)
    {
        var f = Path.Combine(_dir, "hosts");
        File.WriteAllLines(f, lines);
        return f;
    }

    private ServePlan Plan(string backup, string? hosts = null, bool verify = true) => ServePlan.Make(new ServeOptions
    {
        BackupDir = backup, NetbootDir = Path.Combine(_dir, "netboot"), Interface = "br0", HostsFile = hosts, Verify = verify,
    }, new IpAddr(), _fs, NullLog.Instance);

    [Fact]
    public void One_backup_is_every_clients_and_the_menus_default()
    {
        var plan = Plan(Backup("one"), Hosts("52:54:00:aa:00:01 web1 recover"));
        Assert.Equal("", plan.DefaultBackupPath);
        Assert.Equal("http://10.77.0.1:8080/backup", plan.UrlOf(Assert.Single(plan.Clients).BackupUrl!));
        Assert.Equal(("10.77.0.100", "10.77.0.199"), plan.Pool);
    }

    [Fact]
    public void In_a_directory_of_named_backups_each_client_gets_its_hosts_newest_complete_one()
    {
        Backup("store/web1/20261201T000000Z");
        Backup("store/web1/20261205T000000Z");
        Backup("store/web2/20261203T000000Z");
        Directory.CreateDirectory(Path.Combine(_dir, "store/web1/20261206T000000Z")); // incomplete: no manifest
        var plan = Plan(Path.Combine(_dir, "store"), Hosts("52:54:00:aa:00:01 web1 recover", "52:54:00:aa:00:02 web2 local", "52:54:00:aa:00:03 new1 menu",
            "52:54:00:aa:00:04 db9 local"));
        Assert.Equal(["web1/20261205T000000Z", "web2/20261203T000000Z", null, null], plan.Clients.Select(c => c.BackupUrl)); // menu and local need no backup
        Assert.Null(plan.DefaultBackupPath);
        Assert.Equal(2, plan.Backups.Count);
    }

    [Fact]
    public void A_clone_takes_the_newest_backup_of_the_host_it_names()
    {
        Backup("store/web1/20261201T000000Z");
        Backup("store/web1/20261205T000000Z");
        var plan = Plan(Path.Combine(_dir, "store"), Hosts("52:54:00:aa:00:03 web3 clone:web1"));
        Assert.Equal("web1/20261205T000000Z", Assert.Single(plan.Clients).BackupUrl);

        var unnamed = Assert.Throws<MkcdrecException>(() => Plan(Path.Combine(_dir, "store"), Hosts("52:54:00:aa:00:03 web3 clone")));
        Assert.Contains("clone without the host to clone", unnamed.Message, StringComparison.Ordinal);
        Assert.Contains("clone:web1", unnamed.Hint, StringComparison.Ordinal);
        var missing = Assert.Throws<MkcdrecException>(() => Plan(Path.Combine(_dir, "store"), Hosts("52:54:00:aa:00:03 web3 clone:web8")));
        Assert.Contains("no complete backup of 'web8'", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_client_to_recover_without_a_backup_is_refused()
    {
        Backup("store/web1/20261201T000000Z");
        var e = Assert.Throws<MkcdrecException>(() => Plan(Path.Combine(_dir, "store"), Hosts("52:54:00:aa:00:01 web1 recover", "52:54:00:aa:00:02 web9 recover")));
        Assert.Equal(ExitCode.BadInput, e.Code);
        Assert.Contains("no complete backup of 'web9'", e.Message, StringComparison.Ordinal);
        Assert.Contains("line 2", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_backup_that_fails_verification_is_refused_unless_told_not_to_verify()
    {
        var dir = Backup("bad");
        var volume = Directory.GetFiles(dir, "root.tar.*").Order(StringComparer.Ordinal).Last();
        var bytes = File.ReadAllBytes(volume);
        bytes[^1] ^= 0xff;
        File.WriteAllBytes(volume, bytes);
        var e = Assert.Throws<MkcdrecException>(() => Plan(dir));
        Assert.Equal(ExitCode.BadInput, e.Code);
        Assert.StartsWith("The backup " + dir, e.Message, StringComparison.Ordinal);
        Assert.Contains(" fails verification: ", e.Message, StringComparison.Ordinal);
        _output.WriteLine(e.Message);
        Assert.Contains("nothing was served", e.Hint, StringComparison.Ordinal);
        Assert.Equal("", Plan(dir, verify: false).DefaultBackupPath);
    }

    [Fact]
    public void Missing_netboot_files_are_refused_with_the_command_that_makes_them()
    {
        File.Delete(Path.Combine(_dir, "netboot", "initrd.img"));
        var e = Assert.Throws<MkcdrecException>(() => Plan(Backup("one")));
        Assert.Contains("mkrescue --format netboot", e.Hint, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
