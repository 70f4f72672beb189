using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Mkcdrec.Core.Platform;
using Mkcdrec.Model.Layout;
using Mkcdrec.Model.Plan;

namespace Mkcdrec.Core.Recovery;

/// <summary>An identifier that differs between the layout and the recreated system.</summary>
public sealed record IdChange(string Kind, string LayoutId, string Old, string New, bool BootCritical);

/// <summary>
/// Makes a restored system boot on its (possibly new) disks, from a chroot of the target root: rewrites fstab,
/// crypttab, mdadm.conf, the resume device and GRUB's default command line only where a UUID or a device name
/// changed; rebuilds the initramfs only when the boot path changed; reinstalls GRUB (BIOS on every disk that had it
/// and every RAID1 member disk; UEFI with the captured bootloader id, the removable fallback path and, when the
/// firmware variables are reachable, the NVRAM entry); sets the SELinux relabel flag; applies clone settings.
/// </summary>
public sealed partial class SystemFinalizer
{
    private readonly IProcessRunner _run;
    private readonly ISystemFiles _files;
    private readonly ILog _log;
    private readonly Action<string> _say;

    public SystemFinalizer(IProcessRunner run, ISystemFiles files, ILog log, Action<string> say)
    {
        _run = run;
        _files = files;
        _log = log;
        _say = say;
    }

    // ------------------------------------------------------------------ chroot

    /// <summary>Binds /dev, /proc, /sys, /run (and efivarfs when the firmware has it) into the target root; returns what to unmount.</summary>
    public List<string> BindSystem(string root)
    {
        var mounted = new List<string>();
        void Mount(string what, string dir, params string[] args)
        {
            var d = root.TrimEnd('/') + dir;
            Directory.CreateDirectory(d);
            _run.RunChecked(new ProcessRequest("mount", [.. args, what, d]));
            mounted.Add(d);
        }

        Mount("/dev", "/dev", "--bind");
        if (_files.DirectoryExists("/dev/pts"))
        {
            Mount("/dev/pts", "/dev/pts", "--bind");
        }

        Mount("proc", "/proc", "-t", "proc");
        Mount("/sys", "/sys", "--bind");
        if (_files.DirectoryExists("/sys/firmware/efi/efivars") && _files.ListDirectory("/sys/firmware/efi/efivars").Count > 0)
        {
            Mount("efivarfs", "/sys/firmware/efi/efivars", "-t", "efivarfs");
        }

        Mount("/run", "/run", "--bind");
        return mounted;
    }

    public void Unbind(List<string> mounted)
    {
        foreach (var d in Enumerable.Reverse(mounted))
        {
            var r = _run.Run(new ProcessRequest("umount", [d]));
            if (r.ExitCode != 0)
            {
                _run.Run(new ProcessRequest("umount", ["-l", d]));
            }
        }

        mounted.Clear();
    }

    private ProcessResult Chroot(string root, params string[] argv) =>
        _run.RunChecked(new ProcessRequest("chroot", [root, .. argv]) { Timeout = TimeSpan.FromMinutes(20) });

    private static bool Has(string root, string program) =>
        new[] { "/usr/sbin/", "/usr/bin/", "/sbin/", "/bin/" }.Any(d => File.Exists(root.TrimEnd('/') + d + program));

    // ------------------------------------------------------------------ main

