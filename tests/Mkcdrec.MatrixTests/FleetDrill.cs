using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Mkcdrec.Core.Drill;
using Mkcdrec.Core.Platform;
using Mkcdrec.TestVm;
using Mkcdrec.TestVm.Serve;

namespace Mkcdrec.MatrixTests;

/// <summary>
/// One fleet drill (<see cref="FleetDrillTests"/>): the BIOS source's ISO gives serve its netboot rescue system (kernel
/// and initramfs, one for every machine, as a site would have); both sources' backups are served as named backups
/// (ref-bios/TIME, ref-uefi/TIME). Machines alternate SeaBIOS and OVMF, each recovering its firmware's backup; client 2
/// is listed as `recover` (it keeps the source's identity), every other one as `clone` (its own host name, a new
/// machine-id, new SSH host keys). Each client boots from the network first, as data-centre machines do, so its second
/// boot goes through serve too, which by then sends it to its own disk.
/// </summary>
public sealed partial class FleetDrill(MatrixCase bios, MatrixCase uefi)
{
    /// <summary>Run in the reference system before its backup: SSH host keys to clone, and the identity to compare with.</summary>
    public const string Prepare = """
        ssh-keygen -A >/dev/null || exit 92
        for k in /etc/ssh/ssh_host_*_key.pub; do echo "SOURCE-SSH-HOST-KEY $(ssh-keygen -lf "$k")"; done
        echo "SOURCE-MACHINE-ID $(cat /etc/machine-id)"
        """;

    /// <summary>The clients' disk sizes as multiples of the source's: never the same twice in a row.</summary>
    private static readonly double[] DiskFactors = [1.0, 1.5, 1.25, 2.0];

    /// <summary>The named backups' time: any, as long as it is the form mkbackup --dest writes.</summary>
    private const string BackupTime = "20261207T000000Z";

    private sealed record Client(int Index, string Mac, string Name, bool IsClone, MatrixCase Source, long DiskBytes, string Disk)
    {
        public bool Uefi => Source.Reference.Uefi;

        public string Store => Uefi ? "ref-uefi" : "ref-bios";

        public string Vars => Path.ChangeExtension(Disk, ".vars.fd");

        public SerialGuest? Guest { get; set; }

        public TimeSpan? BootedAfter { get; set; }

        public TimeSpan? DoneAfter { get; set; }
    }

