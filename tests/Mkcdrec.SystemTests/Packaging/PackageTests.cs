using System.IO.Compression;
using Mkcdrec.TestVm;
using Mkcdrec.Tests.Shared;

namespace Mkcdrec.SystemTests.Packaging;

/// <summary>
/// packaging/build-packages.sh (docs/packaging.md): what the .deb and the .rpm declare and hold, read by dpkg-deb, rpm
/// and lintian; the man pages, completion and configuration file are the binary's own output. No root, no QEMU.
/// </summary>
[Collection("packages")]
public sealed class PackageTests(PackageBuild build, ITestOutputHelper output)
{
    [Fact]
    public void The_deb_declares_its_version_and_dependencies_and_holds_every_file()
    {
        Assert.Equal("mkcdrec", PackageContents.DebField(build.Deb, "Package"));
        Assert.Equal(build.Version, PackageContents.DebField(build.Deb, "Version"));
        Assert.Equal("amd64", PackageContents.DebField(build.Deb, "Architecture"));
        var depends = PackageContents.DebField(build.Deb, "Depends");
        foreach (var needed in new[] { "libc6 (>= 2.", "xorriso", "grub-common", "grub-pc-bin", "grub-efi-amd64-bin", "mtools", "busybox", "udev" })
        {
            Assert.Contains(needed, depends, StringComparison.Ordinal);
        }

        Assert.Contains("mdadm", PackageContents.DebField(build.Deb, "Suggests"), StringComparison.Ordinal);
        Assert.Contains("qemu-system-x86", PackageContents.DebField(build.Deb, "Suggests"), StringComparison.Ordinal);
        Assert.Equal("/etc/mkcdrec/mkcdrec.conf", PackageBuild.Checked("dpkg-deb", "-I", build.Deb, "conffiles").Trim());

        var expected = PackageContents.Expected();
        expected.Add(PackageContents.LintianOverride);
        Assert.Equal(expected, PackageContents.DebFiles(build.Deb));
    }

    [Fact]
    public void Lintian_finds_no_error_and_no_warning_in_the_deb()
    {
        // Information tags are allowed (docs/packaging.md): they are about the .NET runtime linked into the binary.
        var lines = PackageBuild.Checked("lintian", "--display-info", build.Deb).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.ToList().ForEach(output.WriteLine);
        Assert.DoesNotContain(lines, l => l.StartsWith("E: ", StringComparison.Ordinal) || l.StartsWith("W: ", StringComparison.Ordinal));
    }

    [Fact]
    public void The_rpm_holds_the_debs_files_and_declares_its_dependencies_and_configuration_file()
    {
        var deb = PackageContents.DebFiles(build.Deb);
        deb.Remove(PackageContents.LintianOverride);
        Assert.Equal(deb, PackageContents.RpmFiles(build.Rpm));
        Assert.Equal(PackageContents.Expected(), deb);

        Assert.Equal($"mkcdrec {build.Version}-1 x86_64", PackageBuild.Checked("rpm", "-qp", "--qf", "%{NAME} %{VERSION}-%{RELEASE} %{ARCH}", build.Rpm));
        var requires = PackageContents.RpmQuery(build.Rpm, "--requires");
        foreach (var needed in new[] { "xorriso", "grub2-tools", "grub2-pc-modules", "grub2-efi-x64-modules", "busybox", "systemd-udev", "libzstd" })
        {
            Assert.Contains(needed, requires);
        }

        Assert.Contains(requires, r => r.StartsWith("libc.so.6(GLIBC_", StringComparison.Ordinal));
        Assert.Contains("qemu-system-x86", PackageContents.RpmQuery(build.Rpm, "--suggests"));
        Assert.Contains("mdadm", PackageContents.RpmQuery(build.Rpm, "--suggests"));
        Assert.Equal(["/etc/mkcdrec/mkcdrec.conf"], PackageContents.RpmQuery(build.Rpm, "--configfiles"));

        // The scriptlets never run in the scratch-root install (no shell there): at least they parse.
        foreach (var tag in new[] { "POSTIN", "PREUN", "POSTUN" })
        {
            var script = PackageBuild.Checked("rpm", "-qp", "--qf", $"%{{{tag}}}", build.Rpm);
            Assert.Contains("systemctl", script, StringComparison.Ordinal);
            var syntax = Tool.Run("sh", ["-n"], stdin: System.Text.Encoding.UTF8.GetBytes(script));
            Assert.True(syntax.ExitCode == 0, $"{tag}: {syntax.StdErr}\n{script}");
        }
    }

    [Fact]
    public void The_man_pages_completion_and_configuration_file_are_what_the_binary_prints()
    {
        PackageBuild.InScratch("mkcdrec-deb-files-", scratch =>
        {
            var root = build.ExtractDeb(scratch);
            Assert.Equal(Reference("man8"), Gunzip(Path.Combine(root, "usr/share/man/man8/mkcdrec.8.gz")));
            Assert.Equal(Reference("man5"), Gunzip(Path.Combine(root, "usr/share/man/man5/mkcdrec.conf.5.gz")));

            var completion = Path.Combine(root, "usr/share/bash-completion/completions/mkcdrec");
            Assert.Equal(Reference("bash-completion"), File.ReadAllText(completion));
            Assert.Contains("mkcdrec", PackageBuild.Checked("bash", "-c", $"source '{completion}' && complete -p mkcdrec"), StringComparison.Ordinal);

            // The installed file: the header about the timers, then the binary's example, which mkcdrec itself accepts.
            var conf = Path.Combine(root, "etc/mkcdrec/mkcdrec.conf");
            var header = File.ReadAllText(Path.Combine(RepoPaths.Root, "packaging", "mkcdrec.conf.header"));
            Assert.Equal(header + Reference("config-example"), File.ReadAllText(conf));
            Assert.Contains("systemctl enable --now mkcdrec-backup.timer", header, StringComparison.Ordinal);
            PackageBuild.Checked(RepoPaths.MkcdrecBinary, "--log", Path.Combine(scratch, "config-show.log"), "--config", conf, "config", "show");
        });
    }

    [Fact]
    public void The_script_refuses_a_missing_binary_and_a_version_the_binary_does_not_report()
    {
        PackageBuild.InScratch("mkcdrec-packages-refused-", scratch =>
        {
            var missing = PackageBuild.Run(Path.Combine(scratch, "no-such-mkcdrec"), scratch);
            Assert.NotEqual(0, missing.ExitCode);
            Assert.Contains("run ./build.sh first", missing.StdErr, StringComparison.Ordinal);

            var other = PackageBuild.Run(RepoPaths.MkcdrecBinary, scratch, "--version", "9.9.9");
            Assert.NotEqual(0, other.ExitCode);
            Assert.Contains($"the binary reports version {build.Version}, the package would be 9.9.9", other.StdErr, StringComparison.Ordinal);
            Assert.Empty(Directory.GetFiles(scratch));
        });
    }

    private static string Reference(string what) => PackageBuild.Checked(RepoPaths.MkcdrecBinary, "reference", what);

    private static string Gunzip(string file)
    {
        using var gz = new GZipStream(File.OpenRead(file), CompressionMode.Decompress);
        using var reader = new StreamReader(gz);
        return reader.ReadToEnd();
    }
}
