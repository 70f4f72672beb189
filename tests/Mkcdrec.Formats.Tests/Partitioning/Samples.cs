using Mkcdrec.Formats.Partitioning;

namespace Mkcdrec.Formats.Tests.Partitioning;

internal static class Samples
{
    public static readonly Guid LinuxFs = new("0FC63DAF-8483-4772-8E79-3D69D8477DE4");
    public static readonly Guid Esp = new("C12A7328-F81F-11D2-BA4B-00A0C93EC93B");
    public static readonly Guid BiosBoot = new("21686148-6449-6E6F-744E-656564454649");

    /// <summary>A typical 3-partition GPT (BIOS boot, ESP, root) on a device of <paramref name="deviceBytes"/>.</summary>
    public static GptTable Gpt(int ss, long deviceBytes)
    {
        var t = GptTable.CreateEmpty(deviceBytes, ss, Guid.NewGuid());
        long mib = (1 << 20) / ss;
        t.Partitions.Add(new GptPartition { Number = 1, TypeGuid = BiosBoot, UniqueGuid = Guid.NewGuid(), FirstLba = mib, LastLba = (2 * mib) - 1, Name = "bios", Attributes = 1UL << 2 });
        t.Partitions.Add(new GptPartition { Number = 2, TypeGuid = Esp, UniqueGuid = Guid.NewGuid(), FirstLba = 2 * mib, LastLba = (10 * mib) - 1, Name = "EFI System Partition" });
        t.Partitions.Add(new GptPartition { Number = 3, TypeGuid = LinuxFs, UniqueGuid = Guid.NewGuid(), FirstLba = 10 * mib, LastLba = t.LastUsableLba, Name = "root", Attributes = 1UL << 60 });
        return t;
    }

    public static SparseStream Written(GptTable t, int ss, long deviceBytes)
    {
        var device = new SparseStream(deviceBytes);
        PartitionTableWriter.Write(device, ss, deviceBytes, t);
        return device;
    }

    /// <summary>The layout sfdisk produced in the investigation: 1 boot, 2 extended, 3 after it, logicals 5 and 6.</summary>
    public static MbrTable Mbr() => new()
    {
        DiskSignature = 0x12345678,
        Partitions =
        [
            new MbrPartition { Number = 1, Type = 0x83, Bootable = true, StartLba = 2048, SectorCount = 10000 },
            new MbrPartition { Number = 2, Type = 0x05, StartLba = 20000, SectorCount = 80000 },
            new MbrPartition { Number = 3, Type = 0x07, StartLba = 12288, SectorCount = 7000 },
            new MbrPartition { Number = 5, Type = 0x82, StartLba = 22048, SectorCount = 5000 },
            new MbrPartition { Number = 6, Type = 0x83, StartLba = 30000, SectorCount = 6000 },
        ],
    };
}
