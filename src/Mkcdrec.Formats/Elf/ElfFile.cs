using System.Buffers.Binary;
using System.Text;

namespace Mkcdrec.Formats.Elf;

/// <summary>One program header (segment).</summary>
public readonly record struct ElfSegment(
    uint Type, uint Flags, ulong Offset, ulong VirtualAddress, ulong FileSize, ulong MemorySize, ulong Align);

/// <summary>
/// What the rescue-image builder needs to know about an ELF program or shared library: its class, byte
/// order, machine and type, the program interpreter (PT_INTERP) and the dynamic section's DT_NEEDED,
/// DT_SONAME, DT_RPATH and DT_RUNPATH. ELF32 and ELF64, little- and big-endian.
/// </summary>
/// <remarks>Reads only the structures it needs, never the whole file; see docs/rescue-formats.md ("ELF reader").</remarks>
public sealed class ElfFile
{
    // e_ident (16 bytes, the same for both classes).
    public const int IdentSize = 16;
    private const int EiClass = 4;
    private const int EiData = 5;
    private const int EiVersion = 6;
    private const int EiOsAbi = 7;
    private const int EiAbiVersion = 8;
    private const byte EvCurrent = 1;

    // The rest of the file header. Offsets common to both classes:
    private const int EType = 16;
    private const int EMachine = 18;
    private const int EVersion = 20;
    private const int EEntry = 24;

    // ELF64 file header (64 bytes).
    private const int Header64Size = 64;
    private const int E64PhOff = 32;
    private const int E64ShOff = 40;
    private const int E64Flags = 48;
    private const int E64PhEntSize = 54;
    private const int E64PhNum = 56;
    private const int E64ShEntSize = 58;

    // ELF32 file header (52 bytes).
    private const int Header32Size = 52;
    private const int E32PhOff = 28;
    private const int E32ShOff = 32;
    private const int E32Flags = 36;
    private const int E32PhEntSize = 42;
    private const int E32PhNum = 44;
    private const int E32ShEntSize = 46;

    // Program header, ELF64 (56 bytes): p_type, p_flags, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_align.
    private const int Ph64Size = 56;
    private const int Ph64Type = 0;
    private const int Ph64Flags = 4;
    private const int Ph64Offset = 8;
    private const int Ph64VAddr = 16;
    private const int Ph64FileSz = 32;
    private const int Ph64MemSz = 40;
    private const int Ph64Align = 48;

    // Program header, ELF32 (32 bytes): p_type, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, p_flags, p_align.
    private const int Ph32Size = 32;
    private const int Ph32Type = 0;
    private const int Ph32Offset = 4;
    private const int Ph32VAddr = 8;
    private const int Ph32FileSz = 16;
    private const int Ph32MemSz = 20;
    private const int Ph32Flags = 24;
    private const int Ph32Align = 28;

    // Section header 0's sh_info holds the real e_phnum when e_phnum is PN_XNUM.
    private const ushort PnXNum = 0xffff;
    private const int Sh64Info = 44;
    private const int Sh32Info = 28;

    // Sanity limits: a real interpreter path, dynamic segment or string table is far smaller.
    private const int MaxInterpreterLength = 4096;
    private const ulong MaxDynamicSize = 16 << 20;
    private const ulong MaxStringTableSize = 64 << 20;

    private ElfFile()
    {
    }

    public ElfClass Class { get; private init; }

    public ElfData Data { get; private init; }

    public bool Is64Bit => Class == ElfClass.Elf64;

    public bool IsBigEndian => Data == ElfData.BigEndian;

    /// <summary>EI_OSABI (0 = System V, 3 = GNU/Linux).</summary>
    public byte OsAbi { get; private init; }

    public byte AbiVersion { get; private init; }

    public ElfType Type { get; private init; }

    public ElfMachine Machine { get; private init; }

    /// <summary>e_flags: processor-specific (ARM float ABI, MIPS ABI, ppc64 ELFv1/v2...).</summary>
    public uint Flags { get; private init; }

