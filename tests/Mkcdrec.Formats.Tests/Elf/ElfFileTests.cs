using System.Text.RegularExpressions;
using FsCheck;
using FsCheck.Fluent;
using Mkcdrec.Formats.Elf;
using Mkcdrec.Tests.Shared;

namespace Mkcdrec.Formats.Tests.Elf;

public class ElfFileTests
{
    public static TheoryData<string> RealBinaries => new()
    {
        "/bin/bash", "/usr/bin/ls", "/usr/bin/ssh", "/usr/sbin/sgdisk", "/usr/bin/xorriso", "/usr/bin/qemu-img",
        "/sbin/mdadm", "/usr/bin/busctl", "/usr/bin/java", "/lib/x86_64-linux-gnu/libc.so.6",
        "/lib64/ld-linux-x86-64.so.2", "/bin/busybox",
    };

    /// <summary>What readelf says about a file: our reader must agree on every field.</summary>
    private sealed record ReadElfView(string Class, string Data, string Type, string Machine, string? Interpreter,
        List<string> Needed, string? SoName, string? RPath, string? RunPath, bool HasDynamic);

    private static ReadElfView ReadElf(string path)
    {
        var h = Tool.Checked("readelf", ["-h", "-l", "-d", "-W", path]).StdOut;
        string Field(string name) => Regex.Match(h, @"^\s*" + Regex.Escape(name) + @":\s*(.*?)\s*$", RegexOptions.Multiline).Groups[1].Value;
        string? Bracket(string label) =>
            Regex.Match(h, @"\(" + label + @"\)\s+\S.*?\[(.*)\]\s*$", RegexOptions.Multiline) is { Success: true } m ? m.Groups[1].Value : null;
        var interp = Regex.Match(h, @"\[Requesting program interpreter: (.*)\]");
        return new ReadElfView(
            Field("Class"), Field("Data"), Field("Type"), Field("Machine"),
            interp.Success ? interp.Groups[1].Value : null,
            Regex.Matches(h, @"\(NEEDED\)\s+Shared library: \[(.*)\]").Select(m => m.Groups[1].Value).ToList(),
            Bracket("SONAME"), Bracket("RPATH"), Bracket("RUNPATH"),
            !h.Contains("There is no dynamic section in this file.", StringComparison.Ordinal));
    }

    private static string ReadElfClass(ElfFile e) => e.Is64Bit ? "ELF64" : "ELF32";

    private static string ReadElfData(ElfFile e) => e.IsBigEndian ? "2's complement, big endian" : "2's complement, little endian";

    private static string ReadElfMachine(ElfMachine m) => m switch
    {
        ElfMachine.X86_64 => "Advanced Micro Devices X86-64",
        ElfMachine.AArch64 => "AArch64",
        ElfMachine.S390 => "IBM S/390",
        ElfMachine.PowerPC64 => "PowerPC64",
        ElfMachine.PowerPC => "PowerPC",
        ElfMachine.Arm => "ARM",
        ElfMachine.I386 => "Intel 80386",
        _ => m.ToString(),
    };

    [Theory]
    [MemberData(nameof(RealBinaries))]
    public void Real_binaries_agree_with_readelf(string path)
    {
        Assert.SkipUnless(File.Exists(path), $"{path} is not installed here");
        Tool.SkipUnlessTool("readelf");
        var real = Path.GetFullPath(new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path);
        using var s = File.OpenRead(real);
        var e = ElfFile.Read(s);
        var r = ReadElf(real);

        Assert.Equal(r.Class, ReadElfClass(e));
        Assert.Equal(r.Data, ReadElfData(e));
        Assert.StartsWith(e.Type switch { ElfType.Exec => "EXEC", ElfType.Dyn => "DYN", _ => e.Type.ToString() }, r.Type, StringComparison.Ordinal);
        Assert.Equal(r.Machine, ReadElfMachine(e.Machine));
        Assert.Equal(r.Interpreter, e.Interpreter);
        Assert.Equal(r.HasDynamic, e.IsDynamic);
        Assert.Equal(r.Needed, e.Needed);
        Assert.Equal(r.SoName, e.SoName);
        Assert.Equal(r.RPath, e.RPath);
        Assert.Equal(r.RunPath, e.RunPath);
    }

    [Fact]
    public void Bash_needs_the_interpreter_and_libc_of_its_architecture()
    {
        // dpkg says the machine's architecture even to a process emulated for another one (the arm64 tier).
        var (machine, interpreter) = Tool.Checked("dpkg", ["--print-architecture"]).StdOut.Trim() switch
        {
            "amd64" => (ElfMachine.X86_64, "/lib64/ld-linux-x86-64.so.2"),
            "arm64" => (ElfMachine.AArch64, "/lib/ld-linux-aarch64.so.1"),
            var a => throw new InvalidOperationException($"no expectation for /bin/bash on {a}"),
        };
        using var s = File.OpenRead("/bin/bash");
        var e = ElfFile.Read(s);
        Assert.Equal(interpreter, e.Interpreter);
        Assert.Equal(machine, e.Machine);
        Assert.Equal(ElfClass.Elf64, e.Class);
        Assert.Contains("libc.so.6", e.Needed);
        Assert.True(e.IsDynamic);
    }

