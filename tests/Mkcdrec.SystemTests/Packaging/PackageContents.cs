using Mkcdrec.TestVm;

namespace Mkcdrec.SystemTests.Packaging;

/// <summary>What the packages hold and declare, as dpkg-deb and rpm themselves read it.</summary>
public static class PackageContents
{
    /// <summary>The files every package installs (directories aside): the brief's list, each docs/*.md of this repository.</summary>
    public static SortedSet<string> Expected()
    {
        var files = new SortedSet<string>(StringComparer.Ordinal)
        {
            "/usr/sbin/mkcdrec",
            "/usr/share/man/man8/mkcdrec.8.gz",
            "/usr/share/man/man5/mkcdrec.conf.5.gz",
            "/usr/share/bash-completion/completions/mkcdrec",
            "/etc/mkcdrec/mkcdrec.conf",
            "/usr/lib/systemd/system/mkcdrec-backup.service",
            "/usr/lib/systemd/system/mkcdrec-backup.timer",
            "/usr/lib/systemd/system/mkcdrec-layout-check.service",
            "/usr/lib/systemd/system/mkcdrec-layout-check.timer",
            "/usr/share/doc/mkcdrec/README.md",
            "/usr/share/doc/mkcdrec/copyright",
            "/usr/share/doc/mkcdrec/changelog.gz",
        };
        foreach (var doc in Directory.GetFiles(Path.Combine(RepoPaths.Root, "docs"), "*.md"))
        {
            files.Add("/usr/share/doc/mkcdrec/docs/" + Path.GetFileName(doc));
        }

        return files;
    }

    /// <summary>The one file only the .deb has: lintian's override, with its reason (docs/packaging.md).</summary>
    public const string LintianOverride = "/usr/share/lintian/overrides/mkcdrec";

    /// <summary>Every entry of the .deb but directories (dpkg-deb -c: mode, owner, size, date, time, ./path); a link counts.</summary>
    public static SortedSet<string> DebFiles(string deb) => Files(
        PackageBuild.Checked("dpkg-deb", "-c", deb).Split('\n', StringSplitOptions.RemoveEmptyEntries),
        line => (line[0], line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[5].TrimStart('.')));

    /// <summary>Everything but directories in the .rpm (rpm -qp with each file's permissions beside its name).</summary>
    public static SortedSet<string> RpmFiles(string rpm) => Files(
        PackageBuild.Checked("rpm", "-qp", "--qf", "[%{FILEMODES:perms} %{FILENAMES}\n]", rpm).Split('\n', StringSplitOptions.RemoveEmptyEntries),
        line => (line[0], line[(line.IndexOf(' ', StringComparison.Ordinal) + 1)..]));

    /// <summary>The named control field of the .deb (dpkg-deb -f).</summary>
    public static string DebField(string deb, string field) => PackageBuild.Checked("dpkg-deb", "-f", deb, field).Trim();

    /// <summary>One rpm query's lines (--requires, --recommends, --suggests, --configfiles...).</summary>
    public static List<string> RpmQuery(string rpm, string query) =>
        [.. PackageBuild.Checked("rpm", "-qp", query, rpm).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    private static SortedSet<string> Files(IEnumerable<string> lines, Func<string, (char Type, string Path)> parse) =>
        new(lines.Select(parse).Where(e => e.Type != 'd').Select(e => e.Path), StringComparer.Ordinal);
}
