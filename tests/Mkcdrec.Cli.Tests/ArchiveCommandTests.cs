namespace Mkcdrec.Cli.Tests;

/// <summary>The archive verbs end to end through the real command line: exit codes and messages.</summary>
public sealed class ArchiveCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine("/tmp", "mkcdrec-cli-" + Guid.NewGuid().ToString("N")[..10]);

    public ArchiveCommandTests()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "src", "sub"));
        File.WriteAllText(Path.Combine(_dir, "src", "a.txt"), string.Concat(Enumerable.Repeat("hello archive ", 5000)));
        File.WriteAllBytes(Path.Combine(_dir, "src", "sub", "b.bin"), new byte[] { 1, 2, 3 });
        File.WriteAllText(Path.Combine(_dir, "pass"), "pw one\n");
        File.WriteAllText(Path.Combine(_dir, "wrong"), "pw two\n");
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private (int Code, string Out, string Err) Mkcdrec(params string[] args) =>
        CliTests.Mkcdrec(null, [.. args, "--log", Path.Combine(_dir, "log.txt")]);

    [Fact]
    public void Verify_reads_the_backup_passphrase_from_a_secrets_directory()
    {
        var bk = Path.Combine(_dir, "bk");
        var r = Mkcdrec("archive", "create", "--root", Path.Combine(_dir, "src"), "--dest", bk, "--encrypt", "--passphrase-file", Path.Combine(_dir, "pass"), "--iterations", "1000");
        Assert.True(r.Code == 0, r.Err);
        var keys = Directory.CreateDirectory(Path.Combine(_dir, "keys")).FullName;
        File.WriteAllText(Path.Combine(keys, "backup.passphrase"), "pw one\n");
        r = Mkcdrec("verify", bk, "--secrets", keys);
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("every content hash matches", r.Out);
        Assert.DoesNotContain("pw one", File.ReadAllText(Path.Combine(_dir, "log.txt")));

        // --passphrase-file comes first; a wrong one is refused even when the directory's is right.
        r = Mkcdrec("verify", bk, "--secrets", keys, "--passphrase-file", Path.Combine(_dir, "wrong"));
        Assert.Equal(4, r.Code);

        r = Mkcdrec("verify", bk, "--secrets", Path.Combine(_dir, "no-such-dir"));
        Assert.Equal(4, r.Code);
        Assert.Contains("secrets directory", r.Err);
    }

    [Fact]
    public void Create_verify_extract_compare_and_failures_have_documented_exit_codes()
    {
        var src = Path.Combine(_dir, "src");
        var bk = Path.Combine(_dir, "bk");
        var r = Mkcdrec("archive", "create", "--root", src, "--dest", bk, "--encrypt", "--passphrase-file", Path.Combine(_dir, "pass"), "--iterations", "1000", "--volume-size", "1M");
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("Archived 4 entries", r.Out);
        Assert.DoesNotContain("pw one", File.ReadAllText(Path.Combine(bk, "manifest.json")));
        Assert.DoesNotContain("pw one", File.ReadAllText(Path.Combine(_dir, "log.txt")));
        Assert.DoesNotContain("a.txt", File.ReadAllText(Path.Combine(bk, "manifest.json"))); // the file list is sealed

        r = Mkcdrec("verify", bk, "--passphrase-file", Path.Combine(_dir, "pass"));
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("every content hash matches", r.Out);

        // Without the passphrase only the volumes' hashes are checked: said plainly, and not a success.
        r = Mkcdrec("verify", bk);
        Assert.Equal(8, r.Code);
        Assert.Contains("skipped archive 'root': encrypted", r.Out);
        Assert.Contains("NOT fully verified", r.Err);
        Assert.DoesNotContain("every content hash matches", r.Out);

        r = Mkcdrec("archive", "extract", "--from", bk, "--to", Path.Combine(_dir, "out"), "--passphrase-file", Path.Combine(_dir, "wrong"));
        Assert.Equal(4, r.Code);
        Assert.Contains("Wrong passphrase", r.Err);

        r = Mkcdrec("archive", "extract", "--from", bk, "--to", Path.Combine(_dir, "out"), "--passphrase-file", Path.Combine(_dir, "pass"));
        Assert.True(r.Code == 0, r.Err);
        Assert.Equal(File.ReadAllText(Path.Combine(src, "a.txt")), File.ReadAllText(Path.Combine(_dir, "out", "a.txt")));

        // The list to compare with is in the sealed part of the manifest: no comparison without the passphrase.
        r = Mkcdrec("verify", bk, "--compare", "--root", Path.Combine(_dir, "out"));
        Assert.Equal(2, r.Code);
        Assert.Contains("give the passphrase", r.Err, StringComparison.OrdinalIgnoreCase);
        r = Mkcdrec("verify", bk, "--compare", "--root", Path.Combine(_dir, "out"), "--passphrase-file", Path.Combine(_dir, "pass"));
        Assert.True(r.Code == 0, r.Out + r.Err);
        File.WriteAllText(Path.Combine(_dir, "out", "extra"), "x");
        r = Mkcdrec("verify", bk, "--compare", "--root", Path.Combine(_dir, "out"), "--passphrase-file", Path.Combine(_dir, "pass"));
        Assert.Equal(1, r.Code);
        Assert.Contains("new     extra", r.Out);

        var vol = Directory.GetFiles(bk, "root.tar.zst.enc.*").Order().First();
        var bytes = File.ReadAllBytes(vol);
        bytes[bytes.Length / 2] ^= 0xFF;
        File.WriteAllBytes(vol, bytes);
        r = Mkcdrec("verify", bk, "--passphrase-file", Path.Combine(_dir, "pass"));
        Assert.Equal(4, r.Code);
        Assert.Contains(Path.GetFileName(vol), r.Err);

        // Extracting the damaged backup fails naming the volume and byte range, says the target is incomplete, never "Restored".
        r = Mkcdrec("archive", "extract", "--from", bk, "--to", Path.Combine(_dir, "out2"), "--passphrase-file", Path.Combine(_dir, "pass"));
        Assert.Equal(4, r.Code);
        Assert.Contains(Path.GetFileName(vol), r.Err);
        Assert.Contains("bytes ", r.Err);
        Assert.Contains("INCOMPLETE", r.Err);
        Assert.DoesNotContain("Restored", r.Out);

        r = Mkcdrec("archive", "create", "--root", src);
        Assert.Equal(2, r.Code);
    }
}