    public void Run(int n)
    {
        var dir = Path.Combine(bios.Work, $"fleet-{n}");
        var (netboot, backup) = FromIsos(dir);
        var clients = Enumerable.Range(0, n).Select(i =>
        {
            var source = i % 2 == 0 ? bios : uefi;
            var clone = i != 1; // the recover client is known by its backup's name in the store
            return new Client(i, $"52:54:00:77:01:{i + 1:x2}", clone ? $"fleet{i + 1}" : (source.Reference.Uefi ? "ref-uefi" : "ref-bios"), clone, source,
                (long)(source.Reference.DiskBytes * DiskFactors[i]) / Size.MiB(1) * Size.MiB(1), Path.Combine(dir, $"client{i + 1}.img"));
        }).ToList();
        var hosts = Path.Combine(dir, "hosts");
        File.WriteAllLines(hosts, clients.Select(c => $"{c.Mac} {c.Name} {(c.IsClone ? "clone:" + c.Store : "recover")}"));
        long BackupBytes(Client c) => Directory.GetFiles(Path.Combine(backup, c.Store, BackupTime)).Sum(f => new FileInfo(f).Length);

        string said;
        var sw = Stopwatch.StartNew();
        using (var segment = new ServeSegment(taps: n))
        using (var serve = new ServeProcess(segment.Namespace, ["--backup", backup, "--netboot", netboot, "--interface", ServeSegment.Bridge, "--hosts", hosts,
                   "--drill", "--timeout", "1", "--run-dir", "/run/mkcdrec-fleet-" + Guid.NewGuid().ToString("N")[..8], "--log", Path.Combine(dir, "serve.log")]))
        {
            // (its run directory under /run: dnsmasq's unprivileged user cannot enter the test's 0700 work directory)
            Assert.True(serve.WaitFor("Stop with Ctrl-C.", TimeSpan.FromMinutes(10)), "serve did not start:\n" + serve.Output);
            var ready = sw.Elapsed;
            try
            {
                foreach (var c in clients)
                {
                    c.Guest = Start(segment, c);
                }

                Watch(clients, TimeSpan.FromMinutes(20 + (10 * n)));
            }
            finally
            {
                foreach (var c in clients.Where(c => c.Guest is not null))
                {
                    File.WriteAllText(Path.Combine(dir, c.Name + "-console.log"), ReportText.Printable(c.Guest!.Text));
                    c.Guest.Dispose();
                }

                MatrixCase.Log($"[fleet {n}] serve:\n{serve.Output}");
            }

            Assert.Equal(0, serve.Stop());
            said = serve.Output;
            var summary = said.IndexOf("serve stopped", StringComparison.Ordinal);
            MatrixCase.Log($"[fleet {n}] {(summary < 0 ? "serve printed no summary" : said[summary..])}");
            MatrixCase.Log($"[fleet {n}] serve verified the backup and was ready after {ready.TotalSeconds:0} s");
        }

        foreach (var c in clients)
        {
            CheckClient(c, said, Path.Combine(dir, c.Name + "-console.log"));
        }

        // Each machine's own listing on one more boot of its disk, all at once (one TCG guest each; ~90 s apiece).
        Parallel.ForEach(clients, new ParallelOptions { MaxDegreeOfParallelism = 4 }, c => CheckInventory(c, dir));

        var perClient = clients.Select(c => $"{c.Name} ({(c.Uefi ? "UEFI" : "BIOS")} {(c.IsClone ? "clone" : "recover")}, disk {c.DiskBytes / (double)c.Source.Reference.DiskBytes:0.##}x) booted after "
            + $"{c.BootedAfter!.Value.TotalSeconds:0} s, checked after {c.DoneAfter!.Value.TotalSeconds:0} s, {HttpMib(said, c.Mac):0.0} MiB over HTTP for a backup of {BackupBytes(c) / 1048576.0:0.0} MiB");
        MatrixCase.Log($"[fleet {n}] FIGURES: {n} machine(s) recovered at once through serve (TCG, -smp 1 each, 2 host cores): all recovered and booted after "
            + $"{clients.Max(c => c.BootedAfter!.Value).TotalSeconds:0} s, all checked after {clients.Max(c => c.DoneAfter!.Value).TotalSeconds:0} s; "
            + string.Join("; ", perClient));
    }

    /// <summary>The BIOS ISO's kernel and initramfs (what mkrescue --format netboot would write) and both ISOs' backups
    /// as named backups, extracted with xorriso.</summary>
    private (string Netboot, string Backups) FromIsos(string dir)
    {
        var netboot = Path.Combine(dir, "netboot");
        var backups = Path.Combine(dir, "backups");
        Directory.CreateDirectory(netboot);
        HostProcess.Checked("xorriso", ["-osirrox", "on", "-indev", bios.Iso, "-extract", "/boot/vmlinuz", Path.Combine(netboot, "vmlinuz"),
            "-extract", "/boot/initrd.img", Path.Combine(netboot, "initrd.img"), "-extract", "/backup", Path.Combine(backups, "ref-bios", BackupTime)], TimeSpan.FromMinutes(10));
        HostProcess.Checked("xorriso", ["-osirrox", "on", "-indev", uefi.Iso, "-extract", "/backup", Path.Combine(backups, "ref-uefi", BackupTime)], TimeSpan.FromMinutes(10));
        HostProcess.Checked("chmod", "-R", "u+w", dir); // ISO 9660 files come out read-only
        return (netboot, backups);
    }