    public List<string> Finalize(LayoutDocument layout, RecoveryPlan plan, string root, CloneSettings clone)
    {
        var changes = new List<string>();
        var ids = ProbeIds(layout, plan);
        foreach (var c in ids)
        {
            _say($"{c.Kind} {c.LayoutId}: UUID changed {c.Old} -> {c.New}");
        }

        var names = RenamedDevices(layout, plan);
        var rewritten = RewriteConfig(layout, root, ids, names);
        changes.AddRange(rewritten.Select(f => "rewrote " + f));
        if (rewritten.Count == 0)
        {
            _say(ids.Count == 0
                ? "Every UUID is the same as in the layout and no configuration names a device by a changed name: fstab, crypttab, mdadm.conf, resume and GRUB configuration are left as they were."
                : "The changed UUIDs appear in no configuration file.");
        }

        // initramfs: only when the boot path changed.
        var stacked = layout.MdArrays.Count > 0 || layout.Luks.Count > 0 || layout.Lvm.LogicalVolumes.Count > 0;
        var why = ids.Any(c => c.BootCritical) ? "a UUID on the boot path changed"
            : stacked && rewritten.Count > 0 ? "the configuration of md/LUKS/LVM devices changed"
            : null;
        if (why is null)
        {
            _say("The initramfs is kept as restored: no UUID of the root, resume, LUKS or md devices changed" + (stacked ? " and their configuration is unchanged." : "."));
        }
        else if (Has(root, "update-initramfs"))
        {
            _say($"Rebuilding the initramfs with update-initramfs ({why}).");
            Chroot(root, "update-initramfs", "-u", "-k", "all");
            changes.Add("rebuilt the initramfs (update-initramfs)");
        }
        else if (Has(root, "dracut"))
        {
            _say($"Rebuilding the initramfs with dracut ({why}).");
            Chroot(root, "dracut", "-f", "--regenerate-all");
            changes.Add("rebuilt the initramfs (dracut)");
        }
        else
        {
            _say($"warning: {why}, but the recovered system has neither update-initramfs nor dracut: the initramfs is not rebuilt.");
        }

        changes.AddRange(InstallBootloader(layout, plan, root, regenerateConfig: ids.Count > 0 || rewritten.Count > 0));

        if (layout.Host.SelinuxEnabled == true)
        {
            File.WriteAllText(root.TrimEnd('/') + "/.autorelabel", "");
            _say("SELinux is enabled on this system: /.autorelabel set, the first boot relabels every file.");
            changes.Add("set /.autorelabel");
        }

        changes.AddRange(ApplyClone(layout, root, clone));
        return changes;
    }

    // ------------------------------------------------------------------ ids and names

    private static string Norm(string s) => s.Replace(":", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal).ToLowerInvariant();

    /// <summary>Reads the UUIDs of what the plan made and lists those that differ from the layout.</summary>
    public List<IdChange> ProbeIds(LayoutDocument layout, RecoveryPlan plan)
    {
        var list = new List<IdChange>();
        var rootFs = layout.Mounts.FirstOrDefault(m => m.Target == "/")?.FilesystemId;
        var bootFs = layout.Mounts.FirstOrDefault(m => m.Target == "/boot")?.FilesystemId;
        foreach (var f in layout.Filesystems.Where(f => f.Uuid is not null))
        {
            var step = plan.Steps.FirstOrDefault(s => (s.Kind == StepKinds.Mkfs || s.Kind == StepKinds.Mkswap) && s.Provides.Contains(f.Id));
            if (step is null || step.Devices.Count == 0)
            {
                continue;
            }

            var got = _run.Run(new ProcessRequest("blkid", ["-p", "-o", "value", "-s", "UUID", step.Devices[0]])).StandardOutput.Trim();
            if (got.Length > 0 && Norm(got) != Norm(f.Uuid!))
            {
                list.Add(new IdChange(f.Type == FilesystemTypes.Swap ? "swap" : "filesystem", f.Id, f.Uuid!, got,
                    f.Id == rootFs || f.Id == bootFs || f.Type == FilesystemTypes.Swap));
            }
        }

        foreach (var l in layout.Luks)
        {
            var step = plan.Steps.FirstOrDefault(s => s.Kind == StepKinds.LuksFormat && s.Provides.Contains(l.Id));
            if (step is null || step.Devices.Count == 0)
            {
                continue;
            }

            var got = _run.Run(new ProcessRequest("cryptsetup", ["luksUUID", step.Devices[0]])).StandardOutput.Trim();
            if (got.Length > 0 && Norm(got) != Norm(l.Uuid))
            {
                list.Add(new IdChange("luks", l.Id, l.Uuid, got, true));
            }
        }

        foreach (var m in layout.MdArrays)
        {
            var step = plan.Steps.FirstOrDefault(s => s.Kind == StepKinds.MdCreate && s.Provides.Contains(m.Id));
            var dev = step?.Commands.SelectMany(c => c.Argv).FirstOrDefault(a => a.StartsWith("/dev/md", StringComparison.Ordinal));
            if (dev is null)
            {
                continue;
            }

            var export = _run.Run(new ProcessRequest("mdadm", ["--detail", "--export", dev])).StandardOutput;
            var got = export.Split('\n').FirstOrDefault(x => x.StartsWith("MD_UUID=", StringComparison.Ordinal))?[8..].Trim();
            if (got is { Length: > 0 } && Norm(got) != Norm(m.Uuid))
            {
                list.Add(new IdChange("md", m.Id, m.Uuid, got, true));
            }
        }

        return list;
    }

