namespace Mkcdrec.Core.Execution;

/// <summary>The block-device operations the executor needs besides running programs: probing a disk's geometry,
/// writing a partition table with our own writer, and waiting for the kernel/udev to create partition nodes.</summary>
public interface IBlockDevices
{
    /// <summary>The device's size in bytes and its logical sector size.</summary>
    (long SizeBytes, int LogicalSectorSize) Probe(string device);

    /// <summary>Opens the whole device for writing (exclusive where the platform allows it).</summary>
    Stream OpenForWrite(string device);

    /// <summary>Asks the kernel to re-read the partition table; false when it refused (e.g. busy).</summary>
    bool RereadPartitions(string device);

    /// <summary>Waits until every path exists as a device node; false at the timeout.</summary>
    bool WaitForDevices(IReadOnlyList<string> paths, TimeSpan timeout);

    /// <summary>Where the kernel has a partition (start and size in bytes, as it uses them); null when it cannot say.</summary>
    (long StartBytes, long SizeBytes)? KernelExtent(string partition) => null;
}
