using System.Text;
using System.Text.RegularExpressions;
using Mkcdrec.Formats.Cpio;
using Mkcdrec.Tests.Shared;

namespace Mkcdrec.Formats.Tests.Cpio;

public class CpioTests
{
    /// <summary>What we put into an archive, described independently of the writer and reader.</summary>
    private sealed record Spec(string Name, CpioEntryType Type, uint Perm, uint Uid, uint Gid, long MTime,
        byte[] Data, string? Target = null, uint Major = 0, uint Minor = 0, string[]? Links = null);

    private static readonly byte[] Busybox = RandomBytes(100_003, 7);

    private static byte[] RandomBytes(int n, int seed)
    {
        var b = new byte[n];
        new Random(seed).NextBytes(b);
        return b;
    }

    /// <summary>One entry of every kind, odd sizes for padding, set-uid and sticky bits, hard links, a non-ASCII name.</summary>
    private static List<Spec> EveryKind() =>
    [
        new("bin", CpioEntryType.Directory, 0x1ED, 0, 0, 1_600_000_000, []),
        new("sbin", CpioEntryType.Directory, 0x1ED, 0, 0, 1_600_000_001, []),
        new("dev", CpioEntryType.Directory, 0x1ED, 0, 0, 1_600_000_002, []),
        new("etc", CpioEntryType.Directory, 0x1C0 /* 0700 */, 0, 0, 1_600_000_003, []),
        new("run", CpioEntryType.Directory, 0x3FF /* 01777 */, 0, 0, 1_600_000_004, []),
        new("etc/hello.txt", CpioEntryType.RegularFile, 0x1A0 /* 0640 */, 1000, 100, 1_700_000_000, "hello\n"u8.ToArray()),
        new("etc/empty", CpioEntryType.RegularFile, 0x1A4, 0, 0, 1_700_000_001, []),
        new("etc/one", CpioEntryType.RegularFile, 0x1A4, 0, 0, 1_700_000_002, "1"u8.ToArray()),
        new("etc/three", CpioEntryType.RegularFile, 0x1A4, 0, 0, 1_700_000_003, "333"u8.ToArray()),
        new("etc/n\u00e4me \u00fc.txt", CpioEntryType.RegularFile, 0x1A4, 0, 0, 1_700_000_004, "unicode"u8.ToArray()),
        new("bin/busybox", CpioEntryType.RegularFile, 0x9ED /* 04755 */, 0, 0, 1_700_000_005, Busybox),
        new("bin/sh", CpioEntryType.SymbolicLink, 0x1FF, 0, 0, 1_700_000_006, [], Target: "busybox"),
        new("etc/abs", CpioEntryType.SymbolicLink, 0x1FF, 0, 0, 1_700_000_007, [], Target: "/etc/hello.txt"),
        new("dev/console", CpioEntryType.CharacterDevice, 0x180 /* 0600 */, 0, 5, 1_700_000_008, [], Major: 5, Minor: 1),
        new("dev/null", CpioEntryType.CharacterDevice, 0x1B6 /* 0666 */, 0, 0, 1_700_000_009, [], Major: 1, Minor: 3),
        new("dev/sda1", CpioEntryType.BlockDevice, 0x1B0 /* 0660 */, 0, 6, 1_700_000_010, [], Major: 8, Minor: 1),
        new("run/initctl", CpioEntryType.Fifo, 0x180, 0, 0, 1_700_000_011, []),
        new("bin/a", CpioEntryType.RegularFile, 0x1ED, 0, 0, 1_700_000_012, "linked data!"u8.ToArray(), Links: ["bin/a", "bin/b", "sbin/c"]),
    ];