    /// <summary>Source device paths whose recreated device has another name here (disks and partitions), with the layout id of each.</summary>
    public static Dictionary<string, (string NewPath, string LayoutId)> RenamedDevices(LayoutDocument layout, RecoveryPlan plan)
    {
        var map = new Dictionary<string, (string, string)>(StringComparer.Ordinal);
        foreach (var m in plan.Mappings.Where(m => m.TargetPath is not null && m.TargetPath != m.SourcePath))
        {
            map[m.SourcePath] = (m.TargetPath!, m.SourceId);
        }

        var parts = layout.Disks.SelectMany(d => d.Partitions).ToDictionary(p => p.Id, StringComparer.Ordinal);
        foreach (var p in plan.Steps.Where(s => s.PartitionTable is not null).SelectMany(s => s.PartitionTable!.Partitions))
        {
            if (parts.TryGetValue(p.SourceId, out var src) && src.Path.Length > 0 && src.Path != p.Path)
            {
                map[src.Path] = (p.Path, src.Id);
            }
        }

        return map;
    }

    private static readonly string[] ConfigFiles =
    [
        "/etc/fstab", "/etc/crypttab", "/etc/mdadm/mdadm.conf", "/etc/mdadm.conf", "/etc/initramfs-tools/conf.d/resume", "/etc/default/grub",
    ];

    [GeneratedRegex(@"(?<=(?:^|[\s""'])(?:root|resume|cryptdevice)=)(/dev/[^\s""':]+)")]
    private static partial Regex KernelDeviceArg();

    [GeneratedRegex(@"(?<=^\s*RESUME=)(/dev/\S+)", RegexOptions.Multiline)]
    private static partial Regex ResumeLine();

    /// <summary>Rewrites only what changed; returns the files rewritten (paths in the recovered system).</summary>
    public List<string> RewriteConfig(LayoutDocument layout, string root, List<IdChange> ids, Dictionary<string, (string NewPath, string LayoutId)> renamed)
    {
        var written = new List<string>();
        string? UuidSpecOf(string devicePath)
        {
            if (!renamed.TryGetValue(devicePath, out var r))
            {
                return null;
            }

            var fs = layout.Filesystems.FirstOrDefault(f => f.DeviceIds.Contains(r.LayoutId) && f.Uuid is not null);
            if (fs is not null)
            {
                return "UUID=" + (ids.FirstOrDefault(c => c.LayoutId == fs.Id)?.New ?? fs.Uuid);
            }

            var luks = layout.Luks.FirstOrDefault(l => l.DeviceId == r.LayoutId);
            return luks is null ? null : "UUID=" + (ids.FirstOrDefault(c => c.LayoutId == luks.Id)?.New ?? luks.Uuid);
        }

        foreach (var rel in ConfigFiles)
        {
            var path = root.TrimEnd('/') + rel;
            if (!File.Exists(path))
            {
                continue;
            }

            var text = File.ReadAllText(path);
            var now = text;
            foreach (var c in ids)
            {
                now = now.Replace(c.Old, c.New, StringComparison.OrdinalIgnoreCase);
            }

            if (renamed.Count > 0)
            {
                if (rel is "/etc/fstab" or "/etc/crypttab")
                {
                    var col = rel == "/etc/fstab" ? 0 : 1;
                    var sb = new StringBuilder();
                    foreach (var line in now.Split('\n'))
                    {
                        var t = line.TrimStart();
                        var fields = t.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
                        if (!t.StartsWith('#') && fields.Length > col && UuidSpecOf(fields[col]) is { } spec)
                        {
                            var at = line.IndexOf(fields[col], StringComparison.Ordinal);
                            if (col == 1)
                            {
                                at = line.IndexOf(fields[col], line.IndexOf(fields[0], StringComparison.Ordinal) + fields[0].Length, StringComparison.Ordinal);
                            }

                            sb.Append(line, 0, at).Append(spec).Append(line, at + fields[col].Length, line.Length - at - fields[col].Length).Append('\n');
                        }
                        else
                        {
                            sb.Append(line).Append('\n');
                        }
                    }

                    now = sb.ToString(0, sb.Length - 1);
                }
                else if (rel is "/etc/default/grub")
                {
                    now = KernelDeviceArg().Replace(now, m => UuidSpecOf(m.Value) ?? m.Value);
                }
                else if (rel.EndsWith("/resume", StringComparison.Ordinal))
                {
                    now = ResumeLine().Replace(now, m => UuidSpecOf(m.Value) ?? m.Value);
                }
            }

            if (now != text)
            {
                File.Copy(path, path + ".mkcdrec-orig", overwrite: true);
                File.WriteAllText(path, now);
                var diff = Diff(text, now);
                _say($"{rel}: rewritten (the original is kept as {rel}.mkcdrec-orig):\n{diff}");
                written.Add(rel);
            }
        }

        return written;
    }

