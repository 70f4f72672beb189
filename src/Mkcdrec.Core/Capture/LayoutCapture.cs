using System.Globalization;
using Mkcdrec.Core.Platform;
using Mkcdrec.Formats.Luks;
using Mkcdrec.Formats.Partitioning;
using Mkcdrec.Model.Layout;
using static Mkcdrec.Core.Capture.ToolOutputParsers;

namespace Mkcdrec.Core.Capture;

public sealed record CaptureOptions
{
    /// <summary>Restrict capture to these disks (any path naming them) and everything stacked on them. Empty: every disk.</summary>
    public IReadOnlyList<string> Disks { get; init; } = [];

    public string MkcdrecVersion { get; init; } = "";

    public DateTimeOffset? Now { get; init; }
}

/// <summary>
/// Captures the storage and system layout of the running machine. Reads /sys, /proc, /dev and /etc through
/// <see cref="ISystemFiles"/>, partition tables and LUKS headers with our own parsers, and asks the field's tools
/// (blkid, mdadm, lvm, dumpe2fs, xfs_info, btrfs, efibootmgr, ip, df) through <see cref="IProcessRunner"/>.
/// </summary>
public sealed class LayoutCapture
{
    private readonly IProcessRunner _run;
    private readonly ISystemFiles _fs;
    private readonly ILog _log;

    // Kernel name → block device facts gathered from sysfs.
    private readonly Dictionary<string, BlockDev> _devs = new(StringComparer.Ordinal);

    // Kernel name → layout id of the device (disk, partition, md, luks mapping, lv).
    private readonly Dictionary<string, string> _idOf = new(StringComparer.Ordinal);

    // Kernel name → blkid probe of that device.
    private readonly Dictionary<string, Dictionary<string, string>> _probe = new(StringComparer.Ordinal);

    private LayoutDocument _doc = new();
    private bool _explicitDisks;

    public LayoutCapture(IProcessRunner run, ISystemFiles files, ILog log)
    {
        _run = run;
        _fs = files;
        _log = log;
    }

    private sealed class BlockDev
    {
        public string Name { get; init; } = "";

        public string? Parent { get; init; }

        public int? PartNumber { get; init; }

        public string DevNum { get; init; } = "";

        public long SizeBytes { get; init; }

        public List<string> Slaves { get; init; } = [];
    }

    public LayoutDocument Capture(CaptureOptions options)
    {
        _doc = new LayoutDocument
        {
            MkcdrecVersion = options.MkcdrecVersion,
            CapturedAt = options.Now ?? DateTimeOffset.UtcNow,
        };
        ScanSysfs();
        var diskNames = SelectDisks(options.Disks);
        _explicitDisks = options.Disks.Count > 0;
        CaptureHost();
        foreach (var name in diskNames)
        {
            var disk = CaptureDisk(name);
            if (disk.PartitionTable.Kind == "unreadable")
            {
                _idOf.Remove(name);
                continue;
            }

            _doc.Disks.Add(disk);
        }

        ProbeAll();
        CaptureMd();
        CaptureDeviceMapper();
        CaptureLvm();
        CaptureFilesystems();
        CaptureMountsAndConfig();
        CaptureBoot();
        CaptureNetwork();
        if (options.Disks.Count > 0)
        {
            Restrict(diskNames);
        }

        return _doc;
    }

    // ---------------------------------------------------------------- sysfs

    private void ScanSysfs()
    {
        foreach (var name in _fs.ListDirectory("/sys/class/block"))
        {
            var sys = "/sys/class/block/" + name;
            var link = _fs.ReadLink(sys) ?? "";
            var parts = link.Split('/', StringSplitOptions.RemoveEmptyEntries);
            var isPart = _fs.FileExists(sys + "/partition");
            string? parent = isPart && parts.Length >= 2 ? parts[^2] : null;
            _devs[name] = new BlockDev
            {
                Name = name,
                Parent = parent,
                PartNumber = isPart ? ReadInt(sys + "/partition") : null,
                DevNum = (_fs.ReadText(sys + "/dev") ?? "").Trim(),
                SizeBytes = ReadLong(sys + "/size") * 512,
                Slaves = _fs.ListDirectory(sys + "/slaves").ToList(),
            };
        }
    }

    private int ReadInt(string path) => (int)ReadLong(path);

    private long ReadLong(string path) =>
        long.TryParse((_fs.ReadText(path) ?? "").Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : 0;

    private string? ReadTrim(string path)
    {
        var t = _fs.ReadText(path)?.Trim();
        return string.IsNullOrEmpty(t) ? null : t;
    }

    /// <summary>/dev/vdb, /dev/disk/by-id/…, vdb → kernel name, following links.</summary>
    public string? KernelNameOf(string path)
    {
        if (!path.Contains('/'))
        {
            return _devs.ContainsKey(path) ? path : null;
        }

        var current = path;
        for (var i = 0; i < 16; i++)
        {
            var target = _fs.ReadLink(current);
            if (target is null)
            {
                break;
            }

            current = target.StartsWith('/') ? target : NormalizePath(Path.GetDirectoryName(current) + "/" + target);
        }

        var name = Path.GetFileName(current);
        if (_devs.ContainsKey(name))
        {
            return name;
        }

        // /dev/mapper/NAME → dm-N
        if (current.StartsWith("/dev/mapper/", StringComparison.Ordinal))
        {
            foreach (var d in _devs.Keys.Where(k => k.StartsWith("dm-", StringComparison.Ordinal)))
            {
                if (ReadTrim($"/sys/block/{d}/dm/name") == name)
                {
                    return d;
                }
            }
        }

        return null;
    }

    private static string NormalizePath(string p)
    {
        var stack = new List<string>();
        foreach (var part in p.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == "..")
            {
                if (stack.Count > 0)
                {
                    stack.RemoveAt(stack.Count - 1);
                }
            }
            else if (part != ".")
            {
                stack.Add(part);
            }
        }

        return "/" + string.Join('/', stack);
    }

    private static bool IsVirtual(string name) =>
        name.StartsWith("loop", StringComparison.Ordinal) || name.StartsWith("ram", StringComparison.Ordinal) ||
        name.StartsWith("zram", StringComparison.Ordinal) || name.StartsWith("md", StringComparison.Ordinal) ||
        name.StartsWith("dm-", StringComparison.Ordinal) || name.StartsWith("sr", StringComparison.Ordinal) ||
        name.StartsWith("fd", StringComparison.Ordinal) || name.StartsWith("nbd", StringComparison.Ordinal) ||
        name.StartsWith("mtdblock", StringComparison.Ordinal);

