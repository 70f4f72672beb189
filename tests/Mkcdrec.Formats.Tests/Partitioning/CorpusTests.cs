using System.IO.Compression;
using Mkcdrec.Formats.Partitioning;

namespace Mkcdrec.Formats.Tests.Partitioning;

/// <summary>Tables made by sgdisk/sfdisk (corpus/make-corpus.sh), read by us and compared with sfdisk's own view. Needs no tools.</summary>
public class CorpusTests
{
    private static readonly string Dir = Path.Combine(AppContext.BaseDirectory, "Partitioning", "corpus");

    public static TheoryData<string> Images() => new(Names());

    private static IEnumerable<string> Names() => Directory.GetFiles(Dir, "*.img.gz").Select(p => Path.GetFileName(p)[..^".img.gz".Length]).Order();

    /// <summary>The images whose table our writer reproduces byte for byte: all but the repaired primary and the hybrid MBR
    /// (which we replace with a plain protective MBR).</summary>
    public static TheoryData<string> RewritableImages() => new(Names().Where(n => n is not ("gpt-primary-wiped-512" or "gpt-hybrid-512")));

    public static MemoryStream Load(string name)
    {
        using var gz = new GZipStream(File.OpenRead(Path.Combine(Dir, name + ".img.gz")), CompressionMode.Decompress);
        var ms = new MemoryStream();
        gz.CopyTo(ms);
        ms.Position = 0;
        return ms;
    }

    [Fact]
    public void Corpus_is_there()
    {
        Assert.True(Images().Count >= 6, $"expected at least 6 images in {Dir}");
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void Reader_agrees_with_sfdisk(string name)
    {
        var expected = SfdiskTable.Parse(File.ReadAllText(Path.Combine(Dir, name + ".json")));
        using var image = Load(name);

        var result = PartitionTableReader.Read(image, expected.SectorSize, image.Length);

        if (expected.Label == "gpt")
        {
            Assert.Equal(PartitionTableKind.Gpt, result.Kind);
            expected.AssertSame(result.Gpt!);
        }
        else
        {
            Assert.Equal(PartitionTableKind.Mbr, result.Kind);
            expected.AssertSame(result.Mbr!);
        }

        switch (name)
        {
            case "gpt-primary-wiped-512":
                Assert.Equal(
                    $"primary GPT header at LBA 1 is corrupt (no \"EFI PART\" signature); using the backup at LBA {(image.Length / 512) - 1} — rewrite the table to repair it",
                    Assert.Single(result.Warnings));
                break;
            case "gpt-hybrid-512":
                Assert.StartsWith("hybrid MBR:", Assert.Single(result.Warnings), StringComparison.Ordinal);
                SfdiskTable.Parse(File.ReadAllText(Path.Combine(Dir, name + ".mbr.json"))).AssertSame(result.Mbr!, skipProtective: true);
                break;
            default:
                Assert.Empty(result.Warnings);
                break;
        }
    }

    [Theory]
    [MemberData(nameof(RewritableImages))]
    public void Rewriting_a_corpus_table_reproduces_the_tool_bytes(string name)
    {
        // Our writer must produce exactly what sgdisk/sfdisk wrote (headers, entries, EBRs).
        using var image = Load(name);
        var ss = SfdiskTable.Parse(File.ReadAllText(Path.Combine(Dir, name + ".json"))).SectorSize;
        var result = PartitionTableReader.Read(image, ss, image.Length);
        var ours = new MemoryStream(new byte[image.Length], 0, (int)image.Length, writable: true, publiclyVisible: true);
        if (result.Gpt is { } gpt)
        {
            PartitionTableWriter.Write(ours, ss, image.Length, gpt);
            AssertSameBytes(image, ours, 0, gpt.FirstUsableLba * ss);
            AssertSameBytes(image, ours, (gpt.LastUsableLba + 1) * ss, image.Length);
        }
        else
        {
            PartitionTableWriter.Write(ours, ss, image.Length, result.Mbr!);
            AssertSameBytes(image, ours, 0, 512, skip: (446, 462 + 48)); // CHS values differ by tool; compare LBAs below
            foreach (var l in result.Mbr!.Partitions.Where(p => p.IsLogical))
            {
                AssertSameEbrLbas(image, ours, l.EbrLba!.Value * ss);
            }

            AssertSameEbrLbas(image, ours, 0);
        }
    }

    private static void AssertSameBytes(MemoryStream expected, MemoryStream actual, long from, long to, (int From, int To)? skip = null)
    {
        var e = expected.GetBuffer().AsSpan((int)from, (int)(to - from)).ToArray();
        var a = actual.GetBuffer().AsSpan((int)from, (int)(to - from)).ToArray();
        if (skip is { } s)
        {
            e.AsSpan(s.From, s.To - s.From).Clear();
            a.AsSpan(s.From, s.To - s.From).Clear();
        }

        int diff = e.AsSpan().CommonPrefixLength(a);
        Assert.True(diff == e.Length, $"first difference at byte offset {from + diff}: tool wrote 0x{(diff < e.Length ? e[diff] : 0):X2}, we wrote 0x{(diff < a.Length ? a[diff] : 0):X2}");
    }

    private static void AssertSameEbrLbas(MemoryStream expected, MemoryStream actual, long offset)
    {
        for (int i = 0; i < 4; i++)
        {
            long entry = offset + 446 + (16 * i);
            Assert.Equal(expected.GetBuffer()[(int)entry], actual.GetBuffer()[(int)entry]);
            Assert.Equal(expected.GetBuffer().AsSpan((int)entry + 4, 1).ToArray(), actual.GetBuffer().AsSpan((int)entry + 4, 1).ToArray());
            Assert.Equal(expected.GetBuffer().AsSpan((int)entry + 8, 8).ToArray(), actual.GetBuffer().AsSpan((int)entry + 8, 8).ToArray());
        }

        Assert.Equal(expected.GetBuffer().AsSpan((int)offset + 510, 2).ToArray(), actual.GetBuffer().AsSpan((int)offset + 510, 2).ToArray());
    }
}