    private static string Diff(string a, string b)
    {
        var al = a.Split('\n');
        var bl = b.Split('\n');
        var sb = new StringBuilder();
        for (var i = 0; i < Math.Max(al.Length, bl.Length); i++)
        {
            var x = i < al.Length ? al[i] : "";
            var y = i < bl.Length ? bl[i] : "";
            if (x != y)
            {
                sb.Append("  - ").Append(x).Append("\n  + ").Append(y).Append('\n');
            }
        }

        return sb.ToString().TrimEnd('\n');
    }

    // ------------------------------------------------------------------ bootloader

    /// <summary>The target disks that get GRUB for BIOS: every mapped disk that had GRUB in its boot code, and every member disk of a RAID holding /boot (or /).</summary>
    public static List<string> BiosTargets(LayoutDocument layout, RecoveryPlan plan)
    {
        var target = plan.Mappings.Where(m => m.TargetPath is not null).ToDictionary(m => m.SourceId, m => m.TargetPath!, StringComparer.Ordinal);
        var disks = new List<string>();
        void Add(string diskId)
        {
            if (target.TryGetValue(diskId, out var t) && !disks.Contains(t))
            {
                disks.Add(t);
            }
        }

        foreach (var id in layout.Boot.BiosBootDiskIds)
        {
            Add(id);
        }

        if (layout.Boot.BiosBootDiskIds.Count > 0 || (layout.Boot.Firmware == FirmwareKinds.Bios && layout.Boot.Bootloader == "grub2"))
        {
            var bootFs = layout.Mounts.FirstOrDefault(m => m.Target == "/boot")?.FilesystemId ?? layout.Mounts.FirstOrDefault(m => m.Target == "/")?.FilesystemId;
            var fs = layout.Filesystems.FirstOrDefault(f => f.Id == bootFs);
            foreach (var dev in fs?.DeviceIds ?? [])
            {
                foreach (var diskId in DisksUnder(layout, dev))
                {
                    Add(diskId);
                }
            }
        }

        return disks;
    }

    /// <summary>The layout disks a device is built on (partition → disk; md → its members' disks; LUKS/LV → below).</summary>
    private static IEnumerable<string> DisksUnder(LayoutDocument layout, string deviceId)
    {
        foreach (var d in layout.Disks)
        {
            if (d.Id == deviceId || d.Partitions.Any(p => p.Id == deviceId))
            {
                return [d.Id];
            }
        }

        if (layout.MdArrays.FirstOrDefault(m => m.Id == deviceId) is { } md)
        {
            return md.Members.Where(m => !m.Spare).SelectMany(m => DisksUnder(layout, m.DeviceId)).Distinct();
        }

        if (layout.Luks.FirstOrDefault(l => l.Id == deviceId) is { } luks)
        {
            return DisksUnder(layout, luks.DeviceId);
        }

        if (layout.Lvm.LogicalVolumes.FirstOrDefault(l => l.Id == deviceId) is { } lv)
        {
            return lv.PhysicalVolumeIds.SelectMany(pv => layout.Lvm.PhysicalVolumes.Where(p => p.Id == pv)).SelectMany(p => DisksUnder(layout, p.DeviceId)).Distinct();
        }

        return [];
    }

