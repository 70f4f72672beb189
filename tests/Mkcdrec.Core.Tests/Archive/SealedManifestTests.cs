using System.Text;
using Mkcdrec.Core.Archive;
using Mkcdrec.Model.Manifest;
using Mkcdrec.Platform.Linux;

namespace Mkcdrec.Core.Tests.Archive;

/// <summary>
/// An encrypted backup's manifest.json tells the holder of the medium nothing about the files (docs/secrets.md): the
/// tree is only in the sealed part, which the passphrase opens, our reader and openssl + gunzip alike. No root needed.
/// </summary>
public sealed class SealedManifestTests : IDisposable
{
    private const string SecretName = "payroll-2026-salaries.ods";
    private readonly string _dir = TreeFixture.NewTempDir();
    private readonly FileSystemAccess _fs = new();
    private readonly byte[] _pass = Encoding.UTF8.GetBytes("s3cret passphrase");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Backup => Path.Combine(_dir, "bk");

    private string Src => Path.Combine(_dir, "src-tree-of-acme");

    private string ManifestPath => Path.Combine(Backup, BackupFiles.Manifest);

    private ArchiveRecord MakeBackup(byte[]? pass, string? destination = null)
    {
        Directory.CreateDirectory(Path.Combine(Src, "finance"));
        File.WriteAllText(Path.Combine(Src, "finance", SecretName), "alice 120000\nbob 95000\n");
        File.WriteAllText(Path.Combine(Src, "motd"), "hello\n");
        return new ArchiveCreator(_fs).Create(new CreateOptions
        {
            Root = Src,
            Destination = destination ?? Backup,
            FilesystemId = "fs:ext4:1111",
            Compression = Compression.Zstd,
            Passphrase = pass,
            Iterations = 1000,
            Excludes = ["secret-excluded-dir"],
        });
    }

    [Fact]
    public void The_readable_manifest_holds_no_name_root_exclude_or_content_hash()
    {
        var rec = MakeBackup(_pass);
        var text = File.ReadAllText(ManifestPath);
        var hash = rec.Files.First(f => f.Path?.EndsWith(SecretName, StringComparison.Ordinal) == true).Hash!;
        foreach (var leak in new[] { SecretName, "finance", "motd", Src, "secret-excluded-dir", hash, "\"files\":[{" })
        {
            Assert.DoesNotContain(leak, text, StringComparison.Ordinal);
        }

        var stored = BackupManifest.Parse(File.ReadAllBytes(ManifestPath), ManifestPath);
        Assert.NotNull(stored.Sealed);
        var a = Assert.Single(stored.Archives);
        Assert.Equal(rec.Volumes.Select(v => v.Sha256), a.Volumes.Select(v => v.Sha256)); // still checkable without the passphrase
        Assert.Throws<InvalidOperationException>(() => a.Files); // never an empty list that looks like an empty tree
    }

    [Fact]
    public void The_passphrase_opens_the_whole_manifest()
    {
        var rec = MakeBackup(_pass);
        var src = ArchiveSource.Open(Backup, passphrase: _pass);
        Assert.False(src.IsSealed);
        var a = src.Select(null);
        Assert.Equal(Src, a.Root);
        Assert.Equal(["secret-excluded-dir"], a.Excludes.Where(x => x == "secret-excluded-dir"));
        Assert.Equal(rec.Files.Select(f => f.Path + f.Hash + f.MTime), a.Files.Select(f => f.Path + f.Hash + f.MTime));
        Assert.Equal(rec.EntryCount, a.EntryCount);
    }

    [Fact]
    public void Openssl_and_gunzip_read_the_sealed_part()
    {
        MakeBackup(_pass);
        var stored = BackupManifest.Parse(File.ReadAllBytes(ManifestPath), ManifestPath);
        File.WriteAllBytes(Path.Combine(_dir, "pass"), _pass);
        File.WriteAllText(Path.Combine(_dir, "sealed.b64"), stored.Sealed!.Data);
        var json = TreeFixture.Sh($"openssl enc -d -a -A -aes-256-cbc -pbkdf2 -iter {stored.Sealed.Encryption.Iterations} -pass file:{_dir}/pass -in {_dir}/sealed.b64 | gunzip");
        Assert.Contains(SecretName, json, StringComparison.Ordinal);
        Assert.Contains(Src, json, StringComparison.Ordinal);
    }