    private List<string> SelectDisks(IReadOnlyList<string> requested)
    {
        if (requested.Count == 0)
        {
            return _devs.Values
                .Where(d => d.Parent is null && !IsVirtual(d.Name) && d.SizeBytes > 0 && _fs.DirectoryExists($"/sys/block/{d.Name}/device"))
                .Select(d => d.Name).Order(StringComparer.Ordinal).ToList();
        }

        var list = new List<string>();
        foreach (var r in requested)
        {
            var name = KernelNameOf(r) ?? throw new MkcdrecException(ExitCode.BadInput,
                $"'{r}' is not a block device of this machine.", "Name a disk as /dev/NAME or /dev/disk/by-id/…; 'lsblk -d' lists them.");
            if (_devs[name].Parent is not null)
            {
                throw new MkcdrecException(ExitCode.BadInput, $"'{r}' is a partition ({name}), not a whole disk.",
                    $"Name the disk it belongs to: /dev/{_devs[name].Parent}.");
            }

            if (name.StartsWith("md", StringComparison.Ordinal) || name.StartsWith("dm-", StringComparison.Ordinal))
            {
                throw new MkcdrecException(ExitCode.BadInput, $"'{r}' is a virtual device ({name}); --disk takes the physical disks.",
                    "Name the disks it is built on; everything stacked on them is captured with them.");
            }

            if (!list.Contains(name))
            {
                list.Add(name);
            }
        }

        return list;
    }

    // ---------------------------------------------------------------- host

    private void CaptureHost()
    {
        var os = ParseKeyValues(_fs.ReadText("/etc/os-release") ?? _fs.ReadText("/usr/lib/os-release") ?? "");
        _doc.Host = new HostInfo
        {
            Hostname = ReadTrim("/proc/sys/kernel/hostname") ?? ReadTrim("/etc/hostname") ?? "",
            KernelRelease = ReadTrim("/proc/sys/kernel/osrelease") ?? "",
            Architecture = System.Runtime.InteropServices.RuntimeInformation.OSArchitecture switch
            {
                System.Runtime.InteropServices.Architecture.X64 => "x86_64",
                System.Runtime.InteropServices.Architecture.Arm64 => "aarch64",
                System.Runtime.InteropServices.Architecture.X86 => "i686",
                System.Runtime.InteropServices.Architecture.Arm => "armv7l",
                System.Runtime.InteropServices.Architecture.Ppc64le => "ppc64le",
                System.Runtime.InteropServices.Architecture.S390x => "s390x",
                System.Runtime.InteropServices.Architecture.RiscV64 => "riscv64",
                System.Runtime.InteropServices.Architecture.LoongArch64 => "loongarch64",
                var a => a.ToString().ToLowerInvariant(),
            },
            OsId = os.GetValueOrDefault("ID"),
            OsVersionId = os.GetValueOrDefault("VERSION_ID"),
            OsPrettyName = os.GetValueOrDefault("PRETTY_NAME"),
            SelinuxEnabled = _fs.FileExists("/sys/fs/selinux/enforce"),
        };
    }

    // ---------------------------------------------------------------- disks

    private List<string> LinksTo(string dir, string name)
    {
        var list = new List<string>();
        foreach (var l in _fs.ListDirectory(dir))
        {
            var t = _fs.ReadLink(dir + "/" + l);
            if (t is not null && Path.GetFileName(t) == name)
            {
                list.Add(dir + "/" + l);
            }
        }

        return list;
    }

    private Disk CaptureDisk(string name)
    {
        var sys = "/sys/block/" + name;
        var byId = LinksTo("/dev/disk/by-id", name);
        var serial = ReadTrim(sys + "/serial") ?? ReadTrim(sys + "/device/serial");
        var wwid = ReadTrim(sys + "/device/wwid") ?? ReadTrim(sys + "/wwid");
        var wwn = byId.Select(Path.GetFileName).FirstOrDefault(l => l!.StartsWith("wwn-", StringComparison.Ordinal))?["wwn-".Length..];
        if (serial is null)
        {
            // virtio-SERIAL, ata-MODEL_SERIAL, scsi-…: the by-id name carries it when sysfs does not.
            var v = byId.Select(Path.GetFileName).FirstOrDefault(l => l!.StartsWith("virtio-", StringComparison.Ordinal));
            serial = v?["virtio-".Length..];
        }

        var disk = new Disk
        {
            KernelName = name,
            Path = "/dev/" + name,
            ByIdLinks = byId,
            ByPath = LinksTo("/dev/disk/by-path", name).FirstOrDefault(),
            Serial = serial,
            Wwn = wwn ?? wwid,
            Model = ReadTrim(sys + "/device/model"),
            Vendor = ReadTrim(sys + "/device/vendor"),
            Transport = TransportOf(name),
            SizeBytes = _devs[name].SizeBytes,
            LogicalSectorSize = ReadInt(sys + "/queue/logical_block_size") is var l && l > 0 ? l : 512,
            PhysicalSectorSize = ReadInt(sys + "/queue/physical_block_size") is var p && p > 0 ? p : 512,
            Rotational = ReadTrim(sys + "/queue/rotational") == "1",
            Removable = ReadTrim(sys + "/removable") == "1",
        };
        disk.Id = "disk:" + (disk.Wwn ?? disk.Serial ?? name);
        if (_doc.Disks.Any(d => d.Id == disk.Id))
        {
            disk.Id = "disk:" + name; // two disks reporting the same serial (some virtual/USB bridges): fall back to the name
            _doc.Warnings.Add($"{disk.Path}: its serial/WWN is not unique on this machine; it is identified by its name only.");
        }

        _idOf[name] = disk.Id;
        ReadPartitionTable(disk);
        return disk;
    }

    private static string? TransportOf(string name) =>
        name.StartsWith("vd", StringComparison.Ordinal) ? "virtio" :
        name.StartsWith("nvme", StringComparison.Ordinal) ? "nvme" :
        name.StartsWith("sd", StringComparison.Ordinal) ? "scsi" :
        name.StartsWith("mmcblk", StringComparison.Ordinal) ? "mmc" :
        name.StartsWith("xvd", StringComparison.Ordinal) ? "xen" : null;