    /// <summary>The EFI bootloader id (\EFI\&lt;id&gt;\...) of the captured boot entries: the first of the boot order that is not the removable path.</summary>
    public static string EfiBootloaderId(LayoutDocument layout)
    {
        var entries = layout.Boot.EfiBootEntries;
        var ordered = layout.Boot.EfiBootOrder.Select(n => entries.FirstOrDefault(e => e.Number == n)).OfType<EfiBootEntry>().Concat(entries);
        foreach (var e in ordered)
        {
            var loader = e.Loader?.Replace('/', '\\');
            if (loader is null)
            {
                continue;
            }

            var i = loader.IndexOf("\\EFI\\", StringComparison.OrdinalIgnoreCase);
            if (i < 0)
            {
                continue;
            }

            var rest = loader[(i + 5)..];
            var j = rest.IndexOf('\\', StringComparison.Ordinal);
            var id = j < 0 ? rest : rest[..j];
            if (id.Length > 0 && !id.Equals("BOOT", StringComparison.OrdinalIgnoreCase))
            {
                return id;
            }
        }

        return layout.Host.OsId is { Length: > 0 } os ? os : "grub";
    }

    private List<string> InstallBootloader(LayoutDocument layout, RecoveryPlan plan, string root, bool regenerateConfig)
    {
        var changes = new List<string>();
        var grub = layout.Boot.Bootloader == "grub2" || layout.Boot.BiosBootDiskIds.Count > 0;
        if (!grub)
        {
            _say(layout.Boot.Bootloader is null
                ? "warning: the layout records no bootloader; none is installed. Install one from the rescue shell before rebooting."
                : $"warning: bootloader {layout.Boot.Bootloader} is not reinstalled by this version; its files are restored as they were (check it boots).");
            return changes;
        }

        var install = Has(root, "grub-install") ? "grub-install" : Has(root, "grub2-install") ? "grub2-install" : null;
        if (install is null)
        {
            throw new MkcdrecException(ExitCode.Environment, "The recovered system has no grub-install (nor grub2-install), so GRUB cannot be reinstalled.",
                "The backup lacks the GRUB packages; install them in a chroot of " + root + " and run grub-install yourself.");
        }

        if (regenerateConfig)
        {
            var cfg = layout.Boot.GrubConfigPath ?? (install == "grub2-install" ? "/boot/grub2/grub.cfg" : "/boot/grub/grub.cfg");
            var mk = Has(root, "grub-mkconfig") ? "grub-mkconfig" : "grub2-mkconfig";
            _say($"Regenerating {cfg} ({mk}): devices or UUIDs changed.");
            Chroot(root, mk, "-o", cfg);
            changes.Add("regenerated " + cfg);
        }
        else
        {
            _say("GRUB's configuration is kept as restored (it names the same UUIDs).");
        }

        foreach (var disk in BiosTargets(layout, plan))
        {
            _say($"Installing GRUB for BIOS on {disk}.");
            Chroot(root, install, "--target=i386-pc", disk);
            changes.Add($"grub-install --target=i386-pc {disk}");
        }

        if (layout.Boot.Firmware == FirmwareKinds.Uefi || layout.Boot.EfiBootEntries.Count > 0)
        {
            var esp = layout.Boot.EspMountPoint;
            if (esp is null)
            {
                _say("warning: the layout is UEFI but records no mounted ESP; GRUB for UEFI is not installed.");
                return changes;
            }

            var id = EfiBootloaderId(layout);
            var nvram = Directory.Exists(root.TrimEnd('/') + "/sys/firmware/efi/efivars") && Directory.EnumerateFileSystemEntries(root.TrimEnd('/') + "/sys/firmware/efi/efivars").Any();
            _say($"Installing GRUB for UEFI into {esp} as \\EFI\\{id}\\" + (nvram ? " with a firmware boot entry" : " (no EFI variables here: no firmware boot entry; the removable path boots)") + ".");
            var argv = new List<string> { install, "--target=x86_64-efi", "--efi-directory=" + esp, "--bootloader-id=" + id };
            if (!nvram)
            {
                argv.Add("--no-nvram");
            }

            Chroot(root, [.. argv]);
            Chroot(root, install, "--target=x86_64-efi", "--efi-directory=" + esp, "--removable", "--no-nvram");
            changes.Add($"grub-install --target=x86_64-efi --bootloader-id={id} (+ removable path \\EFI\\BOOT\\BOOTX64.EFI)");
            if (nvram)
            {
                changes.AddRange(EnsureEfiBootEntry(root, esp, id));
            }
        }

        return changes;
    }

