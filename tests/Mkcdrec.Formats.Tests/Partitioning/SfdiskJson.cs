using System.Globalization;
using System.Text.Json;
using Mkcdrec.Formats.Partitioning;

namespace Mkcdrec.Formats.Tests.Partitioning;

/// <summary>One partition as <c>sfdisk --json</c> reports it.</summary>
public sealed record SfdiskPartition(int Number, long Start, long Size, string Type, string? Uuid, string Name, string? Attrs, bool Bootable);

/// <summary>The <c>sfdisk --json</c> view of a partition table, and the comparison of our reader's result with it.</summary>
public sealed record SfdiskTable(string Label, string Id, long? FirstLba, long? LastLba, int SectorSize, IReadOnlyList<SfdiskPartition> Partitions)
{
    public static SfdiskTable Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var t = doc.RootElement.GetProperty("partitiontable");
        var parts = new List<SfdiskPartition>();
        if (t.TryGetProperty("partitions", out var ps))
        {
            foreach (var p in ps.EnumerateArray())
            {
                string node = p.GetProperty("node").GetString()!;
                int digits = node.Length - node.Reverse().TakeWhile(char.IsAsciiDigit).Count();
                parts.Add(new SfdiskPartition(
                    int.Parse(node[digits..], CultureInfo.InvariantCulture),
                    p.GetProperty("start").GetInt64(),
                    p.GetProperty("size").GetInt64(),
                    p.GetProperty("type").GetString()!,
                    p.TryGetProperty("uuid", out var u) ? u.GetString() : null,
                    p.TryGetProperty("name", out var n) ? n.GetString()! : "",
                    p.TryGetProperty("attrs", out var a) ? a.GetString() : null,
                    p.TryGetProperty("bootable", out var b) && b.GetBoolean()));
            }
        }

        return new SfdiskTable(
            t.GetProperty("label").GetString()!,
            t.GetProperty("id").GetString()!,
            t.TryGetProperty("firstlba", out var f) ? f.GetInt64() : null,
            t.TryGetProperty("lastlba", out var l) ? l.GetInt64() : null,
            t.GetProperty("sectorsize").GetInt32(),
            parts);
    }

    /// <summary>Parses sfdisk's attribute string ("RequiredPartition LegacyBIOSBootable GUID:60,63") into bits.</summary>
    public static ulong ParseAttrs(string? attrs)
    {
        ulong bits = 0;
        foreach (var token in (attrs ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (token.StartsWith("GUID:", StringComparison.Ordinal))
            {
                foreach (var bit in token[5..].Split(','))
                {
                    bits |= 1UL << int.Parse(bit, CultureInfo.InvariantCulture);
                }
            }
            else
            {
                bits |= token switch
                {
                    "RequiredPartition" => 1UL,
                    "NoBlockIOProtocol" => 2UL,
                    "LegacyBIOSBootable" => 4UL,
                    _ => throw new FormatException($"unknown sfdisk attribute '{token}'"),
                };
            }
        }

        return bits;
    }

    /// <summary>Asserts that the GPT equals what sfdisk reports: disk GUID, usable range, and every partition's start, size, type, uuid, name, attributes.</summary>
    public void AssertSame(GptTable gpt)
    {
        Assert.Equal("gpt", Label);
        Assert.Equal(Guid.Parse(Id), gpt.DiskGuid);
        Assert.Equal(FirstLba, gpt.FirstUsableLba);
        Assert.Equal(LastLba, gpt.LastUsableLba);
        Assert.Equal(Partitions.Select(p => p.Number).Order(), gpt.Partitions.Select(p => p.Number).Order());
        foreach (var s in Partitions)
        {
            var ours = gpt.Find(s.Number)!;
            Assert.Equal((s.Number, s.Start, s.Size), (ours.Number, ours.FirstLba, ours.SectorCount));
            Assert.Equal(Guid.Parse(s.Type), ours.TypeGuid);
            Assert.Equal(Guid.Parse(s.Uuid!), ours.UniqueGuid);
            Assert.Equal(s.Name, ours.Name);
            Assert.Equal(ParseAttrs(s.Attrs), ours.Attributes & PartitionGenerators.SfdiskVisibleAttributes);
        }
    }

    /// <summary>Asserts that the MBR equals what sfdisk reports: disk id, and every partition's number, start, size, type, boot flag.</summary>
    public void AssertSame(MbrTable mbr, bool skipProtective = false)
    {
        Assert.Equal("dos", Label);
        Assert.Equal(uint.Parse(Id.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture), mbr.DiskSignature);
        var expected = Partitions.Where(p => !(skipProtective && p.Type == "ee")).ToList();
        Assert.Equal(expected.Select(p => p.Number), mbr.Partitions.OrderBy(p => p.Number).Select(p => p.Number));
        foreach (var s in expected)
        {
            var ours = mbr.Find(s.Number)!;
            Assert.Equal(
                (s.Number, s.Start, s.Size, byte.Parse(s.Type, NumberStyles.HexNumber, CultureInfo.InvariantCulture), s.Bootable),
                (ours.Number, ours.StartLba, ours.SectorCount, ours.Type, ours.Bootable));
        }
    }
}
