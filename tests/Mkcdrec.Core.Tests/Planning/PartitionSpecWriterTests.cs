using System.Globalization;
using Mkcdrec.Formats.Partitioning;
using Mkcdrec.Model.Layout;
using Mkcdrec.Model.Plan;
using Mkcdrec.Core.Storage;

namespace Mkcdrec.Core.Tests.Planning;

/// <summary>The executor writes partition steps with our own writer: every planned table must be writable, and read back the same.</summary>
public sealed class PartitionSpecWriterTests
{
    [Theory]
    [InlineData("gpt")]
    [InlineData("gpt-grow")]
    [InlineData("gpt-shrink")]
    [InlineData("mbr")]
    [InlineData("mbr-grow")]
    [InlineData("raid-grow")]
    [InlineData("btrfs-grow")]
    public void Planned_tables_are_written_by_our_writer_and_read_back_unchanged(string name)
    {
        var (_, plan) = PlannerStepsTests.Make(name);
        foreach (var spec in plan.Steps.Where(s => s.PartitionTable is not null).Select(s => s.PartitionTable!))
        {
            var file = Path.GetTempFileName();
            try
            {
                using (var fs = new FileStream(file, FileMode.Open, FileAccess.ReadWrite))
                {
                    fs.SetLength(spec.DeviceSizeBytes); // sparse
                    if (spec.Kind == PartitionTableKinds.Gpt)
                    {
                        var t = GptTable.CreateEmpty(spec.DeviceSizeBytes, spec.SectorSize, spec.DiskGuid!.Value, spec.GptEntryCount ?? 128);
                        t.FirstUsableLba = spec.FirstUsableLba ?? t.FirstUsableLba;
                        t.LastUsableLba = spec.LastUsableLba ?? t.LastUsableLba;
                        t.Partitions.AddRange(spec.Partitions.Select(p => new GptPartition
                        {
                            Number = p.Number, TypeGuid = p.TypeGuid!.Value, UniqueGuid = p.PartUuid ?? Guid.NewGuid(),
                            FirstLba = p.StartSector, LastLba = p.StartSector + p.SizeSectors - 1, Attributes = p.Attributes ?? 0, Name = p.Name ?? "",
                        }));
                        PartitionTableWriter.Write(fs, spec.SectorSize, spec.DeviceSizeBytes, t);
                    }
                    else
                    {
                        var t = new MbrTable { DiskSignature = uint.Parse(spec.MbrDiskId!, NumberStyles.HexNumber, CultureInfo.InvariantCulture) };
                        t.Partitions.AddRange(spec.Partitions.Select(p => new MbrPartition
                        {
                            Number = p.Number, Type = byte.Parse(p.MbrType!, NumberStyles.HexNumber, CultureInfo.InvariantCulture), Bootable = p.Bootable,
                            StartLba = p.StartSector, SectorCount = p.SizeSectors,
                        }));
                        PartitionTableWriter.Write(fs, spec.SectorSize, spec.DeviceSizeBytes, t);
                    }
                }

                using var read = File.OpenRead(file);
                var back = PartitionTableReader.Read(read, spec.SectorSize, spec.DeviceSizeBytes);
                var got = back.Gpt is { } g
                    ? g.Partitions.Select(p => (p.Number, p.FirstLba, p.SectorCount)).ToList()
                    : back.Mbr!.Partitions.Select(p => (p.Number, p.StartLba, p.SectorCount)).ToList();
                Assert.Equal(spec.Partitions.Select(p => (p.Number, p.StartSector, p.SizeSectors)).OrderBy(x => x.Number), got.OrderBy(x => x.Number));

                // The peers agree the planned table is sound.
                if (spec.Kind == PartitionTableKinds.Gpt)
                {
                    var v = Mkcdrec.Tests.Shared.Tool.Run("sgdisk", "-v", file);
                    Assert.True(v.StdOut.Contains("No problems found", StringComparison.Ordinal), $"sgdisk -v on the planned table of {name}:\n{v.StdOut}{v.StdErr}");
                }
                else
                {
                    var v = Mkcdrec.Tests.Shared.Tool.Run("sfdisk", "--verify", file);
                    Assert.True(v.ExitCode == 0 && !v.StdOut.Contains("overlap", StringComparison.OrdinalIgnoreCase), $"sfdisk --verify on the planned table of {name}:\n{v.StdOut}{v.StdErr}");
                }
            }
            finally
            {
                File.Delete(file);
            }
        }
    }
}
