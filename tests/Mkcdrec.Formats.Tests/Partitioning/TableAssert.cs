using Mkcdrec.Formats.Partitioning;

namespace Mkcdrec.Formats.Tests.Partitioning;

internal static class TableAssert
{
    public static void Equal(GptTable expected, GptTable actual)
    {
        Assert.Equal(expected.DiskGuid, actual.DiskGuid);
        Assert.Equal(expected.FirstUsableLba, actual.FirstUsableLba);
        Assert.Equal(expected.LastUsableLba, actual.LastUsableLba);
        Assert.Equal(expected.PrimaryHeaderLba, actual.PrimaryHeaderLba);
        Assert.Equal(expected.BackupHeaderLba, actual.BackupHeaderLba);
        Assert.Equal(expected.EntriesLba, actual.EntriesLba);
        Assert.Equal(expected.BackupEntriesLba, actual.BackupEntriesLba);
        Assert.Equal(expected.EntryCount, actual.EntryCount);
        Assert.Equal(expected.EntrySize, actual.EntrySize);
        Assert.Equal(expected.Revision, actual.Revision);
        Assert.Equal(expected.HeaderExtraBytes, actual.HeaderExtraBytes);
        Assert.Equal(expected.ProtectiveMbrBootCode, actual.ProtectiveMbrBootCode);
        Assert.Equal(expected.ProtectiveMbrDiskSignature, actual.ProtectiveMbrDiskSignature);
        var e = expected.Partitions.OrderBy(p => p.Number).ToList();
        var a = actual.Partitions.OrderBy(p => p.Number).ToList();
        Assert.Equal(e.Select(p => p.Number), a.Select(p => p.Number));
        for (int i = 0; i < e.Count; i++)
        {
            Assert.Equal(e[i].TypeGuid, a[i].TypeGuid);
            Assert.Equal(e[i].UniqueGuid, a[i].UniqueGuid);
            Assert.Equal(e[i].FirstLba, a[i].FirstLba);
            Assert.Equal(e[i].LastLba, a[i].LastLba);
            Assert.Equal(e[i].Attributes, a[i].Attributes);
            Assert.Equal(e[i].Name, a[i].Name);
            Assert.Equal(e[i].ExtraBytes.Length == 0 ? new byte[actual.EntrySize - 128] : e[i].ExtraBytes, a[i].ExtraBytes);
        }
    }

    /// <summary>Compares two MBR tables; EBR positions only when <paramref name="compareEbr"/> (the writer may choose them).</summary>
    public static void Equal(MbrTable expected, MbrTable actual, bool compareEbr = true)
    {
        Assert.Equal(expected.DiskSignature, actual.DiskSignature);
        Assert.Equal(expected.Reserved, actual.Reserved);
        Assert.Equal(expected.BootCode, actual.BootCode);
        var e = expected.Partitions.OrderBy(p => p.Number).ToList();
        var a = actual.Partitions.OrderBy(p => p.Number).ToList();
        Assert.Equal(e.Select(p => p.Number), a.Select(p => p.Number));
        for (int i = 0; i < e.Count; i++)
        {
            Assert.Equal(e[i].Type, a[i].Type);
            Assert.Equal(e[i].Bootable, a[i].Bootable);
            Assert.Equal(e[i].StartLba, a[i].StartLba);
            Assert.Equal(e[i].SectorCount, a[i].SectorCount);
            Assert.Equal(e[i].IsExtended, a[i].IsExtended);
            Assert.Equal(e[i].IsLogical, a[i].IsLogical);
            if (compareEbr && e[i].EbrLba is not null)
            {
                Assert.Equal(e[i].EbrLba, a[i].EbrLba);
            }
        }
    }
}