    private void ReadPartitionTable(Disk disk)
    {
        PartitionTableReadResult result;
        byte[] first = new byte[512];
        try
        {
            using var s = _fs.OpenRead(disk.Path);
            result = PartitionTableReader.Read(s, disk.LogicalSectorSize, disk.SizeBytes);
            s.Position = 0;
            s.ReadExactly(first);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or EndOfStreamException)
        {
            if (e is UnauthorizedAccessException)
            {
                if (_explicitDisks)
                {
                    throw new MkcdrecException(ExitCode.NeedsRoot, $"Permission denied reading {disk.Path}.",
                        "Run as root. If you are root, a security policy (SELinux, AppArmor, a container or sandbox) forbids raw access to this disk.", e);
                }

                _doc.Unsupported.Add(new UnsupportedDevice { Device = disk.Path, Kind = "unreadable", Reason = "permission denied reading the disk (as root too: a security policy or sandbox forbids it); it is not part of this layout." });
                Note(disk.Path, "cannot be read (permission denied); it is left out of the layout.");
                disk.PartitionTable.Kind = "unreadable";
                return;
            }

            throw new MkcdrecException(ExitCode.Environment,
                $"{disk.Path} could not be read while capturing its partition table ({e.Message}); the disk may have vanished or failed.",
                $"Check the disk (dmesg, 'lsblk {disk.Path}'); if it was removed on purpose, run 'mkcdrec layout save' again.", e);
        }
        catch (InvalidDataException e)
        {
            throw new MkcdrecException(ExitCode.BadInput, $"{disk.Path}: the partition table cannot be read: {e.Message}",
                "Both copies of the table are damaged. Repair the table (e.g. 'sgdisk -v' / 'gdisk' recovery menu) before capturing the layout.", e);
        }

        disk.PartitionTable.BootCode = DescribeBootCode(first);
        foreach (var w in result.Warnings)
        {
            disk.PartitionTable.Warnings.Add(w);
            Note(disk.Path, w);
        }

        var kernelParts = _devs.Values.Where(d => d.Parent == disk.KernelName && d.PartNumber is not null)
            .ToDictionary(d => d.PartNumber!.Value, d => d.Name);
        string KernelPartName(int n) => kernelParts.GetValueOrDefault(n)
            ?? (char.IsDigit(disk.KernelName[^1]) ? $"{disk.KernelName}p{n}" : $"{disk.KernelName}{n}");

        switch (result.Kind)
        {
            case PartitionTableKind.Gpt:
                var g = result.Gpt!;
                disk.PartitionTable.Kind = PartitionTableKinds.Gpt;
                disk.PartitionTable.DiskGuid = g.DiskGuid;
                disk.PartitionTable.FirstUsableLba = g.FirstUsableLba;
                disk.PartitionTable.LastUsableLba = g.LastUsableLba;
                disk.PartitionTable.GptEntryCount = g.EntryCount;
                foreach (var p in g.Partitions.OrderBy(p => p.Number))
                {
                    var part = NewPartition(disk, KernelPartName(p.Number), p.Number, PartitionKinds.Gpt, p.FirstLba, p.LastLba - p.FirstLba + 1);
                    part.TypeGuid = p.TypeGuid;
                    part.TypeName = PartitionTypes.Name(p.TypeGuid);
                    part.PartUuid = p.UniqueGuid.ToString();
                    part.Name = p.Name;
                    part.Attributes = p.Attributes;
                    disk.Partitions.Add(part);
                }

                break;
            case PartitionTableKind.Mbr:
                var m = result.Mbr!;
                disk.PartitionTable.Kind = PartitionTableKinds.Mbr;
                disk.PartitionTable.MbrDiskId = m.DiskSignature.ToString("x8", CultureInfo.InvariantCulture);
                foreach (var p in m.Partitions.OrderBy(p => p.Number))
                {
                    var kind = p.IsLogical ? PartitionKinds.Logical : p.IsExtended ? PartitionKinds.Extended : PartitionKinds.Primary;
                    var part = NewPartition(disk, KernelPartName(p.Number), p.Number, kind, p.StartLba, p.SectorCount);
                    part.MbrType = p.Type.ToString("x2", CultureInfo.InvariantCulture);
                    part.TypeName = PartitionTypes.Name(p.Type);
                    part.PartUuid = $"{m.DiskSignature:x8}-{p.Number:x2}";
                    part.Bootable = p.Bootable;
                    disk.Partitions.Add(part);
                }

                break;
        }

        foreach (var p in disk.Partitions)
        {
            _idOf[p.KernelName] = p.Id;
            // The kernel's view must match the disk: a table changed but not re-read would recreate the wrong thing.
            var start = ReadLong($"/sys/class/block/{p.KernelName}/start");
            var inKernel = _devs.ContainsKey(p.KernelName);
            if (!inKernel)
            {
                Note(disk.Path, $"partition {p.Number} is in the table but the kernel has no {p.Path}; the table was changed and not re-read (run 'partprobe {disk.Path}' or reboot).");
            }
            else if (p.Kind != PartitionKinds.Extended && start * 512 != p.StartSector * disk.LogicalSectorSize)
            {
                Note(disk.Path, $"partition {p.Number} starts at sector {p.StartSector} on disk but the kernel uses {start * 512 / disk.LogicalSectorSize}; the table was changed and not re-read.");
            }
        }

        foreach (var n in kernelParts.Keys.Where(n => disk.Partitions.All(p => p.Number != n)))
        {
            Note(disk.Path, $"the kernel has partition {kernelParts[n]} that is not in the on-disk table.");
        }
    }

    private static Partition NewPartition(Disk disk, string kernelName, int number, string kind, long start, long sectors) => new()
    {
        Id = $"{disk.Id}/p{number}",
        Number = number,
        KernelName = kernelName,
        Path = "/dev/" + kernelName,
        Kind = kind,
        StartSector = start,
        SizeSectors = sectors,
        SizeBytes = sectors * disk.LogicalSectorSize,
    };

    private void Note(string where, string what)
    {
        var msg = $"{where}: {what}";
        _doc.Warnings.Add(msg);
        _log.Info("warning: " + msg);
    }

    private static string? DescribeBootCode(ReadOnlySpan<byte> sector0)
    {
        var code = sector0[..440];
        if (code.IndexOfAnyExcept((byte)0) < 0)
        {
            return null;
        }

        if (code.IndexOf("GRUB"u8) >= 0)
        {
            return "grub2";
        }

        if (code.IndexOf("SYSLINUX"u8) >= 0 || code.IndexOf("ISOLINUX"u8) >= 0)
        {
            return "syslinux";
        }

        return "unknown";
    }

    // ---------------------------------------------------------------- blkid

