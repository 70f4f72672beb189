using Mkcdrec.Core.Media;

namespace Mkcdrec.Core.Tests.Media;

/// <summary>xorriso's report_lba, as it prints it (the previous ISO of a carried chain is read through it).</summary>
public sealed class IsoFileExtentsTests
{
    private const string Report = """
        xorriso 1.5.4 : RockRidge filesystem manipulator, libburnia project.

        Report layout: xt , Startlba ,   Blocks , Filesize , ISO image path
        File data lba:  0 ,       33 ,        1 ,        8 , '/backup/manifest.json'
        File data lba:  0 ,       34 ,      147 ,   300000 , '/backup/parents/h/we'"'"'ird name'
        File data lba:  0 ,      200 ,  2097152 , 4294967296 , '/backup/huge'
        File data lba:  1 ,  2097352 ,        1 , 4294967296 , '/backup/huge'
        """;

    [Fact]
    public void Reads_offsets_sizes_and_quoted_names_and_sets_aside_files_of_several_extents()
    {
        var files = IsoFileExtents.Parse(Report, out var multi);
        Assert.Equal(new IsoExtent("/backup/manifest.json", 33 * 2048, 8), files["/backup/manifest.json"]);
        Assert.Equal(new IsoExtent("/backup/parents/h/we'ird name", 34 * 2048, 300000), files["/backup/parents/h/we'ird name"]);
        Assert.False(files.ContainsKey("/backup/huge"));
        Assert.Equal(["/backup/huge"], multi);
    }

    [Fact]
    public void A_line_it_does_not_understand_is_an_error_not_a_guess()
    {
        var e = Assert.Throws<InvalidDataException>(() => IsoFileExtents.Parse("File data lba:  0 , x , 1 , 8 , '/backup/m'\n", out _));
        Assert.Contains("not understood", e.Message);
    }

    [Fact]
    public void Reads_a_files_bytes_at_its_extent()
    {
        var iso = Path.GetTempFileName();
        try
        {
            var data = new byte[3 * 2048];
            "manifest"u8.CopyTo(data.AsSpan(2048));
            File.WriteAllBytes(iso, data);
            Assert.Equal("manifest"u8.ToArray(), IsoFileExtents.Read(iso, new IsoExtent("/backup/manifest.json", 2048, 8)));
        }
        finally
        {
            File.Delete(iso);
        }
    }
}
