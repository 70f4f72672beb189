using System.Text.Json;

namespace Mkcdrec.Cli.Tests;

/// <summary>`mkcdrec config show` and configuration errors as an admin meets them, through the real program.</summary>
public sealed class ConfigCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mkcdrec-config-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Config_show_prints_each_value_with_its_line_and_the_defaults_of_what_is_not_set()
    {
        var conf = Write("# site settings\ndestination = s3://backups/hosts?endpoint=http://127.0.0.1:9000\nexclude = /srv/cache/*\nexclude = /var/cache/apt\nkeep-full = 4\n");
        var (code, o, e) = CliTests.Mkcdrec("--config", conf, "config", "show");

        Assert.True(code == 0, e);
        Assert.Contains($"Configuration file: {conf}; options on the command line override it.", o);
        Assert.Contains($"destination = s3://backups/hosts?endpoint=http://127.0.0.1:9000    (from {conf} line 2)", o);
        Assert.Contains($"exclude = /var/cache/apt    (from {conf} line 4)", o);
        Assert.Contains("    mkbackup --dest/--backup-dir, mkbackuponly --dest, backups list URL, backups prune URL", o);
        Assert.Contains("compress (not set)\n    mkbackup --compress (default zstd), mkbackuponly --compress (default zstd)", o);
        Assert.Contains("mkbackup --output (default /var/lib/mkcdrec/output)", o);
        Assert.Contains("mkbackup --encrypt (default off)", o);
    }

    [Fact]
    public void Config_show_json_gives_values_sources_and_uses()
    {
        var conf = Write("compress = gzip\nencrypt = yes\n");
        var (code, o, e) = CliTests.Mkcdrec("--json", "--config", conf, "config", "show");

        Assert.True(code == 0, e);
        using var doc = JsonDocument.Parse(o);
        Assert.Equal(conf, doc.RootElement.GetProperty("file").GetString());
        var compress = doc.RootElement.GetProperty("keys").EnumerateArray().Single(k => k.GetProperty("key").GetString() == "compress");
        Assert.Equal("gzip", compress.GetProperty("values")[0].GetString());
        Assert.Equal($"{conf} line 1", compress.GetProperty("sources")[0].GetString());
        Assert.Equal(["mkbackup", "mkbackuponly"], compress.GetProperty("uses").EnumerateArray().Select(u => u.GetProperty("verb").GetString()));
        var encrypt = doc.RootElement.GetProperty("keys").EnumerateArray().Single(k => k.GetProperty("key").GetString() == "encrypt");
        Assert.Equal("yes", encrypt.GetProperty("values")[0].GetString());
    }

    [Fact]
    public void Without_a_file_config_show_says_every_option_has_its_default()
    {
        var (code, o, _) = CliTests.Mkcdrec(new Dictionary<string, string> { ["MKCDREC_CONFIG"] = "" }, "config", "show");
        Assert.Equal(0, code);
        Assert.Contains(File.Exists("/etc/mkcdrec/mkcdrec.conf")
            ? "Configuration file: /etc/mkcdrec/mkcdrec.conf (the default place)"
            : "Configuration file: none (/etc/mkcdrec/mkcdrec.conf does not exist): every option has its default.", o);
    }

    [Fact]
    public void A_bad_file_stops_every_verb_it_reaches_with_exit_4_and_every_wrong_line()
    {
        var conf = Write("compress = lz4\nkeep-full = many\n");
        foreach (var args in new[] { new[] { "config", "show" }, ["mkbackuponly"], ["backups", "list"] })
        {
            var (code, _, e) = CliTests.Mkcdrec(["--config", conf, .. args]);
            Assert.Equal(4, code);
            Assert.Contains($"The configuration file {conf} has 2 problem(s):", e);
            Assert.Contains($"{conf} line 1: compress = lz4: it is not a compression mkcdrec writes; allowed: zstd, gzip or none", e);
            Assert.Contains($"{conf} line 2: keep-full = many", e);
        }

        Assert.Equal(0, CliTests.Mkcdrec("--config", conf, "layout", "show", "--help").Code);
    }

    [Fact]
    public void An_error_caused_by_a_configured_value_names_the_line_it_came_from()
    {
        var backups = Directory.CreateDirectory(Path.Combine(_dir, "backups")).FullName;
        var conf = Write($"destination = {backups}\nsecrets = {_dir}/no-such-secrets\n");
        var (code, o, e) = CliTests.Mkcdrec("--config", conf, "backups", "list");
        Assert.Equal(4, code);
        Assert.Contains("no-such-secrets' does not exist", e);
        Assert.Contains($"Options from the configuration file {conf}: URL (line 1), --secrets (line 2).", e);

        File.WriteAllText(conf, $"destination = {backups}\n");
        (code, o, e) = CliTests.Mkcdrec("--config", conf, "backups", "list");
        Assert.True(code == 0, e);
        Assert.Contains($"0 backup(s) at {backups}", o);
    }

    [Fact]
    public void A_ca_file_must_be_an_absolute_pem_file_and_a_missing_one_names_its_line()
    {
        var conf = Write("ca-file = ca.pem\n");
        var (code, _, e) = CliTests.Mkcdrec("--config", conf, "fetch", "https://backup.example/h/", "--spool", _dir);
        Assert.Equal(4, code);
        Assert.Contains($"{conf} line 1: ca-file = ca.pem: it is not an absolute path", e);

        var backups = Directory.CreateDirectory(Path.Combine(_dir, "backups")).FullName;
        File.WriteAllText(conf, $"destination = {backups}\nca-file = {_dir}/no-such-ca.pem\n");
        (code, _, e) = CliTests.Mkcdrec("--config", conf, "backups", "list");
        Assert.Equal(4, code);
        Assert.Contains($"The CA file '{_dir}/no-such-ca.pem' does not exist.", e);
        Assert.Contains($"Options from the configuration file {conf}: URL (line 1), --ca-file (line 2).", e);

        var key = Path.Combine(_dir, "server.key");
        File.WriteAllText(key, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
        (code, _, e) = CliTests.Mkcdrec("backups", "list", backups, "--ca-file", key);
        Assert.Equal(4, code);
        Assert.Contains("has no certificate mkcdrec can read", e);
    }

    private string Write(string text)
    {
        var path = Path.Combine(_dir, "mkcdrec.conf");
        File.WriteAllText(path, text);
        return path;
    }
}
