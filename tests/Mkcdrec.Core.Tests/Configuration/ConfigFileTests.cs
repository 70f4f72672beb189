using Mkcdrec.Core;
using Mkcdrec.Core.Configuration;

namespace Mkcdrec.Core.Tests.Configuration;

/// <summary>The configuration file's syntax and checks: what an admin writes, and the errors that name file, line and what is allowed.</summary>
public sealed class ConfigFileTests
{
    [Fact]
    public void Keys_values_comments_quotes_and_repeated_list_lines_are_read()
    {
        var entries = ConfigFile.Parse("""
            # weekly backups to the NAS
            destination = nfs://nas/export/backups?vers=4

              compress=gzip
            exclude = /srv/cache/*
            exclude = "/home/* with space/.cache"
            encrypt = On
            default-excludes = false
            medium = dvd
            keep-full = 3
            """, "/etc/mkcdrec/mkcdrec.conf");

        Assert.Equal(
            [
                ("destination", "nfs://nas/export/backups?vers=4", 2), ("compress", "gzip", 4), ("exclude", "/srv/cache/*", 5),
                ("exclude", "/home/* with space/.cache", 6), ("encrypt", "yes", 7), ("default-excludes", "no", 8), ("medium", "dvd", 9), ("keep-full", "3", 10),
            ],
            entries.Select(e => (e.Key, e.Value, e.Line)));
        Assert.All(entries, e => Assert.Equal("/etc/mkcdrec/mkcdrec.conf", e.File));
    }

    [Fact]
    public void Every_problem_is_reported_at_once_with_its_line_and_what_is_allowed()
    {
        var e = Assert.Throws<MkcdrecException>(() => ConfigFile.Parse("""
            compres = gzip
            encrypt = maybe
            medium = floppy
            keep-full = 0
            destination = https://example.org/backups
            output = relative/dir
            this line has no equals sign
            compress = lz4
            exclude = "unclosed
            """, "c.conf"));

        Assert.Equal(ExitCode.BadInput, e.Code);
        Assert.Contains("9 problem(s)", e.Message);
        Assert.Contains("c.conf line 1: unknown key 'compres'; the keys are destination, output, compress", e.Message);
        Assert.Contains("c.conf line 2: encrypt = maybe: it is neither a yes nor a no; allowed: yes or no", e.Message);
        Assert.Contains("c.conf line 3: medium = floppy", e.Message);
        Assert.Contains("c.conf line 4: keep-full = 0: it is not a whole number in that range; allowed: a whole number from 1 to 1000", e.Message);
        Assert.Contains("c.conf line 5: destination = https://example.org/backups: http(s):// is for fetching only", e.Message);
        Assert.Contains("c.conf line 6: output = relative/dir: it is not an absolute path", e.Message);
        Assert.Contains("c.conf line 7: 'this line has no equals sign' is not 'key = value'", e.Message);
        Assert.Contains("c.conf line 8: compress = lz4: it is not a compression mkcdrec writes; allowed: zstd, gzip or none", e.Message);
        Assert.Contains("c.conf line 9: the value of exclude opens a double quote it does not close", e.Message);
        Assert.Contains("docs/configuration.md", e.Hint);
    }

    [Fact]
    public void A_single_value_key_set_twice_is_an_error_naming_both_lines_but_a_list_key_repeats()
    {
        var e = Assert.Throws<MkcdrecException>(() => ConfigFile.Parse("compress = gzip\nexclude = /a\nexclude = /b\ncompress = zstd\n", "c.conf"));
        Assert.Contains("1 problem(s)", e.Message);
        Assert.Contains("c.conf line 4: compress is set again (first at line 1)", e.Message);
    }

    [Fact]
    public void A_passphrase_itself_is_not_a_key_only_the_file_that_holds_it()
    {
        var e = Assert.Throws<MkcdrecException>(() => ConfigFile.Parse("passphrase = hunter2\n", "c.conf"));
        Assert.Contains("unknown key 'passphrase'", e.Message);
        Assert.Contains("passphrase-file", e.Message);
    }

    [Fact]
    public void A_named_file_that_is_missing_says_so_and_how_to_read_none()
    {
        var e = Assert.Throws<MkcdrecException>(() => ConfigFile.Load("/nonexistent/mkcdrec.conf"));
        Assert.Equal(ExitCode.BadInput, e.Code);
        Assert.Contains("/nonexistent/mkcdrec.conf does not exist", e.Message);
        Assert.Contains("--config /dev/null", e.Hint);
        Assert.Empty(ConfigFile.Load("/dev/null"));
    }
}
