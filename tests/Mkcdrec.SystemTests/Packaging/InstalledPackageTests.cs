using Mkcdrec.TestVm;
using Mkcdrec.Tests.Shared;

namespace Mkcdrec.SystemTests.Packaging;

/// <summary>
/// The packages installed into scratch roots (rpm --root, dpkg --root: this machine's own databases untouched), the
/// binary run from there, verified against the package databases and removed; the systemd units checked by
/// systemd-analyze in the unpacked tree, and their command lines by the binary's parser.
/// </summary>
[Collection("packages")]
public sealed class InstalledPackageTests(PackageBuild build, ITestOutputHelper output)
{
    private const string Conf = "etc/mkcdrec/mkcdrec.conf";

    /// <summary>The rpm database inside a scratch root (Debian's rpm would put it in the caller's ~/.rpmdb).</summary>
    private const string RpmDb = "/var/lib/rpm";

    [Fact]
    public void The_rpm_installs_into_a_scratch_root_runs_verifies_and_is_removed_keeping_an_edited_configuration()
    {
        PackageBuild.InScratch("mkcdrec-rpm-root-", root =>
        {
            Rpm(root, "--initdb");
            Rpm(root, "--nodeps", "--noscripts", "-i", build.Rpm);
            AssertRunsAndReportsTheVersion(root);
            Assert.Equal("", Rpm(root, "-V", "--nodeps", "mkcdrec"));

            // rpm -V sees an admin's edit, and removal keeps the edited file (%config(noreplace)).
            File.AppendAllText(Path.Combine(root, Conf), "# edited by the admin\n");
            var changed = Tool.Run("rpm", ["--root", root, "--dbpath", RpmDb, "-V", "--nodeps", "mkcdrec"]);
            Assert.NotEqual(0, changed.ExitCode);
            Assert.Contains("c /" + Conf, changed.StdOut, StringComparison.Ordinal);
            Rpm(root, "-e", "--nodeps", "--noscripts", "mkcdrec");
            Assert.False(File.Exists(Path.Combine(root, "usr/sbin/mkcdrec")));
            Assert.Equal(["/" + Conf + ".rpmsave"], InstalledFiles(root, RpmDb.TrimStart('/')));
        });
    }

    [Fact]
    public void The_deb_installs_into_a_scratch_root_with_its_scripts_verifies_and_is_purged()
    {
        PackageBuild.InScratch("mkcdrec-deb-root-", root =>
        {
            Directory.CreateDirectory(Path.Combine(root, "var/lib/dpkg/info"));
            Directory.CreateDirectory(Path.Combine(root, "var/lib/dpkg/updates"));
            File.WriteAllText(Path.Combine(root, "var/lib/dpkg/status"), "");
            // The maintainer scripts run outside the scratch root (it has no shell), with DPKG_ROOT set, as for a
            // bootstrap: they must leave this machine's systemd alone then.
            PackageBuild.Checked("dpkg", "--root=" + root, "--force-depends", "--force-script-chrootless", "-i", build.Deb);
            Assert.Contains("Status: install ok installed", PackageBuild.Checked("dpkg", "--root=" + root, "-s", "mkcdrec"), StringComparison.Ordinal);
            AssertRunsAndReportsTheVersion(root);
            Assert.Equal("", PackageBuild.Checked("dpkg", "--root=" + root, "--verify", "mkcdrec"));

            File.AppendAllText(Path.Combine(root, "usr/share/doc/mkcdrec/README.md"), "changed\n");
            Assert.Contains("/usr/share/doc/mkcdrec/README.md", Tool.Run("dpkg", ["--root=" + root, "--verify", "mkcdrec"]).StdOut, StringComparison.Ordinal);

            PackageBuild.Checked("dpkg", "--root=" + root, "--force-script-chrootless", "--purge", "mkcdrec");
            Assert.Empty(InstalledFiles(root, "var/lib/dpkg"));
        });
    }

    [Fact]
    public void The_units_pass_systemd_analyze_verify_with_the_packaged_binary_and_man_pages()
    {
        PackageBuild.InScratch("mkcdrec-units-", scratch =>
        {
            var root = build.ExtractDeb(scratch);
            var unitDir = Path.Combine(root, "usr/lib/systemd/system");
            var units = Directory.GetFiles(unitDir, "mkcdrec-*").Order(StringComparer.Ordinal).ToList();
            Assert.Equal(4, units.Count);
            // The targets the units name (timers.target, network-online.target...) come from this machine's systemd;
            // ExecStart's binary and the Documentation= man pages must be the unpacked package's (MANPATH).
            PackageBuild.Checked("cp", "-an", "/usr/lib/systemd/system/.", unitDir + "/");
            var r = Tool.Run("systemd-analyze", ["verify", "--root=" + root, .. units],
                environment: new Dictionary<string, string> { ["MANPATH"] = Path.Combine(root, "usr/share/man") });
            Assert.True(r.ExitCode == 0 && r.StdOut.Length + r.StdErr.Length == 0, $"systemd-analyze verify ({r.ExitCode}):\n{r.StdOut}\n{r.StdErr}");

            var backup = File.ReadAllText(Path.Combine(unitDir, "mkcdrec-backup.timer"));
            Assert.Contains("OnCalendar=weekly", backup, StringComparison.Ordinal);
            Assert.Contains("Persistent=true", backup, StringComparison.Ordinal);
            Assert.Contains("OnCalendar=daily", File.ReadAllText(Path.Combine(unitDir, "mkcdrec-layout-check.timer")), StringComparison.Ordinal);
        });
    }

    [Fact]
    public void The_services_run_command_lines_the_packaged_binary_accepts()
    {
        PackageBuild.InScratch("mkcdrec-unit-commands-", scratch =>
        {
            var root = build.ExtractDeb(scratch);
            foreach (var service in Directory.GetFiles(Path.Combine(root, "usr/lib/systemd/system"), "*.service"))
            {
                var exec = Assert.Single(File.ReadAllLines(service), l => l.StartsWith("ExecStart=", StringComparison.Ordinal));
                var argv = exec["ExecStart=".Length..].Split(' ');
                Assert.Equal("/usr/sbin/mkcdrec", argv[0]);
                // --help parses the command line without running it; an unknown verb would print the root's help instead.
                var help = PackageBuild.Checked(Path.Combine(root, argv[0].TrimStart('/')), [.. argv[1..], "--help"]);
                output.WriteLine($"{Path.GetFileName(service)}: {exec}");
                Assert.Contains("mkcdrec " + string.Join(' ', argv[1..]) + " [options]", help, StringComparison.Ordinal);
            }
        });
    }

    private static string Rpm(string root, params string[] args) => PackageBuild.Checked("rpm", ["--root", root, "--dbpath", RpmDb, .. args]);

    private void AssertRunsAndReportsTheVersion(string root)
    {
        var reported = PackageBuild.Checked(Path.Combine(root, "usr/sbin/mkcdrec"), "--version").Trim();
        output.WriteLine($"installed mkcdrec --version: {reported}");
        Assert.Equal(build.Version, reported.Split('+')[0]);
    }

    /// <summary>The files left under a scratch root, leaving out the package database's own directories.</summary>
    private static List<string> InstalledFiles(string root, params string[] databases) =>
        [.. Directory.GetFiles(root, "*", SearchOption.AllDirectories)
            .Select(f => "/" + Path.GetRelativePath(root, f))
            .Where(f => !databases.Any(d => f.StartsWith("/" + d + "/", StringComparison.Ordinal)))];
}
