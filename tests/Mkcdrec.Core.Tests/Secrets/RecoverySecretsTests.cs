using System.Text;
using Mkcdrec.Core.Secrets;

namespace Mkcdrec.Core.Tests.Secrets;

/// <summary>The keys medium's layout (docs/secrets.md) and the order secrets are looked up in: explicit file, directory, prompt.</summary>
public sealed class RecoverySecretsTests : IDisposable
{
    private const string U1 = "1234abcd-0000-4000-8000-000000000001";
    private const string U2 = "1234abcd-0000-4000-8000-000000000002";

    private readonly string _dir = Directory.CreateTempSubdirectory("mkcdrec-secrets-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static LuksKeyNeed Need(string uuid, string wasOn = "/dev/vda3") => new("{keyfile:luks:" + uuid + "}", uuid, wasOn);

    private string Keys(params (string Name, string Content)[] files)
    {
        var keys = Path.Combine(_dir, "keys");
        foreach (var (name, content) in files)
        {
            var path = Path.Combine(keys, name);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, Encoding.UTF8.GetBytes(content));
        }

        Directory.CreateDirectory(keys);
        return keys;
    }

    private string Temp => Directory.CreateDirectory(Path.Combine(_dir, "run")).FullName;

    private ResolvedSecrets Resolve(string? dir, bool encrypted, SecretPrompter? prompter = null, string? passFile = null, string? keyFile = null, params LuksKeyNeed[] luks) =>
        new RecoverySecrets(new SecretSources { Directory = dir, PassphraseFile = passFile, KeyFile = keyFile, TemporaryDirectory = Temp }, prompter).Resolve(encrypted, luks);

    [Fact]
    public void The_backup_passphrase_is_the_first_line_without_its_newline()
    {
        var keys = Keys(("backup.passphrase", "s3cret pass\nsecond line\n"));
        using var s = Resolve(keys, encrypted: true);
        Assert.Equal("s3cret pass"u8.ToArray(), s.BackupPassphrase);
        Assert.Empty(s.KeyFiles);
    }

    [Fact]
    public void A_backup_that_is_not_encrypted_needs_no_passphrase()
    {
        using var s = Resolve(Keys(), encrypted: false);
        Assert.Null(s.BackupPassphrase);
    }

    [Fact]
    public void A_passphrase_file_per_uuid_becomes_a_private_temporary_file_without_the_newline_deleted_afterwards()
    {
        var keys = Keys(($"luks/{U1}.passphrase", "one two\n"));
        string path;
        using (var s = Resolve(keys, false, luks: Need(U1)))
        {
            path = s.KeyFiles[Need(U1).Token];
            Assert.NotEqual(Path.Combine(keys, "luks", U1 + ".passphrase"), path);
            Assert.Equal("one two"u8.ToArray(), File.ReadAllBytes(path));
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            }

            Assert.StartsWith(Temp, path, StringComparison.Ordinal); // never on the keys medium
        }

