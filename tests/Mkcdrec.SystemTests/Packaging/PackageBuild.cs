using System.Text.RegularExpressions;
using Mkcdrec.TestVm;
using Mkcdrec.Tests.Shared;

namespace Mkcdrec.SystemTests.Packaging;

[CollectionDefinition("packages")]
public sealed class PackagesCollection : ICollectionFixture<PackageBuild>;

/// <summary>
/// The .deb and the .rpm, built once for the package tests by packaging/build-packages.sh from the built binary into a
/// temporary directory (removed afterwards). The script failing (no rpmbuild, no `reference` verb in the binary) fails
/// every test with its output.
/// </summary>
public sealed partial class PackageBuild : IDisposable
{
    public PackageBuild()
    {
        Dir = Directory.CreateTempSubdirectory("mkcdrec-packages-").FullName;
        try
        {
            var csproj = File.ReadAllText(Path.Combine(RepoPaths.Root, "src", "Mkcdrec.Cli", "Mkcdrec.Cli.csproj"));
            Version = VersionElement().Match(csproj) is { Success: true } m ? m.Groups[1].Value : throw new InvalidOperationException("no <Version> in the csproj");
            var r = Run(RepoPaths.MkcdrecBinary, Dir);
            Assert.True(r.ExitCode == 0, $"build-packages.sh failed ({r.ExitCode}):\n{r.StdOut}\n{r.StdErr}");
            Deb = Path.Combine(Dir, $"mkcdrec_{Version}_amd64.deb");
            Rpm = Path.Combine(Dir, $"mkcdrec-{Version}-1.x86_64.rpm");
            Assert.True(File.Exists(Deb), $"no {Deb}: {string.Join(' ', Directory.GetFiles(Dir))}");
            Assert.True(File.Exists(Rpm), $"no {Rpm}: {string.Join(' ', Directory.GetFiles(Dir))}");
        }
        catch
        {
            Tool.RemoveDir(Dir);
            throw;
        }
    }

    public string Dir { get; }

    /// <summary>The &lt;Version&gt; of src/Mkcdrec.Cli/Mkcdrec.Cli.csproj, read here independently of the script.</summary>
    public string Version { get; }

    public string Deb { get; }

    public string Rpm { get; }

    /// <summary>
    /// SOURCE_DATE_EPOCH for the script and for the binary's own output the tests compare with: the man pages carry that
    /// date (by default the script takes the commit's, and the binary its file's, which differ on a fresh clone).
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> Epoch = new Dictionary<string, string>
    {
        ["SOURCE_DATE_EPOCH"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>Runs packaging/build-packages.sh with a binary and an output directory (and more arguments).</summary>
    public static Tool.Result Run(string binary, string outDir, params string[] more) =>
        Tool.Run(Path.Combine(RepoPaths.Root, "packaging", "build-packages.sh"), ["--binary", binary, "--out", outDir, .. more],
            environment: Epoch, timeout: TimeSpan.FromMinutes(10));

    /// <summary>Runs a program that must succeed (with <see cref="Epoch"/> set); the assertion message carries its output.</summary>
    public static string Checked(string program, params string[] args)
    {
        Assert.True(Tool.Exists(program), $"{program} is not installed: the package tests need it (.ci/install-deps installs it)");
        var r = Tool.Run(program, args, environment: Epoch, timeout: TimeSpan.FromMinutes(5));
        Assert.True(r.ExitCode == 0, $"{program} {string.Join(' ', args)} failed ({r.ExitCode}):\n{r.StdOut}\n{r.StdErr}");
        return r.StdOut;
    }

    /// <summary>Runs a test's body in a new temporary directory, removed afterwards even when the body fails.</summary>
    public static void InScratch(string prefix, Action<string> body)
    {
        var dir = Directory.CreateTempSubdirectory(prefix).FullName;
        try
        {
            body(dir);
        }
        finally
        {
            Tool.RemoveDir(dir);
        }
    }

    /// <summary>The .deb unpacked (dpkg-deb -x) into a new directory under <paramref name="parent"/>.</summary>
    public string ExtractDeb(string parent)
    {
        var root = Path.Combine(parent, "deb-root");
        Checked("dpkg-deb", "-x", Deb, root);
        return root;
    }

    public void Dispose() => Tool.RemoveDir(Dir);

    [GeneratedRegex(@"<Version>([^<]+)</Version>")]
    private static partial Regex VersionElement();
}
