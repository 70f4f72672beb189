using System.Text;
using Mkcdrec.Core.Archive;
using Mkcdrec.Model.Manifest;
using Mkcdrec.Platform.Linux;

namespace Mkcdrec.Core.Tests.Archive;

/// <summary>Damaged backups fail with an error naming the volume and byte offset; nothing is reported as restored. No root needed.</summary>
public sealed class BadInputTests : IDisposable
{
    private readonly string _dir = TreeFixture.NewTempDir();
    private readonly FileSystemAccess _fs = new();
    private readonly byte[] _pass = Encoding.UTF8.GetBytes("s3cret passphrase");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Backup => Path.Combine(_dir, "bk");

    private ArchiveRecord MakeBackup(bool encrypted)
    {
        var src = Path.Combine(_dir, "src");
        Directory.CreateDirectory(Path.Combine(src, "sub"));
        var rnd = new Random(42);
        for (var i = 0; i < 20; i++)
        {
            var data = new byte[100_000];
            rnd.NextBytes(data);
            File.WriteAllBytes(Path.Combine(src, i % 2 == 0 ? "sub" : "", $"file{i}"), data);
        }

        return new ArchiveCreator(_fs).Create(new CreateOptions
        {
            Root = src,
            Destination = Backup,
            Passphrase = encrypted ? _pass : null,
            Iterations = 1000,
            VolumeSize = 1 << 20,
            ChunkSize = 64 << 10,
        });
    }

    private Exception Extract(byte[]? pass)
    {
        var outDir = Path.Combine(_dir, "out");
        return Record.Exception(() =>
        {
            var src = ArchiveSource.Open(Backup, passphrase: pass);
            var a = src.Select(null);
            using var tar = src.OpenTar(a, pass);
            new ArchiveExtractor(_fs).Extract(tar.Reader, outDir, a.Files);
            tar.Drain();
        }) ?? throw new Xunit.Sdk.XunitException("extraction of a damaged backup reported success");
    }

    private Exception Verify(byte[]? pass) =>
        Record.Exception(() => new ArchiveVerifier(_fs).Verify(Backup, pass)) ?? throw new Xunit.Sdk.XunitException("verify of a damaged backup reported success");