    public ulong Entry { get; private init; }

    public IReadOnlyList<ElfSegment> Segments { get; private init; } = [];

    /// <summary>The PT_INTERP path (e.g. /lib64/ld-linux-x86-64.so.2); null for static programs and most libraries.</summary>
    public string? Interpreter { get; private init; }

    /// <summary>Whether the file has a PT_DYNAMIC segment. Static programs have none.</summary>
    public bool IsDynamic { get; private init; }

    /// <summary>DT_NEEDED entries, in file order.</summary>
    public IReadOnlyList<string> Needed { get; private init; } = [];

    public string? SoName { get; private init; }

    /// <summary>DT_RPATH, unexpanded (may contain $ORIGIN, $LIB, $PLATFORM), colon-separated.</summary>
    public string? RPath { get; private init; }

    /// <summary>DT_RUNPATH, unexpanded, colon-separated.</summary>
    public string? RunPath { get; private init; }

    /// <summary>Whether <paramref name="data"/> starts with the ELF magic \x7fELF.</summary>
    public static bool HasElfMagic(ReadOnlySpan<byte> data) =>
        data.Length >= 4 && data[0] == 0x7f && data[1] == (byte)'E' && data[2] == (byte)'L' && data[3] == (byte)'F';

    /// <summary>Whether the stream (at its start) is an ELF file; leaves the position at 0.</summary>
    public static bool IsElf(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Span<byte> magic = stackalloc byte[4];
        stream.Position = 0;
        var n = stream.ReadAtLeast(magic, 4, throwOnEndOfStream: false);
        stream.Position = 0;
        return n == 4 && HasElfMagic(magic);
    }

    public static ElfFile Read(ReadOnlySpan<byte> data)
    {
        using var ms = new MemoryStream(data.ToArray(), writable: false);
        return Read(ms);
    }

    /// <summary>Parses an ELF file. The stream must be seekable (a non-seekable stream is buffered in memory).</summary>
    public static ElfFile Read(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanSeek)
        {
            var ms = new MemoryStream();
            stream.CopyTo(ms);
            ms.Position = 0;
            stream = ms;
        }

        var r = new RangeReader(stream);
        var ident = ReadIdentification(r, out var cls, out var data);
        var e = new Endian(data == ElfData.BigEndian);
        var is64 = cls == ElfClass.Elf64;
        var hdr = r.ReadAt(0, (ulong)(is64 ? Header64Size : Header32Size), "the ELF file header");
        var version = e.U32(hdr, EVersion);
        if (version != EvCurrent)
        {
            throw new InvalidDataException($"ELF: unknown version {version} at byte offset {EVersion} (e_version must be 1).");
        }

        var segments = ReadSegments(r, e, is64, hdr);
        var interp = ReadInterpreter(r, segments);
        var result = new DynamicInfo();
        var dynSeg = segments.FirstOrDefault(s => s.Type == ElfSegmentType.Dynamic);
        var isDynamic = dynSeg.Type == ElfSegmentType.Dynamic;
        if (isDynamic)
        {
            result = ReadDynamic(r, e, is64, dynSeg, segments);
        }