    private static byte[] Write(IEnumerable<Spec> specs, Func<Stream, Stream>? wrap = null)
    {
        var ms = new MemoryStream();
        var target = wrap is null ? ms : wrap(ms);
        using (var w = new CpioWriter(target, leaveOpen: wrap is null))
        {
            foreach (var s in specs)
            {
                var a = new CpioAttributes(s.Perm, s.Uid, s.Gid, s.MTime);
                switch (s.Type)
                {
                    case CpioEntryType.Directory: w.AddDirectory(s.Name, a); break;
                    case CpioEntryType.SymbolicLink: w.AddSymlink(s.Name, s.Target!, a); break;
                    case CpioEntryType.CharacterDevice: w.AddCharacterDevice(s.Name, s.Major, s.Minor, a); break;
                    case CpioEntryType.BlockDevice: w.AddBlockDevice(s.Name, s.Major, s.Minor, a); break;
                    case CpioEntryType.Fifo: w.AddFifo(s.Name, a); break;
                    case CpioEntryType.RegularFile when s.Links is not null: w.AddHardLinkedFile(s.Links, s.Data, a); break;
                    case CpioEntryType.RegularFile when s.Data.Length > 50_000:
                        w.AddFile(s.Name, new MemoryStream(s.Data), s.Data.Length, a);
                        break;
                    case CpioEntryType.RegularFile: w.AddFile(s.Name, s.Data, a); break;
                    default: throw new InvalidOperationException();
                }
            }
        }

        return ms.ToArray();
    }

    /// <summary>The names in archive order (a hard-linked file contributes every name).</summary>
    private static List<string> Names(IEnumerable<Spec> specs) => specs.SelectMany(s => s.Links ?? [s.Name]).ToList();

    [Fact]
    public void Reader_returns_exactly_what_was_written()
    {
        var specs = EveryKind();
        var entries = CpioReader.ReadAll(Write(specs));
        Assert.Equal(Names(specs), entries.Select(e => e.Name));
        var byName = entries.ToDictionary(e => e.Name);
        foreach (var s in specs)
        {
            foreach (var name in s.Links ?? [s.Name])
            {
                var e = byName[name];
                Assert.Equal(s.Type, e.Type);
                Assert.Equal(s.Perm, e.Permissions);
                Assert.Equal(s.Uid, e.Uid);
                Assert.Equal(s.Gid, e.Gid);
                Assert.Equal(s.MTime, e.ModificationTime);
                Assert.Equal(s.Major, e.RDevMajor);
                Assert.Equal(s.Minor, e.RDevMinor);
                Assert.Equal(s.Target, e.LinkTarget);
                if (s.Links is null)
                {
                    Assert.Equal(s.Type == CpioEntryType.SymbolicLink ? Encoding.UTF8.GetBytes(s.Target!) : s.Data, e.Data.ToArray());
                }
            }
        }

        // Hard links: one inode, nlink = number of names, the data on the last name only.
        var links = specs.Single(s => s.Links is not null);
        var linked = links.Links!.Select(n => byName[n]).ToList();
        Assert.Single(linked.Select(e => e.Inode).Distinct());
        Assert.All(linked, e => Assert.Equal((uint)links.Links!.Length, e.NLink));
        Assert.All(linked.SkipLast(1), e => Assert.Equal(0, e.Data.Length));
        Assert.Equal(links.Data, linked[^1].Data.ToArray());

        // Every other entry has its own inode number.
        var inodes = entries.Where(e => !links.Links!.Contains(e.Name)).Select(e => e.Inode).ToList();
        Assert.Equal(inodes.Count, inodes.Distinct().Count());
    }

    [Fact]
    public void Output_is_deterministic_aligned_and_block_padded()
    {
        var a = Write(EveryKind());
        var b = Write(EveryKind());
        Assert.Equal(a, b);
        Assert.Equal(0, a.Length % 512);

        // Every header starts on a 4-byte boundary: walk the headers by hand.
        var pos = 0;
        while (true)
        {
            Assert.Equal(0, pos % 4);
            Assert.Equal("070701", Encoding.ASCII.GetString(a, pos, 6));
            var size = Convert.ToInt32(Encoding.ASCII.GetString(a, pos + 54, 8), 16);
            var nameSize = Convert.ToInt32(Encoding.ASCII.GetString(a, pos + 94, 8), 16);
            var name = Encoding.UTF8.GetString(a, pos + 110, nameSize - 1);
            pos += (110 + nameSize + 3) / 4 * 4;
            pos += (size + 3) / 4 * 4;
            if (name == "TRAILER!!!")
            {
                break;
            }
        }

        Assert.All(a.Skip(pos), x => Assert.Equal(0, x));
    }