    [Fact]
    public void Intact_backup_extracts_and_verifies()
    {
        MakeBackup(encrypted: true);
        var report = new ArchiveVerifier(_fs).Verify(Backup, _pass);
        Assert.Contains(report.Checked, c => c.Contains("21 entries", StringComparison.Ordinal) || c.Contains("22 entries", StringComparison.Ordinal));
        var src = ArchiveSource.Open(Backup, passphrase: _pass);
        var a = src.Select(null);
        using var tar = src.OpenTar(a, _pass);
        var r = new ArchiveExtractor(_fs).Extract(tar.Reader, Path.Combine(_dir, "out"), a.Files);
        tar.Drain();
        Assert.Equal(a.EntryCount, r.Entries);
        Assert.Equal(File.ReadAllBytes(Path.Combine(_dir, "src", "sub", "file4")), File.ReadAllBytes(Path.Combine(_dir, "out", "sub", "file4")));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Flipped_byte_names_volume_and_byte_range(bool encrypted)
    {
        var rec = MakeBackup(encrypted);
        Assert.True(rec.Volumes.Count >= 2);
        var vol = rec.Volumes[1];
        var path = Path.Combine(Backup, vol.File);
        var bytes = File.ReadAllBytes(path);
        const int at = 200_000;
        bytes[at] ^= 0x01;
        File.WriteAllBytes(path, bytes);
        foreach (var e in new[] { Extract(encrypted ? _pass : null), Verify(encrypted ? _pass : null) })
        {
            var ide = Assert.IsType<InvalidDataException>(e);
            Assert.Contains(vol.File, ide.Message);
            Assert.Contains("196608..262143", ide.Message); // the 64 KiB chunk holding byte 200000
        }
    }

    [Fact]
    public void Truncated_volume_names_volume_and_offset()
    {
        var rec = MakeBackup(encrypted: false);
        var vol = rec.Volumes[0];
        var path = Path.Combine(Backup, vol.File);
        using (var f = new FileStream(path, FileMode.Open))
        {
            f.SetLength(123_456);
        }

        foreach (var e in new[] { Extract(null), Verify(null) })
        {
            var ide = Assert.IsType<InvalidDataException>(e);
            Assert.Contains(vol.File, ide.Message);
            Assert.Contains("truncated at byte 123456", ide.Message);
        }

        Assert.False(Directory.Exists(Path.Combine(_dir, "out", "sub")), "files were extracted from a backup known to be truncated");
    }

    [Fact]
    public void Wrong_passphrase_is_refused_before_extracting()
    {
        MakeBackup(encrypted: true);
        var e = Assert.IsType<MkcdrecException>(Extract(Encoding.UTF8.GetBytes("wrong")));
        Assert.Equal(ExitCode.BadInput, e.Code);
        Assert.Contains("Wrong passphrase", e.Message);
        Assert.False(Directory.Exists(Path.Combine(_dir, "out")));
        Assert.IsType<MkcdrecException>(Verify(Encoding.UTF8.GetBytes("wrong")));
    }

    [Fact]
    public void Missing_volume_is_named()
    {
        var rec = MakeBackup(encrypted: false);
        File.Delete(Path.Combine(Backup, rec.Volumes[^1].File));
        foreach (var e in new[] { Extract(null), Verify(null) })
        {
            var m = Assert.IsType<MkcdrecException>(e);
            Assert.Contains($"Volume {rec.Volumes.Count} of {rec.Volumes.Count}", m.Message);
            Assert.Contains(rec.Volumes[^1].File, m.Message);
        }
    }

    [Fact]
    public void Manifest_that_does_not_match_the_volumes_is_refused()
    {
        MakeBackup(encrypted: false);
        var mpath = Path.Combine(Backup, BackupFiles.Manifest);
        var m = BackupManifest.Parse(File.ReadAllBytes(mpath), mpath);
        // A different file hash: the archive's content no longer matches the manifest.
        m.Archives[0].Files[5].Hash = new string('0', 32);
        File.WriteAllBytes(mpath, m.ToJson());
        var e = Assert.IsType<InvalidDataException>(Extract(null));
        Assert.Contains("does not match the manifest", e.Message);
        Assert.IsType<InvalidDataException>(Verify(null));

        // A different volume size: found before anything is read.
        m = BackupManifest.Parse(File.ReadAllBytes(mpath), mpath);
        m.Archives[0].Files[5].Hash = null;
        m.Archives[0].Volumes[0].Size += 10;
        File.WriteAllBytes(mpath, m.ToJson());
        var e2 = Assert.IsType<InvalidDataException>(Extract(null));
        Assert.Contains(m.Archives[0].Volumes[0].File, e2.Message);
    }

    [Fact]
    public void Manifest_of_another_run_over_these_volumes_names_the_volume_and_byte_range()
    {
        // The realistic mismatch: manifest.json copied from an earlier backup of the same tree next to newer volumes.
        MakeBackup(encrypted: false);
        var mpath = Path.Combine(Backup, BackupFiles.Manifest);
        var oldManifest = File.ReadAllBytes(mpath);
        var rec = MakeBackup(encrypted: false); // rewrites the tree: same names and sizes, new mtimes, so other tar bytes
        File.WriteAllBytes(mpath, oldManifest);
        foreach (var e in new[] { Extract(null), Verify(null) })
        {
            var ide = Assert.IsType<InvalidDataException>(e);
            Assert.Matches(@"volume " + System.Text.RegularExpressions.Regex.Escape(rec.Volumes[0].File[..^3]) + @"\d{3}", ide.Message);
            Assert.Matches(@"byte", ide.Message);
        }

        Assert.False(File.Exists(Path.Combine(_dir, "out", "file1")), "a file was restored from volumes the manifest does not describe");
    }

    [Fact]
    public void Encrypted_manifest_with_swapped_chunk_hash_is_refused()
    {
        MakeBackup(encrypted: true);
        var mpath = Path.Combine(Backup, BackupFiles.Manifest);
        var chunks = BackupManifest.Parse(File.ReadAllBytes(mpath), mpath).Archives[0].Volumes[0].Chunks;
        var json = File.ReadAllText(mpath);
        File.WriteAllText(mpath, json.Replace(chunks[0], "SWAP", StringComparison.Ordinal).Replace(chunks[1], chunks[0], StringComparison.Ordinal).Replace("SWAP", chunks[1], StringComparison.Ordinal));
        var e = Assert.IsType<InvalidDataException>(Extract(_pass)); // the readable chunk list is checked against the sealed one
        Assert.Contains("altered", e.Message);
    }
}
