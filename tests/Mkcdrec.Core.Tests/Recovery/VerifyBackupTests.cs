using Mkcdrec.Core.Archive;
using Mkcdrec.Core.Recovery;
using Mkcdrec.Model.Layout;
using Mkcdrec.Platform.Linux;

namespace Mkcdrec.Core.Tests.Recovery;

/// <summary>recover checks the whole backup before it touches a disk.</summary>
public sealed class VerifyBackupTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mkcdrec-verifybackup-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private (string Backup, LayoutDocument Layout) Make(byte[]? passphrase = null)
    {
        var tree = Path.Combine(_dir, "tree");
        Directory.CreateDirectory(tree);
        File.WriteAllBytes(Path.Combine(tree, "data"), new byte[300_000].Select((_, i) => (byte)(i * 7)).ToArray());
        var backup = Path.Combine(_dir, "backup");
        new ArchiveCreator(new FileSystemAccess()).Create(new CreateOptions { Root = tree, Destination = backup, FilesystemId = "fs:ext4:R", VolumeSize = 1 << 20, Passphrase = passphrase, Iterations = 1000 });
        var doc = new LayoutDocument();
        doc.Filesystems.Add(new Filesystem { Id = "fs:ext4:R", Type = "ext4", Uuid = "R" });
        return (backup, doc);
    }

    [Fact]
    public void A_good_backup_passes()
    {
        var (b, doc) = Make();
        var said = new List<string>();
        var m = RecoverWorkflow.VerifyBackup(b, doc, null, said.Add);
        Assert.Single(m.Archives);
        Assert.Contains("every chunk hash matches", Assert.Single(said), StringComparison.Ordinal);
    }

    [Fact]
    public void A_flipped_byte_is_refused_naming_the_volume()
    {
        var (b, doc) = Make();
        var vol = Directory.GetFiles(b, "*.001").Single();
        var bytes = File.ReadAllBytes(vol);
        bytes[bytes.Length / 2] ^= 1;
        File.WriteAllBytes(vol, bytes);
        var e = Assert.Throws<MkcdrecException>(() => RecoverWorkflow.VerifyBackup(b, doc, null));
        Assert.Equal(ExitCode.BadInput, e.Code);
        Assert.Contains(Path.GetFileName(vol), e.Message, StringComparison.Ordinal);
        Assert.Contains("no disk was touched", e.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void A_flipped_byte_names_the_damaged_byte_range()
    {
        var (b, doc) = Make();
        var vol = Directory.GetFiles(b, "*.001").Single();
        var bytes = File.ReadAllBytes(vol);
        bytes[100] ^= 0x40;
        File.WriteAllBytes(vol, bytes);
        var e = Assert.Throws<MkcdrecException>(() => RecoverWorkflow.VerifyBackup(b, doc, null));
        Assert.Matches(@"bytes 0\.\.\d+ \(chunk 1 of \d+\) do not match", e.Message);
    }

    [Fact]
    public void An_encrypted_backup_is_checked_with_its_keyed_chunk_hashes_and_a_wrong_passphrase_is_refused()
    {
        var pass = "correct horse"u8.ToArray();
        var (b, doc) = Make(pass);
        Assert.Single(RecoverWorkflow.VerifyBackup(b, doc, pass).Archives);

        Assert.ThrowsAny<Exception>(() => RecoverWorkflow.VerifyBackup(b, doc, "wrong"u8.ToArray()));

        var vol = Directory.GetFiles(b, "*.001").Single();
        var bytes = File.ReadAllBytes(vol);
        bytes[^5] ^= 1;
        File.WriteAllBytes(vol, bytes);
        var e = Assert.Throws<MkcdrecException>(() => RecoverWorkflow.VerifyBackup(b, doc, pass));
        Assert.Contains("do not match the manifest", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_manifest_without_chunk_hashes_is_checked_by_the_whole_volume_sha256()
    {
        var (b, doc) = Make();
        var manifest = Path.Combine(b, "manifest.json");
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(manifest))!;
        foreach (var a in json["archives"]!.AsArray())
        {
            foreach (var v in a!["volumes"]!.AsArray())
            {
                v!["chunks"] = new System.Text.Json.Nodes.JsonArray();
            }
        }

        File.WriteAllText(manifest, json.ToJsonString());
        Assert.Single(RecoverWorkflow.VerifyBackup(b, doc, null).Archives);
        var vol = Directory.GetFiles(b, "*.001").Single();
        var bytes = File.ReadAllBytes(vol);
        bytes[7] ^= 1;
        File.WriteAllBytes(vol, bytes);
        Assert.Contains("SHA-256", Assert.Throws<MkcdrecException>(() => RecoverWorkflow.VerifyBackup(b, doc, null)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_or_truncated_volume_is_refused()
    {
        var (b, doc) = Make();
        var vol = Directory.GetFiles(b, "*.001").Single();
        using (var f = new FileStream(vol, FileMode.Open))
        {
            f.SetLength(f.Length - 1);
        }

        Assert.Contains("truncated", Assert.Throws<MkcdrecException>(() => RecoverWorkflow.VerifyBackup(b, doc, null)).Message, StringComparison.Ordinal);
        File.Delete(vol);
        Assert.Contains("missing", Assert.Throws<MkcdrecException>(() => RecoverWorkflow.VerifyBackup(b, doc, null)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_volume_on_a_medium_not_in_a_drive_is_left_to_the_restore_and_said_so()
    {
        var (b, doc) = Make();
        var vol = Path.GetFileName(Directory.GetFiles(b, "*.001").Single());
        var said = new List<string>();
        var m = BackupPreCheck.Verify(ArchiveSource.Open(b, new ElsewhereLocator(vol)), doc, null, said.Add);
        Assert.Single(m.Archives);
        Assert.Contains(said, l => l.Contains("every chunk hash of the volumes at hand matches", StringComparison.Ordinal));
        Assert.Contains(said, l => l.StartsWith($"1 volume(s) are on media not in a drive now ({vol}): the restore asks for each medium", StringComparison.Ordinal));

        File.Delete(Path.Combine(b, vol)); // a volume no medium of the set holds is still missing
        Assert.Contains("missing", Assert.Throws<MkcdrecException>(() => BackupPreCheck.Verify(ArchiveSource.Open(b, new ElsewhereLocator("none")), doc, null)).Message, StringComparison.Ordinal);
    }

    /// <summary>A set of media where <paramref name="elsewhere"/> is on a medium that is not in a drive now.</summary>
    private sealed class ElsewhereLocator(string elsewhere) : IVolumeLocator
    {
        public string? Find(string backupDir, string file) => file == elsewhere ? null : DirectoryVolumeLocator.Instance.Find(backupDir, file);

        public string Obtain(string backupDir, string file) => DirectoryVolumeLocator.Instance.Obtain(backupDir, file);

        public bool CanObtainLater(string file) => file == elsewhere;
    }

    [Fact]
    public void A_backup_of_another_layout_is_refused()
    {
        var (b, _) = Make();
        var other = new LayoutDocument();
        other.Filesystems.Add(new Filesystem { Id = "fs:ext4:OTHER", Type = "ext4" });
        var e = Assert.Throws<MkcdrecException>(() => RecoverWorkflow.VerifyBackup(b, other, null));
        Assert.Contains("do not match", e.Message, StringComparison.Ordinal);
    }
}