    /// <summary>
    /// Checks in the firmware's variables (efivarfs, no efibootmgr needed) that grub-install registered its entry; when it
    /// did not (some distributions' grub-install leave it to efibootmgr), creates it with the rescue system's efibootmgr
    /// for the ESP's disk and partition. Without either, the removable path still boots.
    /// </summary>
    private List<string> EnsureEfiBootEntry(string root, string esp, string id)
    {
        var entries = EfiBootVariables.Entries(_files);
        _log.Info("EFI boot entries after grub-install: " + string.Join("; ", entries.Select(e => $"{e.Name} {e.Description}")));
        var mine = entries.Where(e => e.Description.Equals(id, StringComparison.OrdinalIgnoreCase)).Select(e => e.Name).FirstOrDefault();
        if (mine is not null)
        {
            _say($"EFI boot entry {mine} '{id}' is registered in the firmware.");
            return [$"EFI boot entry {mine} '{id}'"];
        }

        var espDir = root.TrimEnd('/') + "/" + esp.Trim('/');
        var loader = new[] { "shimx64.efi", "grubx64.efi" }.FirstOrDefault(l => File.Exists($"{espDir}/EFI/{id}/{l}"));
        if (loader is not null && _run.CanRun("efibootmgr") && EspPartition(espDir) is { } part)
        {
            _run.RunChecked(new ProcessRequest("efibootmgr", ["--create", "--disk", part.Disk, "--part", part.Number, "--label", id, "--loader", $"\\EFI\\{id}\\{loader}"]));
            _say($"EFI boot entry '{id}' created with efibootmgr ({part.Disk} partition {part.Number}, \\EFI\\{id}\\{loader}): grub-install registered none.");
            return [$"EFI boot entry '{id}' created by efibootmgr"];
        }

        _say($"warning: the firmware has no boot entry '{id}' after grub-install" + (_run.CanRun("efibootmgr") ? "" : " and the rescue system has no efibootmgr to make one")
            + "; the removable path \\EFI\\BOOT\\BOOTX64.EFI still boots.");
        return [];
    }

    /// <summary>The disk and partition number of the filesystem mounted at <paramref name="mountPoint"/> (/proc/self/mounts, /sys/class/block).</summary>
    private (string Disk, string Number)? EspPartition(string mountPoint)
    {
        var dev = (_files.ReadText("/proc/self/mounts") ?? "").Split('\n')
            .Select(l => l.Split(' '))
            .Where(f => f.Length > 2 && f[1] == mountPoint && f[0].StartsWith("/dev/", StringComparison.Ordinal))
            .Select(f => f[0])
            .LastOrDefault();
        if (dev is null)
        {
            return null;
        }

        var name = Path.GetFileName(dev);
        var number = _files.ReadText($"/sys/class/block/{name}/partition")?.Trim();
        var link = _files.ReadLink($"/sys/class/block/{name}");
        var parent = link is null ? null : Path.GetFileName(Path.GetDirectoryName(link.TrimEnd('/')));
        return number is { Length: > 0 } && parent is { Length: > 0 } ? ("/dev/" + parent, number) : null;
    }

    // ------------------------------------------------------------------ clone

    [GeneratedRegex(@"^static:(?<addr>[0-9a-fA-F.:]+/\d+)(?<opts>(,[a-z]+=[^,]+)*)$")]
    private static partial Regex StaticNet();