    [Fact]
    public void Gnu_cpio_lists_exactly_our_entries()
    {
        Tool.SkipUnlessTool("cpio");
        var specs = EveryKind();
        var archive = Write(specs);
        var list = Tool.Checked("cpio", ["-t", "--quiet"], stdin: archive).StdOut;
        Assert.Equal(Names(specs), list.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        // -tv: type and permission string, link count, owner, size or device numbers, link target.
        var verbose = Tool.Checked("cpio", ["-tv", "--quiet", "--numeric-uid-gid"], stdin: archive).StdOut
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var ours = CpioReader.ReadAll(archive);
        Assert.Equal(ours.Count, verbose.Length);
        var rx = new Regex(@"^(\S{10})\s+(\d+)\s+(\d+)\s+(\d+)\s+(?:(\d+),\s*(\d+)|(\d+))\s+\w{3}\s+\d+\s+[\d:]+\s+(.*)$");
        for (var i = 0; i < ours.Count; i++)
        {
            var e = ours[i];
            var m = rx.Match(verbose[i]);
            Assert.True(m.Success, $"unparsed cpio -tv line: {verbose[i]}");
            Assert.Equal(ModeString(e), m.Groups[1].Value);
            Assert.Equal(e.NLink.ToString(), m.Groups[2].Value);
            Assert.Equal(e.Uid.ToString(), m.Groups[3].Value);
            Assert.Equal(e.Gid.ToString(), m.Groups[4].Value);
            if (e.Type is CpioEntryType.CharacterDevice or CpioEntryType.BlockDevice)
            {
                Assert.Equal($"{e.RDevMajor},{e.RDevMinor}", $"{m.Groups[5].Value},{m.Groups[6].Value}");
            }
            else
            {
                Assert.Equal(e.Data.Length.ToString(), m.Groups[7].Value);
            }

            Assert.Equal(e.Type == CpioEntryType.SymbolicLink ? $"{e.Name} -> {e.LinkTarget}" : e.Name, m.Groups[8].Value);
        }
    }

    private static string ModeString(CpioEntry e)
    {
        var p = e.Permissions;
        var sb = new StringBuilder();
        sb.Append(e.Type switch
        {
            CpioEntryType.Directory => 'd', CpioEntryType.SymbolicLink => 'l', CpioEntryType.CharacterDevice => 'c',
            CpioEntryType.BlockDevice => 'b', CpioEntryType.Fifo => 'p', CpioEntryType.Socket => 's', _ => '-',
        });
        void Triple(int shift, uint special, char set, char setNoExec)
        {
            sb.Append((p >> (shift + 2) & 1) != 0 ? 'r' : '-');
            sb.Append((p >> (shift + 1) & 1) != 0 ? 'w' : '-');
            var x = (p >> shift & 1) != 0;
            sb.Append((p & special) != 0 ? (x ? set : setNoExec) : (x ? 'x' : '-'));
        }

        Triple(6, 0x800, 's', 'S');
        Triple(3, 0x400, 's', 'S');
        Triple(0, 0x200, 't', 'T');
        return sb.ToString();
    }

    [Fact]
    public void Gnu_cpio_extracts_every_kind_with_owners_modes_devices_and_links()
    {
        Tool.SkipUnlessTool("cpio");
        Assert.SkipUnless(Environment.UserName == "root" || Tool.Run("id", "-u").StdOut.Trim() == "0", "needs root to keep owners and create devices");
        var specs = EveryKind();
        var dir = Tool.TempDir("cpio-x");
        try
        {
            Tool.Checked("cpio", ["-idm", "--quiet", "--no-absolute-filenames"], dir, Write(specs));
            var inodes = new Dictionary<string, string>();
            foreach (var s in specs)
            {
                foreach (var name in s.Links ?? [s.Name])
                {
                    var path = Path.Combine(dir, name);
                    var st = Tool.Checked("stat", ["-c", "%F|%a|%u|%g|%Y|%t|%T|%h|%i", "--", path]).StdOut.Trim().Split('|');
                    var what = $"{name}: stat {string.Join('|', st)}";
                    var type = s.Type switch
                    {
                        CpioEntryType.Directory => "directory",
                        CpioEntryType.SymbolicLink => "symbolic link",
                        CpioEntryType.CharacterDevice => "character special file",
                        CpioEntryType.BlockDevice => "block special file",
                        CpioEntryType.Fifo => "fifo",
                        _ => s.Data.Length == 0 ? "regular empty file" : "regular file",
                    };
                    Assert.True(type == st[0], what);
                    Assert.True(st[2] == s.Uid.ToString() && st[3] == s.Gid.ToString(), what);
                    if (s.Type != CpioEntryType.SymbolicLink)
                    {
                        Assert.True(Convert.ToString(s.Perm, 8) == st[1], what);
                        // GNU cpio sets a directory's time when it creates it; the files created inside later
                        // change it again (the kernel defers directory times to the end). Check the others.
                        Assert.True(s.Type == CpioEntryType.Directory || s.MTime.ToString() == st[4], what);
                    }

                    switch (s.Type)
                    {
                        case CpioEntryType.CharacterDevice or CpioEntryType.BlockDevice:
                            Assert.True(s.Major == Convert.ToUInt32(st[5], 16) && s.Minor == Convert.ToUInt32(st[6], 16), what);
                            break;
                        case CpioEntryType.SymbolicLink:
                            Assert.Equal(s.Target, new FileInfo(path).LinkTarget);
                            break;
                        case CpioEntryType.RegularFile:
                            Assert.Equal(s.Data, File.ReadAllBytes(path));
                            Assert.True((s.Links?.Length ?? 1).ToString() == st[7], what);
                            inodes[name] = st[8];
                            break;
                    }
                }
            }

            var links = specs.Single(s => s.Links is not null).Links!;
            Assert.Single(links.Select(n => inodes[n]).Distinct());

            // The peer direction: GNU cpio's own newc and crc archives of the extracted tree, read by our reader.
            var names = string.Join('\n', Names(specs)) + "\n";
            foreach (var format in new[] { "newc", "crc" })
            {
                var theirs = Tool.Checked("cpio", ["-o", "--quiet", "-H", format], dir, Encoding.UTF8.GetBytes(names)).StdOutBytes;
                var entries = CpioReader.ReadAll(theirs);
                Assert.Equal(Names(specs).Order(StringComparer.Ordinal), entries.Select(e => e.Name).Order(StringComparer.Ordinal));

                // GNU cpio follows the same hard-link convention as we do: one inode, the data on the last name.
                var group = entries.Where(e => links.Contains(e.Name)).ToList();
                Assert.Single(group.Select(e => e.Inode).Distinct());
                Assert.All(group.SkipLast(1), e => Assert.Equal(0, e.Data.Length));
                Assert.Equal(specs.Single(s => s.Links is not null).Data, group[^1].Data.ToArray());
                foreach (var s in specs.Where(s => s.Links is null))
                {
                    var e = entries.Single(x => x.Name == s.Name);
                    Assert.Equal(s.Type, e.Type);
                    Assert.Equal(s.Uid, e.Uid);
                    Assert.Equal(s.Major, e.RDevMajor);
                    Assert.Equal(s.Minor, e.RDevMinor);
                    if (s.Type == CpioEntryType.RegularFile)
                    {
                        Assert.Equal(s.Data, e.Data.ToArray());
                        Assert.Equal(s.Perm, e.Permissions);
                    }
                }

                if (format == "crc")
                {
                    // Flip one byte of busybox's data: the crc format's checksum must catch it.
                    var e = entries.Single(x => x.Name == "bin/busybox");
                    Assert.NotEqual(0u, e.Check);
                    var at = IndexOf(theirs, Busybox.AsSpan(0, 64));
                    theirs[at + 1000] ^= 0x55;
                    var ex = Assert.Throws<InvalidDataException>(() => CpioReader.ReadAll(theirs));
                    Assert.Contains("checksum", ex.Message, StringComparison.Ordinal);
                    Assert.Contains("bin/busybox", ex.Message, StringComparison.Ordinal);
                }
            }
        }
        finally
        {
            Tool.RemoveDir(dir);
        }
    }

    private static long ReadPosition(byte[] archive)
    {
        using var r = new CpioReader(new MemoryStream(archive));
        r.ReadAll();
        return r.Position;
    }

    private static int IndexOf(byte[] haystack, ReadOnlySpan<byte> needle) => haystack.AsSpan().IndexOf(needle);

    [Theory]
    [InlineData("./etc/x", "etc/x")]
    [InlineData("/etc/x", "etc/x")]
    [InlineData(".//./etc/x/", "etc/x")]
    [InlineData("/", ".")]
    [InlineData(".", ".")]
    public void Names_are_stored_without_leading_slash_or_dot(string given, string stored)
    {
        Assert.Equal(stored, CpioWriter.NormalizeName(given));
        var ms = new MemoryStream();
        using (var w = new CpioWriter(ms, leaveOpen: true))
        {
            w.AddDirectory(given);
        }

        Assert.Equal(stored, CpioReader.ReadAll(ms.ToArray()).Single().Name);
    }

    [Theory]
    [InlineData("a/../b")]
    [InlineData("..")]
    [InlineData("a//b")]
    [InlineData("TRAILER!!!")]
    [InlineData("a\0b")]
    public void Unsafe_names_are_refused(string name) =>
        Assert.Throws<ArgumentException>(() => CpioWriter.NormalizeName(name));

    [Fact]
    public void Out_of_range_fields_are_refused()
    {
        using var w = new CpioWriter(new MemoryStream());
        Assert.Throws<ArgumentOutOfRangeException>(() => w.AddFile("x", [], new CpioAttributes(0x1000)));
        Assert.Throws<ArgumentOutOfRangeException>(() => w.AddFile("x", [], new CpioAttributes(0x1A4, ModificationTime: -1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => w.AddFile("x", [], new CpioAttributes(0x1A4, ModificationTime: 1L << 32)));
        Assert.Throws<EndOfStreamException>(() => w.AddFile("short", new MemoryStream(new byte[3]), 10));
    }

    [Fact]
    public void Every_truncation_is_refused_with_an_offset()
    {
        var archive = Write(EveryKind().Take(12).Where(s => s.Data.Length < 1000));
        // The reader needs everything up to the end of the padded trailer name; the block padding after it is optional.
        var trailerEnd = (IndexOf(archive, "TRAILER!!!\0"u8) + 11 + 3) / 4 * 4;
        Assert.Equal(trailerEnd, ReadPosition(archive));

        for (var len = 0; len < trailerEnd; len++)
        {
            var ex = Assert.Throws<InvalidDataException>(() => CpioReader.ReadAll(archive.AsSpan(0, len)));
            Assert.Contains("byte offset", ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Bad_magic_and_bad_digits_name_the_offset()
    {
        var archive = Write(EveryKind().Take(3));
        var bad = (byte[])archive.Clone();
        bad[0] = (byte)'1';
        var ex = Assert.Throws<InvalidDataException>(() => CpioReader.ReadAll(bad));
        Assert.Contains("magic", ex.Message, StringComparison.Ordinal);
        Assert.Contains("byte offset 0", ex.Message, StringComparison.Ordinal);

        bad = (byte[])archive.Clone();
        bad[CpioFormat.FileSizeOffset + 3] = (byte)'g';
        ex = Assert.Throws<InvalidDataException>(() => CpioReader.ReadAll(bad));
        Assert.Contains("c_filesize", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"byte offset {CpioFormat.FileSizeOffset}", ex.Message, StringComparison.Ordinal);

        ex = Assert.Throws<InvalidDataException>(() => CpioReader.ReadAll(new byte[] { 0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3 }.Concat(new byte[200]).ToArray()));
        Assert.Contains("compressed", ex.Message, StringComparison.Ordinal);
    }

    [FsCheck.Xunit.Property(MaxTest = 200)]
    public bool Random_corruption_gives_entries_or_InvalidDataException(int seed)
    {
        var archive = Write(EveryKind().Where(s => s.Data.Length < 1000));
        var rnd = new Random(seed);
        for (var i = 0; i < 1 + rnd.Next(3); i++)
        {
            archive[rnd.Next(Math.Min(archive.Length, 1200))] = (byte)rnd.Next(256);
        }

        try
        {
            CpioReader.ReadAll(archive);
        }
        catch (InvalidDataException)
        {
        }

        return true;
    }

    [FsCheck.Xunit.Property(MaxTest = 150)]
    public bool Round_trip_of_random_entries((string Name, byte Kind, byte[] Data)[] items, (ushort Perm, uint Uid, uint Gid, uint MTime, uint Major, uint Minor)[] attrs)
    {
        var n = Math.Min(items.Length, attrs.Length);
        var specs = new List<Spec>();
        for (var i = 0; i < n; i++)
        {
            var (rawName, kind, data) = items[i];
            var (perm, uid, gid, mtime, major, minor) = attrs[i];
            var name = $"e{i}/" + SafeName(rawName);
            var type = (CpioEntryType)(kind % 6);
            data ??= [];
            specs.Add(type switch
            {
                CpioEntryType.RegularFile => new Spec(name, type, perm & 0xFFFu, uid, gid, mtime, data),
                CpioEntryType.SymbolicLink => new Spec(name, type, perm & 0xFFFu, uid, gid, mtime, [], Target: "t/" + SafeName(rawName)),
                CpioEntryType.CharacterDevice or CpioEntryType.BlockDevice => new Spec(name, type, perm & 0xFFFu, uid, gid, mtime, [], Major: major, Minor: minor),
                _ => new Spec(name, type, perm & 0xFFFu, uid, gid, mtime, []),
            });
        }

        var entries = CpioReader.ReadAll(Write(specs));
        if (entries.Count != specs.Count)
        {
            return false;
        }

        for (var i = 0; i < n; i++)
        {
            var s = specs[i];
            var e = entries[i];
            var data = s.Type == CpioEntryType.SymbolicLink ? Encoding.UTF8.GetBytes(s.Target!) : s.Data;
            if (e.Name != s.Name || e.Type != s.Type || e.Permissions != s.Perm || e.Uid != s.Uid || e.Gid != s.Gid
                || e.ModificationTime != s.MTime || e.RDevMajor != s.Major || e.RDevMinor != s.Minor
                || !e.Data.Span.SequenceEqual(data) || e.Inode != (uint)(i + 1))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Any string made into a valid relative name: no NUL, no lone surrogates, no empty or dot components.</summary>
    private static string SafeName(string? raw)
    {
        var sb = new StringBuilder();
        foreach (var c in raw ?? "")
        {
            sb.Append(c == '\0' || char.IsSurrogate(c) ? '_' : c);
        }

        var parts = sb.ToString().Split('/', StringSplitOptions.RemoveEmptyEntries).Select(p => p is "." or ".." ? "dot" : p).ToList();
        return parts.Count == 0 ? "empty" : string.Join('/', parts);
    }
}
