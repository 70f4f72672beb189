using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Mkcdrec.TestVm;

namespace Mkcdrec.SystemTests.Recover;

/// <summary>
/// A guest of its own for issue 3's evidence: six scratch disks in three pairs, so every layout fixture can be built on
/// the first pair, captured, and recreated on blank disks of the same size (the first pair again, wiped), 1.5 times
/// larger (the second pair) and smaller (the third pair). Two-disk fixtures (RAID1, btrfs raid1) use both disks of a pair.
/// </summary>
public sealed class RecreateGuestFixture : IDisposable
{
    public static readonly IReadOnlyList<long> DiskSizes = [Size.GiB(2), Size.GiB(2), Size.GiB(3), Size.GiB(3), Size.MiB(1280), Size.MiB(1280)];

    public RecreateGuestFixture()
    {
        Vm = Mkcdrec.TestVm.TestVm.Start(new TestVmOptions { Disks = DiskSizes, Firmware = Firmware.Bios });
        Timings.Report($"boot to ready (BIOS, recreate guest, 6 disks): {Vm.BootTime.TotalSeconds:F1} s");

        // md resyncs are frozen in this guest: the RAID1 arrays `mdadm --create` makes here would otherwise copy every
        // block of one member to the other in the background (gigabytes through TCG), competing for the two host cores
        // with every later step, only to be discarded by the next WipeDisks. The tests compare layouts, not mirrored data.
        Vm.RunChecked("echo 0 > /proc/sys/dev/raid/speed_limit_min; echo 0 > /proc/sys/dev/raid/speed_limit_max");
    }

    public Mkcdrec.TestVm.TestVm Vm { get; }

    /// <summary>The fixtures whose layout is already captured in this guest (/tmp/src-NAME.json).</summary>
    public HashSet<string> Captured { get; } = [];

    /// <summary>
    /// True while every scratch disk holds the refusal tests' markers (a GPT, an ext4 signature, random bytes near the end)
    /// and nothing else: a refusal changes no byte, so the next refusal test can use them as they are. Whatever writes to
    /// the disks (a wipe, a fixture build, a recreation) clears it.
    /// </summary>
    public bool MarkersIntact { get; set; }

    /// <summary><see cref="Mkcdrec.TestVm.TestVm.WipeDisks"/>, and the markers are gone.</summary>
    public void WipeDisks()
    {
        MarkersIntact = false;
        Vm.WipeDisks();
    }

    /// <summary>
    /// One digest per scratch disk image on the host, over its logical content: every non-zero 4 KiB block with its offset.
    /// The images are sparse (WipeDisks discards), so only the data extents (lseek SEEK_DATA/SEEK_HOLE) are read; holes
    /// read as zeros, like zeros written. Any byte that changes shows. The guest must have flushed first (sync, flushbufs).
    /// </summary>
    public IReadOnlyList<DiskDigest> HashDisks()
    {
        var result = new List<DiskDigest>();
        var buf = new byte[4 << 20];
        foreach (var image in Vm.DiskImages)
        {
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            using var f = new FileStream(image, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.None);
            var fd = (int)f.SafeFileHandle.DangerousGetHandle();
            var length = f.Length;
            long pos = 0, allocated = 0;
            while (pos < length)
            {
                var data = Lseek(fd, pos, SeekData);
                if (data < 0)
                {
                    break; // only a hole is left
                }

                var hole = Lseek(fd, data, SeekHole);
                hole = hole < 0 ? length : hole;
                f.Position = data;
                for (long at = data, left = hole - data; left > 0;)
                {
                    var n = f.Read(buf, 0, (int)Math.Min(buf.Length, left));
                    if (n <= 0)
                    {
                        throw new IOException($"{image}: short read at {f.Position}");
                    }

                    // Only non-zero 4 KiB blocks, with their offsets: the logical content, whether zeros are a hole or written.
                    for (var b = 0; b < n; b += 4096)
                    {
                        var block = buf.AsSpan(b, Math.Min(4096, n - b));
                        if (block.IndexOfAnyExcept((byte)0) >= 0)
                        {
                            sha.AppendData(BitConverter.GetBytes(at + b));
                            sha.AppendData(block);
                        }
                    }

                    at += n;
                    left -= n;
                }

                allocated += hole - data;
                pos = hole;
            }

            result.Add(new DiskDigest(Path.GetFileName(image), length, allocated, Convert.ToHexStringLower(sha.GetHashAndReset())));
        }

        return result;
    }

    private const int SeekData = 3;
    private const int SeekHole = 4;

    [DllImport("libc", EntryPoint = "lseek", SetLastError = true)]
    private static extern long Lseek(int fd, long offset, int whence);

    public void Dispose() => Vm.Dispose();
}

[CollectionDefinition("recreate")]
public sealed class RecreateCollection : ICollectionFixture<RecreateGuestFixture>
{
}