    [Fact]
    public void A_wrong_passphrase_is_told_apart_from_damage()
    {
        MakeBackup(_pass);
        var e = Assert.Throws<MkcdrecException>(() => ArchiveSource.Open(Backup, passphrase: "wrong"u8.ToArray()));
        Assert.Equal(ExitCode.BadInput, e.Code);
        Assert.Contains("Wrong passphrase", e.Message, StringComparison.Ordinal);

        // One base64 letter of the sealed data changed, as damage would (the JSON escapes some base64 characters: edit the text).
        var json = File.ReadAllText(ManifestPath);
        // Not a character of an escape such as \u002B (its letters and digits are no base64 text): that would be bad JSON, not damage.
        var at = json.IndexOf("\"data\":\"", StringComparison.Ordinal) + 200;
        while (!char.IsAsciiLetterOrDigit(json[at]) || json.AsSpan(at - 5, 6).Contains('\\'))
        {
            at++;
        }

        File.WriteAllText(ManifestPath, json[..at] + (json[at] == 'A' ? 'B' : 'A') + json[(at + 1)..]);
        var damaged = Assert.Throws<InvalidDataException>(() => ArchiveSource.Open(Backup, passphrase: _pass));
        Assert.Contains("does not match its MAC", damaged.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// A whole-system backup collects its archives in a staging manifest while manifest.json of the previous run still
    /// lists the volumes about to be replaced: one this run cannot open (another passphrase, damage) must go with them.
    /// </summary>
    [Theory]
    [InlineData("another passphrase")]
    [InlineData("damaged")]
    public void A_previous_sealed_manifest_this_run_cannot_open_goes_with_the_volumes_it_lists(string why)
    {
        MakeBackup(_pass);
        var json = File.ReadAllText(ManifestPath);
        var at = json.IndexOf("\"data\":\"", StringComparison.Ordinal) + 100;
        while (!char.IsAsciiLetterOrDigit(json[at]) || json.AsSpan(at - 5, 6).Contains('\\'))
        {
            at++;
        }

        if (why == "damaged")
        {
            File.WriteAllText(ManifestPath, json[..at] + (json[at] == 'A' ? 'B' : 'A') + json[(at + 1)..]);
        }

        var pass = why == "damaged" ? _pass : "another one"u8.ToArray();
        new ArchiveCreator(_fs).Create(new CreateOptions
        {
            Root = Src, Destination = Backup, FilesystemId = "fs:ext4:1111", Compression = Compression.Zstd, Passphrase = pass, Iterations = 1000,
            ManifestName = "manifest.staging.json",
        });

        Assert.False(File.Exists(ManifestPath)); // never left describing volumes that are gone
        var staging = Path.Combine(Backup, "manifest.staging.json");
        Assert.Equal("fs:ext4:1111", Assert.Single(ManifestSeal.Read(File.ReadAllBytes(staging), staging, pass).Archives).FilesystemId);
    }

    [Fact]
    public void A_readable_part_that_disagrees_with_the_sealed_one_is_refused()
    {
        MakeBackup(_pass);
        var json = File.ReadAllText(ManifestPath);
        var stored = BackupManifest.Parse(File.ReadAllBytes(ManifestPath), ManifestPath);
        var sha = stored.Archives[0].Volumes[0].Sha256;
        File.WriteAllText(ManifestPath, json.Replace(sha, new string('0', sha.Length), StringComparison.Ordinal));
        var e = Assert.Throws<InvalidDataException>(() => ArchiveSource.Open(Backup, passphrase: _pass));
        Assert.Contains("describe different archives or volumes", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_the_passphrase_verify_checks_volumes_and_says_contents_were_not()
    {
        MakeBackup(_pass);
        var report = new ArchiveVerifier(_fs).Verify(Backup, null);
        Assert.Contains(report.Checked, c => c.Contains("SHA-256", StringComparison.Ordinal));
        Assert.Contains(report.Skipped, c => c.Contains("encrypted", StringComparison.Ordinal));

        var src = ArchiveSource.Open(Backup);
        var e = Assert.Throws<MkcdrecException>(() => src.OpenTar(src.Select(null), null));
        Assert.Equal(ExitCode.Usage, e.Code);
        Assert.Throws<MkcdrecException>(() => new ArchiveVerifier(_fs).Compare(src, Src, null));
    }

    [Fact]
    public void A_second_archive_joins_the_sealed_manifest_with_the_passphrase_and_only_with_it()
    {
        MakeBackup(_pass);
        var other = Path.Combine(_dir, "other");
        Directory.CreateDirectory(other);
        File.WriteAllText(Path.Combine(other, "x"), "x");
        CreateOptions Second(byte[]? pass) => new()
        {
            Root = other, Destination = Backup, FilesystemId = "fs:ext4:2222", Compression = Compression.Zstd, Passphrase = pass, Iterations = 1000,
        };

        var e = Assert.Throws<MkcdrecException>(() => new ArchiveCreator(_fs).Create(Second(null)));
        Assert.Contains("encrypted backup", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(Backup), p => Path.GetFileName(p).StartsWith(BackupFiles.StagingPrefix, StringComparison.Ordinal));

        new ArchiveCreator(_fs).Create(Second(_pass));
        var src = ArchiveSource.Open(Backup, passphrase: _pass);
        Assert.Equal(2, src.Manifest.Archives.Count);
        Assert.Contains(src.Manifest.Archives.Single(a => a.FilesystemId == "fs:ext4:1111").Files, f => f.Path?.EndsWith(SecretName, StringComparison.Ordinal) == true);
        Assert.DoesNotContain(SecretName, File.ReadAllText(ManifestPath), StringComparison.Ordinal);
    }

    [Fact]
    public void A_plain_backup_keeps_its_manifest_readable()
    {
        MakeBackup(null);
        Assert.Contains(SecretName, File.ReadAllText(ManifestPath), StringComparison.Ordinal);
        Assert.Null(BackupManifest.Parse(File.ReadAllBytes(ManifestPath), ManifestPath).Sealed);
    }
}