    [Fact]
    public void Static_busybox_has_no_interpreter_and_no_dynamic_section()
    {
        Assert.SkipUnless(File.Exists("/bin/busybox"), "busybox-static is not installed");
        Tool.SkipUnlessTool("readelf");
        var view = ReadElf("/bin/busybox");
        Assert.SkipWhen(view.HasDynamic, "/bin/busybox here is the dynamic build, not busybox-static");
        using var s = File.OpenRead("/bin/busybox");
        var e = ElfFile.Read(s);
        Assert.False(e.IsDynamic);
        Assert.Null(e.Interpreter);
        Assert.Empty(e.Needed);
        Assert.Null(e.SoName);
    }

    [Fact]
    public void Reading_a_stream_reads_only_the_needed_ranges()
    {
        var path = new[] { "/usr/bin/qemu-img", "/usr/bin/xorriso", "/bin/bash" }.FirstOrDefault(File.Exists);
        Assert.SkipWhen(path is null, "no large binary found");
        using var fs = File.OpenRead(path!);
        using var counting = new CountingStream(fs);
        var e = ElfFile.Read(counting);
        Assert.NotEmpty(e.Needed);
        Assert.True(counting.BytesRead < fs.Length / 4, $"read {counting.BytesRead} of {fs.Length} bytes");
    }

