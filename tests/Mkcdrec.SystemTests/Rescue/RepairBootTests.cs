using System.Diagnostics;
using Mkcdrec.Core.Platform;
using Mkcdrec.SystemTests.Destinations;
using Mkcdrec.Tests.Shared;
using Mkcdrec.TestVm;

namespace Mkcdrec.SystemTests.Rescue;

/// <summary>
/// The rescue menu's Repair boot (#15), as an admin meets it: the plain BIOS reference system (a copy of it) has its
/// boot broken from inside (GRUB's boot code in the MBR and its core image in the BIOS boot partition zeroed, its
/// modules and grub.cfg deleted) and is shown not to boot; the rescue system made from its layout boots beside the
/// disk, menu entry 3 is typed over the serial console, mkcdrec repair-boot mounts the system, reinstalls GRUB and
/// regenerates its configuration; then the disk boots on its own and runs a job.
/// </summary>
public sealed partial class RepairBootTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _work = Tool.TempDir("mkcdrec-repair-boot-");

    public void Dispose() => Tool.RemoveDir(_work);

    /// <summary>The payload's files as the system's own tools see them (entries, contents, xattrs, ACLs), hashed: untouched by the repair.</summary>
    private const string Fingerprint = """
        fingerprint() {
            cd / && { find srv/payload home/alice -printf '%p|%y|%m|%U|%G|%s|%T@|%n|%l\n' | LC_ALL=C sort
                find srv/payload home/alice -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum
                getfattr -R -h -d -m - -e hex srv/payload home/alice 2>/dev/null; getfacl -R -P -n srv/payload home/alice 2>/dev/null; } | sha256sum | cut -c1-64
        }
        echo "DATA=$(fingerprint) FILES=$(find /srv/payload /home/alice | wc -l)"
        """;

    private const string Break = Fingerprint + "\n" + """
        set -e
        disk=/dev/$(lsblk -no PKNAME "$(findmnt -no SOURCE /)" | head -1)
        echo "SYSTEM-DISK=$disk"
        mkcdrec --log /job/layout.log layout save --disk "$disk" -o /job/layout.json >/dev/null
        dd if=/dev/zero of="$disk" bs=440 count=1 conv=fsync status=none
        for p in $(lsblk -lnpo NAME,PARTTYPE "$disk" | awk 'tolower($2) == "21686148-6449-6e6f-744e-656564454649" { print $1 }'); do
            echo "BIOS-BOOT-PARTITION=$p"; dd if=/dev/zero of="$p" bs=64K conv=fsync status=none 2>/dev/null || true
        done
        rm -rf /boot/grub/i386-pc /boot/grub/grub.cfg
        echo "BOOT-CODE=$(dd if="$disk" bs=440 count=1 status=none | od -v -An -tx1 | tr -d ' \n' | tr -d 0 | wc -c)"
        sync
        """;

    private const string Check = Fingerprint + "\n" + """
        disk=/dev/$(lsblk -no PKNAME "$(findmnt -no SOURCE /)" | head -1)
        echo "BOOT-CODE-BYTES=$(dd if="$disk" bs=440 count=1 status=none | od -v -An -tx1 | tr -d ' \n' | tr -d 0 | wc -c)"
        grep -c '^menuentry' /boot/grub/grub.cfg | sed 's/^/MENUENTRIES=/'
        ls /boot/grub/i386-pc/normal.mod
        """;

    [Fact]
    public void A_system_whose_grub_was_wiped_boots_again_after_the_menus_Repair_boot()
    {
        var reference = ReferenceSystem.Ensure(ReferenceSystem.PlainBios, s => Timings.Report(s));
        var disk = Path.Combine(_work, "disk0.qcow2");
        Tool.Checked("qemu-img", ["create", "-q", "-f", "qcow2", "-F", "raw", "-b", reference.DiskImages[0], disk]);
        var system = new VmDisk(disk) { Format = "qcow2", Boot = true, Serial = "refdisk" };

        // 1. Inside the system: its layout saved, then its boot broken.
        var broken = JobRunner.Run([system], false, null, Path.Combine(_work, "break"), Break,
            new ReferenceJobOptions { CopyOut = ["layout.json"], CopyOutTo = _work, Timeout = TimeSpan.FromMinutes(10) });
        Assert.True(broken.ExitCode == 0, $"breaking the boot failed (exit {broken.ExitCode}):\n{HostProcess.Tail(broken.Console, 4000)}");
        Assert.True(broken.Console.Contains("BOOT-CODE=0", StringComparison.Ordinal) && broken.Console.Contains("BIOS-BOOT-PARTITION=", StringComparison.Ordinal),
            "the boot was not broken as planned:\n" + HostProcess.Tail(broken.Console, 3000));

        var data = DataLine().Match(broken.Console).Value;
        Assert.True(data.Length > 0 && !data.EndsWith(" FILES=0", StringComparison.Ordinal), "no payload fingerprint:\n" + HostProcess.Tail(broken.Console, 3000));

        // 2. It does not boot now: no GRUB, no kernel message in 25 s (a good boot shows GRUB within seconds).
        var sw = Stopwatch.StartNew();
        using (var dead = new SerialGuest([.. SerialGuest.BaseArguments(Firmware.Bios), "-drive", $"file={disk},format=qcow2,if=virtio"]))
        {
            Assert.Throws<TimeoutException>(() => dead.WaitFor("Linux version|GRUB|MKCDREC-BOOTED|login:", 0, TimeSpan.FromSeconds(25)));
        }

        Timings.Report($"repair-boot: the broken disk showed no boot loader for {sw.Elapsed.TotalSeconds:0} s");

        // 3. The rescue system made from the system's layout, booted beside the disk; Repair boot typed at the menu.
        var args = NetbootRescue.Build(_work, null, layout: Path.Combine(_work, "layout.json"));
        args.AddRange(["-drive", $"file={disk},format=qcow2,if=virtio"]);
        string repair;
        using (var g = new SerialGuest(args))
        {
            var menu = new RescueMenu(g);
            try
            {
                var screen = menu.WaitForMenu(TimeSpan.FromMinutes(5));
                Assert.Contains("3) Repair boot", screen, StringComparison.Ordinal);

                // First a look from the Shell: mkcdrec mount, a chroot into the system (its /proc bound), umount.
                menu.EnterShell();
                var (mountRc, mounted) = menu.Run("mkcdrec mount --check && chroot /mnt/local sh -c 'test -r /proc/1/status && findmnt -n -o FSTYPE /' && mkcdrec umount");
                Assert.True(mountRc == 0, "mount, chroot, umount in the Shell failed:\n" + mounted);
                Assert.Matches(@"Checked /dev/vda\d+ \(ext4, e2fsck\): clean\.", mounted);
                Assert.Contains("'chroot /mnt/local' works", mounted, StringComparison.Ordinal);
                Assert.Matches(@"(?m)^ext4\r?$", mounted);
                menu.LeaveShell();
                var from = menu.At;
                sw.Restart();
                menu.Choose("3");
                var asked = menu.Expect(@"Boot repair finished\. Reboot now\? \[Y/n\] |Boot repair FAILED \(exit \d+\)", TimeSpan.FromMinutes(8));
                repair = g.Text[from..asked.Index];
                Timings.Report($"repair-boot: menu entry Repair boot done in {sw.Elapsed.TotalSeconds:0.0} s");
                Assert.True(asked.Value.StartsWith("Boot repair finished", StringComparison.Ordinal), "repair-boot failed:\n" + repair);
                menu.Choose("n");
                menu.WaitForMenu(TimeSpan.FromSeconds(60));
                menu.PowerOff();
            }
            finally
            {
                output.WriteLine(SerialGuest.Tail(g.Text, 12000));
            }
        }

        Assert.Matches(@"Mounted /dev/vda\d+ on /mnt/local\.", repair);
        Assert.Matches(@"is /dev/vda here \(its partition table [0-9a-f-]+\)", repair);
        Assert.Contains("Regenerating /boot/grub/grub.cfg (grub-mkconfig): a boot repair writes it anew.", repair, StringComparison.Ordinal);
        Assert.Contains("Installing GRUB for BIOS on /dev/vda.", repair, StringComparison.Ordinal);
        Assert.Contains("Unmounted /mnt/local.", repair, StringComparison.Ordinal);

        // 4. The disk boots on its own again, through the reinstalled GRUB, and runs a job.
        var booted = JobRunner.Run([system], false, null, Path.Combine(_work, "boot"), Check, new ReferenceJobOptions { Timeout = TimeSpan.FromMinutes(10) });
        Timings.Report($"repair-boot: the repaired disk booted in {booted.BootedAfter?.TotalSeconds:0.0} s");
        Assert.True(booted.ExitCode == 0, $"the repaired system's job failed (exit {booted.ExitCode}):\n{HostProcess.Tail(booted.Console, 4000)}");
        Assert.DoesNotContain("BOOT-CODE-BYTES=0\n", booted.Console + "\n", StringComparison.Ordinal);
        Assert.Matches(@"MENUENTRIES=[1-9]", booted.Console);
        Assert.Equal(data, DataLine().Match(booted.Console).Value); // the payload's files, xattrs and ACLs untouched
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"DATA=[0-9a-f]{64} FILES=\d+(?=\s)")]
    private static partial System.Text.RegularExpressions.Regex DataLine();
}