        return new ElfFile
        {
            Class = cls,
            Data = data,
            OsAbi = ident[EiOsAbi],
            AbiVersion = ident[EiAbiVersion],
            Type = (ElfType)e.U16(hdr, EType),
            Machine = (ElfMachine)e.U16(hdr, EMachine),
            Flags = e.U32(hdr, is64 ? E64Flags : E32Flags),
            Entry = is64 ? e.U64(hdr, EEntry) : e.U32(hdr, EEntry),
            Segments = segments,
            Interpreter = interp,
            IsDynamic = isDynamic,
            Needed = result.Needed,
            SoName = result.SoName,
            RPath = result.RPath,
            RunPath = result.RunPath,
        };
    }

    /// <summary>Reads e_ident: the magic, the class, the byte order and the version.</summary>
    private static byte[] ReadIdentification(RangeReader r, out ElfClass cls, out ElfData data)
    {
        var ident = r.ReadAt(0, IdentSize, "the ELF identification (e_ident)");
        if (!HasElfMagic(ident))
        {
            throw new InvalidDataException($"Not an ELF file: byte offset 0 holds {Convert.ToHexString(ident.AsSpan(0, 4))}, not the magic 7F454C46 (\"\\x7fELF\").");
        }

        cls = ident[EiClass] switch
        {
            1 => ElfClass.Elf32,
            2 => ElfClass.Elf64,
            var c => throw new InvalidDataException($"ELF: unknown class {c} at byte offset {EiClass} (EI_CLASS; 1 = 32-bit, 2 = 64-bit)."),
        };
        data = ident[EiData] switch
        {
            1 => ElfData.LittleEndian,
            2 => ElfData.BigEndian,
            var d => throw new InvalidDataException($"ELF: unknown byte order {d} at byte offset {EiData} (EI_DATA; 1 = little-endian, 2 = big-endian)."),
        };
        if (ident[EiVersion] != EvCurrent)
        {
            throw new InvalidDataException($"ELF: unknown version {ident[EiVersion]} at byte offset {EiVersion} (EI_VERSION must be 1).");
        }

        return ident;
    }

    /// <summary>Reads the program header table (e_phnum, or section header 0's sh_info for PN_XNUM, entries).</summary>
    private static List<ElfSegment> ReadSegments(RangeReader r, Endian e, bool is64, byte[] hdr)
    {
        var phoff = is64 ? e.U64(hdr, E64PhOff) : e.U32(hdr, E32PhOff);
        var shoff = is64 ? e.U64(hdr, E64ShOff) : e.U32(hdr, E32ShOff);
        var phentsize = e.U16(hdr, is64 ? E64PhEntSize : E32PhEntSize);
        var shentsize = e.U16(hdr, is64 ? E64ShEntSize : E32ShEntSize);
        uint phnum = e.U16(hdr, is64 ? E64PhNum : E32PhNum);
        if (phnum == PnXNum)
        {
            // More than 65534 program headers: the real count is in section header 0.
            var infoOffset = is64 ? Sh64Info : Sh32Info;
            if (shoff == 0 || shentsize < infoOffset + 4)
            {
                throw new InvalidDataException($"ELF: e_phnum is PN_XNUM (0xffff) but there is no section header 0 to hold the count (e_shoff {shoff} at byte offset {(is64 ? E64ShOff : E32ShOff)}).");
            }

            phnum = e.U32(r.ReadAt(shoff, shentsize, "section header 0"), infoOffset);
        }

        var minPh = is64 ? Ph64Size : Ph32Size;
        var segments = new List<ElfSegment>();
        if (phnum > 0)
        {
            if (phentsize < minPh)
            {
                throw new InvalidDataException($"ELF: program header entry size {phentsize} at byte offset {(is64 ? E64PhEntSize : E32PhEntSize)} is smaller than {minPh}.");
            }

            var table = r.ReadAt(phoff, (ulong)phentsize * phnum, $"the program header table ({phnum} entries)");
            for (var i = 0; i < phnum; i++)
            {
                var p = table.AsSpan(i * phentsize, minPh);
                segments.Add(is64
                    ? new ElfSegment(e.U32(p, Ph64Type), e.U32(p, Ph64Flags), e.U64(p, Ph64Offset), e.U64(p, Ph64VAddr),
                        e.U64(p, Ph64FileSz), e.U64(p, Ph64MemSz), e.U64(p, Ph64Align))
                    : new ElfSegment(e.U32(p, Ph32Type), e.U32(p, Ph32Flags), e.U32(p, Ph32Offset), e.U32(p, Ph32VAddr),
                        e.U32(p, Ph32FileSz), e.U32(p, Ph32MemSz), e.U32(p, Ph32Align)));
            }
        }

        return segments;
    }

    /// <summary>The PT_INTERP path, or null without a PT_INTERP segment.</summary>
    private static string? ReadInterpreter(RangeReader r, List<ElfSegment> segments)
    {
        var interpSeg = segments.FirstOrDefault(s => s.Type == ElfSegmentType.Interp);
        if (interpSeg.Type != ElfSegmentType.Interp)
        {
            return null;
        }

        if (interpSeg.FileSize > MaxInterpreterLength)
        {
            throw new InvalidDataException($"ELF: PT_INTERP at byte offset {interpSeg.Offset} is {interpSeg.FileSize} bytes long; an interpreter path is at most {MaxInterpreterLength}.");
        }

        var bytes = r.ReadAt(interpSeg.Offset, interpSeg.FileSize, "the PT_INTERP interpreter path");
        var nul = Array.IndexOf(bytes, (byte)0);
        return Encoding.UTF8.GetString(bytes, 0, nul < 0 ? bytes.Length : nul);
    }

    private sealed class DynamicInfo
    {
        public List<string> Needed { get; } = [];

        public string? SoName { get; set; }

        public string? RPath { get; set; }

        public string? RunPath { get; set; }
    }

    /// <summary>The DT_* values of the dynamic section that name strings, and where the string table is.</summary>
    private sealed class DynamicTags
    {
        public List<ulong> Needed { get; } = [];

        public ulong? StrTab { get; set; }

        public ulong? StrSz { get; set; }

        public ulong? SoName { get; set; }

        public ulong? RPath { get; set; }

        public ulong? RunPath { get; set; }
    }

    private static DynamicInfo ReadDynamic(RangeReader r, Endian e, bool is64, ElfSegment dyn, List<ElfSegment> segments)
    {
        var tags = ReadDynamicTags(r, e, is64, dyn);
        var info = new DynamicInfo();
        if (tags.Needed.Count == 0 && tags.SoName is null && tags.RPath is null && tags.RunPath is null)
        {
            return info;
        }

        var strings = ReadDynamicStringTable(r, dyn, segments, tags, out var strOffset);
        foreach (var n in tags.Needed)
        {
            info.Needed.Add(DynamicString(strings, strOffset, n, "DT_NEEDED"));
        }

        info.SoName = tags.SoName is { } so ? DynamicString(strings, strOffset, so, "DT_SONAME") : null;
        info.RPath = tags.RPath is { } rp ? DynamicString(strings, strOffset, rp, "DT_RPATH") : null;
        info.RunPath = tags.RunPath is { } rn ? DynamicString(strings, strOffset, rn, "DT_RUNPATH") : null;
        return info;
    }

    private static DynamicTags ReadDynamicTags(RangeReader r, Endian e, bool is64, ElfSegment dyn)
    {
        if (dyn.FileSize > MaxDynamicSize)
        {
            throw new InvalidDataException($"ELF: PT_DYNAMIC at byte offset {dyn.Offset} claims {dyn.FileSize} bytes, more than the sane maximum {MaxDynamicSize}.");
        }

        var entSize = is64 ? 16 : 8;
        var table = r.ReadAt(dyn.Offset, dyn.FileSize, "the dynamic section (PT_DYNAMIC)");
        var tags = new DynamicTags();
        for (var pos = 0; pos + entSize <= table.Length; pos += entSize)
        {
            long tag = is64 ? (long)e.U64(table, pos) : (int)e.U32(table, pos);
            var val = is64 ? e.U64(table, pos + 8) : e.U32(table, pos + 4);
            if (tag == ElfDynamicTag.Null)
            {
                break;
            }

            // Like the loader, a repeated single-valued tag keeps the last value.
            switch (tag)
            {
                case ElfDynamicTag.Needed: tags.Needed.Add(val); break;
                case ElfDynamicTag.StrTab: tags.StrTab = val; break;
                case ElfDynamicTag.StrSz: tags.StrSz = val; break;
                case ElfDynamicTag.SoName: tags.SoName = val; break;
                case ElfDynamicTag.RPath: tags.RPath = val; break;
                case ElfDynamicTag.RunPath: tags.RunPath = val; break;
            }
        }

        return tags;
    }

    private static byte[] ReadDynamicStringTable(RangeReader r, ElfSegment dyn, List<ElfSegment> segments, DynamicTags tags, out ulong strOffset)
    {
        var strtab = tags.StrTab;
        if (strtab is null)
        {
            throw new InvalidDataException($"ELF: the dynamic section at byte offset {dyn.Offset} has string references (DT_NEEDED/DT_SONAME/DT_RPATH/DT_RUNPATH) but no DT_STRTAB.");
        }

        // DT_STRTAB is a virtual address: find the PT_LOAD segment whose file image contains it.
        var load = segments.FirstOrDefault(s => s.Type == ElfSegmentType.Load && strtab.Value >= s.VirtualAddress && strtab.Value - s.VirtualAddress < s.FileSize);
        if (load.Type != ElfSegmentType.Load)
        {
            throw new InvalidDataException($"ELF: DT_STRTAB address 0x{strtab.Value:x} (dynamic section at byte offset {dyn.Offset}) is not inside the file image of any PT_LOAD segment.");
        }

        strOffset = strtab.Value - load.VirtualAddress + load.Offset;
        var available = load.FileSize - (strtab.Value - load.VirtualAddress);
        var size = tags.StrSz ?? available;
        if (size > MaxStringTableSize)
        {
            throw new InvalidDataException($"ELF: the dynamic string table at byte offset {strOffset} claims {size} bytes (DT_STRSZ), more than the sane maximum {MaxStringTableSize}.");
        }

        return r.ReadAt(strOffset, size, "the dynamic string table (DT_STRTAB)");
    }

    private static string DynamicString(byte[] strings, ulong strOffset, ulong index, string tagName)
    {
        if (index >= (ulong)strings.Length)
        {
            throw new InvalidDataException($"ELF: {tagName} string index {index} is outside the dynamic string table at byte offset {strOffset} ({strings.Length} bytes).");
        }

        var rest = strings.AsSpan((int)index);
        var nul = rest.IndexOf((byte)0);
        if (nul < 0)
        {
            throw new InvalidDataException($"ELF: {tagName} string at byte offset {strOffset + index} is not NUL-terminated within the dynamic string table.");
        }

        return Encoding.UTF8.GetString(rest[..nul]);
    }

    /// <summary>Reads byte ranges of the file, refusing ranges past its end.</summary>
    private sealed class RangeReader(Stream stream)
    {
        private readonly long _length = stream.Length;

        public byte[] ReadAt(ulong offset, ulong count, string what)
        {
            if (offset > (ulong)_length || count > (ulong)_length - offset)
            {
                throw new InvalidDataException($"ELF: {what} at byte offset {offset} ({count} bytes) extends past the end of the file ({_length} bytes): truncated or corrupt.");
            }

            var buffer = new byte[count];
            stream.Position = (long)offset;
            stream.ReadExactly(buffer);
            return buffer;
        }
    }

    /// <summary>Explicit byte order, chosen by EI_DATA.</summary>
    private readonly struct Endian(bool big)
    {
        public ushort U16(ReadOnlySpan<byte> b, int at) =>
            big ? BinaryPrimitives.ReadUInt16BigEndian(b[at..]) : BinaryPrimitives.ReadUInt16LittleEndian(b[at..]);

        public uint U32(ReadOnlySpan<byte> b, int at) =>
            big ? BinaryPrimitives.ReadUInt32BigEndian(b[at..]) : BinaryPrimitives.ReadUInt32LittleEndian(b[at..]);

        public ulong U64(ReadOnlySpan<byte> b, int at) =>
            big ? BinaryPrimitives.ReadUInt64BigEndian(b[at..]) : BinaryPrimitives.ReadUInt64LittleEndian(b[at..]);
    }
}
