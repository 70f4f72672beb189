using System.Text.RegularExpressions;
using Mkcdrec.Core.Platform;
using Mkcdrec.Core.Rescue;
using Mkcdrec.Platform.Linux;
using Mkcdrec.SystemTests.Media;
using Mkcdrec.SystemTests.Rescue;
using Mkcdrec.Tests.Shared;
using Mkcdrec.TestVm;

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
        var kernel = new RescueSystemBuilder(new SystemFiles(), new ProcessRunner(NullLog.Instance)).InstalledKernels().LastOrDefault();
        Assert.SkipWhen(kernel is null, "no /boot/vmlinuz-* with modules (CI installs linux-image-amd64)");
        var bin = RepoPaths.MkcdrecBinary;
        var dir = Tool.TempDir("nfsrescue");
        using var server = new Ganesha();
        try
        {
            var stored = Path.Combine(server.Export, "s3host", "20261204T010000Z");
            var volumes = SmallBackup.Create(dir, stored, files: 3, seed: 17, step: 777, "read over NFS\n");
            var url = Ganesha.GuestUrl(server.Export + "/s3host/latest", "4.1");
            var layout = Path.Combine(dir, "layout.json");
            Tool.Checked(bin, ["layout", "save", "-o", layout, "--log", Path.Combine(dir, "layout.log")]);
            var netboot = Path.Combine(dir, "netboot");
            var mk = Tool.Run(bin, ["mkrescue", "--format", "netboot", "--output", netboot, "--kernel", kernel!, "--layout", layout, "--backup-url", url,
                "--timeout", "1", "--log", Path.Combine(dir, "mkrescue.log")]);
            Assert.True(mk.ExitCode == 0, $"mkrescue failed ({mk.ExitCode}):\n{mk.StdOut}{mk.StdErr}");
            var append = Regex.Match(File.ReadAllText(Path.Combine(netboot, "pxelinux.cfg/default")), @"(?ms)^LABEL rescue$.*?^\s*APPEND (.*?)$").Groups[1].Value.Trim();
            Assert.Contains("mkcdrec.backup=" + url, append, StringComparison.Ordinal);

            var args = SerialGuest.BaseArguments(Firmware.Bios);
            args.AddRange(["-monitor", "none", "-kernel", Path.Combine(netboot, "vmlinuz"), "-initrd", Path.Combine(netboot, "initrd.img"), "-append", append,
                "-nic", "user,model=virtio-net-pci"]);
            using var g = new SerialGuest(args, networkNamespace: server.Namespace);
            var menu = new RescueMenu(g);
            string screen;
            try
            {
                screen = menu.WaitForMenu(TimeSpan.FromMinutes(5));
            }
            finally
            {
                output.WriteLine(SerialGuest.Tail(g.Text, 8000));
            }

            Assert.Contains("the backup is on NFS, read in place: " + url, g.Text[..menu.At], StringComparison.Ordinal);
            Assert.Contains("Backup:  " + url, screen, StringComparison.Ordinal);
            Timings.Report($"rescue system for an NFS backup: boot to menu {g.Started.Elapsed.TotalSeconds:0.0} s (QEMU TCG)");

            output.WriteLine(menu.VerifyBackup(volumes));

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
