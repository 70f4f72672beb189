using System.Text.Json;
using Mkcdrec.TestVm;
using Mkcdrec.TestVm.Servers;

namespace Mkcdrec.SystemTests.Destinations;

/// <summary>
/// A real NFS server (NFS-Ganesha, <see cref="Ganesha"/>) and the Linux kernel's NFS client in a Debian guest: the
/// mkcdrec binary in the guest backs a tree up to nfs:// over NFSv3 and NFSv4.1, lists, verifies in place and fetches
/// it; this machine then checks what lies in the export with GNU tar and sha256sum. One guest for the class.
/// </summary>
public sealed class NfsServerFixture : IDisposable
{
    public NfsServerFixture()
    {
        Server = new Ganesha();
        Tree = new SourceTree("mkcdrec-nfsbackup-");
        try
        {
            SourceTree.WriteLayout(Path.Combine(Tree.Dir, "guest-layout.json"), GuestSource);
            Vm = Mkcdrec.TestVm.TestVm.Start(new TestVmOptions
            {
                UserNetwork = true,
                NetworkNamespace = Server.Namespace,
                ExtraFiles = new Dictionary<string, string> { ["files/source"] = Tree.Source, ["files/layout.json"] = Path.Combine(Tree.Dir, "guest-layout.json") },
            });
            // QEMU's user network, set up by hand (the test guest's init loads no NIC driver and configures nothing): the guest 10.0.2.15, the server 10.0.2.2.
            // The job share (9p) shows the tree's symbolic link as a file: made again as the link it is.
            Vm.RunChecked($"cp -a /job/files/source {GuestSource} && ln -sfn etc/hostname {GuestSource}/link && modprobe virtio_net && for i in $(seq 50); do dev=$(ls /sys/class/net | grep -vx lo | head -n1); "
                + "[ -n \"$dev\" ] && break; sleep 0.2; done && ip link set \"$dev\" up "
                + "&& ip addr add 10.0.2.15/24 dev \"$dev\" && ip route add default via 10.0.2.2");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public const string GuestSource = "/root/source";
    public const string GuestLayout = "/job/files/layout.json";

    public Ganesha Server { get; }

    public SourceTree Tree { get; }

    public Mkcdrec.TestVm.TestVm? Vm { get; }

    public void Dispose()
    {
        Vm?.Dispose();
        Server.Dispose();
        Tree.Dispose();
    }
}

public sealed class NfsBackupTests(NfsServerFixture fixture, ITestOutputHelper output) : IClassFixture<NfsServerFixture>
{
    private Mkcdrec.TestVm.TestVm Vm => fixture.Vm!;

    [Fact]
    public void Backups_go_to_nfs_v3_and_v4_are_listed_verified_in_place_fetched_and_gnu_tar_restores_every_file()
    {
        var export = fixture.Server.Export;
        foreach (var vers in new[] { "3", "4.1" })
        {
            var r = Mkcdrec($"mkbackuponly --layout {NfsServerFixture.GuestLayout} --dest '{Ganesha.GuestUrl(export, vers)}' --volume-size 2M --level 1");
            Assert.True(r.Succeeded, r.ToString());
            Assert.Matches(@"into s3host/\d{8}T\d{6}Z at nfs://10\.0\.2\.2/", r.Stdout);
            Thread.Sleep(1100);
        }

        var list = Mkcdrec($"--json backups list {Ganesha.GuestUrl(export)}");
        Assert.True(list.Succeeded, list.ToString());
        var backups = JsonDocument.Parse(list.Stdout).RootElement.GetProperty("backups").EnumerateArray().ToList();
        Assert.Equal(2, backups.Count);
        Assert.All(backups, b => Assert.True(b.GetProperty("complete").GetBoolean()));

        var verify = Mkcdrec($"verify {Ganesha.GuestUrl(export + "/s3host/latest", "4")}");
        Assert.True(verify.Succeeded, verify.ToString());
        var fetch = Mkcdrec($"fetch {Ganesha.GuestUrl(export + "/s3host/latest", "3")} --spool /root/spool");
        Assert.True(fetch.Succeeded, fetch.ToString());
        Assert.Contains("Fetched the backup from nfs://10.0.2.2", fetch.Stdout, StringComparison.Ordinal);
        Vm.RunChecked("test -s /root/spool/manifest.json && ! grep -q ' /run/mkcdrec/nfs/' /proc/mounts");
        output.WriteLine(fetch.Stdout);

        // Independent of mkcdrec: what lies in the export, read on the server's side.
        Assert.Empty(Directory.GetFiles(export, "*.partial", SearchOption.AllDirectories));
        var newest = Path.Combine(export, backups[^1].GetProperty("name").GetString()!);
        var fetchedManifest = Vm.RunChecked("sha256sum < /root/spool/manifest.json").Stdout.Split(' ')[0];
        Assert.Equal(fetchedManifest, HostProcess.Checked("sh", "-c", "sha256sum < \"$1\"", "sh", Path.Combine(newest, "manifest.json")).Split(' ')[0]);
        fixture.Tree.AssertTarRestoresEveryFile(newest, minVolumes: 3);
    }

    [Fact]
    public void A_missing_export_a_silent_server_and_a_full_export_each_fail_clearly_and_leave_nothing_that_looks_complete()
    {
        var r = Mkcdrec($"mkbackuponly --layout {NfsServerFixture.GuestLayout} --dest {Ganesha.GuestUrl("/not/exported", "4")}");
        Assert.False(r.Succeeded, r.ToString());
        Assert.Contains("Cannot mount 10.0.2.2:/not/exported", r.Stderr, StringComparison.Ordinal);

        r = Mkcdrec($"backups list nfs://10.0.2.2:2999{fixture.Server.Export}?vers=4");
        Assert.False(r.Succeeded, r.ToString());
        Assert.Contains("the server does not answer", r.Stderr, StringComparison.Ordinal);

        // The 8 MiB export fills up during the second backup (5 MiB of random data each): the first stays complete.
        var small = fixture.Server.SmallExport;
        r = Mkcdrec($"mkbackuponly --layout {NfsServerFixture.GuestLayout} --dest {Ganesha.GuestUrl(small, "4.1")} --volume-size 1M --level 1");
        Assert.True(r.Succeeded, r.ToString());
        Thread.Sleep(1100);
        r = Mkcdrec($"mkbackuponly --layout {NfsServerFixture.GuestLayout} --dest {Ganesha.GuestUrl(small, "4.1")} --volume-size 1M --level 1");
        Assert.False(r.Succeeded, r.ToString());
        output.WriteLine(r.Stderr);
        Assert.Matches("(No space left|quota|space)", r.Stderr);

        var list = Mkcdrec($"--json backups list {Ganesha.GuestUrl(small)}");
        Assert.True(list.Succeeded, list.ToString());
        var backups = JsonDocument.Parse(list.Stdout).RootElement.GetProperty("backups").EnumerateArray().ToList();
        Assert.True(Assert.Single(backups).GetProperty("complete").GetBoolean()); // the failed run removed what it had written
        Assert.Single(fixture.Server.InServer($"ls {small}/s3host").Split('\n', StringSplitOptions.RemoveEmptyEntries)); // as the server sees it
        var verify = Mkcdrec($"verify {Ganesha.GuestUrl(small + "/s3host/latest")}");
        Assert.True(verify.Succeeded, verify.ToString());
        Vm.RunChecked("! grep -q ' /run/mkcdrec/nfs/' /proc/mounts");
    }

    private GuestResult Mkcdrec(string args)
    {
        var r = Vm.Run("mkcdrec --log /root/mkcdrec.log " + args, TimeSpan.FromMinutes(5));
        output.WriteLine($"$ mkcdrec {args}\n{r}");
        return r;
    }
}