    /// <summary>Parses --net: "dhcp" or "static:ADDR/PREFIX[,gw=GW][,dns=IP[;IP]]".</summary>
    public static (bool Dhcp, string? Address, string? Gateway, List<string> Dns) ParseNet(string spec)
    {
        if (spec == "dhcp")
        {
            return (true, null, null, []);
        }

        var m = StaticNet().Match(spec);
        if (!m.Success)
        {
            throw new MkcdrecException(ExitCode.Usage, $"--net {spec}: not understood.", "Use --net dhcp or --net static:192.0.2.10/24,gw=192.0.2.1,dns=192.0.2.53");
        }

        string? gw = null;
        var dns = new List<string>();
        foreach (var o in m.Groups["opts"].Value.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var kv = o.Split('=', 2);
            switch (kv[0])
            {
                case "gw":
                    gw = kv[1];
                    break;
                case "dns":
                    dns.AddRange(kv[1].Split(';', StringSplitOptions.RemoveEmptyEntries));
                    break;
                default:
                    throw new MkcdrecException(ExitCode.Usage, $"--net: unknown setting '{kv[0]}'.", "Settings are gw= and dns=.");
            }
        }

        return (false, m.Groups["addr"].Value, gw, dns);
    }

    [GeneratedRegex(@"^\s*iface\s+(?<n>\S+)\s+inet6?\s+\S+", RegexOptions.Multiline)]
    private static partial Regex IfaceLine();

    public List<string> ApplyClone(LayoutDocument layout, string root, CloneSettings clone)
    {
        var changes = new List<string>();
        var r = root.TrimEnd('/');
        if (clone.Hostname is { } name)
        {
            var old = File.Exists(r + "/etc/hostname") ? File.ReadAllText(r + "/etc/hostname").Trim() : layout.Host.Hostname;
            File.WriteAllText(r + "/etc/hostname", name + "\n");
            if (File.Exists(r + "/etc/hosts") && old.Length > 0)
            {
                var hosts = File.ReadAllText(r + "/etc/hosts");
                var oldShort = old.Split('.')[0];
                var newShort = name.Split('.')[0];
                hosts = Regex.Replace(hosts, @"(?<=\s)" + Regex.Escape(old) + @"(?=\s|$)", name, RegexOptions.Multiline);
                if (oldShort != old)
                {
                    hosts = Regex.Replace(hosts, @"(?<=\s)" + Regex.Escape(oldShort) + @"(?=\s|$)", newShort, RegexOptions.Multiline);
                }

                File.WriteAllText(r + "/etc/hosts", hosts);
            }

            _say($"Clone: hostname {old} -> {name} (/etc/hostname, /etc/hosts).");
            changes.Add("hostname " + name);
        }

        if (clone.NewMachineId)
        {
            var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
            File.WriteAllText(r + "/etc/machine-id", id + "\n");
            var dbus = r + "/var/lib/dbus/machine-id";
            if (File.Exists(dbus) && new FileInfo(dbus).LinkTarget is null)
            {
                File.WriteAllText(dbus, id + "\n");
            }

            _say($"Clone: new machine-id {id}.");
            changes.Add("new machine-id");
        }

        if (clone.NewSshHostKeys)
        {
            var dir = r + "/etc/ssh";
            var removed = Directory.Exists(dir) ? Directory.GetFiles(dir, "ssh_host_*") : [];
            foreach (var f in removed)
            {
                File.Delete(f);
            }

            if (Has(root, "ssh-keygen"))
            {
                Chroot(root, "ssh-keygen", "-A");
                _say($"Clone: {removed.Length} SSH host key file(s) replaced by new keys (ssh-keygen -A).");
                changes.Add("new SSH host keys");
            }
            else if (removed.Length > 0)
            {
                _say($"Clone: {removed.Length} SSH host key file(s) removed; the system has no ssh-keygen to make new ones.");
                changes.Add("SSH host keys removed");
            }
        }

        if (clone.Network is { } spec)
        {
            changes.AddRange(ApplyNetwork(layout, r, ParseNet(spec)));
        }

        return changes;
    }