    private IEnumerable<string> ProbeTargets()
    {
        foreach (var d in _doc.Disks)
        {
            yield return d.KernelName;
            foreach (var p in d.Partitions)
            {
                if (p.Kind != PartitionKinds.Extended)
                {
                    yield return p.KernelName;
                }
            }
        }

        foreach (var n in _devs.Keys.Where(n => n.StartsWith("md", StringComparison.Ordinal) || n.StartsWith("dm-", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            if (_devs[n].Parent is null && _devs[n].SizeBytes > 0)
            {
                yield return n;
            }
        }
    }

    private void ProbeAll()
    {
        foreach (var name in ProbeTargets())
        {
            var r = _run.Run(new ProcessRequest("blkid", ["-p", "-o", "export", "/dev/" + name]));
            // Exit 2: nothing found on the device. That is not an error.
            _probe[name] = r.ExitCode == 0 ? ParseKeyValues(r.StandardOutput) : [];
            if (r.ExitCode is not 0 and not 2)
            {
                Note("/dev/" + name, $"blkid could not probe it (exit {r.ExitCode}: {r.StandardError.Trim()}).");
            }
        }
    }

    private string? TypeOf(string name) => _probe.TryGetValue(name, out var p) ? p.GetValueOrDefault("TYPE") : null;

    private void SetUsedBy(string kernelName, string id)
    {
        var devId = _idOf.GetValueOrDefault(kernelName);
        foreach (var d in _doc.Disks)
        {
            if (d.Id == devId)
            {
                d.UsedBy = id;
            }

            foreach (var p in d.Partitions.Where(p => p.Id == devId))
            {
                p.UsedBy = id;
            }
        }

        foreach (var m in _doc.MdArrays.Where(m => m.Id == devId))
        {
            m.UsedBy = id;
        }

        foreach (var l in _doc.Luks.Where(l => l.Id == devId))
        {
            l.UsedBy = id;
        }

        foreach (var l in _doc.Lvm.LogicalVolumes.Where(l => l.Id == devId))
        {
            l.UsedBy = id;
        }
    }

    // ---------------------------------------------------------------- md

    private void CaptureMd()
    {
        foreach (var name in _devs.Keys.Where(n => n.StartsWith("md", StringComparison.Ordinal) && _devs[n].Parent is null).Order(StringComparer.Ordinal))
        {
            var sys = $"/sys/block/{name}/md";
            if (!_fs.DirectoryExists(sys))
            {
                continue;
            }

            var metadata = ReadTrim(sys + "/metadata_version") ?? "";
            if (metadata.StartsWith("external:", StringComparison.Ordinal))
            {
                _doc.Unsupported.Add(new UnsupportedDevice { Device = "/dev/" + name, Kind = "md-external", Reason = $"externally managed RAID (metadata {metadata}: IMSM/DDF firmware RAID) cannot be recreated by mkcdrec." });
                continue;
            }

            var export = ParseKeyValues(_run.Run(new ProcessRequest("mdadm", ["--detail", "--export", "/dev/" + name])).StandardOutput);
            var detail = _run.Run(new ProcessRequest("mdadm", ["--detail", "/dev/" + name])).StandardOutput;
            var detailKv = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var line in detail.Split('\n'))
            {
                var c = line.IndexOf(" : ", StringComparison.Ordinal);
                if (c > 0)
                {
                    detailKv.TryAdd(line[..c].Trim(), line[(c + 3)..].Trim());
                }
            }

            var uuid = export.GetValueOrDefault("MD_UUID") ?? detailKv.GetValueOrDefault("UUID") ?? "";
            var level = ReadTrim(sys + "/level") ?? export.GetValueOrDefault("MD_LEVEL") ?? "";
            var chunk = ReadLong(sys + "/chunk_size");
            var md = new MdArray
            {
                Id = "md:" + uuid,
                KernelName = name,
                Path = "/dev/" + name,
                Name = export.GetValueOrDefault("MD_NAME") ?? detailKv.GetValueOrDefault("Name")?.Split(' ')[0],
                Level = level,
                Metadata = metadata.Replace("super ", "", StringComparison.Ordinal),
                Uuid = uuid,
                RaidDevices = ReadInt(sys + "/raid_disks"),
                ChunkBytes = chunk > 0 && level is not "raid1" and not "linear" ? chunk : null,
                Layout = detailKv.GetValueOrDefault("Layout"),
                SizeBytes = _devs[name].SizeBytes,
                Bitmap = detailKv.GetValueOrDefault("Intent Bitmap"),
            };
            if (md.Name is not null)
            {
                var shortName = md.Name.Contains(':') ? md.Name[(md.Name.IndexOf(':') + 1)..] : md.Name;
                if (_fs.ReadLink("/dev/md/" + shortName) is not null)
                {
                    md.NamedPath = "/dev/md/" + shortName;
                }
            }

            foreach (var dev in _fs.ListDirectory(sys).Where(d => d.StartsWith("dev-", StringComparison.Ordinal)))
            {
                var member = dev["dev-".Length..];
                var slotText = ReadTrim($"{sys}/{dev}/slot");
                var state = ReadTrim($"{sys}/{dev}/state");
                int? slot = int.TryParse(slotText, out var s) ? s : null;
                var memberId = _idOf.GetValueOrDefault(member);
                if (memberId is null)
                {
                    Note(md.Path, $"member {member} is not a disk or partition mkcdrec captured; it is recorded by name only.");
                    memberId = "dev:" + member;
                }

                md.Members.Add(new MdMember { DeviceId = memberId, Slot = slot, Spare = slot is null || (state?.Contains("spare", StringComparison.Ordinal) ?? false), State = state });
            }

            md.Members.Sort((a, b) => (a.Slot ?? int.MaxValue).CompareTo(b.Slot ?? int.MaxValue));
            if (md.Members.Count(m => !m.Spare) < md.RaidDevices)
            {
                Note(md.Path, $"the array is degraded: {md.Members.Count(m => !m.Spare)} of {md.RaidDevices} members present; it will be recreated degraded unless a disk is added.");
            }

            _doc.MdArrays.Add(md);
            _idOf[name] = md.Id;
            foreach (var m in md.Members)
            {
                var kn = _idOf.FirstOrDefault(kv => kv.Value == m.DeviceId).Key;
                if (kn is not null)
                {
                    SetUsedBy(kn, md.Id);
                }
            }
        }
    }

    // ---------------------------------------------------------------- device mapper: LUKS, LVM, others

    private void CaptureDeviceMapper()
    {
        // LUKS containers: every probed device of TYPE crypto_LUKS, open or not.
        foreach (var (name, probe) in _probe.Where(p => p.Value.GetValueOrDefault("TYPE") == "crypto_LUKS").OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            LuksHeader header;
            try
            {
                using var s = _fs.OpenRead("/dev/" + name);
                var first = new byte[4096];
                s.ReadExactly(first);
                var need = LuksHeader.RequiredLength(first);
                var buf = new byte[Math.Max(need, first.Length)];
                s.Position = 0;
                s.ReadExactly(buf);
                header = LuksHeader.Read(buf);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or EndOfStreamException)
            {
                Note("/dev/" + name, $"blkid says LUKS but its header cannot be read: {e.Message}");
                _doc.Unsupported.Add(new UnsupportedDevice { Device = "/dev/" + name, Kind = "luks", Reason = "unreadable LUKS header: " + e.Message });
                continue;
            }

            var luks = new LuksDevice
            {
                Id = "luks:" + header.Uuid,
                DeviceId = _idOf.GetValueOrDefault(name) ?? "dev:" + name,
                Version = header.Version,
                Uuid = header.Uuid,
                Label = header.Label,
                Cipher = header.Cipher,
                KeySizeBits = header.KeySizeBits,
                Hash = header.Hash,
                Pbkdf = header.Pbkdf,
                PbkdfIterations = header.PbkdfIterations,
                PbkdfMemoryKiB = header.PbkdfMemoryKiB,
                PbkdfParallel = header.PbkdfParallel,
                DataOffsetBytes = header.DataOffsetBytes,
                SectorSize = header.SectorSize,
            };
            var dashless = header.Uuid.Replace("-", "", StringComparison.Ordinal);
            foreach (var dm in _devs.Keys.Where(k => k.StartsWith("dm-", StringComparison.Ordinal)))
            {
                var dmUuid = ReadTrim($"/sys/block/{dm}/dm/uuid") ?? "";
                if (dmUuid.StartsWith("CRYPT-LUKS", StringComparison.Ordinal) && dmUuid.Contains(dashless, StringComparison.OrdinalIgnoreCase))
                {
                    luks.MappedName = ReadTrim($"/sys/block/{dm}/dm/name");
                    luks.MappedPath = "/dev/mapper/" + luks.MappedName;
                    _idOf[dm] = luks.Id;
                }
            }

            _doc.Luks.Add(luks);
            SetUsedBy(name, luks.Id);
            if (luks.MappedName is null)
            {
                Note("/dev/" + name, $"LUKS container {header.Uuid} is not open; what is inside it cannot be captured.");
            }
        }

        foreach (var dm in _devs.Keys.Where(k => k.StartsWith("dm-", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            var uuid = ReadTrim($"/sys/block/{dm}/dm/uuid") ?? "";
            var dmName = ReadTrim($"/sys/block/{dm}/dm/name") ?? dm;
            if (uuid.StartsWith("CRYPT-LUKS", StringComparison.Ordinal) || uuid.StartsWith("LVM-", StringComparison.Ordinal))
            {
                continue; // handled by the LUKS and LVM captures
            }

            var (kind, reason) = uuid switch
            {
                _ when uuid.StartsWith("mpath-", StringComparison.Ordinal) => ("multipath", "multipath devices are not supported; capture the paths' disks is not enough to recreate them."),
                _ when uuid.StartsWith("CRYPT-PLAIN", StringComparison.Ordinal) => ("dm-crypt-plain", "plain dm-crypt (no LUKS header) cannot be recreated without its parameters."),
                _ when uuid.StartsWith("part", StringComparison.Ordinal) => ("kpartx", "kpartx partition mappings are not supported."),
                _ => ("device-mapper", $"device-mapper device '{dmName}' (uuid '{uuid}') is of a kind mkcdrec does not know."),
            };
            _doc.Unsupported.Add(new UnsupportedDevice { Device = "/dev/mapper/" + dmName, Kind = kind, Reason = reason });
            Note("/dev/mapper/" + dmName, "not supported: " + reason);
        }
    }

    private void CaptureLvm()
    {
        if (!_probe.Values.Any(p => p.GetValueOrDefault("TYPE") == "LVM2_member"))
        {
            return;
        }

        if (!_run.CanRun("lvm"))
        {
            Note("lvm", "LVM physical volumes exist but the 'lvm' program is missing; install lvm2 and capture again.");
            return;
        }

        string Report(string cmd, string fields, params string[] extra) => _run.RunChecked(new ProcessRequest("lvm",
            [cmd, "--reportformat", "json", "--units", "b", "--nosuffix", .. extra, "-o", fields])).StandardOutput;

        foreach (var row in ParseLvmReport(Report("pvs", "pv_name,pv_uuid,vg_name,pv_size,pe_start"), "pv"))
        {
            var kn = KernelNameOf(row["pv_name"]);
            var pv = new PhysicalVolume
            {
                Id = "pv:" + row["pv_uuid"],
                DeviceId = (kn is null ? null : _idOf.GetValueOrDefault(kn)) ?? "dev:" + row["pv_name"],
                Uuid = row["pv_uuid"],
                VgName = NullIfEmpty(row.GetValueOrDefault("vg_name")),
                SizeBytes = Long(row.GetValueOrDefault("pv_size")),
                PeStartBytes = Long(row.GetValueOrDefault("pe_start")),
            };
            _doc.Lvm.PhysicalVolumes.Add(pv);
            if (kn is not null)
            {
                SetUsedBy(kn, pv.Id);
            }
        }

        foreach (var row in ParseLvmReport(Report("vgs", "vg_name,vg_uuid,vg_extent_size,vg_size,vg_free"), "vg"))
        {
            var name = row["vg_name"];
            _doc.Lvm.VolumeGroups.Add(new VolumeGroup
            {
                Id = "vg:" + name,
                Name = name,
                Uuid = row["vg_uuid"],
                ExtentSizeBytes = Long(row.GetValueOrDefault("vg_extent_size")),
                SizeBytes = Long(row.GetValueOrDefault("vg_size")),
                FreeBytes = Long(row.GetValueOrDefault("vg_free")),
                PhysicalVolumeIds = _doc.Lvm.PhysicalVolumes.Where(p => p.VgName == name).Select(p => p.Id).ToList(),
            });
        }

        // One row per segment (segment fields are asked): merge rows of the same LV.
        var lvRows = ParseLvmReport(Report("lvs", "vg_name,lv_name,lv_uuid,lv_size,segtype,stripes,stripe_size,pool_lv,chunk_size,lv_metadata_size,lv_attr,lv_path,lv_dm_path,devices", "-a"), "lv");
        foreach (var group in lvRows.GroupBy(r => r["lv_uuid"]))
        {
            var row = group.First();
            var name = row["lv_name"];
            var hidden = name.StartsWith('[');
            name = name.Trim('[', ']');
            var vg = row["vg_name"];
            var lv = new LogicalVolume
            {
                Id = $"lv:{vg}/{name}",
                VgName = vg,
                Name = name,
                Uuid = row["lv_uuid"],
                SizeBytes = Long(row.GetValueOrDefault("lv_size")),
                SegmentType = row.GetValueOrDefault("segtype") ?? "",
                Stripes = int.TryParse(row.GetValueOrDefault("stripes"), out var st) && st > 1 ? st : null,
                StripeSizeBytes = Long(row.GetValueOrDefault("stripe_size")) is var ss && ss > 0 ? ss : null,
                PoolLv = NullIfEmpty(row.GetValueOrDefault("pool_lv"))?.Trim('[', ']'),
                ChunkSizeBytes = Long(row.GetValueOrDefault("chunk_size")) is var cs && cs > 0 ? cs : null,
                MetadataSizeBytes = Long(row.GetValueOrDefault("lv_metadata_size")) is var ms && ms > 0 ? ms : null,
                Attributes = NullIfEmpty(row.GetValueOrDefault("lv_attr")),
                Hidden = hidden,
                Path = NullIfEmpty(row.GetValueOrDefault("lv_path")),
            };
            if (group.Count() > 1)
            {
                lv.SegmentType = string.Join(',', group.Select(r => r.GetValueOrDefault("segtype")).Distinct());
            }

            foreach (var r in group)
            {
                foreach (var dev in (r.GetValueOrDefault("devices") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries))
                {
                    var path = dev.Contains('(') ? dev[..dev.IndexOf('(')] : dev;
                    var pv = _doc.Lvm.PhysicalVolumes.FirstOrDefault(p => KernelNameOf(path) is { } k && _idOf.GetValueOrDefault(k) == p.DeviceId);
                    if (pv is not null && !lv.PhysicalVolumeIds.Contains(pv.Id))
                    {
                        lv.PhysicalVolumeIds.Add(pv.Id);
                    }
                }
            }

            var dmPath = NullIfEmpty(row.GetValueOrDefault("lv_dm_path"));
            if (dmPath is not null && KernelNameOf(dmPath) is { } dmKn)
            {
                lv.DmName = ReadTrim($"/sys/block/{dmKn}/dm/name");
                _idOf[dmKn] = lv.Id;
            }

            _doc.Lvm.LogicalVolumes.Add(lv);
        }
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s;

    private static long Long(string? s) => long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : 0;

    // ---------------------------------------------------------------- filesystems

    private static readonly HashSet<string> Recreatable = [FilesystemTypes.Ext2, FilesystemTypes.Ext3, FilesystemTypes.Ext4, FilesystemTypes.Xfs, FilesystemTypes.Btrfs, FilesystemTypes.Vfat, FilesystemTypes.Swap];

    private static readonly HashSet<string> Containers = ["linux_raid_member", "crypto_LUKS", "LVM2_member"];

    private List<MountInfoEntry> _mountInfo = [];
    private Dictionary<string, (long Size, long Used)> _df = [];

    private void CaptureFilesystems()
    {
        _mountInfo = ParseMountInfo(_fs.ReadText("/proc/self/mountinfo") ?? "");
        if (_run.CanRun("df"))
        {
            var r = _run.Run(new ProcessRequest("df", ["-B1", "--output=target,size,used"]));
            _df = ParseDf(r.StandardOutput);
        }

        var swaps = ParseProcSwaps(_fs.ReadText("/proc/swaps") ?? "");
        foreach (var group in _probe.Where(p => p.Value.ContainsKey("TYPE") && _idOf.ContainsKey(p.Key))
                     .GroupBy(p => (Type: p.Value["TYPE"], Uuid: p.Value.GetValueOrDefault("UUID") ?? "dev:" + p.Key))
                     .OrderBy(g => g.Min(x => x.Key), StringComparer.Ordinal))
        {
            var type = group.Key.Type;
            if (Containers.Contains(type))
            {
                continue;
            }

            var names = group.Select(g => g.Key).Order(StringComparer.Ordinal).ToList();
            var probe = group.First().Value;
            if (!Recreatable.Contains(type))
            {
                _doc.Unsupported.Add(new UnsupportedDevice { Device = "/dev/" + names[0], Kind = "filesystem:" + type, Reason = $"filesystem type '{type}' cannot be recreated by mkcdrec." });
                Note("/dev/" + names[0], $"holds a '{type}' filesystem, which mkcdrec cannot recreate.");
                continue;
            }

            var uuid = probe.GetValueOrDefault("UUID");
            var fs = new Filesystem
            {
                Id = uuid is null ? $"fs:{type}:{_idOf[names[0]]}" : $"fs:{type}:{uuid}",
                Type = type,
                Uuid = uuid,
                Label = probe.GetValueOrDefault("LABEL"),
                DeviceIds = names.Select(n => _idOf[n]).ToList(),
                SizeBytes = names.Sum(n => _devs.TryGetValue(n, out var d) ? d.SizeBytes : 0),
            };
            var mountPoint = MountPointOf(names);
            if (mountPoint is not null && _df.TryGetValue(mountPoint, out var du))
            {
                fs.UsedBytes = du.Used;
            }

            try
            {
                FillParameters(fs, names, probe, mountPoint, swaps);
            }
            catch (MkcdrecException e) when (e.Code == ExitCode.CommandFailed)
            {
                Note("/dev/" + names[0], $"the {type} parameters could not be read ({e.Message.Split('\n')[0]}); it will be recreated with defaults.");
            }

            _doc.Filesystems.Add(fs);
            foreach (var n in names)
            {
                SetUsedBy(n, fs.Id);
            }
        }
    }

    private string? MountPointOf(IEnumerable<string> kernelNames)
    {
        foreach (var m in _mountInfo)
        {
            if (m.Source.StartsWith("/dev/", StringComparison.Ordinal) && KernelNameOf(m.Source) is { } kn && kernelNames.Contains(kn))
            {
                return m.MountPoint;
            }

            var dev = _devs.Values.FirstOrDefault(d => d.DevNum == $"{m.Major}:{m.Minor}");
            if (dev is not null && kernelNames.Contains(dev.Name))
            {
                return m.MountPoint;
            }
        }

        return null;
    }

    private void FillParameters(Filesystem fs, List<string> names, Dictionary<string, string> probe, string? mountPoint, Dictionary<string, int> swaps)
    {
        var dev = "/dev/" + names[0];
        switch (fs.Type)
        {
            case FilesystemTypes.Ext2 or FilesystemTypes.Ext3 or FilesystemTypes.Ext4:
                var dumpe2fs = _run.RunChecked(new ProcessRequest("dumpe2fs", ["-h", dev])).StandardOutput;
                fs.Ext = ParseDumpe2fs(dumpe2fs);
                fs.SizeBytes = fs.Ext.BlockCount * fs.Ext.BlockSize;
                if (fs.UsedBytes is null)
                {
                    var free = ParseKeyValuesColon(dumpe2fs).GetValueOrDefault("Free blocks");
                    if (long.TryParse(free, out var fb))
                    {
                        fs.UsedBytes = (fs.Ext.BlockCount - fb) * fs.Ext.BlockSize;
                    }
                }

                break;
            case FilesystemTypes.Xfs:
                fs.Xfs = ParseXfsInfo(_run.RunChecked(new ProcessRequest("xfs_info", [mountPoint ?? dev])).StandardOutput);
                break;
            case FilesystemTypes.Btrfs:
                var b = new BtrfsParameters();
                var superText = _run.RunChecked(new ProcessRequest("btrfs", ["inspect-internal", "dump-super", dev])).StandardOutput;
                var (node, sector) = ParseBtrfsDumpSuper(superText);
                b.NodeSize = node;
                b.SectorSize = sector;
                foreach (var n in names)
                {
                    var super = n == names[0] ? superText : _run.Run(new ProcessRequest("btrfs", ["inspect-internal", "dump-super", "/dev/" + n])).StandardOutput;
                    var devItem = System.Text.RegularExpressions.Regex.Match(super, @"dev_item\.devid\s+(\d+)");
                    b.Devices.Add(new BtrfsDevice { DeviceId = _idOf[n], DevId = devItem.Success ? int.Parse(devItem.Groups[1].Value, CultureInfo.InvariantCulture) : 0, SubUuid = _probe[n].GetValueOrDefault("UUID_SUB") });
                }

                b.Devices.Sort((x, y) => x.DevId.CompareTo(y.DevId));
                var topMount = _mountInfo.FirstOrDefault(m => m.FsType == "btrfs" && KernelNameOf(m.Source) is { } k && names.Contains(k));
                if (topMount is not null)
                {
                    var mnt = topMount.MountPoint;
                    (b.DataProfile, b.MetadataProfile, b.SystemProfile) = ParseBtrfsDf(_run.RunChecked(new ProcessRequest("btrfs", ["filesystem", "df", "-b", mnt])).StandardOutput);
                    var ro = ParseBtrfsSubvolumeList(_run.RunChecked(new ProcessRequest("btrfs", ["subvolume", "list", "-a", "-r", "-p", mnt])).StandardOutput).Select(s => s.Id).ToHashSet();
                    b.Subvolumes = ParseBtrfsSubvolumeList(_run.RunChecked(new ProcessRequest("btrfs", ["subvolume", "list", "-a", "-p", mnt])).StandardOutput, ro);
                    b.DefaultSubvolumeId = ParseBtrfsDefault(_run.RunChecked(new ProcessRequest("btrfs", ["subvolume", "get-default", mnt])).StandardOutput);
                }
                else
                {
                    Note(dev, "btrfs filesystem is not mounted: its subvolumes and profiles are not captured (mount it and capture again).");
                }

                fs.Btrfs = b;
                break;
            case FilesystemTypes.Vfat:
                fs.Vfat = new VfatParameters { FatSize = probe.GetValueOrDefault("VERSION") };
                break;
            case FilesystemTypes.Swap:
                var active = names.Select(n => "/dev/" + n).Concat(names.SelectMany(n => _fs.ListDirectory("/dev/mapper").Where(m => KernelNameOf("/dev/mapper/" + m) == n).Select(m => "/dev/mapper/" + m)))
                    .FirstOrDefault(swaps.ContainsKey);
                fs.Swap = new SwapParameters { Active = active is not null, Priority = active is null ? null : swaps[active] };
                if (fs.UsedBytes is null)
                {
                    fs.UsedBytes = 0;
                }

                break;
        }
    }

    private static Dictionary<string, string> ParseKeyValuesColon(string text)
    {
        var kv = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            var c = line.IndexOf(':');
            if (c > 0)
            {
                kv.TryAdd(line[..c].Trim(), line[(c + 1)..].Trim());
            }
        }

        return kv;
    }

    // ---------------------------------------------------------------- mounts, fstab, crypttab, mdadm.conf

    private void CaptureMountsAndConfig()
    {
        var fsByKernel = new Dictionary<string, Filesystem>(StringComparer.Ordinal);
        foreach (var fs in _doc.Filesystems)
        {
            foreach (var id in fs.DeviceIds)
            {
                var kn = _idOf.FirstOrDefault(kv => kv.Value == id).Key;
                if (kn is not null)
                {
                    fsByKernel[kn] = fs;
                }
            }
        }

        foreach (var m in _mountInfo)
        {
            string? kn = m.Source.StartsWith("/dev/", StringComparison.Ordinal) ? KernelNameOf(m.Source) : null;
            kn ??= _devs.Values.FirstOrDefault(d => d.DevNum == $"{m.Major}:{m.Minor}")?.Name;
            if (kn is null || !fsByKernel.TryGetValue(kn, out var fs))
            {
                continue;
            }

            var isBtrfs = fs.Type == FilesystemTypes.Btrfs;
            if (!isBtrfs && m.Root != "/")
            {
                Note(m.MountPoint, $"is a bind mount of {m.Root} on {m.Source}; bind mounts are recreated from fstab only.");
                continue;
            }

            _doc.Mounts.Add(new Mount
            {
                Target = m.MountPoint,
                FilesystemId = fs.Id,
                Source = m.Source,
                Type = m.FsType,
                Options = m.Options + (m.SuperOptions.Length > 0 ? "," + m.SuperOptions : ""),
                Subvolume = isBtrfs ? m.Root : null,
            });
        }

        var cfg = _doc.Config;
        cfg.Fstab = _fs.ReadText("/etc/fstab");
        cfg.Crypttab = _fs.ReadText("/etc/crypttab");
        cfg.MdadmConf = _fs.ReadText("/etc/mdadm/mdadm.conf") ?? _fs.ReadText("/etc/mdadm.conf");
        cfg.FstabEntries = ParseFstab(cfg.Fstab ?? "");
        cfg.CrypttabEntries = ParseCrypttab(cfg.Crypttab ?? "");
        foreach (var e in cfg.FstabEntries)
        {
            var kn = ResolveSpec(e.Spec, _probe, KernelNameOf);
            if (kn is not null && fsByKernel.TryGetValue(kn, out var fs))
            {
                e.FilesystemId = fs.Id;
                foreach (var m in _doc.Mounts.Where(m => m.Target == e.Target && m.FilesystemId == fs.Id))
                {
                    m.InFstab = true;
                }
            }
            else if (e.Type is not ("proc" or "sysfs" or "tmpfs" or "devpts" or "none" or "nfs" or "nfs4" or "cifs" or "bind") && !e.Options.Contains("bind", StringComparison.Ordinal) && !e.Options.Contains("noauto", StringComparison.Ordinal))
            {
                Note("/etc/fstab", $"'{e.Spec}' for {e.Target} does not match any filesystem mkcdrec captured.");
            }
        }

        foreach (var c in cfg.CrypttabEntries)
        {
            var kn = ResolveSpec(c.Device, _probe, KernelNameOf);
            var luks = _doc.Luks.FirstOrDefault(l => kn is not null && l.DeviceId == _idOf.GetValueOrDefault(kn));
            if (luks is not null)
            {
                luks.Crypttab = c;
                luks.MappedName ??= c.Name;
                luks.MappedPath ??= "/dev/mapper/" + c.Name;
            }
        }
    }

    // ---------------------------------------------------------------- boot

    private void CaptureBoot()
    {
        var boot = _doc.Boot;
        boot.Firmware = _fs.DirectoryExists("/sys/firmware/efi") ? FirmwareKinds.Uefi : FirmwareKinds.Bios;
        boot.KernelCommandLine = ReadTrim("/proc/cmdline");
        foreach (var cfg in new[] { "/boot/grub/grub.cfg", "/boot/grub2/grub.cfg" })
        {
            if (_fs.FileExists(cfg))
            {
                boot.Bootloader = "grub2";
                boot.GrubConfigPath = cfg;
                break;
            }
        }

        var esp = _doc.Filesystems.FirstOrDefault(f => f.Type == FilesystemTypes.Vfat && f.DeviceIds.Any(IsEspPartition));
        if (esp is not null)
        {
            boot.EspFilesystemId = esp.Id;
            boot.EspMountPoint = _doc.Mounts.FirstOrDefault(m => m.FilesystemId == esp.Id)?.Target;
            var loaderConf = boot.EspMountPoint is null ? null : boot.EspMountPoint + "/loader/loader.conf";
            if (boot.Bootloader is null && loaderConf is not null && _fs.FileExists(loaderConf))
            {
                boot.Bootloader = "systemd-boot";
            }
        }

        foreach (var d in _doc.Disks.Where(d => d.PartitionTable.BootCode == "grub2"))
        {
            boot.BiosBootDiskIds.Add(d.Id);
        }

        if (boot.Bootloader is null && boot.BiosBootDiskIds.Count > 0)
        {
            boot.Bootloader = "grub2";
        }

        if (boot.Firmware == FirmwareKinds.Uefi && _run.CanRun("efibootmgr"))
        {
            var r = _run.Run(new ProcessRequest("efibootmgr", ["-v"]));
            if (r.ExitCode == 0)
            {
                (boot.EfiBootEntries, boot.EfiBootOrder) = ParseEfiBootMgr(r.StandardOutput);
            }
            else
            {
                Note("efibootmgr", $"could not read the EFI boot entries: {r.StandardError.Trim()}");
            }
        }

        if (boot.Bootloader is null && _doc.Disks.Count > 0 && !_explicitDisks)
        {
            Note("boot", "no bootloader recognised (looked for GRUB config, GRUB boot code, systemd-boot); the recovered system may need one installed by hand.");
        }
    }

    private bool IsEspPartition(string deviceId) =>
        _doc.Disks.SelectMany(d => d.Partitions).Any(p => p.Id == deviceId && (p.TypeGuid == PartitionTypes.EfiSystem || p.MbrType == "ef"));

    // ---------------------------------------------------------------- network

    private void CaptureNetwork()
    {
        var net = _doc.Network;
        net.Hostname = _doc.Host.Hostname;
        Dictionary<string, (List<string> Addresses, bool Dynamic, int? Mtu, string? State)> addrs = [];
        if (_run.CanRun("ip"))
        {
            var a = _run.Run(new ProcessRequest("ip", ["-j", "addr", "show"]));
            if (a.ExitCode == 0)
            {
                addrs = ParseIpAddr(a.StandardOutput);
            }

            foreach (var family in new[] { "-4", "-6" })
            {
                var r = _run.Run(new ProcessRequest("ip", ["-j", family, "route", "show"]));
                if (r.ExitCode == 0)
                {
                    net.Routes.AddRange(ParseIpRoute(r.StandardOutput).Where(x => x.Device != "lo"));
                }
            }
        }

        foreach (var ifc in _fs.ListDirectory("/sys/class/net"))
        {
            if (ifc == "lo")
            {
                continue;
            }

            var sys = "/sys/class/net/" + ifc;
            var driver = _fs.ReadLink(sys + "/device/driver");
            var has = addrs.TryGetValue(ifc, out var ai);
            net.Interfaces.Add(new NetworkInterface
            {
                Name = ifc,
                Mac = ReadTrim(sys + "/address"),
                Driver = driver is null ? null : Path.GetFileName(driver),
                Mtu = has ? ai.Mtu : (ReadInt(sys + "/mtu") is var mtu && mtu > 0 ? mtu : null),
                State = has ? ai.State : ReadTrim(sys + "/operstate"),
                Addresses = has ? ai.Addresses : [],
                Dhcp = has && ai.Dynamic,
            });
        }

        var (ns, search) = ParseResolvConf(_fs.ReadText("/etc/resolv.conf") ?? "");
        net.Nameservers = ns;
        net.SearchDomains = search;
    }

    // ---------------------------------------------------------------- --disk restriction

    /// <summary>Keeps the selected disks and everything stacked on them; warns about stacks that reach other disks.</summary>
    private void Restrict(List<string> diskNames)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var d in _doc.Disks)
        {
            ids.Add(d.Id);
            foreach (var p in d.Partitions)
            {
                ids.Add(p.Id);
            }
        }

        bool changed;
        do
        {
            changed = false;
            foreach (var m in _doc.MdArrays.Where(m => !ids.Contains(m.Id) && m.Members.Any(x => ids.Contains(x.DeviceId))))
            {
                changed |= ids.Add(m.Id);
            }

            foreach (var l in _doc.Luks.Where(l => !ids.Contains(l.Id) && ids.Contains(l.DeviceId)))
            {
                changed |= ids.Add(l.Id);
            }

            foreach (var pv in _doc.Lvm.PhysicalVolumes.Where(p => !ids.Contains(p.Id) && ids.Contains(p.DeviceId)))
            {
                changed |= ids.Add(pv.Id);
                if (pv.VgName is not null)
                {
                    changed |= ids.Add("vg:" + pv.VgName);
                }
            }

            foreach (var lv in _doc.Lvm.LogicalVolumes.Where(l => !ids.Contains(l.Id) && ids.Contains("vg:" + l.VgName)))
            {
                changed |= ids.Add(lv.Id);
            }

            foreach (var fs in _doc.Filesystems.Where(f => !ids.Contains(f.Id) && f.DeviceIds.Any(ids.Contains)))
            {
                changed |= ids.Add(fs.Id);
            }
        }
        while (changed);

        foreach (var m in _doc.MdArrays.Where(m => ids.Contains(m.Id) && m.Members.Any(x => !ids.Contains(x.DeviceId))))
        {
            Note(m.Path, "has members on disks that were not selected with --disk; only the selected members are part of this layout.");
        }

        foreach (var vg in _doc.Lvm.VolumeGroups.Where(v => ids.Contains(v.Id)))
        {
            foreach (var pvId in vg.PhysicalVolumeIds.Where(p => !ids.Contains(p)))
            {
                Note("vg " + vg.Name, $"also spans {pvId}, on a disk not selected with --disk; recreating it needs that disk too.");
            }
        }

        _doc.MdArrays.RemoveAll(m => !ids.Contains(m.Id));
        _doc.Luks.RemoveAll(l => !ids.Contains(l.Id));
        _doc.Lvm.PhysicalVolumes.RemoveAll(p => !ids.Contains(p.Id));
        _doc.Lvm.VolumeGroups.RemoveAll(v => !ids.Contains(v.Id));
        _doc.Lvm.LogicalVolumes.RemoveAll(l => !ids.Contains(l.Id));
        _doc.Filesystems.RemoveAll(f => !ids.Contains(f.Id));
        _doc.Mounts.RemoveAll(m => !ids.Contains(m.FilesystemId));
        if (_doc.Boot.EspFilesystemId is not null && !ids.Contains(_doc.Boot.EspFilesystemId))
        {
            _doc.Boot.EspFilesystemId = null;
            _doc.Boot.EspMountPoint = null;
        }

        _doc.Unsupported.RemoveAll(u => KernelNameOf(u.Device) is { } k && !IsStackedOn(k, diskNames));
    }

    private bool IsStackedOn(string kernelName, List<string> diskNames)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<string>([kernelName]);
        while (stack.Count > 0)
        {
            var n = stack.Pop();
            if (!seen.Add(n) || !_devs.TryGetValue(n, out var d))
            {
                continue;
            }

            if (diskNames.Contains(n) || (d.Parent is not null && diskNames.Contains(d.Parent)))
            {
                return true;
            }

            foreach (var s in d.Slaves)
            {
                stack.Push(s);
            }
        }

        return false;
    }
}
