using System.Buffers.Binary;
using System.Text;

namespace Mkcdrec.Formats.Kernel;

/// <summary>What the x86 boot protocol's setup header of a bzImage says about the kernel.</summary>
/// <param name="BootProtocol">The boot protocol version (0x0206 = 2.06 …).</param>
/// <param name="SetupSectors">setup_sects: 512-byte sectors of real-mode setup code after the boot sector.</param>
/// <param name="Version">The whole kernel_version string ("6.1.0-56-amd64 (debian-kernel@…) #1 SMP …"), or null when the header has none.</param>
public sealed record BzImageHeader(ushort BootProtocol, int SetupSectors, string? Version)
{
    /// <summary>The release as <c>uname -r</c> prints it: the version string's first word (the /lib/modules directory name).</summary>
    public string? Release => Version is null ? null : Version.Split(' ', 2)[0];

    public string BootProtocolText => $"{BootProtocol >> 8}.{BootProtocol & 0xFF:00}";
}

/// <summary>
/// Reads the setup header of an x86 Linux kernel image (Documentation/arch/x86/boot.rst): the boot sector
/// signature at 0x1FE, "HdrS" at 0x202, the protocol version at 0x206 and the kernel_version pointer at 0x20E
/// (an offset, less 0x200, of a NUL-terminated string inside the setup code).
/// </summary>
public static class BzImage
{
    public const int SetupSectsOffset = 0x1F1;
    public const int BootFlagOffset = 0x1FE;
    public const ushort BootFlag = 0xAA55;
    public const int HeaderMagicOffset = 0x202;
    public const uint HeaderMagic = 0x53726448; // "HdrS" little-endian
    public const int ProtocolVersionOffset = 0x206;
    public const int KernelVersionPointerOffset = 0x20E;

    /// <summary>The version string pointer is relative to 0x200 (the start of the setup code).</summary>
    public const int KernelVersionBase = 0x200;

    /// <summary>kernel_version exists from boot protocol 2.00 on.</summary>
    public const ushort MinProtocolWithVersion = 0x0200;

    /// <summary>Bytes to read from the start of the file to find the version string in any real kernel.</summary>
    public const int HeadSize = 64 * 1024;

    private const int MaxVersionLength = 512;

    /// <summary>Parses the header from the first bytes of the image (<see cref="HeadSize"/> is always enough).</summary>
    /// <exception cref="InvalidDataException">Not an x86 boot-protocol kernel image, or the version pointer leaves the data.</exception>
    public static BzImageHeader Read(ReadOnlySpan<byte> head)
    {
        if (head.Length < KernelVersionPointerOffset + 2)
        {
            throw new InvalidDataException($"bzImage: only {head.Length} bytes; the setup header ends at byte {KernelVersionPointerOffset + 2}.");
        }

        var flag = BinaryPrimitives.ReadUInt16LittleEndian(head[BootFlagOffset..]);
        if (flag != BootFlag)
        {
            throw new InvalidDataException($"bzImage: boot sector signature at byte 0x{BootFlagOffset:X} is 0x{flag:X4}, not 0x{BootFlag:X4}: not an x86 Linux kernel image.");
        }

        var magic = BinaryPrimitives.ReadUInt32LittleEndian(head[HeaderMagicOffset..]);
        if (magic != HeaderMagic)
        {
            throw new InvalidDataException($"bzImage: no \"HdrS\" setup header at byte 0x{HeaderMagicOffset:X} (found 0x{magic:X8}): a pre-2.0 boot protocol kernel or not a kernel image.");
        }

        var protocol = BinaryPrimitives.ReadUInt16LittleEndian(head[ProtocolVersionOffset..]);
        int setupSects = head[SetupSectsOffset] == 0 ? 4 : head[SetupSectsOffset];
        if (protocol < MinProtocolWithVersion)
        {
            return new BzImageHeader(protocol, setupSects, null);
        }

        var pointer = BinaryPrimitives.ReadUInt16LittleEndian(head[KernelVersionPointerOffset..]);
        if (pointer == 0)
        {
            return new BzImageHeader(protocol, setupSects, null);
        }

        var start = pointer + KernelVersionBase;
        var setupEnd = (setupSects + 1) * 512;
        if (start >= setupEnd)
        {
            throw new InvalidDataException($"bzImage: the kernel_version pointer 0x{pointer:X} (byte 0x{start:X}) points past the setup code ({setupSects} sectors, ends at 0x{setupEnd:X}).");
        }

        if (start >= head.Length)
        {
            throw new InvalidDataException($"bzImage: the kernel_version string at byte 0x{start:X} is past the {head.Length} bytes read.");
        }

        var rest = head[start..Math.Min(head.Length, start + MaxVersionLength)];
        var end = rest.IndexOf((byte)0);
        if (end < 0)
        {
            throw new InvalidDataException($"bzImage: the kernel_version string at byte 0x{start:X} is not NUL-terminated within {rest.Length} bytes.");
        }

        var version = Encoding.ASCII.GetString(rest[..end]).Trim();
        if (version.Length == 0 || version.Any(c => c < 0x20 || c > 0x7E))
        {
            throw new InvalidDataException($"bzImage: the kernel_version string at byte 0x{start:X} is empty or not printable text.");
        }

        return new BzImageHeader(protocol, setupSects, version);
    }

    /// <summary>Reads the header from the start of a stream.</summary>
    public static BzImageHeader Read(Stream image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var buffer = new byte[HeadSize];
        var n = 0;
        while (n < buffer.Length)
        {
            var r = image.Read(buffer, n, buffer.Length - n);
            if (r == 0)
            {
                break;
            }

            n += r;
        }

        return Read(buffer.AsSpan(0, n));
    }
}
