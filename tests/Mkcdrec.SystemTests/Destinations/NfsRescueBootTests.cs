using Mkcdrec.SystemTests.Media;
using Mkcdrec.SystemTests.Rescue;
using Mkcdrec.Tests.Shared;
using Mkcdrec.TestVm;
using Mkcdrec.TestVm.Servers;

namespace Mkcdrec.SystemTests.Destinations;

/// <summary>
/// The rescue system reaching its backup on NFS: <c>mkrescue --format netboot --backup-url nfs://…/HOST/latest</c>
/// builds the real rescue system from this host (it must bring mount.nfs and the NFS modules, which a rescue system
/// for an http:// backup leaves out), QEMU boots it in the network namespace of NFS-Ganesha (<see cref="Ganesha"/>),
/// /init takes the backup as read in place (nothing copied into RAM), and the menu's "Verify backup" mounts the
/// export over NFSv4.1 and checks every volume where it lies.
/// </summary>
public sealed class NfsRescueBootTests(ITestOutputHelper output)
{
    [Fact]
    public void A_rescue_system_for_an_nfs_backup_carries_the_nfs_client_and_verifies_the_backup_in_place_over_nfs()
    {
        var dir = Tool.TempDir("nfsrescue");
        using var server = new Ganesha();
        try
        {
            var stored = Path.Combine(server.Export, "s3host", "20261204T010000Z");
            var volumes = SmallBackup.Create(dir, stored, files: 3, seed: 17, step: 777, "read over NFS\n");
            var url = Ganesha.GuestUrl(server.Export + "/s3host/latest", "4.1");
            var args = NetbootRescue.Build(dir, url);
            args.Add("-nic");
            args.Add("user,model=virtio-net-pci");
            using var g = new SerialGuest(args, networkNamespace: server.Namespace);
            var menu = new RescueMenu(g);
            var screen = NetbootRescue.WaitForMenu(menu, output);

            Assert.Contains("the backup is on NFS, read in place: " + url, g.Text[..menu.At], StringComparison.Ordinal);
            Assert.Contains("Backup:  " + url, screen, StringComparison.Ordinal);
            Timings.Report($"rescue system for an NFS backup: boot to menu {g.Started.Elapsed.TotalSeconds:0.0} s (QEMU TCG)");

            output.WriteLine(menu.VerifyBackup(volumes, streamed: true)); // read over NFS once: chunks checked as they arrive

            // The client came with the medium, and the export was unmounted after the verify; the log names the mount.
            menu.EnterShell();
            var (rc, shell) = menu.Run("command -v mount.nfs && ! grep -q ' nfs' /proc/mounts && grep -h 'in place on nfs://' /var/log/mkcdrec/*.log");
            output.WriteLine(shell);
            Assert.Equal(0, rc);
            menu.LeaveShell();
            menu.PowerOff();
        }
        finally
        {
            Tool.RemoveDir(dir);
        }
    }
}