    /// <summary>
    /// A machine with a blank disk that boots from the network; it may reboot (no -no-reboot). BIOS: the NIC first, as
    /// data-centre machines boot, so its second boot goes through serve's 'Boot from the local disk'. UEFI: the disk
    /// first (the blank one falls through to PXE): with the NIC first, OVMF went on from GRUB's exit to its other
    /// network options (PXEv4 again, then PXEv6, HTTPv4, HTTPv6) and had not reached the disk after 4 minutes.
    /// </summary>
    private static SerialGuest Start(ServeSegment segment, Client c)
    {
        using (var f = File.Create(c.Disk))
        {
            f.SetLength(c.DiskBytes);
        }

        var args = SerialGuest.BaseArguments(c.Uefi ? Firmware.Uefi : Firmware.Bios, memoryMiB: 3072, ovmfVarsCopy: c.Uefi ? c.Vars : null)
            .Where(a => a != "-no-reboot").ToList();
        args.AddRange(["-monitor", "none", "-drive", $"file={c.Disk},if=none,id=d{c.Index},format=raw",
            "-device", $"virtio-blk-pci,drive=d{c.Index},serial=FLEET-{c.Index + 1},bootindex={(c.Uefi ? 0 : 1)}"]);
        args.AddRange(ServeSegment.Nic(c.Index, c.Mac, bootIndex: c.Uefi ? 1 : 0));
        return new SerialGuest(args, networkNamespace: segment.Namespace);
    }

    /// <summary>Until every client's first-boot check powered it off: when each booted its recovered system, when each was done.</summary>
    private static void Watch(IReadOnlyList<Client> clients, TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        while (clients.Any(c => c.DoneAfter is null))
        {
            foreach (var c in clients)
            {
                var text = c.Guest!.Text;
                c.BootedAfter ??= text.Contains(DrillProtocol.Prefix + DrillProtocol.Booted, StringComparison.Ordinal) ? sw.Elapsed : null;
                if (c.DoneAfter is null && c.Guest.Exited)
                {
                    c.DoneAfter = sw.Elapsed;
                    Assert.True(c.BootedAfter is not null, $"{c.Name} stopped before its recovered system booted:\n{SerialGuest.Tail(text, 6000)}");
                }
            }

            Assert.True(sw.Elapsed < timeout, $"not every client was recovered and checked within {timeout.TotalMinutes:0} min: "
                + string.Join("; ", clients.Select(c => $"{c.Name}: {SerialGuest.Tail(c.Guest!.Text, 1500)}")));
            Thread.Sleep(500);
        }
    }

    private void CheckClient(Client c, string said, string consoleLog)
    {
        var text = File.ReadAllText(consoleLog);
        var report = new DrillReport();
        Assert.Null(DrillJudgement.ReadAll(text.Split('\n'), report));
        DrillJudgement.Judge(report);
        Assert.True(report.Passed, $"{c.Name}: {string.Join("\n", report.Failures)}\n{SerialGuest.Tail(text, 6000)}");

        // Its first network boot recovered it; the second (BIOS, NIC first), through serve again, started its own disk.
        var source = c.Source;
        var auto = text.IndexOf($"Booting `mkcdrec automatic recovery ({c.Name})'", StringComparison.Ordinal);
        var local = text.IndexOf($"Booting `Boot from the local disk ({c.Name}, recovered)'", StringComparison.Ordinal);
        Assert.True(auto >= 0 && (c.Uefi || local > auto), $"{c.Name}: no automatic recovery followed by a boot from its own disk through serve:\n{SerialGuest.Tail(text, 6000)}");
        // serve saw its phases: the recovery's own (recover --report-url), then the rescue system's.
        foreach (var phase in new[] { "recovery: layout", "recovery: restore", "recovery: finalize", "recovery: done in" })
        {
            Assert.Matches($@"{c.Name} {c.Mac} 10\.77\.0\.\d+: rescue system: {phase}", said);
        }

        Assert.Matches($@"{c.Name} {c.Mac} 10\.77\.0\.\d+: rescue system: recovered; rebooting \(its next network boot starts its own disk\)", said);

        // Its identity, by the recovered system's own tools.
        var sourceKeys = SourceKeys(source);
        Assert.True(sourceKeys.Count >= 3, "the source printed no SSH host keys:\n" + HostProcess.Tail(source.MkbackupConsole, 3000));
        var keys = report.SshHostKeys.Select(Fingerprint).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(sourceKeys.Count, keys.Count);
        if (c.IsClone)
        {
            Assert.Equal(c.Name, report.Hostname);
            Assert.Matches("^[0-9a-f]{32}$", report.MachineId);
            Assert.NotEqual(SourceMachineId(source), report.MachineId);
            Assert.Empty(keys.Intersect(sourceKeys));
        }
        else
        {
            Assert.Equal("mkcdrec-ref", report.Hostname);
            Assert.Equal(SourceMachineId(source), report.MachineId);
            Assert.Equal(sourceKeys.Order(StringComparer.Ordinal), keys.Order(StringComparer.Ordinal));
        }

        MatrixCase.Log($"[fleet] {c.Name}: {report.Hostname}, machine-id {report.MachineId}, {keys.Count} SSH host keys{(c.Uefi ? ", firmware booted " + report.EfiBootEntry : "")}; "
            + $"{report.BootCompare.Sum(s => s.Files)} files compared after the boot, changed by the recovery: {report.ChangedByRecovery.Count}");
    }