    private List<string> ApplyNetwork(LayoutDocument layout, string r, (bool Dhcp, string? Address, string? Gateway, List<string> Dns) net)
    {
        var primary = layout.Network.Interfaces.FirstOrDefault(i => i.Name != "lo" && (i.Dhcp || i.Addresses.Count > 0))?.Name
            ?? layout.Network.Interfaces.FirstOrDefault(i => i.Name != "lo" && i.Mac is not null)?.Name;
        var ifupdown = r + "/etc/network/interfaces";
        var networkd = r + "/etc/systemd/network";
        var what = net.Dhcp ? "DHCP" : $"{net.Address}" + (net.Gateway is null ? "" : $" via {net.Gateway}");
        if (File.Exists(ifupdown) && IfaceLine().Matches(File.ReadAllText(ifupdown)).Any(m => m.Groups["n"].Value != "lo"))
        {
            var text = File.ReadAllText(ifupdown);
            var name = IfaceLine().Matches(text).Select(m => m.Groups["n"].Value).FirstOrDefault(n => n != "lo") ?? primary ?? "eth0";
            var sb = new StringBuilder();
            sb.Append("# written by mkcdrec recover (clone); the original is interfaces.mkcdrec-orig\n");
            if (text.Contains("source /etc/network/interfaces.d/*", StringComparison.Ordinal))
            {
                sb.Append("source /etc/network/interfaces.d/*\n");
            }

            sb.Append("\nauto lo\niface lo inet loopback\n\n");
            sb.Append(CultureInfo.InvariantCulture, $"allow-hotplug {name}\n");
            if (net.Dhcp)
            {
                sb.Append(CultureInfo.InvariantCulture, $"iface {name} inet dhcp\n");
            }
            else
            {
                sb.Append(CultureInfo.InvariantCulture, $"iface {name} inet static\n    address {net.Address}\n");
                if (net.Gateway is not null)
                {
                    sb.Append(CultureInfo.InvariantCulture, $"    gateway {net.Gateway}\n");
                }

                if (net.Dns.Count > 0)
                {
                    sb.Append(CultureInfo.InvariantCulture, $"    dns-nameservers {string.Join(' ', net.Dns)}\n");
                }
            }

            File.Copy(ifupdown, ifupdown + ".mkcdrec-orig", overwrite: true);
            File.WriteAllText(ifupdown, sb.ToString());
            WriteResolvConf(r, net.Dns);
            _say($"Clone: network of {name} set to {what} in /etc/network/interfaces.");
            return [$"network {name}: {what} (ifupdown)"];
        }

        if (Directory.Exists(networkd) && Directory.GetFiles(networkd, "*.network").Length > 0)
        {
            foreach (var f in Directory.GetFiles(networkd, "*.network"))
            {
                File.Move(f, f + ".mkcdrec-orig", overwrite: true);
            }

            var sb = new StringBuilder("# written by mkcdrec recover (clone); the previous files are *.network.mkcdrec-orig\n[Match]\n");
            sb.Append(primary is null ? "Name=en* eth*\n" : $"Name={primary} en* eth*\n");
            sb.Append("\n[Network]\n");
            if (net.Dhcp)
            {
                sb.Append("DHCP=yes\n");
            }
            else
            {
                sb.Append(CultureInfo.InvariantCulture, $"Address={net.Address}\n");
                if (net.Gateway is not null)
                {
                    sb.Append(CultureInfo.InvariantCulture, $"Gateway={net.Gateway}\n");
                }

                foreach (var d in net.Dns)
                {
                    sb.Append(CultureInfo.InvariantCulture, $"DNS={d}\n");
                }
            }

            File.WriteAllText(networkd + "/10-mkcdrec-clone.network", sb.ToString());
            _say($"Clone: network set to {what} in /etc/systemd/network/10-mkcdrec-clone.network.");
            return [$"network: {what} (systemd-networkd)"];
        }

        _say("warning: --net given, but the system uses neither /etc/network/interfaces nor systemd-networkd .network files; its network configuration is unchanged.");
        return [];
    }

    private static void WriteResolvConf(string r, List<string> dns)
    {
        var path = r + "/etc/resolv.conf";
        if (dns.Count == 0 || new FileInfo(path).LinkTarget is not null)
        {
            return;
        }

        File.WriteAllText(path, string.Concat(dns.Select(d => "nameserver " + d + "\n")));
    }
}
