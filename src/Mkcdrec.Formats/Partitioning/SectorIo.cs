namespace Mkcdrec.Formats.Partitioning;

/// <summary>Positioned, exact reads and writes of whole sectors on a seekable stream (a device or an image file).</summary>
internal static class SectorIo
{
    private const int ZeroChunk = 1 << 20;

    public static void CheckSectorSize(int logicalSectorSize)
    {
        if (logicalSectorSize < 512 || logicalSectorSize > 65536 || (logicalSectorSize & (logicalSectorSize - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(logicalSectorSize), logicalSectorSize, "the logical sector size must be a power of two between 512 and 65536 bytes");
        }
    }

    public static void CheckStream(Stream device, bool write)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (!device.CanSeek || !device.CanRead || (write && !device.CanWrite))
        {
            throw new ArgumentException(write ? "the device stream must be readable, writable and seekable" : "the device stream must be readable and seekable", nameof(device));
        }
    }

    /// <summary>Reads <paramref name="count"/> sectors from <paramref name="lba"/>; a short read is corrupt (truncated) input.</summary>
    public static byte[] ReadSectors(Stream device, int sectorSize, long lba, int count, string what)
    {
        var buffer = new byte[checked(sectorSize * count)];
        long offset = checked(lba * sectorSize);
        device.Position = offset;
        int got = device.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        if (got < buffer.Length)
        {
            throw new InvalidDataException(
                $"truncated input: {what} at LBA {lba} (byte offset {offset}) needs {buffer.Length} bytes, only {got} could be read");
        }

        return buffer;
    }

    public static void WriteSectors(Stream device, int sectorSize, long lba, ReadOnlySpan<byte> data)
    {
        device.Position = checked(lba * sectorSize);
        device.Write(data);
    }

    public static void ZeroSectors(Stream device, int sectorSize, long firstLba, long count)
    {
        if (count <= 0)
        {
            return;
        }

        var zeros = new byte[(int)Math.Min(ZeroChunk, count * sectorSize)];
        long remaining = count * sectorSize;
        device.Position = checked(firstLba * sectorSize);
        while (remaining > 0)
        {
            int n = (int)Math.Min(zeros.Length, remaining);
            device.Write(zeros, 0, n);
            remaining -= n;
        }
    }
}
