using System.Buffers.Binary;
using System.Text;
using Mkcdrec.Formats.Elf;

namespace Mkcdrec.Tests.Shared;

/// <summary>
/// Builds small synthetic ELF files for tests, written independently of the reader: any class, byte order
/// and machine. Layout: file header, program headers, PT_INTERP string, then a second PT_LOAD segment
/// (mapped at an unrelated address, so vaddr→offset mapping is exercised) holding the dynamic string
/// table and the dynamic section.
/// </summary>
public sealed record ElfBuilder
{
    public ElfClass Class { get; init; } = ElfClass.Elf64;

    public ElfData Data { get; init; } = ElfData.LittleEndian;

    public ElfMachine Machine { get; init; } = ElfMachine.X86_64;

    public ElfType Type { get; init; } = ElfType.Dyn;

    public string? Interpreter { get; init; }

    public IReadOnlyList<string> Needed { get; init; } = [];

    public string? SoName { get; init; }

    public string? RPath { get; init; }

    public string? RunPath { get; init; }

    /// <summary>No PT_DYNAMIC at all (a static program).</summary>
    public bool Static { get; init; }

    public const ulong TextAddress = 0x400000;
    public const ulong DataAddress = 0x7a3000;

    public byte[] Build()
    {
        var is64 = Class == ElfClass.Elf64;
        var be = Data == ElfData.BigEndian;
        var ehsize = is64 ? 64 : 52;
        var phentsize = is64 ? 56 : 32;
        var word = is64 ? 8 : 4;

        // String table: index 0 is the empty string.
        var strtab = new MemoryStream();
        strtab.WriteByte(0);
        int AddString(string s)
        {
            var at = (int)strtab.Length;
            var b = Encoding.UTF8.GetBytes(s);
            strtab.Write(b);
            strtab.WriteByte(0);
            return at;
        }

        var dyn = new List<(long Tag, ulong Val)>();
        foreach (var n in Needed)
        {
            dyn.Add((1, (ulong)AddString(n)));
        }

        if (SoName is not null)
        {
            dyn.Add((14, (ulong)AddString(SoName)));
        }

        if (RPath is not null)
        {
            dyn.Add((15, (ulong)AddString(RPath)));
        }

        if (RunPath is not null)
        {
            dyn.Add((29, (ulong)AddString(RunPath)));
        }

        var strBytes = strtab.ToArray();
        var phnum = 1 + (Interpreter is null ? 0 : 1) + (Static ? 0 : 2);
        var phoff = ehsize;
        var interpOff = phoff + phnum * phentsize;
        var interpBytes = Interpreter is null ? [] : Encoding.UTF8.GetBytes(Interpreter + "\0");
        var textEnd = interpOff + interpBytes.Length;
        var dataOff = Align(textEnd, 16);
        var strOff = dataOff;
        var dynOff = Align(strOff + strBytes.Length, word);
        dyn.Add((5, DataAddress + (ulong)(strOff - dataOff)));
        dyn.Add((10, (ulong)strBytes.Length));
        dyn.Add((0, 0));
        var dynSize = dyn.Count * 2 * word;
        var total = Static ? textEnd : dynOff + dynSize;
        var f = new byte[total];

        void U16(int at, ushort v)
        {
            if (be)
            {
                BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(at), v);
            }
            else
            {
                BinaryPrimitives.WriteUInt16LittleEndian(f.AsSpan(at), v);
            }
        }

        void U32(int at, uint v)
        {
            if (be)
            {
                BinaryPrimitives.WriteUInt32BigEndian(f.AsSpan(at), v);
            }
            else
            {
                BinaryPrimitives.WriteUInt32LittleEndian(f.AsSpan(at), v);
            }
        }

        void U64(int at, ulong v)
        {
            if (be)
            {
                BinaryPrimitives.WriteUInt64BigEndian(f.AsSpan(at), v);
            }
            else
            {
                BinaryPrimitives.WriteUInt64LittleEndian(f.AsSpan(at), v);
            }
        }

        void Word(int at, ulong v)
        {
            if (is64)
            {
                U64(at, v);
            }
            else
            {
                U32(at, (uint)v);
            }
        }

        f[0] = 0x7f;
        f[1] = (byte)'E';
        f[2] = (byte)'L';
        f[3] = (byte)'F';
        f[4] = (byte)Class;
        f[5] = (byte)Data;
        f[6] = 1;
        U16(16, (ushort)Type);
        U16(18, (ushort)Machine);
        U32(20, 1);
        Word(24, TextAddress + 0x100);
        Word(is64 ? 32 : 28, (ulong)phoff);
        U16(is64 ? 52 : 40, (ushort)ehsize);
        U16(is64 ? 54 : 42, (ushort)phentsize);
        U16(is64 ? 56 : 44, (ushort)phnum);

        var ph = phoff;
        void Phdr(uint type, uint flags, int offset, ulong vaddr, int size)
        {
            U32(ph, type);
            if (is64)
            {
                U32(ph + 4, flags);
                U64(ph + 8, (ulong)offset);
                U64(ph + 16, vaddr);
                U64(ph + 24, vaddr);
                U64(ph + 32, (ulong)size);
                U64(ph + 40, (ulong)size);
                U64(ph + 48, 0x1000);
            }
            else
            {
                U32(ph + 4, (uint)offset);
                U32(ph + 8, (uint)vaddr);
                U32(ph + 12, (uint)vaddr);
                U32(ph + 16, (uint)size);
                U32(ph + 20, (uint)size);
                U32(ph + 24, flags);
                U32(ph + 28, 0x1000);
            }

            ph += phentsize;
        }

        if (Interpreter is not null)
        {
            Phdr(3, 4, interpOff, TextAddress + (ulong)interpOff, interpBytes.Length);
        }

        Phdr(1, 5, 0, TextAddress, textEnd);
        if (!Static)
        {
            Phdr(1, 6, dataOff, DataAddress, total - dataOff);
            Phdr(2, 6, dynOff, DataAddress + (ulong)(dynOff - dataOff), dynSize);
        }

        interpBytes.CopyTo(f, interpOff);
        if (!Static)
        {
            strBytes.CopyTo(f, strOff);
            var at = dynOff;
            foreach (var (tag, val) in dyn)
            {
                Word(at, (ulong)tag);
                Word(at + word, val);
                at += 2 * word;
            }
        }

        return f;
    }

    private static int Align(int v, int a) => (v + a - 1) / a * a;
}