        Assert.False(File.Exists(path));
        Assert.Equal("one two\n", File.ReadAllText(Path.Combine(keys, "luks", U1 + ".passphrase")));
    }

    [Fact]
    public void A_key_file_is_used_where_it_is_every_byte_a_trailing_newline_included()
    {
        var keys = Keys(($"luks/{U1}.key", "binary\0key\n"));
        using var s = Resolve(keys, false, luks: Need(U1));
        var path = s.KeyFiles[Need(U1).Token];
        Assert.Equal(Path.Combine(keys, "luks", U1 + ".key"), path);
        Assert.Equal("binary\0key\n"u8.ToArray(), File.ReadAllBytes(path));
        Assert.Empty(s.TemporaryFiles);
    }

    [Fact]
    public void Any_serves_every_container_without_a_file_of_its_own()
    {
        var keys = Keys(($"luks/{U1}.key", "own"), ("luks/any.passphrase", "shared\n"));
        using var s = Resolve(keys, false, luks: [Need(U1), Need(U2)]);
        Assert.Equal(Path.Combine(keys, "luks", U1 + ".key"), s.KeyFiles[Need(U1).Token]);
        Assert.Equal("shared", File.ReadAllText(s.KeyFiles[Need(U2).Token]));
    }

    [Fact]
    public void Uuid_file_names_match_whatever_their_case()
    {
        var keys = Keys(($"luks/{U1.ToUpperInvariant()}.PASSPHRASE", "upper\n"), ("luks/Any.Key", "k"));
        using var s = Resolve(keys, false, luks: [Need(U1), Need(U2)]);
        Assert.Equal("upper", File.ReadAllText(s.KeyFiles[Need(U1).Token]));
        Assert.Equal(Path.Combine(keys, "luks", "Any.Key"), s.KeyFiles[Need(U2).Token]);
    }

    [Theory]
    [InlineData(U1 + ".key", U1 + ".passphrase")]
    [InlineData(U1 + ".key", "1234ABCD-0000-4000-8000-000000000001.key")]
    [InlineData("any.key", "any.passphrase")]
    public void Two_files_for_one_container_are_refused_as_ambiguous_and_nothing_is_written(string a, string b)
    {
        var keys = Keys(($"luks/{a}", "x\n"), ($"luks/{b}", "y\n"), ($"luks/{U2}.passphrase", "fine\n"));
        var e = Assert.Throws<MkcdrecException>(() => Resolve(keys, false, luks: [Need(U2), Need(U1)]));
        Assert.Equal(ExitCode.BadInput, e.Code);
        Assert.Contains("ambiguous", e.Message, StringComparison.Ordinal);
        Assert.Contains("luks/" + a, e.Message, StringComparison.Ordinal);
        Assert.Contains("luks/" + b, e.Message, StringComparison.Ordinal);
        Assert.Contains("nothing was written", e.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(Temp)); // U2's temporary file was removed again
    }

    [Fact]
    public void The_explicit_files_come_before_the_directory()
    {
        var keys = Keys(("backup.passphrase", "from dir\n"), ($"luks/{U1}.passphrase", "from dir\n"));
        var pass = Path.Combine(_dir, "pass");
        File.WriteAllText(pass, "explicit\n");
        var key = Path.Combine(_dir, "key");
        File.WriteAllText(key, "explicit key");
        using var s = Resolve(keys, true, passFile: pass, keyFile: key, luks: Need(U1));
        Assert.Equal("explicit"u8.ToArray(), s.BackupPassphrase);
        Assert.Equal(key, s.KeyFiles[Need(U1).Token]);
    }

    [Fact]
    public void The_directory_comes_before_the_prompt_and_the_prompt_fills_the_rest()
    {
        var keys = Keys(($"luks/{U1}.passphrase", "on medium\n"));
        var asked = new List<string>();
        using var s = Resolve(keys, true, new SecretPrompter((p, _) => { asked.Add(p); return "typed"; }, null), luks: [Need(U1), Need(U2)]);
        Assert.Equal(2, asked.Count);
        Assert.Contains("the encrypted backup", asked[0], StringComparison.Ordinal);
        Assert.Contains(U2, asked[1], StringComparison.Ordinal);
        Assert.Equal("typed"u8.ToArray(), s.BackupPassphrase);
        Assert.Equal("on medium", File.ReadAllText(s.KeyFiles[Need(U1).Token]));
        Assert.Equal("typed", File.ReadAllText(s.KeyFiles[Need(U2).Token]));
    }

    [Fact]
    public void A_dash_passphrase_file_asks_even_when_the_directory_has_one()
    {
        var keys = Keys(("backup.passphrase", "from dir\n"));
        using var s = Resolve(keys, true, new SecretPrompter((_, _) => "typed", null), passFile: "-");
        Assert.Equal("typed"u8.ToArray(), s.BackupPassphrase);
    }

    [Fact]
    public void Nobody_to_ask_names_every_missing_secret_and_where_to_put_it()
    {
        var e = Assert.Throws<MkcdrecException>(() => Resolve(Keys(), true, luks: [Need(U1), Need(U2, "/dev/md0")]));
        Assert.Equal(ExitCode.Refused, e.Code);
        Assert.Contains("3 secret(s)", e.Message, StringComparison.Ordinal);
        Assert.Contains("no disk was touched", e.Message, StringComparison.Ordinal);
        Assert.Contains("The encrypted backup: no passphrase. Put it on the keys medium as backup.passphrase", e.Message, StringComparison.Ordinal);
        Assert.Contains($"LUKS {U1} (was on /dev/vda3): no key. Put it on the keys medium as luks/{U1}.passphrase or .key, or run recover from the menu to type it.", e.Message, StringComparison.Ordinal);
        Assert.Contains($"LUKS {U2} (was on /dev/md0): no key.", e.Message, StringComparison.Ordinal);
        Assert.Contains("MKCDREC-KEYS", e.Hint, StringComparison.Ordinal);
        Assert.Contains("--secret-timeout", e.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_a_directory_the_error_says_no_keys_medium_was_given()
    {
        var e = Assert.Throws<MkcdrecException>(() => Resolve(null, false, luks: Need(U1)));
        Assert.Contains("no keys medium", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unattended_prompt_says_what_it_is_for_where_it_could_come_from_and_how_long_it_waits()
    {
        string? prompt = null;
        TimeSpan? waited = null;
        using var s = Resolve(Keys(), false, new SecretPrompter((p, t) => { prompt = p; waited = t; return "typed"; }, TimeSpan.FromSeconds(45)), luks: Need(U1));
        Assert.Equal(TimeSpan.FromSeconds(45), waited);
        Assert.Contains($"LUKS {U1} (was on /dev/vda3)", prompt, StringComparison.Ordinal);
        Assert.Contains($"keys medium would hold it as luks/{U1}.passphrase", prompt, StringComparison.Ordinal);
        Assert.Contains("within 45 s", prompt, StringComparison.Ordinal);
        Assert.EndsWith(": ", prompt, StringComparison.Ordinal);
    }

    [Fact]
    public void A_prompt_that_times_out_fails_with_the_error_naming_what_is_still_missing()
    {
        var asked = 0;
        var e = Assert.Throws<MkcdrecException>(() => Resolve(Keys(), true, new SecretPrompter((_, _) => ++asked == 1 ? "hunter2-first" : null, TimeSpan.FromSeconds(5)), luks: [Need(U1), Need(U2)]));
        Assert.Equal(2, asked);
        Assert.Equal(ExitCode.Refused, e.Code);
        Assert.Contains("nobody typed it in time", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("backup.passphrase", e.Message, StringComparison.Ordinal);
        Assert.Contains($"LUKS {U1}", e.Message, StringComparison.Ordinal);
        Assert.Contains($"LUKS {U2}", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_answer_is_refused()
    {
        var e = Assert.Throws<MkcdrecException>(() => Resolve(Keys(), false, new SecretPrompter((_, _) => "", null), luks: Need(U1)));
        Assert.Equal(ExitCode.Refused, e.Code);
        Assert.Contains("Empty passphrase", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_files_and_a_missing_directory_are_bad_input()
    {
        Assert.Equal(ExitCode.BadInput, Assert.Throws<MkcdrecException>(() => Resolve(Path.Combine(_dir, "nope"), false, luks: Need(U1))).Code);
        Assert.Equal(ExitCode.BadInput, Assert.Throws<MkcdrecException>(() => Resolve(Keys(($"luks/{U1}.key", "")), false, luks: Need(U1))).Code);
        Assert.Equal(ExitCode.BadInput, Assert.Throws<MkcdrecException>(() => Resolve(Keys(("backup.passphrase", "\nsecond")), true)).Code);
        Assert.Equal(ExitCode.BadInput, Assert.Throws<MkcdrecException>(() => Resolve(null, false, keyFile: Path.Combine(_dir, "none"), luks: Need(U1))).Code);
    }

    [Fact]
    public void A_token_without_a_placeholder_still_names_its_uuid()
    {
        var plan = new Model.Plan.RecoveryPlan();
        var needs = LuksKeyNeed.Of(plan, ["{keyfile:luks:" + U1 + "}"]);
        Assert.Equal(U1, Assert.Single(needs).Uuid);
        Assert.Equal($"LUKS {U1}", needs[0].Describe());
    }
}
