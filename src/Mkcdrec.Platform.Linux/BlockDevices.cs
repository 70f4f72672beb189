using System.Diagnostics;
using System.Runtime.InteropServices;
using Mkcdrec.Core.Execution;

namespace Mkcdrec.Platform.Linux;

/// <summary>Block devices on Linux: geometry from sysfs, writes through the device node, BLKRRPART to re-read tables.</summary>
public sealed partial class BlockDevices : IBlockDevices
{
    // _IO(0x12, 95)
    private const ulong BlkRrPart = 0x125F;

    public (long SizeBytes, int LogicalSectorSize) Probe(string device)
    {
        var name = KernelName(device);
        var sys = $"/sys/class/block/{name}";
        var sizeText = ReadSys(sys + "/size")
            ?? throw new Core.MkcdrecException(Core.ExitCode.Environment, $"{device} is not a block device the kernel knows ({sys} is missing).", "Check the device name (lsblk).");
        var sector = ReadSys(sys + "/queue/logical_block_size") is { } ls ? int.Parse(ls, System.Globalization.CultureInfo.InvariantCulture) : 512;
        return (long.Parse(sizeText, System.Globalization.CultureInfo.InvariantCulture) * 512, sector);
    }

    public Stream OpenForWrite(string device) =>
        new FileStream(device, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, 1, FileOptions.WriteThrough);

    public bool RereadPartitions(string device)
    {
        using var f = new FileStream(device, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1);
        return Ioctl((int)f.SafeFileHandle.DangerousGetHandle(), BlkRrPart, IntPtr.Zero) == 0;
    }

    public bool WaitForDevices(IReadOnlyList<string> paths, TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            if (paths.All(File.Exists))
            {
                return true;
            }

            if (sw.Elapsed >= timeout)
            {
                return false;
            }

            Thread.Sleep(100);
        }
    }

    public (long StartBytes, long SizeBytes)? KernelExtent(string partition)
    {
        var sys = $"/sys/class/block/{KernelName(partition)}";
        return long.TryParse(ReadSys(sys + "/start"), out var start) && long.TryParse(ReadSys(sys + "/size"), out var size)
            ? (start * 512, size * 512) // sysfs counts 512-byte units whatever the sector size
            : null;
    }

    private static string KernelName(string device)
    {
        var real = new FileInfo(device).LinkTarget is not null ? Path.GetFullPath(new FileInfo(device).ResolveLinkTarget(true)!.FullName) : device;
        return Path.GetFileName(real);
    }

    private static string? ReadSys(string path)
    {
        try
        {
            return File.ReadAllText(path).Trim();
        }
        catch (IOException)
        {
            return null;
        }
    }

    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    private static partial int Ioctl(int fd, ulong request, IntPtr arg);
}