    public static TheoryData<ElfClass, ElfData, ElfMachine> Variants => new()
    {
        { ElfClass.Elf64, ElfData.BigEndian, ElfMachine.S390 },
        { ElfClass.Elf64, ElfData.BigEndian, ElfMachine.PowerPC64 },
        { ElfClass.Elf64, ElfData.LittleEndian, ElfMachine.PowerPC64 },
        { ElfClass.Elf64, ElfData.LittleEndian, ElfMachine.AArch64 },
        { ElfClass.Elf32, ElfData.BigEndian, ElfMachine.PowerPC },
        { ElfClass.Elf32, ElfData.LittleEndian, ElfMachine.Arm },
        { ElfClass.Elf32, ElfData.LittleEndian, ElfMachine.I386 },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void Synthetic_files_of_every_class_and_byte_order_parse(ElfClass cls, ElfData data, ElfMachine machine)
    {
        var b = new ElfBuilder
        {
            Class = cls, Data = data, Machine = machine, Type = ElfType.Exec,
            Interpreter = "/lib/ld64.so.1", Needed = ["libfoo.so.1", "libc.so.6"],
            SoName = "libself.so.3", RPath = "$ORIGIN/../lib:/opt/x", RunPath = null,
        };
        var e = ElfFile.Read(b.Build());
        Assert.Equal(cls, e.Class);
        Assert.Equal(data, e.Data);
        Assert.Equal(machine, e.Machine);
        Assert.Equal(ElfType.Exec, e.Type);
        Assert.Equal(b.Interpreter, e.Interpreter);
        Assert.Equal(b.Needed, e.Needed);
        Assert.Equal(b.SoName, e.SoName);
        Assert.Equal(b.RPath, e.RPath);
        Assert.Null(e.RunPath);
        Assert.True(e.IsDynamic);
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Synthetic_files_agree_with_readelf(ElfClass cls, ElfData data, ElfMachine machine)
    {
        // Checks the test builder itself against the peer tool, so the synthetic big-endian tests mean something.
        Tool.SkipUnlessTool("readelf");
        var b = new ElfBuilder
        {
            Class = cls, Data = data, Machine = machine, Interpreter = "/lib/ld.so.1",
            Needed = ["liba.so.1", "libb.so.2"], RunPath = "/opt/lib", SoName = "libz.so.9",
        };
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(file, b.Build());
            var r = ReadElf(file);
            var e = ElfFile.Read(File.ReadAllBytes(file));
            Assert.Equal(r.Class, ReadElfClass(e));
            Assert.Equal(r.Data, ReadElfData(e));
            Assert.Equal(r.Machine, ReadElfMachine(e.Machine));
            Assert.Equal(r.Interpreter, e.Interpreter);
            Assert.Equal(r.Needed, e.Needed);
            Assert.Equal(r.RunPath, e.RunPath);
            Assert.Equal(r.SoName, e.SoName);
            Assert.Equal(["liba.so.1", "libb.so.2"], e.Needed);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Static_synthetic_program_has_no_dynamic_info()
    {
        var e = ElfFile.Read(new ElfBuilder { Static = true, Type = ElfType.Exec }.Build());
        Assert.False(e.IsDynamic);
        Assert.Null(e.Interpreter);
        Assert.Empty(e.Needed);
    }

    [Fact]
    public void Every_truncation_throws_InvalidDataException_with_an_offset()
    {
        var full = new ElfBuilder { Interpreter = "/lib64/ld-linux-x86-64.so.2", Needed = ["libc.so.6"], RunPath = "/x" }.Build();
        Assert.NotNull(ElfFile.Read(full));
        for (var len = 0; len < full.Length; len++)
        {
            var ex = Assert.Throws<InvalidDataException>(() => ElfFile.Read(full.AsSpan(0, len)));
            Assert.Contains("offset", ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Truncated_real_binary_throws()
    {
        Assert.SkipUnless(File.Exists("/bin/bash"), "/bin/bash missing");
        var bytes = File.ReadAllBytes("/bin/bash");
        var e = ElfFile.Read(bytes);
        var dyn = e.Segments.Single(s => s.Type == ElfSegmentType.Dynamic);
        var ex = Assert.Throws<InvalidDataException>(() => ElfFile.Read(bytes.AsSpan(0, (int)dyn.Offset + 8)));
        Assert.Contains($"byte offset {dyn.Offset}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Not_elf_is_refused_at_offset_0()
    {
        var ex = Assert.Throws<InvalidDataException>(() => ElfFile.Read("#!/bin/sh\necho hi\n"u8));
        Assert.Contains("byte offset 0", ex.Message, StringComparison.Ordinal);
        Assert.False(ElfFile.HasElfMagic("#!/b"u8));
    }

    [Theory]
    [InlineData(4, 3, "EI_CLASS")]
    [InlineData(5, 0, "EI_DATA")]
    [InlineData(6, 2, "EI_VERSION")]
    public void Bad_identification_bytes_are_named(int offset, byte value, string field)
    {
        var f = new ElfBuilder { Needed = ["libc.so.6"] }.Build();
        f[offset] = value;
        var ex = Assert.Throws<InvalidDataException>(() => ElfFile.Read(f));
        Assert.Contains(field, ex.Message, StringComparison.Ordinal);
        Assert.Contains($"byte offset {offset}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Strtab_outside_every_load_segment_is_refused()
    {
        var b = new ElfBuilder { Needed = ["libc.so.6"] };
        var f = b.Build();
        // Patch DT_STRTAB's value (the entry after DT_NEEDED) to an unmapped address.
        var e = ElfFile.Read(f);
        var dyn = e.Segments.Single(s => s.Type == ElfSegmentType.Dynamic);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(f.AsSpan((int)dyn.Offset + 16 + 8), 0xdead0000);
        var ex = Assert.Throws<InvalidDataException>(() => ElfFile.Read(f));
        Assert.Contains("DT_STRTAB", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Needed_index_outside_the_string_table_is_refused()
    {
        var f = new ElfBuilder { Needed = ["libc.so.6"] }.Build();
        var dyn = ElfFile.Read(f).Segments.Single(s => s.Type == ElfSegmentType.Dynamic);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(f.AsSpan((int)dyn.Offset + 8), 100000);
        var ex = Assert.Throws<InvalidDataException>(() => ElfFile.Read(f));
        Assert.Contains("DT_NEEDED", ex.Message, StringComparison.Ordinal);
    }

    [FsCheck.Xunit.Property(MaxTest = 300)]
    public Property Corrupted_bytes_give_a_result_or_InvalidDataException_only(int seed, byte value, bool bigEndian, bool is64)
    {
        var f = new ElfBuilder
        {
            Class = is64 ? ElfClass.Elf64 : ElfClass.Elf32,
            Data = bigEndian ? ElfData.BigEndian : ElfData.LittleEndian,
            Interpreter = "/lib/ld.so", Needed = ["liba.so", "libb.so"], RPath = "/r", SoName = "s",
        }.Build();
        var rnd = new Random(seed);
        for (var i = 0; i < 1 + rnd.Next(4); i++)
        {
            f[rnd.Next(f.Length)] = i == 0 ? value : (byte)rnd.Next(256);
        }

        try
        {
            ElfFile.Read(f);
            return true.ToProperty();
        }
        catch (InvalidDataException)
        {
            return true.ToProperty();
        }
    }

    private sealed class CountingStream(Stream inner) : Stream
    {
        public long BytesRead { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => true;

        public override bool CanWrite => false;

        public override long Length => inner.Length;

        public override long Position { get => inner.Position; set => inner.Position = value; }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = inner.Read(buffer, offset, count);
            BytesRead += n;
            return n;
        }

        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
