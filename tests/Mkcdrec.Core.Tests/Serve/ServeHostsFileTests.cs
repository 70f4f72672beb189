using Mkcdrec.Core.Serve;

namespace Mkcdrec.Core.Tests.Serve;

public sealed class ServeHostsFileTests
{
    private static MkcdrecException Refused(params string[] lines) =>
        Assert.Throws<MkcdrecException>(() => ServeHostsFile.Parse(lines, "/etc/mkcdrec/hosts"));

    [Fact]
    public void Lines_give_mac_hostname_and_action_with_comments_and_blank_lines_ignored()
    {
        var hosts = ServeHostsFile.Parse(
        [
            "# the web tier",
            "52:54:00:AA:00:01   web1  recover   # rack 3",
            "",
            "52-54-00-aa-00-02\tweb2\tMENU",
            "52:54:00:aa:00:03 db1 local",
        ], "hosts");
        Assert.Equal([new ServeHost("52:54:00:aa:00:01", "web1", ServeAction.Recover, 2), new ServeHost("52:54:00:aa:00:02", "web2", ServeAction.Menu, 4),
            new ServeHost("52:54:00:aa:00:03", "db1", ServeAction.Local, 5)], hosts);
    }

    [Fact]
    public void A_clone_names_the_host_whose_backup_it_takes_or_takes_the_one_served()
    {
        var hosts = ServeHostsFile.Parse(["52:54:00:aa:00:03 web3 clone:web1", "52:54:00:aa:00:04 web4 Clone"], "hosts");
        Assert.Equal(new ServeHost("52:54:00:aa:00:03", "web3", ServeAction.Clone, 1, "web1"), hosts[0]);
        Assert.Equal(new ServeHost("52:54:00:aa:00:04", "web4", ServeAction.Clone, 2, null), hosts[1]);
    }

    [Fact]
    public void A_mac_given_twice_is_refused_naming_both_lines()
    {
        var e = Refused("52:54:00:aa:00:01 web1 recover", "52:54:00:AA:00:01 web2 recover");
        Assert.Equal(ExitCode.Usage, e.Code);
        Assert.Equal("/etc/mkcdrec/hosts:2: the MAC 52:54:00:aa:00:01 is on lines 1 and 2.", e.Message);
    }

    [Fact]
    public void A_hostname_given_twice_is_refused_whatever_its_case()
    {
        var e = Refused("52:54:00:aa:00:01 web1 recover", "# spare", "52:54:00:aa:00:03 WEB1 menu");
        Assert.Equal("/etc/mkcdrec/hosts:3: the hostname web1 is on lines 1 and 3.", e.Message);
    }

    [Theory]
    [InlineData("52:54:00:aa:00:01 web1", "1 word(s)", "2 word(s) where 3 belong")]
    [InlineData("52:54:00:aa:00 web1 recover", "'52:54:00:aa:00' is not a MAC address", "six hex pairs")]
    [InlineData("52:54:00:aa:00:01 web_1 recover", "'web_1' is not a host name", "letters, digits")]
    [InlineData("52:54:00:aa:00:01 web1 restore", "'restore' is not an action", "clone or clone:HOST")]
    [InlineData("52:54:00:aa:00:01 web1 clone:", "'clone:' is not an action", "clone or clone:HOST")]
    [InlineData("52:54:00:aa:00:01 web1 recover:web2", "'recover:web2' is not an action", "clone or clone:HOST")]
    [InlineData("52:54:00:aa:00:01 web1 local:web2", "'local:web2' is not an action", "local (its own disk)")]
    public void A_bad_line_is_refused_with_its_file_and_line_and_what_is_allowed(string line, string _, string hint)
    {
        var e = Refused("# clients", line);
        Assert.StartsWith("/etc/mkcdrec/hosts:2: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(hint, e.Message + " " + e.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_file_is_refused_with_the_format()
    {
        var e = Assert.Throws<MkcdrecException>(() => ServeHostsFile.Read("/nonexistent/hosts"));
        Assert.Contains(ServeHostsFile.Format, e.Hint, StringComparison.Ordinal);
    }
}
