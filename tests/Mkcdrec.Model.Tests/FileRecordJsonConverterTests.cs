using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Mkcdrec.Model.Manifest;

namespace Mkcdrec.Model.Tests;

/// <summary>The hand-written file record reader/writer against the generated serializer it replaced (same options, no converter).</summary>
public class FileRecordJsonConverterTests
{
    private static List<FileRecord> Samples() =>
    [
        new() { Path = "etc/passwd", Type = "f", Mode = 420, Uid = 0, Gid = 0, Size = 1234, MTime = "1733312345.123456789", Hash = "00112233445566778899aabbccddeeff" },
        new() { Path = "var", Type = "d", Mode = 493, MTime = "1733312345.000000000" },
        new() { Path = "bin/sh", Type = "l", Mode = 511, MTime = "1.5", Link = "dash", XattrHash = "ff" },
        new() { PathBase64 = "/w==", Type = "h", Mode = 384, Uid = 1000, Gid = 1000, MTime = "-5.000000001", LinkBase64 = "/g==", Unchanged = true },
        new() { Path = "dev/sda <&> 'ü' \"q\" \\ +\u0001", Type = "b", Mode = 432, Gid = 6, MTime = "0.0", Device = "8,0", Unchanged = false },
        new() { Path = "x", Type = "weird", Mode = uint.MaxValue, Uid = uint.MaxValue, Gid = uint.MaxValue, Size = long.MaxValue, MTime = "" },
        new() { Path = null, Type = "p", MTime = "2.0" },
    ];

    [Fact]
    public void Writes_byte_for_byte_what_the_generated_serializer_wrote()
    {
        var manifest = new BackupManifest { Archives = [new ArchiveRecord { Files = Samples() }] };
        var ours = Encoding.UTF8.GetString(manifest.ToJson());
        var generated = JsonSerializer.Serialize(manifest, GeneratedManifestContext.Default.BackupManifest);
        Assert.Equal(generated, ours);
        Assert.Contains("\"t\":\"f\"", ours);
        Assert.DoesNotContain("\"s\":0", ours); // a zero size is left out, as before
    }

    [Fact]
    public void Reads_back_every_field_of_either_writer()
    {
        var generated = JsonSerializer.SerializeToUtf8Bytes(new BackupManifest { Archives = [new ArchiveRecord { Files = Samples() }] },
            GeneratedManifestContext.Default.BackupManifest);
        var back = BackupManifest.Parse(generated, "test").Archives[0].Files;
        Assert.Equal(Samples().Select(Describe), back.Select(Describe));
        Assert.Same("f", back[0].Type); // one-letter types are shared strings, not one copy per file
    }

    [Fact]
    public void Skips_unknown_properties_and_reads_escaped_names()
    {
        var json = """{"formatVersion":1,"archives":[{"files":[{"future":{"a":[1,2]},"\u0070":"a\u00e9","t":"d","m":493,"u":1,"g":2,"mt":"3.4","n":null,"x":null}]}]}""";
        var r = BackupManifest.Parse(Encoding.UTF8.GetBytes(json), "test").Archives[0].Files.Single();
        Assert.Equal(("aé", "d", 493u, 1u, 2u, "3.4"), (r.Path, r.Type, r.Mode, r.Uid, r.Gid, r.MTime));
        Assert.Null(r.Unchanged);
        Assert.Null(r.XattrHash);
    }

    [Theory]
    [InlineData("""[{"p":"a","m":"x"}]""")]
    [InlineData("""[{"p":"a","m":-1}]""")]
    [InlineData("""[{"p":"a","s":1.5}]""")]
    [InlineData("""[{"p":1}]""")]
    [InlineData("""["a"]""")]
    [InlineData("""[{"n":"yes"}]""")]
    public void A_value_of_the_wrong_kind_is_a_manifest_error_naming_it(string files)
    {
        var json = $$"""{"formatVersion":1,"archives":[{"files":{{files}}}]}""";
        var archive = BackupManifest.Parse(Encoding.UTF8.GetBytes(json), "m.json").Archives[0]; // the list is read on first use
        var e = Assert.Throws<InvalidDataException>(() => archive.Files);
        Assert.StartsWith("m.json: not a valid manifest", e.Message);
        Assert.Throws<InvalidDataException>(() => archive.Members());
    }

    [Theory]
    [InlineData("""[{"p":"a"},""")]
    [InlineData("""{"p":"a"}""")]
    [InlineData("""[{"p":"a" "t":"f"}]""")]
    public void A_list_that_is_not_a_json_array_is_refused_with_the_manifest(string files)
    {
        var json = $$"""{"formatVersion":1,"archives":[{"files":{{files}}}]}""";
        var e = Assert.Throws<InvalidDataException>(() => BackupManifest.Parse(Encoding.UTF8.GetBytes(json), "m.json"));
        Assert.StartsWith("m.json: not a valid manifest", e.Message);
    }

    [Fact]
    public void Members_of_an_increment_leave_out_the_unchanged_however_they_are_written_and_files_keep_them()
    {
        var json = """
            {"formatVersion":1,"archives":[
              {"filesystemId":"full","files":[{"p":"a","t":"f","m":420,"u":0,"g":0,"mt":"1.0","n":true},{"p":"b","t":"f","m":420,"u":0,"g":0,"mt":"1.0"}]},
              {"filesystemId":"inc","since":"2026-12-04T10:00:00+00:00","files":[
                {"p":"","t":"d","m":493,"u":0,"g":0,"mt":"1.0"},
                {"p":"same","t":"f","m":420,"u":0,"g":0,"mt":"1.0","n":true},
                {"p":"spaced","t":"f","m":420,"u":0,"g":0,"mt":"1.0", "n" : true},
                {"p":"quoted \"n\":true","t":"f","m":420,"u":0,"g":0,"mt":"2.0","n":false},
                {"p":"new","t":"f","m":420,"u":0,"g":0,"s":3,"mt":"2.0","h":"00"}]}]}
            """;
        var m = BackupManifest.Parse(Encoding.UTF8.GetBytes(json), "m.json");
        Assert.Equal(["", "quoted \"n\":true", "new"], m.Archives[1].Members().Select(f => f.Path));
        Assert.Equal(["a", "b"], m.Archives[0].Members().Select(f => f.Path)); // a full archive's members are its whole list
        Assert.Equal(5, m.Archives[1].Files.Count);
        Assert.Equal(["", "quoted \"n\":true", "new"], m.Archives[1].Members().Select(f => f.Path)); // and from the list once read
    }

    [Fact]
    public void A_manifest_read_and_written_again_is_the_same_bytes()
    {
        var manifest = new BackupManifest { Archives = [new ArchiveRecord { FilesystemId = "a", Files = Samples() }, new ArchiveRecord { FilesystemId = "b" }] };
        var json = manifest.ToJson();
        var back = BackupManifest.Parse(json, "m.json");
        Assert.Equal(json, back.ToJson()); // the deferred lists are read for writing
        using var stream = new MemoryStream();
        BackupManifest.Parse(json, "m.json").WriteTo(stream);
        Assert.Equal(json, stream.ToArray());
    }

    private static string Describe(FileRecord r) =>
        string.Join("|", r.Path, r.PathBase64, r.Type, r.Mode, r.Uid, r.Gid, r.Size, r.MTime, r.Link, r.LinkBase64, r.Hash, r.Device, r.XattrHash, r.Unchanged);
}

/// <summary>The manifest's options without the hand-written converter: what the generator writes and reads.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(BackupManifest))]
internal sealed partial class GeneratedManifestContext : JsonSerializerContext
{
}