    /// <summary>Every file of the recovered system listed by its own tools against the source's listing; a clone's identity files differ on purpose.</summary>
    private void CheckInventory(Client c, string dir)
    {
        var work = Path.Combine(dir, c.Name + "-inventory");
        Directory.CreateDirectory(work);
        string? vars = null;
        if (c.Uefi)
        {
            vars = Path.Combine(work, "OVMF_VARS.fd"); // the machine's own variables: its boot entry
            File.Copy(c.Vars, vars);
        }

        var run = JobRunner.Run([new VmDisk(c.Disk) { Snapshot = true, Boot = !c.Uefi, Serial = c.Name }], c.Uefi, vars, work,
            "#!/bin/sh\nmkcdrec-inventory /job/recovered.txt\n", new ReferenceJobOptions
            {
                JobDiskBytes = Size.MiB(512), Timeout = TimeSpan.FromMinutes(15), CopyOut = ["recovered.txt"], CopyOutTo = work,
            });
        Assert.True(run.ExitCode == 0, $"the inventory of {c.Name} failed:\n{HostProcess.Tail(run.Console, 4000)}");
        IReadOnlyList<(string, string)> identity = c.IsClone
            ? [("/etc/hostname", "the clone's host name"), ("/etc/hosts", "the clone's host name"), ("/etc/machine-id", "a clone's new machine-id"),
                .. new[] { "rsa", "ecdsa", "ed25519" }.SelectMany(t => new[] { $"/etc/ssh/ssh_host_{t}_key", $"/etc/ssh/ssh_host_{t}_key.pub" })
                    .Select(p => (p, "a clone's new SSH host key"))]
            : [];
        var diff = InventoryComparison.Differences(c.Source.Before, c.Source.AfterBackup, Inventory.Read(Path.Combine(work, "recovered.txt")), identity);
        Assert.True(diff.Count == 0, $"{c.Name}: the recovered system differs from the source in {diff.Count} facts (stat, sha256sum, getfattr, getfacl, getcap):\n"
            + string.Join('\n', diff.Take(60)));
    }

    private static HashSet<string> SourceKeys(MatrixCase source) =>
        SourceKey().Matches(source.MkbackupConsole).Select(m => Fingerprint(m.Groups[1].Value)).ToHashSet(StringComparer.Ordinal);

    private static string SourceMachineId(MatrixCase source) => SourceId().Match(source.MkbackupConsole).Groups[1].Value;

    /// <summary>"256 SHA256:… root@host (ED25519)" without the comment, which names the host that made the key.</summary>
    private static string Fingerprint(string line)
    {
        var w = line.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return w.Length >= 3 ? $"{w[0]} {w[1]} {w[^1]}" : line.Trim();
    }

    private static double HttpMib(string said, string mac) =>
        double.Parse(Regex.Matches(said, $@"{mac} [\d.]+: [^\n]*?, ([\d.]+) MiB over HTTP").Last().Groups[1].Value, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"SOURCE-SSH-HOST-KEY ([^\r\n]+)")]
    private static partial Regex SourceKey();

    [GeneratedRegex(@"SOURCE-MACHINE-ID ([0-9a-f]{32})")]
    private static partial Regex SourceId();
}
